"""并联审批: the demo's 社会救助“一件事” is taken once at 民政 (MZ01); its three branches are
decided in parallel — 低保认定 and 残疾人两项补贴 by 民政, 就业创业证 by 人社 — and the case is
completed once, when all are decided. Accepted Monday 2026-09-28 (hand-worked dates around
National Day 2026: 10-01..10-07 off, Saturday 10-10 works).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.access.roles import CLERK, MANAGER
from portal.access.scope import unscoped
from portal.cases import lifecycle
from portal.cases.actions import Actor
from portal.cli.demo import ensure_demo_users
from portal.core.errors import PortalError
from portal.models import Case, CaseBranch, SubCenter, db
from portal.web.current import current_site
from tests.support.world import PASSWORD, csrf_token, login
from tests.test_process import Clock, submitted_case


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def ids() -> dict[str, int]:
    return {s.code: s.id for s in db.session.scalars(select(SubCenter))}


def people() -> dict[str, Actor]:
    at = ids()
    return {
        "mz-clerk": Actor("mz-clerk", frozenset({CLERK}), frozenset({at["mz"]})),
        "mz-manager": Actor("mz-manager", frozenset({MANAGER}), frozenset({at["mz"]})),
        "rs-clerk": Actor("rs-clerk", frozenset({CLERK}), frozenset({at["rs"]})),
        "rs-manager": Actor("rs-manager", frozenset({MANAGER}), frozenset({at["rs"]})),
    }


def test_one_intake_branches_in_parallel_one_completion(published, clock) -> None:
    with published.test_request_context(), unscoped():
        site, who = current_site(), people()
        case = db.session.get(Case, submitted_case("yjs-shjz"))
        lifecycle.accept(db.session, site, case, who["mz-clerk"])
        assert case.due_date == dt.date(2026, 10, 30)  # the bundle's own 20 working days
        branches = {b.item.code: b for b in case.branches}
        assert {code: (b.sub_center.code, b.due_date) for code, b in branches.items()} == {
            "mz-dibao": ("mz", dt.date(2026, 10, 23)),  # 民政 promises 15
            "mz-cjjz": ("mz", dt.date(2026, 10, 23)),
            "rs-jycy": ("rs", dt.date(2026, 9, 28)),  # a 即办件 at 人社: the same day
        }
        lifecycle.advance(db.session, case, who["mz-manager"], "同意")  # 受理 → 并联审批 → 办结
        with pytest.raises(PortalError, match="still waits for"):
            lifecycle.complete(db.session, site, case, who["mz-clerk"], "approved", "")
        rs_branch, dibao = branches["rs-jycy"].id, branches["mz-dibao"].id
        with pytest.raises(PortalError, match="人社分中心"):
            lifecycle.decide_branch(db.session, case, who["mz-manager"], rs_branch, True, "")
        with pytest.raises(PortalError, match="分中心管理员"):
            lifecycle.decide_branch(db.session, case, who["mz-clerk"], dibao, True, "")  # 审核 is a manager's
        with pytest.raises(PortalError, match="handled by"):
            lifecycle.pause(db.session, site, case, who["rs-manager"], "补正", "缺材料")  # not theirs
        lifecycle.decide_branch(db.session, case, who["rs-clerk"], rs_branch, True, "就业创业证已发放")
        lifecycle.decide_branch(db.session, case, who["mz-manager"], dibao, True, "纳入低保")
        with pytest.raises(PortalError, match="reason"):
            lifecycle.decide_branch(db.session, case, who["mz-manager"], branches["mz-cjjz"].id, False, "")
        lifecycle.decide_branch(db.session, case, who["mz-manager"], branches["mz-cjjz"].id, False,
                                "未持有第二代残疾人证")
        with pytest.raises(PortalError, match="not open"):
            lifecycle.decide_branch(db.session, case, who["rs-clerk"], rs_branch, False, "改")
        clock.set("2026-10-20")
        lifecycle.complete(db.session, site, case, who["mz-clerk"], "approved", "统一送达")
        assert (case.state, case.on_time) == ("completed", True)
        assert [(b.item.code, b.state, b.decided_by) for b in case.branches] == [
            ("mz-dibao", "approved", "mz-manager"), ("mz-cjjz", "denied", "mz-manager"),
            ("rs-jycy", "approved", "rs-clerk")]


def test_the_other_department_reads_and_decides_its_branch_from_the_case_page(published, clock) -> None:
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        case_id = submitted_case("yjs-shjz")
    mz, rs, ws = published.test_client(), published.test_client(), published.test_client()
    login(mz, "mz-clerk")  # accepts at the counter: the branches open at 民政 and at 人社
    token = csrf_token(mz.get("/resetmypassword/form").get_data(as_text=True))
    accepted = mz.post(f"/casework/{case_id}/accept", data={"csrf_token": token}, follow_redirects=True)
    assert "已受理" in accepted.get_data(as_text=True)
    with published.app_context():
        rs_branch = db.session.scalars(select(CaseBranch.id).join(SubCenter).where(
            CaseBranch.case_id == case_id, SubCenter.code == "rs")).one()
    login(rs, "rs-clerk")
    login(ws, "ws-manager")
    page = rs.get(f"/cases/show/{case_id}").get_data(as_text=True)
    assert "并联审批" in page and "作出决定" in page  # 资料共享: the shared application is open to them
    assert "暂停计时" not in page and "完成本环节" not in page  # the case itself is 民政's
    assert "受理窗口：句容市政务服务民政分中心 MZ01" in page
    assert ws.get(f"/cases/show/{case_id}").status_code == 404  # 卫生 has no branch in it
    token = csrf_token(rs.get("/resetmypassword/form").get_data(as_text=True))
    done = rs.post(f"/casework/{case_id}/branch", data={"csrf_token": token, "branch": rs_branch,
                                                       "outcome": "approved", "result": "已发证"},
                   follow_redirects=True).get_data(as_text=True)
    assert "已作出并联审批决定" in done and 'data-state="approved"' in done
    with published.app_context():
        assert db.session.get(CaseBranch, rs_branch).decided_by == "rs-clerk"


def _probes(client, path: str) -> tuple[int, list[str]]:
    """The page's status, and the statements it sent asking whether a sub-center has branches."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    sent: list[str] = []

    def note(conn, cursor, statement, *args) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", note)
    try:
        status = client.get(path).status_code
    finally:
        event.remove(Engine, "before_cursor_execute", note)
    probe = "EXISTS (SELECT * FROM case_branch WHERE case_branch.sub_center_id"
    return status, [s for s in sent if probe in s]


