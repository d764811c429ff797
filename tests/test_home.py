"""The start page is each user's day: a clerk's lights, waiting cases and drafts; a manager's
lights, extensions and branches waiting, the month's figures; an auditor's ranking and overdue
cases — each within the user's scope.

Today is Friday 2026-11-27 (the server's clock, set by the test); the demo center declares
``yellow_days_left: 2``.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from portal.cli.demo import ensure_demo_users
from portal.core import servertime
from portal.models import Case, CaseBranch, Offering, SubCenter, Window, db
from portal.site.publish import current_version
from tests.support.world import PASSWORD, login

TODAY = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))

# (number, window, state, due date, extension asked, applicant)
CASES = [
    ("MZ-RED", "MZ01", "accepted", "2026-11-26", None, "赵一"),
    ("MZ-YELLOW", "MZ01", "accepted", "2026-11-30", None, "钱二"),
    ("MZ-GREEN", "MZ01", "accepted", "2026-12-02", None, "孙三"),
    ("MZ-EXT", "MZ01", "accepted", "2026-12-10", 3, "李四"),
    ("MZ02-RED", "MZ02", "accepted", "2026-11-20", None, "周五"),
    ("MZ-WAITING", "MZ01", "submitted", None, None, "吴六"),
    ("MZ-NOTICE", "MZ01", "notice_missing", None, None, "郑七"),
    (None, "MZ01", "draft", None, None, "王草稿"),
    (None, "WS01", "draft", None, None, "冯卫健草稿"),
    ("WS-RED", "WS01", "accepted", "2026-11-25", None, "陈八"),
]


@pytest.fixture
def day(published, monkeypatch):
    monkeypatch.setattr(servertime, "now", lambda: TODAY.astimezone(dt.UTC))
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        version = current_version(db.session)
        made = {}
        for number, window_code, state, due, asked, name in CASES:
            window = db.session.scalars(select(Window).where(Window.code == window_code)).one()
            offering = db.session.scalars(select(Offering).where(
                Offering.windows.any(Window.id == window.id))).first()
            accepted = state == "accepted"
            made[number or name] = case = Case(
                number=number, item_id=offering.item_id, sub_center_id=window.sub_center_id,
                window_id=window.id, site_version_id=version.id, applicant_name=name,
                applicant_id_type="居民身份证", applicant_id_number="11010519491231002X", data={},
                state=state, due_date=dt.date.fromisoformat(due) if due else None,
                limit_days=5 if accepted else None, extension_asked=asked,
                accepted_at=TODAY - dt.timedelta(days=10) if accepted else None)
            db.session.add(case)
        db.session.flush()
        mz = db.session.scalars(select(SubCenter).where(SubCenter.code == "mz")).one()
        # a bundle case taken at 卫健 with a branch for 民政 to decide
        db.session.add(CaseBranch(case_id=made["WS-RED"].id, item_id=made["MZ-RED"].item_id,
                                  sub_center_id=mz.id, position=0, limit_days=5,
                                  due_date=dt.date(2026, 12, 1), state="open"))
        db.session.commit()
    return published


def home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def lights(html: str, part: str) -> dict[str, int]:
    section = html.split(f'data-testid="home-{part}"')[1]
    row = section.split('data-testid="lights"')[1].split("</p>")[0]
    return {light: int(n) for light, n in re.findall(r'data-light="(\w+)">.*?<strong>(\d+)</strong>', row)}


def column(html: str, table: str, index: int = 0) -> list[str]:
    """The text of one column of a home table's rows (links by their text)."""
    body = html.split(f'data-testid="{table}"')[1].split("</tbody>")[0].split("<tbody>")[1]
    rows = [row for row in re.findall(r"<tr>(.*?)</tr>", body, re.S) if "colspan" not in row]
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    return [re.sub(r"<[^>]+>", "", c[index]).strip() for c in cells]


def test_a_clerks_day_is_their_windows_lights_waiting_cases_and_drafts(day) -> None:
    client = day.test_client()
    login(client, "mz-clerk")  # at MZ01
    html = home(client)
    assert 'data-testid="home-clerk"' in html and 'data-testid="home-manager"' not in html
    assert 'data-testid="directory"' not in html
    # 卫健's bundle case counts too: its branch is 民政's (the worklist shows it alike)
    assert lights(html, "clerk") == {"red": 2, "yellow": 1, "green": 2, "paused": 0}
    assert sorted(column(html, "home-waiting", 1)) == ["MZ-NOTICE", "MZ-WAITING"]
    assert column(html, "home-drafts") == ["王草稿"]  # not 卫健's draft
    assert "/drafts/" in html.split('data-testid="home-drafts"')[1]


def test_a_managers_day_is_their_sub_centers_lights_extensions_branches_and_month(day) -> None:
    client = day.test_client()
    login(client, "mz-manager")
    html = home(client)
    assert 'data-testid="home-manager"' in html and 'data-testid="home-clerk"' not in html
    assert lights(html, "manager") == {"red": 3, "yellow": 1, "green": 2, "paused": 0}
    assert column(html, "home-extensions") == ["MZ-EXT"]
    assert column(html, "home-branches") == ["WS-RED"]  # 民政 decides its branch of 卫健's case
    figures = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html))
    assert figures["办件量"] == "5"
    other = day.test_client()
    login(other, "ws-manager")
    html = home(other)
    assert column(html, "home-extensions") == [] and column(html, "home-branches") == []
    assert lights(html, "manager") == {"red": 1, "yellow": 0, "green": 0, "paused": 0}


def test_an_auditors_day_is_the_months_ranking_and_the_overdue_cases(day) -> None:
    client = day.test_client()
    login(client, "center-auditor")
    html = home(client)
    assert 'data-testid="home-auditor"' in html
    assert sorted(column(html, "home-overdue")) == ["MZ-RED", "MZ02-RED", "WS-RED"]
    ranked = column(html, "home-ranking", 1)
    # the windows that took cases this month, and only those
    assert sorted(label.split()[0] for label in ranked) == ["MZ01", "MZ02", "WS01"], ranked
    assert "共 3 个窗口参与排名" in html
    local = day.test_client()
    login(local, "ws-auditor")
    assert column(home(local), "home-overdue") == ["WS-RED"]


def test_a_visitor_sees_the_public_hall_and_no_staff_part(day) -> None:
    html = home(day.test_client())
    assert 'data-testid="places"' in html and "home-clerk" not in html and "工作人员登录" in html


@pytest.mark.parametrize(("ranks", "shown"), [
    ([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]),
    ([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, None, 6, 7, 8]),
    ([1, 2, 3, 3, 5, 6, 7, 8, 9], [1, 2, 3, 3, None, 7, 8, 9]),  # a tie across the head's cut
    ([1, 2, 3, 4, 5, 6, 7, 7, 9, 10], [1, 2, 3, None, 7, 7, 9, 10]),  # 15, 15, 17: not 15, 17
    ([1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 1]),
])
def test_the_rankings_head_and_tail_show_a_shared_rank_whole(ranks, shown) -> None:
    from types import SimpleNamespace

    from portal.web.views import head_and_tail

    rows = head_and_tail([SimpleNamespace(rank=r) for r in ranks])
    assert [None if r is None else r.rank for r in rows] == shown
