"""Two people editing one case: the second save is refused with a clear message, nothing lost."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.cli.demo import ensure_demo_users
from portal.models import Case, db
from portal.web.security import ensure_center_admin
from tests.support.world import PASSWORD, add_cases, csrf_token, login


def form_values(page: str) -> dict[str, str]:
    return {"csrf_token": csrf_token(page),
            "row_version_seen": re.search(r'name="row_version_seen" type="hidden" value="(\d+)"',
                                          page).group(1),
            "applicant_name": re.search(r'name="applicant_name"[^>]*value="([^"]*)"', page).group(1)}


def test_the_second_of_two_saves_is_refused_and_nothing_is_overwritten(published) -> None:
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        ensure_center_admin("admin", PASSWORD)
        case_id = next(c.id for c in add_cases(per_window=1) if c.window == "MZ01")
    first, second = published.test_client(), published.test_client()
    login(first, "mz-clerk")
    login(second, "admin")
    url = f"/cases/edit/{case_id}"
    page_a = first.get(url).get_data(as_text=True)
    page_b = second.get(url).get_data(as_text=True)

    saved = second.post(url, data={**form_values(page_b), "applicant_phone": "13900000001"})
    assert saved.status_code == 302
    refused = first.post(url, data={**form_values(page_a), "applicant_phone": "13900000002"})
    assert refused.status_code == 200
    text = refused.get_data(as_text=True)
    assert "打开本页后此记录已被他人保存" in text and 'value="13900000002"' in text
    with published.app_context():
        assert db.session.get(Case, case_id).applicant_phone == "13900000001"

    again = first.post(url, data={**form_values(text), "applicant_phone": "13900000002"})
    assert again.status_code == 302  # on top of the version the page now shows
    with published.app_context():
        case = db.session.scalars(select(Case).where(Case.id == case_id)).one()
        assert (case.applicant_phone, case.row_version) == ("13900000002", 3)


def test_over_rest_a_put_must_name_the_version_it_read(published) -> None:
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        case_id = next(c.id for c in add_cases(per_window=1) if c.window == "MZ01")
    first, second = published.test_client(), published.test_client()
    login(first, "mz-clerk")
    login(second, "mz-clerk")
    headers = [{"X-CSRFToken": csrf_token(c.get("/resetmypassword/form").get_data(as_text=True))}
               for c in (first, second)]
    read_a, read_b = first.get(f"/api/v1/cases/{case_id}"), second.get(f"/api/v1/cases/{case_id}")
    assert read_a.headers["ETag"] == read_b.headers["ETag"] == '"1"'
    blind = first.put(f"/api/v1/cases/{case_id}", json={"applicant_phone": "13900000009"}, headers=headers[0])
    assert blind.status_code == 428 and "If-Match" in blind.get_json()["message"]
    saved = second.put(f"/api/v1/cases/{case_id}", json={"applicant_phone": "13900000001"},
                       headers={**headers[1], "If-Match": read_b.headers["ETag"]})
    assert saved.status_code == 200
    late = first.put(f"/api/v1/cases/{case_id}", json={"applicant_phone": "13900000002"},
                     headers={**headers[0], "If-Match": read_a.headers["ETag"]})
    assert late.status_code == 409 and "已被他人保存" in late.get_json()["message"]
    with published.app_context():
        case = db.session.get(Case, case_id)
        assert (case.applicant_phone, case.row_version) == ("13900000001", 2)
    again = first.get(f"/api/v1/cases/{case_id}")
    assert again.headers["ETag"] == '"2"'
    assert first.put(f"/api/v1/cases/{case_id}", json={"applicant_phone": "13900000002"},
                     headers={**headers[0], "If-Match": again.headers["ETag"]}).status_code == 200


def _edits(app, case_id: int) -> list[tuple[str, dict]]:
    from portal.models import CaseEvent

    with app.app_context():
        return [(e.by, e.data) for e in db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == "edit")
            .order_by(CaseEvent.seq))]


def test_every_change_of_the_applicants_contact_is_on_the_record(published) -> None:
    """On the screen and over REST alike: who changed what from what to what, on the case's
    log and in the audit chain; a save that changes nothing appends nothing."""
    from portal.cases.audit import verify

    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        case_id = next(c.id for c in add_cases(per_window=1) if c.window == "MZ01")
    clerk = published.test_client()
    login(clerk, "mz-clerk")
    url = f"/cases/edit/{case_id}"
    page = clerk.get(url).get_data(as_text=True)
    assert clerk.post(url, data={**form_values(page), "applicant_phone": "13900000001"}).status_code == 302
    page = clerk.get(url).get_data(as_text=True)
    assert clerk.post(url, data={**form_values(page), "applicant_phone": "13900000001"}).status_code == 302

    token = csrf_token(clerk.get("/resetmypassword/form").get_data(as_text=True))
    etag = clerk.get(f"/api/v1/cases/{case_id}").headers["ETag"].strip('"')
    response = clerk.put(f"/api/v1/cases/{case_id}", json={"applicant_name": "王晓明"},
                         headers={"X-CSRFToken": token, "If-Match": etag})
    assert response.status_code == 200
    assert _edits(published, case_id) == [
        ("mz-clerk", {"applicant_phone": "13800000000 → 13900000001"}),
        ("mz-clerk", {"applicant_name": "申请人MZ011号 → 王晓明"}),
    ]
    shown = clerk.get(f"/cases/show/{case_id}", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "申请人联系信息已修改" in shown and "13800000000 → 13900000001" in shown
    with published.app_context():
        assert verify(db.session)[1] == []
