"""待办与监察: lights from the center's threshold, overdue first, filters, and the same page
scoped to a clerk's windows, a manager's sub-center and the whole center.

Today is Friday 2026-11-27 (the server's clock, set by the test); the demo center declares
``yellow_days_left: 2``, so a case due 11-27, 11-30 or 12-01 is yellow, 12-02 green, 11-26 red.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from portal.cli.demo import ensure_demo_users
from portal.core import servertime
from portal.models import Case, Offering, SubCenter, Window, db
from portal.site.publish import current_version
from tests.support.world import PASSWORD, login

TODAY = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))

# (number, sub-center, window, state, due date)
CASES = [
    ("MZ-GREEN", "mz", "MZ01", "accepted", "2026-12-02"),
    ("MZ-YELLOW-TODAY", "mz", "MZ01", "accepted", "2026-11-27"),
    ("MZ-RED-LATE", "mz", "MZ01", "accepted", "2026-11-20"),
    ("MZ-RED", "mz", "MZ02", "accepted", "2026-11-26"),
    ("MZ-YELLOW-TUE", "mz", "MZ02", "accepted", "2026-12-01"),
    ("MZ-PAUSED", "mz", "MZ01", "paused", None),
    ("MZ-DONE", "mz", "MZ01", "completed", "2026-11-01"),
    ("MZ-WAITING", "mz", "MZ01", "submitted", None),
    ("WS-RED", "ws", "WS01", "accepted", "2026-11-25"),
    ("WS-GREEN", "ws", "WS01", "accepted", "2027-01-08"),
]


@pytest.fixture
def lit(published, monkeypatch):
    monkeypatch.setattr(servertime, "now", lambda: TODAY.astimezone(dt.UTC))
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        version = current_version(db.session)
        for number, sub, window_code, state, due in CASES:
            window = db.session.scalars(select(Window).where(Window.code == window_code)).one()
            offering = db.session.scalars(select(Offering).join(SubCenter).where(
                SubCenter.code == sub, Offering.windows.any(Window.id == window.id))).first()
            db.session.add(Case(
                number=number, item_id=offering.item_id, sub_center_id=window.sub_center_id,
                window_id=window.id, site_version_id=version.id, applicant_name=f"申请人{number}",
                applicant_id_type="居民身份证", applicant_id_number="11010519491231002X", data={},
                state=state, due_date=dt.date.fromisoformat(due) if due else None,
                limit_days=5, accepted_at=TODAY - dt.timedelta(days=10)))
        db.session.commit()
    return published


def listed(client, query: str = "") -> list[tuple[str, str]]:
    page = client.get(f"/worklist/{query}")
    assert page.status_code == 200
    return re.findall(r'<tr data-number="([^"]+)" data-light="([^"]+)">', page.get_data(as_text=True))


def summary(client) -> dict[str, list[int]]:
    html = client.get("/worklist/").get_data(as_text=True)
    table = html.split('data-testid="summary"')[1].split("</table>")[0]
    return {code: [int(n) for n in re.findall(r">(\d+)</a>", row)]
            for code, row in re.findall(r'<tr data-sub="(\w+)">(.*?)</tr>', table, re.S)}


def test_the_center_sees_every_open_case_overdue_first_with_its_light(lit) -> None:
    client = lit.test_client()
    login(client, "center-auditor")
    assert listed(client) == [
        ("MZ-RED-LATE", "red"), ("WS-RED", "red"), ("MZ-RED", "red"),
        ("MZ-YELLOW-TODAY", "yellow"), ("MZ-YELLOW-TUE", "yellow"),
        ("MZ-GREEN", "green"), ("WS-GREEN", "green"), ("MZ-PAUSED", "paused"),
    ]  # completed and not yet accepted cases are not open
    assert summary(client) == {"mz": [2, 2, 1, 1], "ws": [1, 0, 1, 0]}  # red yellow green paused
    html = client.get("/worklist/").get_data(as_text=True)
    assert "待办与监察" in html and "超期" in html and "剩余不超过 2 个工作日亮黄灯" in html


def test_filters_narrow_by_light_sub_center_window_and_state(lit) -> None:
    client = lit.test_client()
    login(client, "center-auditor")
    with lit.app_context():
        ids = {w.code: w.id for w in db.session.scalars(select(Window))}
        subs = {s.code: s.id for s in db.session.scalars(select(SubCenter))}
    assert [n for n, _ in listed(client, "?light=red")] == ["MZ-RED-LATE", "WS-RED", "MZ-RED"]
    assert [n for n, _ in listed(client, f"?sub_center={subs['ws']}")] == ["WS-RED", "WS-GREEN"]
    assert [n for n, _ in listed(client, f"?window={ids['MZ02']}")] == ["MZ-RED", "MZ-YELLOW-TUE"]
    assert [n for n, _ in listed(client, "?state=paused")] == ["MZ-PAUSED"]
    assert listed(client, f"?light=yellow&sub_center={subs['ws']}") == []
    # the filters keep what was chosen: that option selected, the others as they were
    chosen = f"?window={ids['MZ02']}&sub_center={subs['mz']}&state=paused"
    page = client.get(f"/worklist/{chosen}").get_data(as_text=True)
    selected = re.findall(r'<option value="([^"]*)" ?selected>', page)
    assert selected == [str(subs["mz"]), str(ids["MZ02"]), "paused"], selected
    assert "&lt;option" not in page


def test_a_clerk_sees_the_worklist_of_their_windows_and_a_manager_their_sub_center(lit) -> None:
    clerk, manager = lit.test_client(), lit.test_client()
    login(clerk, "mz-clerk")  # MZ01
    login(manager, "mz-manager")
    assert {n for n, _ in listed(clerk)} == {"MZ-RED-LATE", "MZ-YELLOW-TODAY", "MZ-GREEN", "MZ-PAUSED"}
    assert {n for n, _ in listed(manager)} == {n for n, s, _, st, _ in CASES
                                               if s == "mz" and st in ("accepted", "paused")}
    assert list(summary(manager)) == ["mz"]
    with lit.app_context():
        ws = db.session.scalars(select(SubCenter).where(SubCenter.code == "ws")).one().id
    assert listed(manager, f"?sub_center={ws}") == []  # another sub-center: nothing, not an error


def test_the_worklist_shows_what_waits_for_the_windows_decision(lit) -> None:
    """Submitted cases (new, or brought back after a 一次性告知) and those notified of missing
    materials are listed apart from the open ones, in the user's scope."""
    with lit.app_context():
        case = db.session.scalars(select(Case).where(Case.number == "MZ-DONE")).one()
        case.state = "notice_missing"  # notified: the applicant is to bring the materials
        db.session.commit()
    clerk, other = lit.test_client(), lit.test_client()
    login(clerk, "mz-clerk")  # MZ01
    login(other, "ws-clerk")
    page = clerk.get("/worklist/").get_data(as_text=True)
    waiting = re.findall(r'<tr data-waiting="([^"]+)">\s*<td>([^<]+)</td>', page)
    assert sorted(waiting) == [("MZ-DONE", "已一次性告知"), ("MZ-WAITING", "已提交")]
    assert "等待受理决定" in page and "已提交或已一次性告知：2 件" in page
    elsewhere = other.get("/worklist/").get_data(as_text=True)
    assert "MZ-WAITING" not in elsewhere and "已提交或已一次性告知：0 件" in elsewhere
    # counted with the open cases' lights, narrowed by the window chosen but not by their light
    assert "已提交或已一次性告知：2 件" in clerk.get("/worklist/?light=red").get_data(as_text=True)
    with lit.app_context():
        mz02 = db.session.scalars(select(Window.id).where(Window.code == "MZ02")).one()
    manager = lit.test_client()
    login(manager, "mz-manager")
    assert "已提交或已一次性告知：2 件" in manager.get("/worklist/").get_data(as_text=True)
    assert "已提交或已一次性告知：0 件" in manager.get(f"/worklist/?window={mz02}").get_data(as_text=True)


