"""`portal sync` and `portal export` as a center admin uses them, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from portal.cli import main
from portal.models import (
    Item,
    Offering,
    SitePublication,
    SiteVersion,
    SubCenter,
    Window,
    db,
)
from portal.site import load_site


def run(app, *args: str):
    result = CliRunner().invoke(main, list(args), obj=_script_info(app), catch_exceptions=False)
    return result


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (SiteVersion, SitePublication, SubCenter, Window, Item, Offering)}


def test_sync_publishes_the_demo_once(app, demo_site: Path) -> None:
    first = run(app, "sync", str(demo_site), "--by", "张主任")
    assert first.exit_code == 0, first.output
    assert "published version 1" in first.output
    again = run(app, "sync", str(demo_site))
    assert again.exit_code == 0
    assert "unchanged: version 1" in again.output
    assert counts(app) == {"SiteVersion": 1, "SitePublication": 1, "SubCenter": 7, "Window": 18,
                           "Item": 35, "Offering": 42}
    with app.app_context():
        version = db.session.scalar(select(SiteVersion))
        site, _ = load_site(demo_site)
        assert version.content_hash == site.content_hash
        assert version.created_by == "张主任"
        mz = db.session.scalar(select(SubCenter).where(SubCenter.code == "mz"))
        assert mz.unified_name == "句容市政务服务民政分中心"
        dibao = db.session.scalar(select(Offering).join(Item).where(
            Item.code == "mz-dibao", Offering.sub_center_id == mz.id))
        assert dibao.promised_days == 15  # the sub-center's tightened limit
        assert dibao.item.promised_days == 20  # the center's
        assert [w.code for w in dibao.windows] == ["MZ01"]


def test_a_changed_file_makes_a_new_version_and_a_revert_reuses_the_old(app, demo_site: Path) -> None:
    assert run(app, "sync", str(demo_site)).exit_code == 0
    path = demo_site / "schema/items/mz-lnyd.yaml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("年满60周岁", "年满60周岁的老年人"), encoding="utf-8")
    changed = run(app, "sync", str(demo_site))
    assert "published version 2" in changed.output
    path.write_text(original, encoding="utf-8")
    reverted = run(app, "sync", str(demo_site))
    assert "version 1" in reverted.output and "current again" in reverted.output
    assert counts(app)["SiteVersion"] == 2
    assert counts(app)["SitePublication"] == 3
    with app.app_context():
        item = db.session.scalar(select(Item).where(Item.code == "mz-lnyd"))
        assert "年满60周岁的老年人" not in str(item.data["conditions"])


def test_a_publication_writes_only_the_rows_it_changes(app, demo_site: Path) -> None:
    """One phone number changed: one sub-center row is written (and says so by its version);
    every other row stays as it was — publishing costs what changed, not the site's size."""
    from sqlalchemy import event

    assert run(app, "sync", str(demo_site)).exit_code == 0
    path = demo_site / "schema/subcenters/mz.yaml"
    text = path.read_text(encoding="utf-8")
    phone = text.split("phone:")[1].split()[0].strip("'\"")
    path.write_text(text.replace(phone, "0511-87289999", 1), encoding="utf-8")
    with app.app_context():
        written: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany) -> None:
            if statement.startswith(("UPDATE", "INSERT")):
                written.append(statement.split()[1 if statement.startswith("UPDATE") else 2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert "published version 2" in run(app, "sync", str(demo_site)).output
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert sorted(set(written)) == ["site_publication", "site_version", "sub_center"], written
        version = db.session.scalar(select(SiteVersion).where(SiteVersion.number == 2))
        changed = db.session.scalars(select(SubCenter.code).where(SubCenter.version_id == version.id)).all()
        assert changed == ["mz"]
        assert db.session.scalar(select(SubCenter.phone).where(SubCenter.code == "mz")) == "0511-87289999"
        assert not db.session.scalar(select(func.count()).select_from(Offering)
                                     .where(Offering.version_id == version.id))


def test_a_folder_with_any_error_changes_nothing(app, demo_site: Path) -> None:
    assert run(app, "sync", str(demo_site)).exit_code == 0
    before = counts(app)
    (demo_site / "schema/subcenters/mz.yaml").write_text(
        (demo_site / "schema/subcenters/mz.yaml").read_text(encoding="utf-8")
        .replace("promised_days: 15", "promised_days: 25"), encoding="utf-8")
    (demo_site / "schema/items/new-item.yaml").write_text("code: new-item\n", encoding="utf-8")
    result = run(app, "sync", str(demo_site))
    assert result.exit_code == 1
    assert "schema.E053" in result.output and "schema.E011" in result.output
    assert "nothing was published" in result.output
    assert counts(app) == before


def test_removed_sub_center_is_retired_not_deleted(app, demo_site: Path) -> None:
    assert run(app, "sync", str(demo_site)).exit_code == 0
    (demo_site / "schema/subcenters/baohua.yaml").unlink()
    assert run(app, "sync", str(demo_site)).exit_code == 0
    with app.app_context():
        baohua = db.session.scalar(select(SubCenter).where(SubCenter.code == "baohua"))
        assert baohua.active is False
        assert db.session.scalar(select(Window).where(Window.code == "BH01")).active is False


def test_export_writes_files_that_check_clean_and_hash_the_same(app, demo_site: Path, tmp_path: Path) -> None:
    assert run(app, "sync", str(demo_site)).exit_code == 0
    out = tmp_path / "exported"
    result = run(app, "export", "1", str(out))
    assert result.exit_code == 0, result.output
    site, problems = load_site(out)
    assert problems == []
    original, _ = load_site(demo_site)
    assert site.content_hash == original.content_hash
    # and syncing the export publishes nothing new
    assert "unchanged: version 1" in run(app, "sync", str(out)).output
    text = (out / "schema/items/mz-dibao.yaml").read_text(encoding="utf-8")
    assert "城乡最低生活保障对象认定" in text  # Chinese stays readable, not \u-escaped


def test_export_refuses_a_folder_with_files(app, demo_site: Path, tmp_path: Path) -> None:
    assert run(app, "sync", str(demo_site)).exit_code == 0
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("x", encoding="utf-8")
    result = run(app, "export", "current", str(tmp_path / "busy"))
    assert result.exit_code == 1
    assert "not an empty folder" in result.output
    assert (tmp_path / "busy" / "keep.txt").read_text(encoding="utf-8") == "x"


@pytest.mark.parametrize("ref", ["7", "abcdef"])
def test_export_of_an_unknown_version_says_so(app, demo_site: Path, tmp_path: Path, ref: str) -> None:
    assert run(app, "sync", str(demo_site)).exit_code == 0
    result = run(app, "export", ref, str(tmp_path / "out"))
    assert result.exit_code == 1
    assert f"no published version '{ref}'" in result.output


def test_two_publishers_at_once_make_one_version(app, demo_site: Path) -> None:
    import threading

    from portal.site.publish import publish

    site, _ = load_site(demo_site)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def publisher(name: str) -> None:
        with app.app_context():
            try:
                barrier.wait()
                results.append(publish(db.session, site, by=name))
            except Exception as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=publisher, args=(n,)) for n in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r.created for r in results) == [False, True]
    assert counts(app)["SiteVersion"] == 1
    assert counts(app)["SitePublication"] == 1


