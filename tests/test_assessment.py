"""Scores of the demo center's rules (center.yaml assessment) over the hand-worked November of
tests/test_reports.py, with records added:

MZ01: 4 completed, 2 on time (rate 0.5), 4 overdue (B, D late; E, F past due at month's end);
      evaluations 满意 and 不满意 (rate 0.5, one bad review); one complaint upheld and one not;
      inspections 1 + 0.5 points.
      100 + 20×(0.5−1) − 2×4 + 10×(0.5−1) − 1 − 5 − 1.5 = 100 − 10 − 8 − 5 − 1 − 5 − 1.5 = 69.5
MZ02: accepted only (H), no figures to count; an inspection of 25 points, capped at 20 → 80.
WS01: I completed on time the same day, evaluated 非常满意 → 100 (held under the ceiling).
FC01: an empty window → 100.
A record outside November (an October evaluation, a December inspection) counts nowhere.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.assessment.metrics import empty_metrics, metrics
from portal.assessment.reports import Month
from portal.assessment.scoring import score
from portal.models import Case, Complaint, Evaluation, Inspection, Offering, SubCenter, Window, db
from portal.site import load_site
from tests.support.sites import REPO
from tests.support.world import csv_rows, signed_in
from tests.test_reports import at, month_of_cases  # noqa: F401 - fixture

ZONE = ZoneInfo("Asia/Shanghai")


def _add_records(app) -> dict[str, int]:
    with app.app_context():
        windows = {w.code: w for w in db.session.scalars(select(Window))}
        cases = {c.number: c for c in db.session.scalars(select(Case))}

        def evaluation(number: str, level: str, when: str) -> Evaluation:
            c = cases[number]
            return Evaluation(case_id=c.id, sub_center_id=c.sub_center_id, window_id=c.window_id,
                              level=level, channel="短信", recorded_by="test", created_at=at(when))

        def placed(code: str) -> dict:
            return {"window_id": windows[code].id, "sub_center_id": windows[code].sub_center_id}

        db.session.add_all([
            evaluation("R-A", "满意", "2026-11-03 10:00"),
            evaluation("R-B", "不满意", "2026-11-05 10:00"),
            evaluation("R-D", "非常不满意", "2026-10-25 10:00"),  # October: not counted
            evaluation("R-I", "非常满意", "2026-11-30 23:55"),
            Complaint(**placed("MZ01"), channel="12345热线", content="推诿", outcome="属实",
                      recorded_by="test", created_at=at("2026-11-10 09:00")),
            Complaint(**placed("MZ01"), channel="短信", content="态度", outcome="不属实",
                      recorded_by="test", created_at=at("2026-11-11 09:00")),
            *[Inspection(**placed(code), inspected_on=dt.date.fromisoformat(day), kind="工作纪律",
                         finding="离岗", deduction=Decimal(points), evidence="照片", recorded_by="test")
              for code, day, points in (("MZ01", "2026-11-12", "1"), ("MZ01", "2026-11-20", "0.5"),
                                        ("MZ02", "2026-11-18", "25"), ("MZ01", "2026-12-01", "3"))],
        ])
        db.session.commit()
        return {code: w.id for code, w in windows.items()}


def test_hand_worked_scores_of_a_month(month_of_cases) -> None:  # noqa: F811
    ids = _add_records(month_of_cases)
    rules = load_site(REPO)[0].center["assessment"]
    with month_of_cases.app_context():
        values = metrics(db.session, Month(2026, 11), dt.date(2026, 12, 5), ZONE)
    mz01 = values[ids["MZ01"]]
    assert (mz01["completed"], mz01["on_time_rate"], mz01["overdue"]) == (4, Decimal("0.5"), 4)
    assert (mz01["evaluations"], mz01["satisfaction_rate"], mz01["bad_reviews"]) == (2, Decimal("0.5"), 1)
    assert (mz01["complaints_upheld"], mz01["inspection_deduction"]) == (1, Decimal("1.5"))
    result = score(rules, mz01)
    assert result.total == Decimal("69.50")
    assert [(line.name, line.points) for line in result.lines] == [
        ("按时办结", Decimal("-10.00")), ("超期件", Decimal("-8.00")), ("群众满意", Decimal("-5.00")),
        ("差评", Decimal("-1.00")), ("属实投诉", Decimal("-5.00")), ("巡查扣分", Decimal("-1.50"))]
    capped = score(rules, values[ids["MZ02"]])
    assert capped.total == Decimal("80.00") and capped.lines[-1].capped and capped.lines[-1].raw == -25
    assert score(rules, values[ids["WS01"]]).total == Decimal("100.00")
    assert ids["FC01"] not in values and score(rules, empty_metrics()).total == Decimal("100.00")


def test_derived_metrics_are_worked_out_before_the_points() -> None:
    rules = {"base": 100, "ceiling": 100,
             "derived": {"late_share": "overdue / completed if completed > 0 else 0",
                         "late_percent": "late_share * 100"},
             "points": [{"name": "超期比例", "formula": "-0.5 * late_percent", "cap": 30}]}
    values = {**empty_metrics(), "completed": Decimal(8), "overdue": Decimal(2)}
    result = score(rules, values)  # 2/8 = 25% late → −12.5
    assert result.total == Decimal("87.50") and result.values["late_percent"] == 25


def test_the_auditor_ranks_the_windows_and_follows_each_point_to_its_records(month_of_cases,  # noqa: F811
                                                                             monkeypatch) -> None:
    import re

    from tests.test_reports import on

    ids = _add_records(month_of_cases)
    on(monkeypatch, "2026-12-05")
    auditor, manager, clerk = (signed_in(month_of_cases, user)
                               for user in ("center-auditor", "mz-manager", "mz-clerk"))
    page = auditor.get("/assessment/?month=2026-11").get_data(as_text=True)
    order = re.findall(r'<tr data-window="(\w+)">', page)
    ranked = re.findall(r'<tr data-window="(\w+)">', page.split('data-testid="unranked"')[0])
    assert ranked[-2:] == ["MZ02", "MZ01"] and len(order) == 18  # every window, the worst ranked last
    # the windows that took no case in November are listed apart, after the ranked ones
    assert ranked == ["WS01", "MZ02", "MZ01"] and "无办件，不参与排名" in page
    row = page.split('data-window="MZ01"')[1].split("</tr>")[0]
    assert "69.50" in row and "-10.00" in row and "-1.50" in row
    detail = auditor.get(f"/assessment/window/{ids['MZ01']}?month=2026-11").get_data(as_text=True)
    trend = detail.split('data-testid="trend"')[1].split("</table>")[0]
    assert re.findall(r">(2026-\d\d)<", trend) == [f"2026-{m:02d}" for m in range(6, 12)]
    assert ">89.00<" in trend and ">69.50<" in trend  # October (an October 非常不满意), November
    overdue = detail.split('data-line="超期件"')[1].split('data-line=')[0]
    assert all(f"R-{n}" in overdue for n in "BDEF") and "R-A" not in overdue and "R-C" not in overdue
    inspections = detail.split('data-line="巡查扣分"')[1]
    assert inspections.count('data-evidence="inspection"') == 2  # not December's
    complaints = detail.split('data-line="属实投诉"')[1].split('data-line=')[0]
    assert complaints.count('data-evidence="complaint"') == 1 and "推诿" in complaints
    own = manager.get("/assessment/?month=2026-11").get_data(as_text=True)
    mine = re.findall(r'<tr data-window="(\w+)">', own)
    assert sorted(mine) == ["MZ01", "MZ02", "MZ03"]  # the manager's own windows
    assert clerk.get("/assessment/").status_code in (302, 403)
    assert manager.get(f"/assessment/window/{ids['WS01']}").status_code == 404


def test_auditors_change_no_case_data(month_of_cases) -> None:  # noqa: F811

    with month_of_cases.app_context():
        case = db.session.scalars(select(Case).where(Case.number == "R-E")).one()
        pk, before = case.id, (case.applicant_name, case.state, case.row_version)
    auditor = signed_in(month_of_cases, "mz-auditor")
    token = auditor.token
    attempts = [auditor.post(f"/cases/edit/{pk}", data={"csrf_token": token, "applicant_name": "改"}),
                auditor.post(f"/casework/{pk}/pause", data={"csrf_token": token, "kind": "补正",
                                                            "reason": "x"}),
                auditor.post(f"/casework/{pk}/complete", data={"csrf_token": token, "outcome": "approved"}),
                auditor.put(f"/api/v1/cases/{pk}", json={"applicant_name": "改"},
                            headers={"X-CSRFToken": token, "If-Match": '"1"'}),
                auditor.post(f"/documents/{pk}/acceptance", data={"csrf_token": token})]
    assert all(r.status_code in (302, 403, 404) for r in attempts), [r.status_code for r in attempts]
    with month_of_cases.app_context():
        case = db.session.get(Case, pk)
        assert (case.applicant_name, case.state, case.row_version) == before
        from portal.models import CaseEvent

        assert db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == pk)).all() == []


def test_the_xlsx_export_reopens_with_numbers_as_numbers(month_of_cases, monkeypatch) -> None:  # noqa: F811
    import io
    import re

    from openpyxl import load_workbook

    from tests.test_reports import on

    _add_records(month_of_cases)
    on(monkeypatch, "2026-12-05")
    auditor = signed_in(month_of_cases, "mz-auditor")
    response = auditor.get("/assessment/export.xlsx?month=2026-11")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["排名", "证据", "规则版本"]
    ranking = book["排名"]
    assert ranking["A1"].value.startswith("窗口月度百分考核 · 2026-11（规则版本 v1")
    header = [c.value for c in ranking[2]]
    assert header[:4] == ["名次", "窗口", "分中心", "按时办结"] and "得分" in header
    rows = {r[1].value: r for r in ranking.iter_rows(min_row=3)}
    # the ranked windows, then MZ03, which took no case in November
    assert list(rows) == ["MZ02 社会组织和区划地名窗口", "MZ01 社会救助窗口", "MZ03 优抚和老龄窗口"]
    assert rows["MZ03 优抚和老龄窗口"][0].value == "不参与排名"
    mz01 = rows["MZ01 社会救助窗口"]
    total = mz01[header.index("得分")]
    assert total.value == 69.5 and total.number_format == "0.00" and total.data_type == "n"
    rate = mz01[header.index("按时办结率")]
    assert rate.value == 0.5 and rate.number_format == "0.0%"
    assert mz01[header.index("超期件")].value == -8.0 and mz01[0].value == 2  # of those ranked
    assert ranking.freeze_panes == "D3"
    # cell by cell against the ranking page the auditor sees: rank, name, place, every line, total
    page = auditor.get("/assessment/?month=2026-11").get_data(as_text=True)
    table = page.split('data-testid="ranking"')[1].split("</tbody>")[0]
    shown = [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
             for row in re.findall(r"<tr data-window=[^>]*>(.*?)</tr>", table, re.S)]
    width = 3 + len(load_site(REPO)[0].center["assessment"]["points"]) + 1
    sheet = [list(r)[:width] for r in ranking.iter_rows(min_row=3)]
    assert len(sheet) == len(shown) == 3
    for cells, seen in zip(sheet, shown, strict=True):
        assert [str(cells[0].value), cells[1].value, cells[2].value] == seen[:3]
        # each number as the sheet shows it: two places, 封顶 where its format says so
        assert [(f"{c.value:.2f}" + (" 封顶" if "封顶" in c.number_format else "")) if c.value else ""
                for c in cells[3:width]] == seen[3:width]
    proof = [[c.value for c in r] for r in book["证据"].iter_rows(min_row=2)]
    overdue = [r[4] for r in proof if r[0] == "MZ01" and r[1] == "超期件"]
    assert sorted(label.split()[0] for label in overdue) == ["R-B", "R-D", "R-E", "R-F"]
    assert ["MZ01", "巡查扣分", "巡查扣分合计", "巡查"] in [r[:4] for r in proof]
    rules = {r[0].value: r[1].value for r in book["规则版本"].iter_rows() if r[0].value}
    assert rules["基础分"] == 100 and rules["超期件"] == "-2 * overdue"
    lines = csv_rows(auditor.get("/assessment/export.csv?month=2026-11"))
    assert lines[0][:3] == ["名次", "窗口", "分中心"]
    rows = {line[1]: line for line in lines[1:]}
    assert list(rows)[-1] == "MZ03 优抚和老龄窗口" and rows["MZ03 优抚和老龄窗口"][0] == "不参与排名"
    mz01 = rows["MZ01 社会救助窗口"]  # numbers as the sheet shows them
    assert mz01[0] == "2" and "69.50" in mz01 and "-1.50" in mz01 and "50.0%" in mz01


def test_a_closed_month_is_frozen_with_its_rules_and_never_changes_silently(month_of_cases,  # noqa: F811
                                                                           monkeypatch) -> None:
    import re

    import pytest as _pytest

    from portal.core.errors import PortalError
    from portal.models import AssessmentResult
    from portal.site.edits import publish_change
    from tests.test_reports import on

    ids = _add_records(month_of_cases)
    on(monkeypatch, "2026-12-05")
    center, local = (signed_in(month_of_cases, user) for user in ("center-auditor", "mz-auditor"))
    token = center.token

    def freeze(client, month: str = "2026-11"):
        return client.post("/assessment/freeze", data={"csrf_token": token, "month": month},
                           follow_redirects=True).get_data(as_text=True)

    def score_of(page: str, code: str) -> str:
        return re.search(rf'data-window="{code}">.*?<strong>([\d.]+)</strong>', page, re.S).group(1)

    assert "2026-12尚未结束" in freeze(center, "2026-12")  # the domain error, in Chinese
    with month_of_cases.app_context():
        assert db.session.scalars(select(AssessmentResult)).all() == []  # December is not over
    page = freeze(center)
    assert "已冻结：2026-11 · 规则 v1" in page and score_of(page, "MZ02") == "80.00"
    from pathlib import Path

    from portal.cases.audit import read_anchors

    with month_of_cases.app_context():
        anchors, bad = read_anchors(Path(month_of_cases.config["PORTAL_AUDIT_ANCHORS"]))
    assert len(anchors) == 1 and bad == []  # the month's close anchored the event log
    local_token = local.token
    assert local.post("/assessment/freeze", data={"csrf_token": local_token, "month": "2026-11"}
                      ).status_code in (302, 403)  # not center-wide
    assert sorted(re.findall(r'<tr data-window="(\w+)">',
                             local.get("/assessment/?month=2026-11").get_data(as_text=True))) == [
        "MZ01", "MZ02", "MZ03"]  # the frozen result, narrowed to their windows
    with month_of_cases.app_context():  # a late record: the frozen month does not move
        case = db.session.scalars(select(Case).where(Case.number == "R-H")).one()
        db.session.add(Evaluation(case_id=case.id, sub_center_id=case.sub_center_id, window_id=case.window_id,
                                  level="非常不满意", channel="短信", recorded_by="late",
                                  created_at=at("2026-11-29 10:00")))
        db.session.commit()
    page = center.get("/assessment/?month=2026-11").get_data(as_text=True)
    assert score_of(page, "MZ02") == "80.00" and "2026-11 · 规则 v1" in page
    assert "已按这些规则封存" in freeze(center)
    with month_of_cases.app_context():  # the center changes its rules: a cap of 10 on 巡查
        def change(documents: dict) -> None:
            documents["center"]["assessment"]["points"][5]["cap"] = 10

        result, problems = publish_change(db.session, change, by="center-admin")
        assert result is not None, problems
    page = center.get("/assessment/?month=2026-11").get_data(as_text=True)
    assert 'data-testid="rules-changed"' in page and score_of(page, "MZ02") == "80.00"
    page = freeze(center)
    # now with the late 非常不满意: 满意率 0 → −10, 差评 −1, and 巡查 25 capped at 10 → 79
    assert "（重算，第 2 次）" in page and score_of(page, "MZ02") == "79.00"
    with month_of_cases.app_context():
        first, second = db.session.scalars(select(AssessmentResult).order_by(AssessmentResult.id)).all()
        assert first.label == "2026-11 · 规则 v1" and second.label.startswith("2026-11 · 规则 v2")
        assert next(r for r in first.results if r["code"] == "MZ02")["total"] == "80.00"
        first.label = "改"
        with _pytest.raises(PortalError):
            db.session.commit()
        db.session.rollback()
    assert ids


def test_red_flags_go_to_the_best_active_windows_of_an_ended_quarter(month_of_cases,  # noqa: F811
                                                                      monkeypatch) -> None:
    import re

    from tests.test_documents import pdf_text
    from tests.test_reports import on

    _add_records(month_of_cases)
    on(monkeypatch, "2027-01-10")  # Q4 2026 has ended
    auditor = signed_in(month_of_cases, "center-auditor")
    page = auditor.get("/assessment/awards").get_data(as_text=True)
    assert "2026 Q4" in page
    flags = re.findall(r'data-window="(\w+)" data-flag="1"', page)
    assert flags == ["WS01"]  # 100 in every month and took cases; idle windows earn nothing
    mz02 = page.split('data-window="MZ02"')[1].split("</tr>")[0]
    assert "100.00" in mz02 and "80.00" in mz02 and "98.00" in mz02 and "92.67" in mz02  # below 95
    pdf = auditor.get("/assessment/awards?year=2026&quarter=4&format=pdf")
    assert pdf.mimetype == "application/pdf"
    words = pdf_text(pdf.data)
    assert "流动红旗" in words and "WS01" in words and "季度平均得分100.00分" in words and "累计1星" in words
    ahead = auditor.get("/assessment/awards?year=2027&quarter=1",
                        follow_redirects=True).get_data(as_text=True)
    assert "流动红旗只评已结束的季度" in ahead and "2026 Q4" in ahead


def test_a_sub_centers_internal_rules_score_its_windows_outside_the_centers_ranking(
        month_of_cases, monkeypatch, tmp_path) -> None:  # noqa: F811
    import re

    from tests.support.sites import copy_demo
    from tests.test_reports import on

    on(monkeypatch, "2026-12-05")
    manager, other = (signed_in(month_of_cases, user) for user in ("mz-manager", "ws-manager"))
    page = manager.get("/assessment/internal/mz?month=2026-11").get_data(as_text=True)
    assert "民政分中心窗口内部考核" in page and 'data-testid="internal"' in page
    # 即办提速 10 × 2/4 = +5, 超期件 −5 × 4 = −20 → 85; MZ02 and MZ03 lose nothing
    assert re.findall(r'data-window="(\w+)">.*?<strong>([\d.]+)</strong>', page, re.S) == [
        ("MZ02", "100.00"), ("MZ01", "85.00"), ("MZ03", "100.00")]  # MZ03 took no case: apart
    center = manager.get("/assessment/?month=2026-11").get_data(as_text=True)
    # the center's own rules still rank MZ01: 100 − 10 (按时 0.5) − 8 (4 超期) = 82
    assert re.search(r'data-window="MZ01">.*?<strong>([\d.]+)</strong>', center, re.S).group(1) == "82.00"
    assert "内部考核：句容市政务服务民政分中心" in center  # a tab beside the center's
    assert other.get("/assessment/internal/mz").status_code == 404
    site = copy_demo(tmp_path / "copy")
    mz = site / "schema" / "subcenters" / "mz.yaml"
    mz.write_text(mz.read_text(encoding="utf-8").replace("-5 * overdue", "-5 * overdues"), encoding="utf-8")
    problems = [str(p) for p in load_site(site)[1]]
    assert any(p.startswith("schema/subcenters/mz.yaml:") and "schema.E090: 'overdues' is not a metric" in p
               for p in problems), problems


def test_the_cli_writes_the_workbook_with_progress(month_of_cases, monkeypatch, tmp_path) -> None:  # noqa: F811
    from flask.cli import ScriptInfo
    from openpyxl import load_workbook

    from portal.cli import main
    from tests.test_reports import on

    _add_records(month_of_cases)
    on(monkeypatch, "2026-12-05")
    out = tmp_path / "2026-11.xlsx"
    result = month_of_cases.test_cli_runner().invoke(
        main, ["assessment-export", "--month", "2026-11", "--out", str(out)],
        obj=ScriptInfo(create_app=lambda: month_of_cases))
    assert result.exit_code == 0, result.output
    assert "窗口月度百分考核 2026-11" in result.output and "18 windows written" in result.output
    ranking = load_workbook(out)["排名"]
    ranked = [[c.value for c in r] for r in ranking.iter_rows(min_row=3) if r[0].value != "不参与排名"]
    assert ranked[-1][:2] == [len(ranked), "MZ01 社会救助窗口"] and 69.5 in ranked[-1]


def test_a_month_after_the_national_day_holiday(published, monkeypatch) -> None:
    """房屋所有权首次登记 at FC02, 5 working days (10-01..10-07 off, Saturday 10-10 works):
    X and Y accepted 09-30 are due 10-13; X done 10-13 (on time), Y 10-14 (late); Z accepted
    10-09 is due 10-15 and still open on 10-31. October: accepted 1 (Z), completed 2, on time
    1, overdue 2 (Y, Z) → 100 + 20 × (0.5 − 1) − 2 × 2 = 86."""
    from portal.access.roles import CLERK, MANAGER
    from portal.access.scope import unscoped
    from portal.cases import lifecycle
    from portal.cases.actions import Actor
    from portal.web.current import current_site
    from tests.test_process import Clock, submitted_case

    clock = Clock(monkeypatch)
    clerk, boss = Actor("fc-clerk", frozenset({CLERK})), Actor("fc-manager", frozenset({MANAGER}))
    with published.test_request_context(), unscoped():
        site = current_site()
        ids = [submitted_case("fc-fwdj", "fc") for _ in range(3)]
        x, y, z = (db.session.get(Case, i) for i in ids)
        clock.set("2026-09-30")
        for case in (x, y):
            lifecycle.accept(db.session, site, case, clerk)
            lifecycle.advance(db.session, case, boss, "属实")
            lifecycle.advance(db.session, case, boss, "同意")
        clock.set("2026-10-09")
        lifecycle.accept(db.session, site, z, clerk)
        assert (x.due_date, z.due_date) == (dt.date(2026, 10, 13), dt.date(2026, 10, 15))
        clock.set("2026-10-13", hour=16)
        lifecycle.complete(db.session, site, x, clerk, "approved", "不动产权证书")
        clock.set("2026-10-14", hour=9)
        lifecycle.complete(db.session, site, y, clerk, "approved", "不动产权证书")
        window = x.window_id
        values = metrics(db.session, Month(2026, 10), dt.date(2026, 11, 5), ZONE)[window]
        assert (values["accepted"], values["completed"], values["on_time"], values["overdue"]) == (1, 2, 1, 2)
        assert score(site.center["assessment"], values).total == Decimal("86.00")


def test_sub_centers_are_ranked_by_the_same_rules(month_of_cases, monkeypatch) -> None:  # noqa: F811
    import re

    from tests.test_reports import on

    _add_records(month_of_cases)
    on(monkeypatch, "2026-12-05")
    with month_of_cases.app_context():
        mz = db.session.scalars(select(SubCenter).where(SubCenter.code == "mz")).one().id
    auditor = signed_in(month_of_cases, "center-auditor")
    page = auditor.get("/assessment/?month=2026-11&subject=subcenter").get_data(as_text=True)
    # 民政 as one: 100 − 10 (按时 2/4) − 8 (4 超期) − 5 (满意 1/2) − 1 − 5 − 20 (巡查 26.5, capped)
    scores = dict(re.findall(r'data-window="(\w+)">.*?<strong>([\d.]+)</strong>', page, re.S))
    ranked = re.findall(r'data-window="(\w+)">', page.split('data-testid="unranked"')[0])
    assert scores["mz"] == "51.00" and scores["ws"] == "100.00" and ranked[-1] == "mz"
    detail = auditor.get(f"/assessment/subcenter/{mz}?month=2026-11").get_data(as_text=True)
    assert "句容市政务服务民政分中心" in detail and detail.count('data-evidence="inspection"') == 3
    other = signed_in(month_of_cases, "ws-manager")
    assert other.get(f"/assessment/subcenter/{mz}?month=2026-11").status_code == 404
    token = auditor.token
    auditor.post("/assessment/freeze", data={"csrf_token": token, "month": "2026-11"})
    frozen = auditor.get("/assessment/?month=2026-11&subject=subcenter").get_data(as_text=True)
    assert "2026-11 · 规则 v1" in frozen
    from tests.test_documents import pdf_text

    report = auditor.get("/assessment/report.pdf?month=2026-11&subject=window")
    words = pdf_text(report.data)
    assert report.mimetype == "application/pdf" and "窗口月度百分考核" in words
    assert "2026-11·按窗口·2026-11·规则v1" in words and "MZ01社会救助窗口" in words and "69.50" in words
    assert dict(re.findall(r'data-window="(\w+)">.*?<strong>([\d.]+)</strong>', frozen, re.S)) == scores


# 受理人 of the November cases: the clerk takes A–C at MZ01, the manager stands in for D–F
ACCEPTED_BY = {"R-A": "mz-clerk", "R-B": "mz-clerk", "R-C": "mz-clerk",
               "R-D": "mz-manager", "R-E": "mz-manager", "R-F": "mz-manager"}


def _name_the_clerks(app) -> dict[str, int]:
    """The cases' acceptors; the upheld complaint and the 1-point inspection name mz-clerk."""
    from portal.models import PortalUser

    with app.app_context():
        for number, username in ACCEPTED_BY.items():
            db.session.scalars(select(Case).where(Case.number == number)).one().accepted_by = username
        db.session.scalars(select(Complaint).where(Complaint.outcome == "属实")).one().clerk = "mz-clerk"
        db.session.scalars(select(Inspection).where(Inspection.deduction == 1)).one().clerk = "mz-clerk"
        db.session.commit()
        return {u.username: u.id for u in db.session.scalars(select(PortalUser))}