def _queue(app, n: int) -> None:
    """A busy morning: ``n`` more applications waiting at MZ01."""
    with app.app_context():
        first = db.session.scalars(select(Case).where(Case.number == "MZ-WAITING")).one()
        for i in range(n):
            db.session.add(Case(
                number=f"MZ-Q{i:02d}", item_id=first.item_id, sub_center_id=first.sub_center_id,
                window_id=first.window_id, site_version_id=first.site_version_id,
                applicant_name=f"排队{i}", applicant_id_type="居民身份证",
                applicant_id_number="11010519491231002X", data={}, state="submitted"))
            db.session.flush()
        db.session.commit()


def test_the_waiting_cases_are_paged_oldest_first(lit) -> None:
    _queue(lit, 12)
    clerk = lit.test_client()
    login(clerk, "mz-clerk")

    def shown(query: str = "") -> list[str]:
        html = clerk.get(f"/worklist/{query}").get_data(as_text=True)
        return re.findall(r'<tr data-waiting="([^"]+)">', html)

    first_page, second_page = shown(), shown("?wpage=1")
    assert len(first_page) == 10 and first_page[0] == "MZ-WAITING"  # the oldest first
    assert second_page == ["MZ-Q09", "MZ-Q10", "MZ-Q11"]
    html = clerk.get("/worklist/?wpage=1&light=red").get_data(as_text=True)
    assert "第 2 / 2 页" in html and "wpage=0" in html and "light=red" in html  # the filters kept
    assert "已提交或已一次性告知：13 件" in html  # the count read with the page's rows
    # a page past the last (a link kept from before the queue shrank): none shown, still counted
    past = clerk.get("/worklist/?wpage=5").get_data(as_text=True)
    assert shown("?wpage=5") == [] and "已提交或已一次性告知：13 件" in past


