"""A populated portal: demo users for every role and cases at several windows."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from portal.models import Case, Offering, SubCenter, Window, db
from portal.site.publish import current_version

PASSWORD = "测试口令-Isolation-2026"


@dataclass(frozen=True)
class CaseRow:
    id: int
    number: str
    applicant: str
    sub_center: str
    window: str


def add_cases(per_window: int = 2) -> list[CaseRow]:
    """``per_window`` cases at every window of every sub-center, with unique applicants."""
    version = current_version(db.session)
    rows = []
    offerings = db.session.scalars(select(Offering).order_by(Offering.id)).all()
    by_window: dict[int, Offering] = {}
    for offering in offerings:
        for window in offering.windows:
            by_window.setdefault(window.id, offering)
    for window in db.session.scalars(select(Window).order_by(Window.code)):
        offering = by_window.get(window.id)
        if offering is None:
            continue
        for n in range(1, per_window + 1):
            case = Case(number=f"{window.code}-2026-{n:05d}", item_id=offering.item_id,
                        sub_center_id=window.sub_center_id, window_id=window.id,
                        site_version_id=version.id,
                        applicant_name=f"申请人{window.code}{n}号",
                        applicant_id_type="居民身份证",
                        applicant_id_number=f"3211831990010{n:05d}",
                        applicant_phone="13800000000", data={}, state="accepted")
            db.session.add(case)
            db.session.flush()
            rows.append(CaseRow(case.id, case.number, case.applicant_name,
                                window.sub_center.code, window.code))
    db.session.commit()
    return rows


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "the page carries a CSRF token"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD) -> None:
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    response = client.post("/login/", data={"username": username, "password": password,
                                            "csrf_token": token})
    assert response.status_code == 302, f"{username} could not log in"


def signed_in(app, username: str, password: str = PASSWORD):
    """A test client signed in as ``username``, its CSRF token at hand as ``.token``."""
    client = app.test_client()
    login(client, username, password)
    client.token = csrf_token(client.get("/resetmypassword/form").get_data(as_text=True))
    return client


def sub_center(code: str) -> SubCenter:
    return db.session.scalars(select(SubCenter).where(SubCenter.code == code)).one()


def csv_rows(response) -> list[list[str]]:
    """The rows of a CSV download (header first), after checking it is whole: its last row
    says the export ended and how many records it holds (dropped from what is returned)."""
    import csv
    import io

    assert response.status_code == 200, response.status
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel reads the UTF-8 right
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[-1] == [f"导出完毕：共 {len(rows) - 2} 条记录"], rows[-1]
    return rows[:-1]