def test_clerks_are_ranked_by_the_cases_they_accepted(month_of_cases, monkeypatch) -> None:  # noqa: F811
    """mz-clerk: A, B, C done in November, B late: 按时 2/3 → 20 × (2/3 − 1) = −6.67, one 超期件
    −2; evaluations of A (满意) and B (不满意): −5 and 差评 −1; the upheld complaint −5; the
    1-point inspection −1 → 79.33. mz-manager: D done late (按时 0/1 → −20), D, E and F 超期
    (−6) → 74. The other clerks accepted nothing: 100."""
    import re

    from tests.test_reports import on

    _add_records(month_of_cases)
    users = _name_the_clerks(month_of_cases)
    on(monkeypatch, "2026-12-05")
    with month_of_cases.app_context():
        values = metrics(db.session, Month(2026, 11), dt.date(2026, 12, 5), ZONE, by="clerk")
    rules = load_site(REPO)[0].center["assessment"]
    clerk = values["mz-clerk"]
    assert (clerk["completed"], clerk["on_time"], clerk["overdue"], clerk["bad_reviews"]) == (3, 2, 1, 1)
    assert (clerk["complaints_upheld"], clerk["inspection_deduction"]) == (1, 1)
    assert score(rules, clerk).total == Decimal("79.33")
    assert score(rules, values["mz-manager"]).total == Decimal("74.00")
    assert None not in values  # the WS01 cases name no acceptor: no one's

    auditor, manager = (signed_in(month_of_cases, user) for user in ("center-auditor", "mz-manager"))
    page = auditor.get("/assessment/?month=2026-11&subject=clerk").get_data(as_text=True)
    scores = dict(re.findall(r'data-window="([\w-]+)">.*?<strong>([\d.]+)</strong>', page, re.S))
    ranked = re.findall(r'data-window="([\w-]+)">', page.split('data-testid="unranked"')[0])
    assert ranked[-2:] == ["mz-clerk", "mz-manager"]  # the worst last; who accepted nothing: apart
    assert (scores["mz-clerk"], scores["mz-manager"], scores["ws-clerk"]) == ("79.33", "74.00", "100.00")
    assert [n for n in scores if "manager" in n] == ["mz-manager"]
    assert not any("auditor" in name for name in scores) and "ws-clerk" not in ranked
    row = page.split('data-window="mz-clerk"')[1].split("</tr>")[0]
    assert "MZ01 社会救助窗口" in row and "-6.67" in row  # where the clerk works; the first line
    detail = auditor.get(f"/assessment/clerk/{users['mz-clerk']}?month=2026-11").get_data(as_text=True)
    overdue = detail.split('data-line="超期件"')[1].split('data-line=')[0]
    assert "R-B" in overdue and not any(f"R-{n}" in overdue for n in "ACDEF")
    assert "推诿" in detail.split('data-line="属实投诉"')[1] and "不满意" in detail
    assert detail.split('data-line="巡查扣分"')[1].count('data-evidence="inspection"') == 1
    own = manager.get("/assessment/?month=2026-11&subject=clerk").get_data(as_text=True)
    # 民政's clerks (the demo's MZ03 clerk, who decides the towns' 代办 cases, accepted nothing)
    # and its manager
    assert sorted(re.findall(r'<tr data-window="([\w-]+)">', own)) == ["mz-clerk", "mz-manager",
                                                                        "mz-mz03-clerk"]
    assert manager.get(f"/assessment/clerk/{users['ws-clerk']}?month=2026-11").status_code == 404

    token = auditor.token
    auditor.post("/assessment/freeze", data={"csrf_token": token, "month": "2026-11"})
    with month_of_cases.app_context():  # a late acceptor fix: the frozen month does not move
        db.session.scalars(select(Case).where(Case.number == "R-D")).one().accepted_by = "mz-clerk"
        db.session.commit()
    frozen = auditor.get("/assessment/?month=2026-11&subject=clerk").get_data(as_text=True)
    assert "2026-11 · 规则 v1" in frozen
    assert dict(re.findall(r'data-window="([\w-]+)">.*?<strong>([\d.]+)</strong>', frozen, re.S)) == scores
    explained = auditor.get(f"/assessment/clerk/{users['mz-clerk']}?month=2026-11").get_data(as_text=True)
    assert "2026-11 · 规则 v1" in explained  # the page explains the frozen score, not a new one
    assert re.search(r'data-testid="score">.*?<strong>([\d.]+)</strong>', explained, re.S).group(1) == "79.33"
    trend = explained.split('data-testid="trend"')[1].split("</table>")[0]
    assert ">79.33<" in trend
    with month_of_cases.app_context():  # two clerks leave: listed only where they accepted cases
        from portal.models import PortalUser

        for name in ("mz-clerk", "ws-clerk"):
            db.session.get(PortalUser, users[name]).active = False
        db.session.commit()
    october = auditor.get("/assessment/?month=2026-10&subject=clerk").get_data(as_text=True)
    listed = re.findall(r'<tr data-window="([\w-]+)">', october)
    assert "ws-clerk" not in listed and "jj-clerk" in listed
    assert "mz-clerk" in listed and "mz-manager" in listed  # D (fixed above) and F, accepted in October