def _sent(app, user: str, paths: tuple[str, ...]) -> list[str]:
    """The statements sent while ``user`` opens ``paths``, each on one line."""
    from sqlalchemy import event

    sent: list[str] = []

    def note(_c, _cur, statement, _p, _ctx, _m) -> None:
        sent.append(" ".join(statement.split()))

    client = app.test_client()
    login(client, user)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        for path in paths:
            assert client.get(path).status_code == 200, path
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return sent


def test_the_pages_place_is_written_into_their_sql(lit) -> None:
    """The LIMIT and OFFSET of a page of cases are written into the SQL, not bound: PostgreSQL
    plans a prepared statement with a bound LIMIT for any value, found that plan dearer than
    each run's own, and so planned the waiting cases' page again on every view (0.5 ms of
    planning to 0.1 of running). The pages read as before: the second page of the waiting
    cases is not the first."""
    _queue(lit, 12)
    sent = _sent(lit, "center-auditor",
                 ("/worklist/", "/worklist/?wpage=1", "/cases/list/?page_CaseScreen=1&psize_CaseScreen=2"))
    waiting = [s for s in sent if "ORDER BY cases.updated_at" in s and not s.startswith("SELECT count")]
    listed_ = [s for s in sent if s.startswith("SELECT cases.id, cases.number, ")]
    # (the waiting cases' page rides in the worklist's one statement, a subquery of its own)
    assert "ORDER BY cases.updated_at, cases.id LIMIT 10 OFFSET 0)" in waiting[0], waiting
    assert "ORDER BY cases.updated_at, cases.id LIMIT 10 OFFSET 10)" in waiting[1], waiting
    assert "ORDER BY cases.due_date, cases.id LIMIT 25 OFFSET 0)" in waiting[0], waiting
    assert re.search(r"LIMIT 2 OFFSET 2\)?$", listed_[-1]), listed_


def test_follow_ups_and_pressed_cases_are_listed_only_when_counted(lit) -> None:
    """How many follow-ups are open and cases pressed (催办) rides in the light counts'
    statement: a worklist with none of either asks for neither list (a round trip less each,
    on most pages of most users)."""
    sent = _sent(lit, "ws-clerk", ("/worklist/",))
    counted = [s for s in sent if "UNION ALL" in s]
    assert len(counted) == 1 and "FROM follow_up" in counted[0] and "FROM case_agency" in counted[0]
    # (each scoped inside: the clerk's own cases)
    assert "follow_up.window_id IN" in counted[0] and "scope_own_cases.window_id IN" in counted[0], counted
    listed = [s for s in sent if s.startswith(("SELECT follow_up", "SELECT case_agency"))]
    assert not listed, listed