def test_a_department_seen_deciding_a_branch_is_not_asked_again(published, clock, monkeypatch) -> None:
    from portal.access import scope

    monkeypatch.setattr(scope, "_DECIDING", set())  # what this process has seen so far: nothing
    monkeypatch.setattr(scope, "_NOT_DECIDING", {})
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        first, second = submitted_case("yjs-shjz"), submitted_case("yjs-shjz")
    mz, rs, ws = published.test_client(), published.test_client(), published.test_client()
    login(mz, "mz-clerk")
    token = csrf_token(mz.get("/resetmypassword/form").get_data(as_text=True))
    assert "已受理" in mz.post(f"/casework/{first}/accept", data={"csrf_token": token},
                              follow_redirects=True).get_data(as_text=True)
    login(rs, "rs-clerk")
    login(ws, "ws-clerk")
    assert _probes(rs, f"/cases/show/{first}") == (200, [])  # found on signing in: 人社 decides a branch
    assert _probes(rs, f"/cases/show/{first}") == (200, [])  # and not asked again
    assert ws.get("/cases/list/").status_code == 200  # 卫生 has none: asked (on signing in, or here)
    assert _probes(ws, "/cases/list/") == (200, [])  # not again while no branch is added anywhere
    # a branch opened anywhere (the second case's, at 人社): 卫生 is asked again on its next page
    assert "已受理" in mz.post(f"/casework/{second}/accept", data={"csrf_token": token},
                              follow_redirects=True).get_data(as_text=True)
    status, probes = _probes(ws, "/cases/list/")
    assert status == 200 and len(probes) == 1
    assert _probes(ws, "/cases/list/") == (200, [])


def test_a_branch_opened_at_a_department_found_without_one_is_seen_there(published, clock,
                                                                          monkeypatch) -> None:
    """A worker that found 人社 deciding no branch learns of the first one on 人社's next page."""
    from portal.access import scope

    monkeypatch.setattr(scope, "_DECIDING", set())
    monkeypatch.setattr(scope, "_NOT_DECIDING", {})
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        assert db.session.scalar(select(CaseBranch.id).limit(1)) is None  # no branch anywhere yet
        case_id = submitted_case("yjs-shjz")
    mz, rs = published.test_client(), published.test_client()
    login(mz, "mz-clerk")
    login(rs, "rs-clerk")
    assert rs.get(f"/cases/show/{case_id}").status_code == 404  # 民政's case: none of 人社's business
    assert scope._NOT_DECIDING  # 人社 was found deciding none, and that is kept
    token = csrf_token(mz.get("/resetmypassword/form").get_data(as_text=True))
    assert "已受理" in mz.post(f"/casework/{case_id}/accept", data={"csrf_token": token},
                              follow_redirects=True).get_data(as_text=True)
    page = rs.get(f"/cases/show/{case_id}")
    assert page.status_code == 200 and "并联审批" in page.get_data(as_text=True)