def _finish(client, job_url: str) -> dict:
    import time

    for _ in range(200):
        status = client.get(job_url + "?format=json").get_json()
        if status["state"] in ("done", "failed"):
            return status
        time.sleep(0.05)
    raise AssertionError(f"the export did not finish: {status}")


def test_the_workbook_is_made_in_the_background_in_the_askers_scope(month_of_cases,  # noqa: F811
                                                                    monkeypatch) -> None:
    import io

    from openpyxl import load_workbook

    from tests.support.world import csrf_token
    from tests.test_reports import on

    _add_records(month_of_cases)
    _name_the_clerks(month_of_cases)
    on(monkeypatch, "2026-12-05")
    manager, auditor = (signed_in(month_of_cases, user) for user in ("mz-manager", "center-auditor"))
    page = manager.get("/assessment/?month=2026-11").get_data(as_text=True)
    assert 'data-testid="export-xlsx"' in page
    token = csrf_token(page)
    asked = manager.post("/assessment/export", data={"csrf_token": token, "month": "2026-11",
                                                     "subject": "window"})
    assert asked.status_code == 302
    job_url = asked.headers["Location"]
    assert "考核导出" in manager.get(job_url).get_data(as_text=True)
    status = _finish(manager, job_url)
    # a step per metric with evidence (one query each, for every window), then one per window
    assert status["state"] == "done" and status["error"] is None
    assert status["done"] == status["total"] and 3 < status["total"] <= 3 + 16
    book = load_workbook(io.BytesIO(manager.get(job_url + "/file").data))
    names = [r[1].value for r in book["排名"].iter_rows(min_row=3)]
    assert names == ["MZ02 社会组织和区划地名窗口", "MZ01 社会救助窗口", "MZ03 优抚和老龄窗口"]  # theirs only
    assert {r[0].value for r in book["证据"].iter_rows(min_row=2)} == {"MZ01", "MZ02"}
    assert auditor.get(job_url).status_code == 404  # a job is its requester's

    asked = auditor.post("/assessment/export", data={"csrf_token": csrf_token(
        auditor.get("/assessment/").get_data(as_text=True)), "month": "2026-11", "subject": "clerk"})
    status = _finish(auditor, asked.headers["Location"])
    assert status["state"] == "done" and status["total"] >= 2
    book = load_workbook(io.BytesIO(auditor.get(asked.headers["Location"] + "/file").data))
    header = [c.value for c in book["排名"][2]]
    rows = {r[1].value: r for r in book["排名"].iter_rows(min_row=3)}
    assert header[1:3] == ["工作人员", "窗口"]
    assert rows["mz-clerk"][header.index("得分")].value == 79.33
    assert rows["mz-clerk"][2].value == "MZ01 社会救助窗口"
    proof = [[c.value for c in r] for r in book["证据"].iter_rows(min_row=2)]
    assert [p[4].split()[0] for p in proof if p[0] == "mz-clerk" and p[1] == "超期件"] == ["R-B"]


