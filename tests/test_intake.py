"""Intake in the browser's terms: choose an item, fill its form, save a draft or submit."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from portal.cli.demo import ensure_demo_users
from portal.core import servertime
from portal.models import Case, Item, Offering, SubCenter, db
from portal.web.current import current_site
from tests.support.world import PASSWORD, csrf_token, login

GOOD = {
    "applicant_name": "王秀英", "id_number": "11010519491231002X", "mobile": "13912345678",
    "address": "句容市华阳镇人民路1号", "hukou": "城镇", "marital": "丧偶", "by_agent": "no",
    "members-0-name": "王秀英", "members-0-id_number": "11010519491231002X",
    "members-0-relation": "本人", "members-0-income": "650", "has_property": "no",
    "savings": "3000", "reason": "年老体弱，无固定收入", "large_spending": "no",
}


@pytest.fixture
def counter(published):
    return at_the_counter(published)


def at_the_counter(published):
    """mz-clerk signed in at the 民政 counter: (app, client, (低保 offering id, a 卫健 one))."""
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        offering = db.session.scalars(select(Offering).join(SubCenter).join(Item).where(
            SubCenter.code == "mz", Item.code == "mz-dibao")).one()
        foreign = db.session.scalars(select(Offering).join(SubCenter).where(
            SubCenter.code == "ws").order_by(Offering.id)).first()
        ids = offering.id, foreign.id
    client = published.test_client()
    login(client, "mz-clerk")
    return published, client, ids


def post(client, url: str, data: dict, action: str = "submit", files=None):
    page = client.get(url).get_data(as_text=True)
    body = {**data, "csrf_token": csrf_token(page), "action": action}
    for hidden in ("window", "_row_version"):  # what the page carries along
        found = re.search(rf'name="{hidden}" value="(\d+)"', page)
        if found and hidden not in body:
            body[hidden] = found.group(1)
    for name, items in (files or {}).items():
        body[name] = items
    return client.post(url, data=body, content_type="multipart/form-data")


def test_the_clerk_sees_the_items_of_their_windows_only(counter) -> None:
    app, client, (mine, foreign) = counter
    page = client.get("/intake/").get_data(as_text=True)
    assert "城乡最低生活保障对象认定" in page and f"/intake/{mine}/new" in page
    assert f"/intake/{foreign}/new" not in page
    assert client.get(f"/intake/{foreign}/new").status_code == 404


def test_the_form_is_the_sub_centers_current_version_in_chinese(counter) -> None:
    app, client, (mine, _) = counter
    page = client.get(f"/intake/{mine}/new").get_data(as_text=True)
    for text in ("城乡最低生活保障申请表", "家庭成员及收入", "近一年内是否有单笔超过两万元的消费",
                 "添加一行", "保存草稿", "提交", "portal-forms.js"):
        assert text in page, text
    assert 'id="portal-rules"' in page


def test_a_valid_application_is_submitted_with_its_computed_values(counter) -> None:
    app, client, (mine, _) = counter
    response = post(client, f"/intake/{mine}/new", {**GOOD, "members-1-name": "李四",
                                                     "members-1-id_number": "110105194912310021",
                                                     "members-1-relation": "配偶",
                                                     "members-1-income": "350", "per_capita": "1"})
    # the spouse's number above has a wrong check digit: refused, everything kept
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "校验码不正确" in page and 'value="李四"' in page and 'value="年老体弱，无固定收入"' not in page
    assert "年老体弱，无固定收入" in page  # a textarea keeps its text inside the element
    fixed = post(client, f"/intake/{mine}/new", {**GOOD, "members-1-name": "李四",
                                                  "members-1-id_number": "11010519491231002X",
                                                  "members-1-relation": "配偶", "members-1-income": "350"})
    assert fixed.status_code == 302
    with app.app_context():
        case = db.session.scalars(select(Case).order_by(Case.id.desc())).first()
        assert (case.state, case.applicant_name, case.applicant_phone) == (
            "submitted", "王秀英", "13912345678")
        assert case.data["per_capita"] == "500.00" and case.data["total_income"] == "1000.00"
        assert case.form_version.scope == "mz"
        from portal.models import CaseEvent

        events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
        assert [(e.kind, e.by) for e in events] == [("submit", "mz-clerk")]  # time: the server's
    shown = client.get(fixed.location).get_data(as_text=True)  # the case page, by its version
    for text in ("申请表内容", "城乡最低生活保障申请表 v1 · mz", "家庭人均月收入（元）", "500.00 元",
                 "李四", "配偶", "近一年内是否有单笔超过两万元的消费"):
        assert text in shown, text
    assert "代理人姓名" not in shown  # hidden by its rule: not part of this application
    exported = client.get("/cases/export.csv").get_data(as_text=True)
    row = next(line for line in exported.splitlines() if "王秀英" in line)
    assert "申请表内容" in exported.splitlines()[0]
    assert "家庭人均月收入（元）：500.00" in row and "是否委托代理人办理：否" in row


def test_a_rejected_submission_keeps_what_was_typed_and_marks_each_field(counter) -> None:
    app, client, (mine, _) = counter
    response = post(client, f"/intake/{mine}/new", {**GOOD, "mobile": "1391234", "id_number": "",
                                                     "has_property": "yes"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="1391234"' in page and 'value="王秀英"' in page and 'value="3000"' in page
    assert page.count("has-error") >= 3  # mobile, id number, the property note now required
    assert "手机号码为 11 位数字" in page and "此项为必填项" in page
    with app.app_context():
        assert db.session.scalar(select(Case.id).where(Case.applicant_name == "王秀英")) is None


def test_an_uploaded_file_survives_a_rejected_submission(counter, tmp_path) -> None:
    app, client, (mine, _) = counter
    app.config["PORTAL_UPLOAD_DIR"] = str(tmp_path / "uploads")
    scan = (io.BytesIO(b"%PDF-1.4 hukou scan"), "户口簿.pdf")
    response = post(client, f"/intake/{mine}/new", {**GOOD, "mobile": "1"}, files={"scan_hukou": [scan]})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "已上传：户口簿.pdf" in page
    token = re.search(r'name="scan_hukou__kept" value="([^"]+)"', page).group(1)
    done = post(client, f"/intake/{mine}/new", {**GOOD, "scan_hukou__kept": token})
    assert done.status_code == 302
    with app.app_context():
        case = db.session.scalars(select(Case).order_by(Case.id.desc())).first()
        assert [f["name"] for f in case.data["scan_hukou"]] == ["户口簿.pdf"]
    forged = post(client, f"/intake/{mine}/new", {**GOOD, "scan_hukou__kept": token[:-3] + "abc"})
    assert forged.status_code == 302
    with app.app_context():
        case = db.session.scalars(select(Case).order_by(Case.id.desc())).first()
        assert case.data["scan_hukou"] is None  # a forged token reaches no file


def test_a_draft_is_saved_incomplete_and_submitted_later(counter) -> None:
    app, client, (mine, _) = counter
    response = post(client, f"/intake/{mine}/new", {"applicant_name": "李桂芳"}, action="draft")
    assert response.status_code == 302 and "/drafts/" in response.location
    edit = response.location
    page = client.get(edit).get_data(as_text=True)
    assert 'value="李桂芳"' in page
    assert "提交时给出办件编号" in page
    with app.app_context():  # a draft takes no number: numbers are given at submission
        assert db.session.scalars(select(Case.number).where(Case.applicant_name == "李桂芳")).one() is None
    abandoned = post(client, f"/intake/{mine}/new", {"applicant_name": "周建国"}, action="draft")
    assert abandoned.status_code == 302
    done = post(client, edit, {**GOOD, "applicant_name": "李桂芳"})
    assert done.status_code == 302
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.applicant_name == "李桂芳")).one()
        assert case.state == "submitted"
        day = servertime.local_day(servertime.now(), current_site().zone).strftime("%Y%m%d")
        # the day's first number at 民政: the abandoned draft took none
        assert case.number == f"MZ{day}0001"
    assert client.get(edit).status_code == 302  # no longer a draft: its page shows the case


def test_a_draft_saved_by_someone_else_meanwhile_is_not_overwritten(counter) -> None:
    app, client, (mine, _) = counter
    edit = post(client, f"/intake/{mine}/new", {"applicant_name": "赵海燕"}, action="draft").location
    stale = client.get(edit).get_data(as_text=True)
    post(client, edit, {"applicant_name": "赵海燕", "mobile": "13900000001"}, action="draft")
    body = {"applicant_name": "赵海燕", "mobile": "13900000002", "action": "draft",
            "csrf_token": csrf_token(stale),
            "_row_version": re.search(r'name="_row_version" value="(\d+)"', stale).group(1),
            "window": re.search(r'name="window" value="(\d+)"', stale).group(1)}
    response = client.post(edit, data=body, content_type="multipart/form-data")
    assert response.status_code == 409
    assert 'value="13900000002"' in response.get_data(as_text=True)
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.applicant_name == "赵海燕")).one()
        assert case.data["mobile"] == "13900000001"


def test_a_number_typed_in_full_width_is_stored_half_width_and_any_county_is_accepted(counter) -> None:
    """A 句容 resident born in 1958 (321183 is younger than they are), typed through an input
    method; a household member whose county python-stdnum knows only by its province."""
    app, client, (mine, _) = counter
    response = post(client, f"/intake/{mine}/new", {
        **GOOD, "id_number": "３２１１８３１９５８０１０１００１ｘ",
        "members-0-id_number": "710101195801010017"})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        case = db.session.scalars(select(Case).order_by(Case.id.desc())).first()
        assert case.applicant_id_number == "32118319580101001X"
        assert case.data["id_number"] == "32118319580101001X"
        assert case.data["members"][0]["id_number"] == "710101195801010017"