def test_a_published_version_cannot_be_edited_or_deleted(app, demo_site: Path) -> None:
    from portal.core.errors import PortalError

    assert run(app, "sync", str(demo_site)).exit_code == 0
    with app.app_context():
        version = db.session.scalar(select(SiteVersion))
        version.documents = {"center": {}}
        with pytest.raises(PortalError, match="cannot be changed"):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(SiteVersion)))
        with pytest.raises(PortalError, match="cannot be changed"):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(SiteVersion)).documents["center"]["code"] == "jurong"


def test_versions_lists_the_current_one(app, demo_site: Path) -> None:
    assert run(app, "sync", str(demo_site), "--by", "李科长").exit_code == 0
    site, _ = load_site(demo_site)
    listing = run(app, "versions").output.splitlines()
    assert len(listing) == 1
    assert listing[0].startswith(f"*    1  {site.content_hash[:12]}")
    assert listing[0].endswith("李科长")


def test_create_admin_prints_the_login_once_and_remembers_it_for_the_demo(app, tmp_path: Path) -> None:
    remember = tmp_path / "instance" / "demo-logins.txt"
    first = run(app, "create-admin", "--remember", str(remember))
    password = first.output.strip().rsplit(" / ", 1)[1]
    assert first.output.startswith("中心管理员 / center admin: admin / ")
    assert len(password) >= 12
    assert oct(remember.stat().st_mode & 0o777) == "0o600"
    again = run(app, "create-admin", "--remember", str(remember))
    assert again.output == first.output
    with app.app_context():
        user = app.appbuilder.sm.auth_user_db("admin", password)
        assert user is not None and user.center_wide
        assert [role.name for role in user.roles] == ["中心管理员"]
        assert user.password.startswith("scrypt:")  # a modern hash, not the password


def test_a_sync_that_would_undo_browser_work_refuses_and_says_how_to_keep_it(
        app, demo_site: Path, tmp_path: Path) -> None:
    """Published in the browser since the folder was last synced: a sync of the old folder
    refuses (nothing published), naming what it would undo; a folder exported from the current
    version syncs; ``--force`` publishes and the publication records what it dropped."""
    from portal.site.edits import publish_change, set_subcenter
    from portal.web.site.print_templates import set_template

    assert run(app, "sync", str(demo_site)).exit_code == 0
    with app.app_context():
        mz = db.session.scalars(select(SubCenter).where(SubCenter.code == "mz")).one()
        values = {"address": mz.address, "hours": mz.hours, "phone": "0511-87280999"}
        assert publish_change(db.session, set_subcenter("mz", values), by="mz-manager")[0] is not None
        name, text = next(iter(current_site_documents()["templates"].items()))
        assert publish_change(db.session, set_template(name, text + "\n<!-- 修订 -->"),
                              by="admin")[0] is not None
    published = counts(app)["SiteVersion"]
    refused = run(app, "sync", str(demo_site))
    assert refused.exit_code == 1
    assert "would undo subcenters/mz: v2 (mz-manager" in refused.output
    assert f"would undo templates/{name}: v3 (admin" in refused.output
    assert "2 declaration(s) changed in the browser" in refused.output and "--force" in refused.output
    assert counts(app)["SiteVersion"] == published  # nothing published
    kept = tmp_path / "kept"
    assert run(app, "export", "current", str(kept)).exit_code == 0
    again = run(app, "sync", str(kept))
    assert again.exit_code == 0 and "unchanged" in again.output
    forced = run(app, "sync", "--force", str(demo_site))
    assert forced.exit_code == 0 and "version 1" in forced.output  # the folder's content again
    with app.app_context():
        last = db.session.scalars(select(SitePublication).order_by(SitePublication.id.desc())).first()
        assert last.note.startswith("dropped browser work: subcenters/mz: v2")


def current_site_documents() -> dict:
    from portal.site.publish import current_version

    return db.session.get(SiteVersion, current_version(db.session).id).documents