def test_internal_rules_are_frozen_on_their_own_and_never_with_the_centers(month_of_cases,  # noqa: F811
                                                                           monkeypatch) -> None:
    import re

    from portal.models import AssessmentResult
    from tests.support.world import csrf_token
    from tests.test_reports import on

    on(monkeypatch, "2026-12-05")
    local, manager, center = (signed_in(month_of_cases, user)
                              for user in ("mz-auditor", "mz-manager", "center-auditor"))
    page = local.get("/assessment/internal/mz?month=2026-11").get_data(as_text=True)
    assert "关闭本期并冻结" in page
    assert "关闭本期并冻结" not in manager.get("/assessment/internal/mz?month=2026-11").get_data(as_text=True)
    token = csrf_token(page)
    assert local.post("/assessment/internal/mz/freeze", data={"csrf_token": token, "month": "2026-11"}
                      ).status_code == 302
    assert manager.post("/assessment/internal/mz/freeze", data={"csrf_token": manager.token,
                                                                "month": "2026-11"}
                        ).status_code in (302, 403)  # managers read scores; they do not close months
    with month_of_cases.app_context():
        (result,) = db.session.scalars(select(AssessmentResult)).all()  # the manager froze nothing
        assert result.rule_set == "mz" and result.label == "2026-11 · 民政分中心窗口内部考核 · 规则 v1"
        assert sorted(r["code"] for r in result.results) == ["MZ01", "MZ02", "MZ03"]
        case = db.session.scalars(select(Case).where(Case.number == "R-C")).one()
        case.on_time, case.completed_at = False, at("2026-11-28 10:00")  # late, after the freeze
        db.session.commit()
    page = local.get("/assessment/internal/mz?month=2026-11").get_data(as_text=True)
    assert "2026-11 · 民政分中心窗口内部考核 · 规则 v1" in page
    assert re.search(r'data-window="MZ01">.*?<strong>([\d.]+)</strong>', page, re.S).group(1) == "85.00"
    # the center's ranking is not frozen by it, and sees the late case
    ranking = center.get("/assessment/?month=2026-11").get_data(as_text=True)
    assert 'data-testid="result-label"' not in ranking
    # 100 − 15 (按时 1 of 4) − 10 (5 超期, C now among them)
    assert re.search(r'data-window="MZ01">.*?<strong>([\d.]+)</strong>', ranking, re.S).group(1) == "75.00"
    foreign = signed_in(month_of_cases, "ws-auditor")
    assert foreign.post("/assessment/internal/mz/freeze", data={"csrf_token": foreign.token,
                                                                "month": "2026-11"}).status_code == 404


