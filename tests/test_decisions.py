"""Intake decisions on a submitted application, from the case page, as a clerk makes them."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal.cases.audit import verify
from portal.cases.intake import save_application, spec_of
from portal.cases.lifecycle import calendar_of, local_day
from portal.cli.demo import ensure_demo_users
from portal.forms.build import check_submission
from portal.models import Case, CaseEvent, Item, Offering, SubCenter, db
from portal.web.current import current_site
from tests.support.world import PASSWORD, csrf_token, login
from tests.test_intake import GOOD


@pytest.fixture
def submitted(published):
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        place = db.session.scalars(select(Offering).join(SubCenter).join(Item).where(
            SubCenter.code == "mz", Item.code == "mz-dibao")).one()
        checked = check_submission(spec_of(place.form_version), MultiDict(GOOD))
        case = save_application(db.session, current_site(), place, place.windows[0], checked, submit=True,
                                by="mz-clerk")
        case_id = case.id
    client = published.test_client()
    login(client, "mz-clerk")
    return published, client, case_id


def token(client) -> str:
    return csrf_token(client.get("/resetmypassword/form").get_data(as_text=True))


def decide(client, case_id: int, action: str, data: dict | None = None):
    return client.post(f"/casework/{case_id}/{action}", data={"csrf_token": token(client), **(data or {})})


def events(app, case_id: int) -> list[tuple[str, dict]]:
    with app.app_context():
        return [(e.kind, e.data) for e in db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq))]


def test_accepting_starts_the_clock_with_the_sub_centers_promised_limit(submitted) -> None:
    app, client, case_id = submitted
    page = client.get(f"/cases/show/{case_id}").get_data(as_text=True)
    assert "受理决定" in page and "户口簿" in page  # the notice lists the declared materials
    response = decide(client, case_id, "accept", {"accepted_at": "2020-01-01 08:00"})
    assert response.status_code == 302
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.state == "accepted" and case.limit_days == 15  # 民政 promises 15, not 20
        with app.test_request_context():
            site = current_site()
            assert case.due_date == calendar_of(site).add_workdays(local_day(site, case.accepted_at), 15)
        assert case.accepted_at.year == 2026  # the posted time is ignored: the server's counts
        accept_event = db.session.scalars(select(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.kind == "accept")).one()
        assert case.accepted_by == accept_event.by and case.accepted_by.endswith("clerk")  # 受理人
    assert [k for k, _ in events(app, case_id)] == ["submit", "accept"]
    shown = client.get(f"/cases/show/{case_id}").get_data(as_text=True)
    assert "办理记录" in shown and "办结期限" in shown and "受理决定" not in shown
    with app.app_context():
        assert verify(db.session)[1] == []


def test_a_one_time_notice_lists_all_missing_materials_and_the_case_continues(submitted) -> None:
    app, client, case_id = submitted
    assert decide(client, case_id, "notice", {}).status_code == 302
    with app.app_context():
        assert db.session.get(Case, case_id).state == "submitted"  # nothing ticked: refused
    data = [("missing", "户口簿"), ("missing", "家庭成员收入证明"), ("note", "收入证明缺少单位盖章")]
    client.post(f"/casework/{case_id}/notice", data=MultiDict([("csrf_token", token(client)), *data]))
    with app.app_context():
        assert db.session.get(Case, case_id).state == "notice_missing"
    kind, data = events(app, case_id)[-1]
    assert kind == "notice_missing" and data["missing"] == ["户口簿", "家庭成员收入证明"]
    decide(client, case_id, "resubmit")
    decide(client, case_id, "accept")
    assert [k for k, _ in events(app, case_id)] == ["submit", "notice_missing", "resubmit", "accept"]


def test_a_rejection_needs_its_reason(submitted) -> None:
    app, client, case_id = submitted
    decide(client, case_id, "reject", {"reason": " "})
    with app.app_context():
        assert db.session.get(Case, case_id).state == "submitted"
    decide(client, case_id, "reject", {"reason": "户籍不在本市"})
    with app.app_context():
        assert db.session.get(Case, case_id).state == "rejected"
    assert events(app, case_id)[-1] == ("reject", {"reason": "户籍不在本市"})
    decide(client, case_id, "accept")  # too late: the case was decided
    with app.app_context():
        assert db.session.get(Case, case_id).state == "rejected"


def test_other_roles_and_other_windows_cannot_decide(submitted) -> None:
    app, client, case_id = submitted
    auditor = app.test_client()
    login(auditor, "mz-auditor")
    page = auditor.get(f"/cases/show/{case_id}").get_data(as_text=True)
    assert "受理决定" not in page
    token = csrf_token(auditor.get("/resetmypassword/form").get_data(as_text=True))
    response = auditor.post(f"/casework/{case_id}/accept", data={"csrf_token": token})
    assert response.status_code in (302, 403)
    foreign = app.test_client()
    login(foreign, "ws-clerk")
    token = csrf_token(foreign.get("/resetmypassword/form").get_data(as_text=True))
    assert foreign.post(f"/casework/{case_id}/accept", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        assert db.session.get(Case, case_id).state == "submitted"
