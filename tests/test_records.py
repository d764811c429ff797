"""The records assessment is computed from: evaluations (好差评), complaints and inspections
(巡查), recorded by supervision on their screens, filed under the window and sub-center they are
about, with the recorder and time set by the server; clerks read theirs and record none."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.cli.demo import ensure_demo_users
from portal.models import Case, Complaint, Evaluation, Inspection, SubCenter, Window, db
from tests.support.world import PASSWORD, add_cases, csrf_token, signed_in


@pytest.fixture
def world(published):
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        rows = add_cases(per_window=1)  # accepted cases at every window
    return published, {r.window: r.number for r in rows}


def post_form(c, url: str, data: dict):
    page = c.get(url).get_data(as_text=True)
    return c.post(url, data={"csrf_token": csrf_token(page), **data})


def test_an_evaluation_is_filed_under_its_cases_window_by_the_server(world) -> None:
    app, numbers = world
    auditor = signed_in(app, "mz-auditor")
    saved = post_form(auditor, "/evaluations/add", {
        "case_number": numbers["MZ02"], "level": "不满意", "channel": "短信", "text": "等候时间太长",
        "recorded_by": "someone-else"})
    assert saved.status_code == 302
    with app.app_context():
        evaluation = db.session.scalars(select(Evaluation)).one()
        placed = (evaluation.window.code, evaluation.sub_center.code, evaluation.level)
        assert placed == ("MZ02", "mz", "不满意")
        assert evaluation.recorded_by == "mz-auditor" and evaluation.created_at is not None
        assert evaluation.case.number == numbers["MZ02"]


def test_a_case_outside_the_scope_or_unknown_is_refused_with_the_values_kept(world) -> None:
    app, numbers = world
    auditor = signed_in(app, "mz-auditor")
    for number in (numbers["WS01"], "MZ-NO-SUCH"):
        refused = post_form(auditor, "/evaluations/add", {"case_number": number, "level": "满意",
                                                          "channel": "现场评价器", "text": "态度很好"})
        page = refused.get_data(as_text=True)
        assert refused.status_code == 200 and "在您的范围内没有这个编号的办件" in page
        assert "态度很好" in page and number in page
    with app.app_context():
        assert db.session.scalars(select(Evaluation)).all() == []


def test_clerks_read_their_windows_records_and_record_none(world) -> None:
    app, numbers = world
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.number == numbers["MZ01"])).one()
        other = db.session.scalars(select(Case).where(Case.number == numbers["MZ02"])).one()
        for c, text in ((case, "MZ01的评价"), (other, "MZ02的评价")):
            db.session.add(Evaluation(case_id=c.id, sub_center_id=c.sub_center_id,
                                      window_id=c.window_id, level="满意", channel="现场评价器",
                                      text=text, recorded_by="import"))
        db.session.commit()
    clerk = signed_in(app, "mz-clerk")  # MZ01
    listing = clerk.get("/evaluations/list/").get_data(as_text=True)
    assert numbers["MZ01"] in listing and numbers["MZ02"] not in listing
    assert clerk.get("/evaluations/add").status_code in (302, 403)
    assert clerk.get("/inspections/add").status_code in (302, 403)
    assert clerk.get("/evaluations/edit/1").status_code in (302, 403, 404)


def test_an_inspection_names_the_centers_norm_and_its_deduction(world) -> None:
    app, _ = world
    auditor = signed_in(app, "mz-auditor")
    with app.app_context():
        window = db.session.scalars(select(Window).where(Window.code == "MZ01")).one().id
    base = {"window": window, "inspected_on": "2026-11-26", "kind": "服务规范",
            "finding": "窗口人员未佩戴工作牌", "deduction": "1", "evidence": "巡查照片 IMG_0231"}
    missing = post_form(auditor, "/inspections/add", {**base, "norm": ""})
    assert "须写明对应的规范编号" in missing.get_data(as_text=True)
    unknown = post_form(auditor, "/inspections/add", {**base, "norm": "N09"})
    text = unknown.get_data(as_text=True)
    assert "不是中心的服务规范编号" in text and "N01" in text and "窗口人员未佩戴工作牌" in text
    assert post_form(auditor, "/inspections/add", {**base, "norm": "N03"}).status_code == 302
    with app.app_context():
        found = db.session.scalars(select(Inspection)).one()
        assert (found.sub_center.code, found.norm, float(found.deduction)) == ("mz", "N03", 1.0)
        assert found.recorded_by == "mz-auditor"


def test_a_complaint_is_handled_by_the_manager(world) -> None:
    app, numbers = world
    auditor, manager = signed_in(app, "mz-auditor"), signed_in(app, "mz-manager")
    with app.app_context():
        window = db.session.scalars(select(Window).where(Window.code == "MZ01")).one().id
    complaint = {"window": window, "clerk": "mz-clerk", "case_number": numbers["MZ01"],
                 "channel": "12345热线", "content": "窗口人员推诿，让群众多跑了一趟"}
    for wrong in ("mz-clrek", "ws-clerk"):  # a typo; a clerk of another sub-center
        refused = post_form(auditor, "/complaints/add", {**complaint, "clerk": wrong}).get_data(as_text=True)
        assert "您所辖分中心没有此用户名的用户" in refused and "让群众多跑了一趟" in refused
    with app.app_context():
        assert db.session.scalars(select(Complaint)).all() == []
    saved = post_form(auditor, "/complaints/add", complaint)
    assert saved.status_code == 302
    with app.app_context():
        complaint = db.session.scalars(select(Complaint)).one()
        assert (complaint.outcome, complaint.case.number) == ("待处理", numbers["MZ01"])
        pk = complaint.id
    handled = post_form(manager, f"/complaints/edit/{pk}", {
        "handling": "经调查属实，已批评教育并向群众致歉", "outcome": "属实"})
    assert handled.status_code == 302
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        assert complaint.outcome == "属实" and complaint.window.code == "MZ01"
        sub = db.session.scalars(select(SubCenter.code).where(SubCenter.id == complaint.sub_center_id))
        assert sub.one() == "mz"
    page = signed_in(app, "mz-clerk").get(f"/complaints/show/{pk}").get_data(as_text=True)
    assert "推诿" in page and re.search("属实", page)