def test_red_flags_are_the_centers_whoever_looks_and_the_quarters_report_ends_with_them(
        month_of_cases, monkeypatch) -> None:  # noqa: F811
    import re

    from portal.site.edits import publish_change
    from tests.test_documents import pdf_text
    from tests.test_reports import on

    _add_records(month_of_cases)
    with month_of_cases.app_context():  # FC01 takes one case in December, done on time: 100 × 3
        window = db.session.scalars(select(Window).where(Window.code == "FC01")).one()
        template = db.session.scalars(select(Case).where(Case.number == "R-I")).one()
        item = db.session.scalars(select(Offering.item_id).where(
            Offering.windows.any(Window.id == window.id))).first()
        db.session.add(Case(
            number="R-K", item_id=item, sub_center_id=window.sub_center_id, window_id=window.id,
            site_version_id=template.site_version_id, applicant_name="申请人K",
            applicant_id_type="居民身份证", applicant_id_number="11010519491231002X", data={},
            state="completed",
            accepted_at=at("2026-12-07 09:00"), completed_at=at("2026-12-07 11:00"), limit_days=0,
            legal_days=5, due_date=dt.date(2026, 12, 7), used_days=0, on_time=True))

        def one_flag(documents: dict) -> None:
            documents["center"]["assessment"]["awards"]["red_flags"] = 1

        result, problems = publish_change(db.session, one_flag, by="center-admin")
        assert result is not None, problems
    on(monkeypatch, "2027-01-10")
    center, local = (signed_in(month_of_cases, user) for user in ("center-auditor", "ws-manager"))
    page = center.get("/assessment/awards?year=2026&quarter=4").get_data(as_text=True)
    assert re.findall(r'data-window="(\w+)" data-flag="1"', page) == ["FC01"]  # 100 like WS01; by code
    theirs = local.get("/assessment/awards?year=2026&quarter=4").get_data(as_text=True)
    assert 'data-window="WS01" data-flag="0"' in theirs  # not the best of their own: the center's
    assert 'data-window="FC01"' not in theirs
    december = pdf_text(center.get("/assessment/report.pdf?month=2026-12").data)
    assert "2026年第4季度" in december and "FC01" in december and "流动红旗" in december
    november = pdf_text(center.get("/assessment/report.pdf?month=2026-11").data)
    assert "流动红旗" not in november  # not the end of a quarter


