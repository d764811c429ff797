"""Published forms are immutable versions; a case keeps the version it was filled against."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal.cases.intake import save_application, spec_of
from portal.core.errors import PortalError
from portal.forms.build import blank, check_submission
from portal.models import Case, FormVersion, Item, Offering, SubCenter, db
from portal.site import load_site
from portal.site.publish import publish
from portal.web.current import current_site

APPLICATION = {
    "applicant_name": "王秀英", "id_number": "11010519491231002X", "mobile": "13912345678",
    "address": "句容市华阳镇人民路1号", "hukou": "城镇", "marital": "丧偶", "by_agent": "no",
    "members-0-name": "王秀英", "members-0-id_number": "11010519491231002X",
    "members-0-relation": "本人", "members-0-income": "650", "has_property": "no",
    "savings": "3000", "reason": "年老体弱，无固定收入", "large_spending": "no",
}


def versions(code: str) -> list[tuple[str, int]]:
    return [(v.scope, v.number) for v in db.session.scalars(
        select(FormVersion).where(FormVersion.code == code).order_by(FormVersion.scope, FormVersion.number))]


def offering(sub: str, item: str) -> Offering:
    return db.session.scalars(select(Offering).join(SubCenter).join(Item).where(
        SubCenter.code == sub, Item.code == item)).one()


def republish(site_dir: Path) -> None:
    site, problems = load_site(site_dir)
    assert site is not None, problems
    publish(db.session, site, by="test")


def add_field(site_dir: Path) -> None:
    path = site_dir / "forms" / "mz-dibao.yaml"
    form = yaml.safe_load(path.read_text(encoding="utf-8"))
    form["sections"][2]["fields"].append({"name": "bank_account", "label": "银行账号", "type": "text",
                                          "required": True})
    path.write_text(yaml.safe_dump(form, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_publishing_stores_each_form_once_per_scope(published) -> None:
    with published.app_context():
        assert versions("mz-dibao") == [("", 1), ("mz", 1)]  # the center's, and 民政's additions
        assert versions("mz-lnyd") == [("", 1)]
        mine = offering("mz", "mz-dibao").form_version
        assert (mine.scope, mine.number, mine.title) == ("mz", 1, "城乡最低生活保障申请表")
        assert "large_spending" in [f.name for f in spec_of(mine).fields()]
        assert offering("mz", "mz-lnyd").form_version.scope == ""  # no additions: the center's


def test_an_old_case_keeps_its_version_after_the_form_changes(published, demo_site) -> None:
    with published.app_context():
        place = offering("mz", "mz-dibao")
        spec = spec_of(place.form_version)
        checked = check_submission(spec, MultiDict(APPLICATION))
        assert checked.ok, checked.errors
        case = save_application(db.session, current_site(), place, place.windows[0], checked, submit=True)
        assert (case.state, case.applicant_name, case.applicant_id_type) == (
            "submitted", "王秀英", "居民身份证")
        old_id = case.form_version_id

        add_field(demo_site)
        republish(demo_site)
        assert versions("mz-dibao") == [("", 1), ("", 2), ("mz", 1), ("mz", 2)]
        assert versions("mz-lnyd") == [("", 1)]  # an unchanged form makes no version
        new = offering("mz", "mz-dibao").form_version
        assert (new.scope, new.number) == ("mz", 2)

        db.session.expire_all()
        case = db.session.get(Case, case.id)
        assert case.form_version_id == old_id
        shown = blank(spec_of(case.form_version), case.data)
        assert "bank_account" not in shown._fields
        assert shown["members"].entries[0].form["income"].data == 650
        # the same application is now incomplete for a new case
        assert "bank_account" in check_submission(spec_of(new), MultiDict(APPLICATION)).errors


def test_going_back_to_old_declarations_reuses_the_old_version(published, demo_site) -> None:
    with published.app_context():
        before = offering("mz", "mz-dibao").form_version_id
        original = (demo_site / "forms" / "mz-dibao.yaml").read_text(encoding="utf-8")
        add_field(demo_site)
        republish(demo_site)
        (demo_site / "forms" / "mz-dibao.yaml").write_text(original, encoding="utf-8")
        republish(demo_site)
        assert offering("mz", "mz-dibao").form_version_id == before
        assert versions("mz-dibao") == [("", 1), ("", 2), ("mz", 1), ("mz", 2)]


def test_a_form_version_cannot_be_changed_or_deleted(published) -> None:
    with published.app_context():
        version = db.session.scalars(select(FormVersion)).first()
        version.title = "改过的标题"
        with pytest.raises(PortalError):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalars(select(FormVersion)).first())
        with pytest.raises(PortalError):
            db.session.flush()
        db.session.rollback()


def test_a_draft_may_be_incomplete_but_not_wrong(published) -> None:
    with published.app_context():
        place = offering("mz", "mz-dibao")
        spec = spec_of(place.form_version)
        partial = MultiDict({"applicant_name": "李桂芳", "mobile": "13912345678"})
        assert not check_submission(spec, partial).ok
        draft = check_submission(spec, partial, draft=True)
        assert draft.ok
        case = save_application(db.session, current_site(), place, place.windows[0], draft, submit=False)
        assert (case.state, case.applicant_name, case.data["mobile"]) == ("draft", "李桂芳", "13912345678")
        wrong = check_submission(spec, MultiDict({"mobile": "1391234"}), draft=True)
        assert not wrong.ok and list(wrong.errors) == ["mobile"]
        later = check_submission(spec, MultiDict(APPLICATION))
        again = save_application(db.session, current_site(), place, place.windows[0], later, submit=True,
                                 case=case)
        assert (again.id, again.number, again.state) == (case.id, case.number, "submitted")
        with pytest.raises(PortalError):
            save_application(db.session, current_site(), place, place.windows[0], later, submit=True,
                             case=case)


def test_a_manager_sees_two_versions_side_by_side_field_by_field(published, demo_site) -> None:
    from portal.cli.demo import ensure_demo_users
    from tests.support.world import PASSWORD, login

    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        add_field(demo_site)
        path = demo_site / "forms" / "mz-dibao.yaml"
        form = yaml.safe_load(path.read_text(encoding="utf-8"))
        form["sections"][2]["fields"][4]["max_length"] = 800  # property_note
        path.write_text(yaml.safe_dump(form, allow_unicode=True, sort_keys=False), encoding="utf-8")
        republish(demo_site)
        ids = {(v.scope, v.number): v.id for v in db.session.scalars(
            select(FormVersion).where(FormVersion.code == "mz-dibao"))}
    client = published.test_client()
    login(client, "mz-manager")
    show = client.get(f"/form_versions/show/{ids[('mz', 2)]}").get_data(as_text=True)
    assert "城乡最低生活保障申请表" in show and "bank_account" in show and "与此版本比较" in show
    page = client.get(f"/form_versions/diff/{ids[('mz', 2)]}?with={ids[('mz', 1)]}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "银行账号" in text and "新增于“家庭成员及收入”" in text
    assert "最多字数" in text and ">500<" in text and ">800<" in text
    assert "large_spending" not in text  # unchanged fields are not listed


def test_a_version_exported_as_yaml_reads_back_the_same_and_checks_clean(published, demo_site,
                                                                         tmp_path) -> None:
    from portal.cli.demo import ensure_demo_users
    from portal.site.form_versions import from_yaml
    from tests.support.world import PASSWORD, login

    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        mine = offering("mz", "mz-dibao").form_version
        pk, definition = mine.id, mine.definition
    client = published.test_client()
    login(client, "mz-clerk")
    response = client.get(f"/form_versions/yaml/{pk}")
    assert response.status_code == 200
    assert 'filename="mz-dibao-mz-v1.yaml"' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert from_yaml(text) == definition
    # the merged version, as the base form of a site, passes `portal check`
    (demo_site / "forms" / "mz" / "mz-dibao.yaml").unlink()
    (demo_site / "forms" / "mz-dibao.yaml").write_text(text, encoding="utf-8")
    site, problems = load_site(demo_site)
    assert problems == [] and site is not None
    assert site.forms["mz-dibao"].digest == site.subcenters["mz"].offerings["mz-dibao"].form.digest


def test_a_form_goes_out_and_back_in_through_the_command_line(published, demo_site, tmp_path) -> None:
    from tests.test_publish import run

    out = run(published, "form-export", "mz-dibao", "--scope", "mz")
    assert out.exit_code == 0 and out.output.startswith("# 城乡最低生活保障申请表 v1 · mz")
    exported = tmp_path / "mz-dibao.yaml"
    exported.write_text(out.output, encoding="utf-8")
    (demo_site / "forms" / "mz" / "mz-dibao.yaml").unlink()  # its additions are in the export
    done = run(published, "form-import", str(exported), str(demo_site))
    assert done.exit_code == 0, done.output
    site, problems = load_site(demo_site)
    assert problems == []
    with published.app_context():
        assert site.forms["mz-dibao"].data == offering("mz", "mz-dibao").form_version.definition

    broken = tmp_path / "broken.yaml"
    broken.write_text(out.output.replace("type: id_card", "type: idcard", 1), encoding="utf-8")
    before = (demo_site / "forms" / "mz-dibao.yaml").read_bytes()
    refused = run(published, "form-import", str(broken), str(demo_site))
    assert refused.exit_code != 0 and "schema.E025" in refused.output and "id_card" in refused.output
    assert (demo_site / "forms" / "mz-dibao.yaml").read_bytes() == before  # nothing half-applied
    missing = run(published, "form-export", "mz-nothing")
    assert missing.exit_code != 0 and "no published version" in missing.output