def test_a_users_old_export_files_go_beyond_their_ten_latest(published) -> None:
    from portal.assessment import exports
    from portal.models import ExportJob

    with published.app_context():
        for n in range(12):
            job = exports.ask(db.session, {"month": "2026-11", "by": "window"}, f"第{n}次", "center-auditor")
            job.state = "done" if n != 11 else "running"  # the newest is still being made
            db.session.commit()
        exports.ask(db.session, {"month": "2026-11", "by": "window"}, "另一位", "mz-auditor")
        exports.ask(db.session, {"month": "2026-11", "by": "window"}, "第12次", "center-auditor")
        mine = db.session.scalars(select(ExportJob.label).where(ExportJob.requested_by == "center-auditor")
                                  .order_by(ExportJob.id)).all()
        assert mine == [f"第{n}次" for n in range(3, 13)]  # ten: the nine latest and the new one
        theirs = select(ExportJob.label).where(ExportJob.requested_by == "mz-auditor")
        assert db.session.scalars(theirs).all() == ["另一位"]


def test_the_evidence_of_many_subjects_in_one_query_is_each_ones_and_scoped(month_of_cases) -> None:  # noqa: F811
    from portal.access.scope import Scope, acting_as
    from portal.assessment.evidence import evidence, evidence_of_all
    from portal.site.metrics import METRICS

    ids = _add_records(month_of_cases)
    november, today = Month(2026, 11), dt.date(2026, 12, 5)
    with month_of_cases.app_context():
        for metric in METRICS:
            together = evidence_of_all(db.session, november, today, ZONE, ids.values(), metric, limit=2)
            for code, key in ids.items():
                alone = evidence(db.session, november, today, ZONE, key, metric, limit=2)
                assert together.get(key, []) == alone, (metric, code)
        overdue = evidence_of_all(db.session, november, today, ZONE, ids.values(), "overdue")
        assert [e.label.split()[0] for e in overdue[ids["MZ01"]]] == ["R-B", "R-D", "R-E", "R-F"]
        ws = db.session.scalars(select(SubCenter.id).where(SubCenter.code == "ws")).one()
        with acting_as(Scope(sub_centers=frozenset({ws}))):  # the scope rule reaches the subquery
            seen = evidence_of_all(db.session, november, today, ZONE, ids.values(), "overdue")
            assert ids["MZ01"] not in seen
            assert evidence_of_all(db.session, november, today, ZONE, ids.values(), "accepted").keys() == {
                ids["WS01"]}


def test_equal_scores_share_a_rank() -> None:
    from portal.assessment.ranking import competition_ranks

    assert competition_ranks([Decimal("100.00"), Decimal("98.50"), Decimal("98.50"), Decimal("97")]) \
        == [1, 2, 2, 4]
    assert competition_ranks([Decimal(90)] * 3) == [1, 1, 1] and competition_ranks([]) == []


def test_the_lines_add_up_to_the_score_they_make() -> None:
    """Three lines of a third of a point: rounded one by one they would make 99.01, not 99."""
    from portal.assessment.scoring import formula_words

    rules = {"base": 100, "ceiling": 100,
             "points": [{"name": f"第{n}项", "formula": "-1 / 3"} for n in range(3)]}
    result = score(rules, empty_metrics())
    assert result.total == Decimal("99.00")
    exact = Decimal(100) + sum(line.points for line in result.lines)
    assert exact.quantize(Decimal("0.01")) == result.total
    assert [f"{line.points:.2f}" for line in result.lines] == ["-0.33"] * 3
    assert formula_words("20 * (on_time_rate - 1) if completed > 0 else 0") == \
        "20 × （按时办结率 − 1） 若 办结件数 > 0 否则 0"
