"""The monthly operations report against a hand-worked November 2026 (Asia/Shanghai months).

MZ01: A 即办 done the same day; B 即办 done a day late; C done on time; D accepted in October,
done late in November; E open and past its due date 11-30; F accepted in October, due 11-20,
done only on 12-02. MZ02: H accepted 11-27, due 12-04. WS01: I 即办 accepted and done
11-30 23:30 (still November in Shanghai); J accepted 12-01 00:30 Shanghai (11-30 UTC) — December.
A rejected application (never accepted) counts nowhere.
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
from tests.support.world import PASSWORD, csv_rows, login

CST = dt.timezone(dt.timedelta(hours=8))


def at(text: str) -> dt.datetime:
    """Shanghai wall time, as the portal stores times: in UTC (SQLite drops any other zone)."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=CST).astimezone(dt.UTC)


# number, window, state, accepted, completed, limit, legal, due, used, on time
CASES = [
    ("A", "MZ01", "completed", "2026-11-02 09:00", "2026-11-02 15:00", 0, 5, "2026-11-02", 0, True),
    ("B", "MZ01", "completed", "2026-11-03 09:00", "2026-11-04 10:00", 0, 5, "2026-11-03", 1, False),
    ("C", "MZ01", "completed", "2026-11-05 09:00", "2026-11-20 10:00", 15, 30, "2026-11-26", 11, True),
    ("D", "MZ01", "completed", "2026-10-20 09:00", "2026-11-10 10:00", 15, 30, "2026-11-09", 15, False),
    ("E", "MZ01", "accepted", "2026-11-10 09:00", None, 15, 30, "2026-11-30", None, None),
    ("F", "MZ01", "completed", "2026-10-08 09:00", "2026-12-02 10:00", 15, 30, "2026-11-20", 35, False),
    ("G", "MZ01", "rejected", None, None, None, None, None, None, None),
    ("H", "MZ02", "accepted", "2026-11-27 09:00", None, 5, 20, "2026-12-04", None, None),
    ("I", "WS01", "completed", "2026-11-30 23:30", "2026-11-30 23:50", 0, 5, "2026-11-30", 0, True),
    ("J", "WS01", "completed", "2026-12-01 00:30", "2026-12-01 09:00", 0, 5, "2026-12-01", 0, True),
]


@pytest.fixture
def month_of_cases(published):
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        version = current_version(db.session)
        for number, code, state, accepted, completed, limit, legal, due, used, on_time in CASES:
            window = db.session.scalars(select(Window).where(Window.code == code)).one()
            offering = db.session.scalars(select(Offering).where(
                Offering.windows.any(Window.id == window.id))).first()
            db.session.add(Case(
                number=f"R-{number}", item_id=offering.item_id, sub_center_id=window.sub_center_id,
                window_id=window.id, site_version_id=version.id, applicant_name=f"申请人{number}",
                applicant_id_type="居民身份证", applicant_id_number="11010519491231002X", data={},
                state=state, accepted_at=at(accepted) if accepted else None,
                completed_at=at(completed) if completed else None, limit_days=limit,
                legal_days=legal, due_date=dt.date.fromisoformat(due) if due else None,
                used_days=used, on_time=on_time))
        db.session.commit()
    return published


def on(monkeypatch, day: str) -> None:
    monkeypatch.setattr(servertime, "now", lambda: at(f"{day} 10:00"))


def table(client, query: str) -> dict[str, list[str]]:
    html = client.get(f"/reports/monthly{query}").get_data(as_text=True)
    return {name: re.findall(r'<t[dh] class="text-right">([^<]*)</t[dh]>', row)
            for name, row in re.findall(r'<tr data-row="([^"]+)">(.*?)</tr>', html, re.S)}


# 办件量 即办件 即办件比例 当场办结 当场办结率 办结 按时办结 按时办结率 超期件 提速率
def test_a_closed_month_per_sub_center_and_the_center_roll_up(month_of_cases, monkeypatch) -> None:
    on(monkeypatch, "2026-12-05")
    client = month_of_cases.test_client()
    login(client, "center-auditor")
    rows = {name.removeprefix("句容市政务服务"): row for name, row in table(client, "?month=2026-11").items()}
    assert rows["民政分中心"] == ["5", "2", "40.0%", "1", "20.0%", "4", "2", "50.0%", "4", "61.4%"]
    assert rows["卫生分中心"] == ["1", "1", "100.0%", "1", "100.0%", "1", "1", "100.0%", "0", "100.0%"]
    assert rows["公安交巡警分中心"] == ["0", "0", "—", "0", "—", "0", "0", "—", "0", "—"]
    # the roll-up is worked out from the sums: 3 of 5 on time, 1 − 27/75
    assert rows["total"] == ["6", "3", "50.0%", "2", "33.3%", "5", "3", "60.0%", "4", "64.0%"]


def test_the_month_under_way_counts_overdue_up_to_today(month_of_cases, monkeypatch) -> None:
    on(monkeypatch, "2026-11-27")
    client = month_of_cases.test_client()
    login(client, "center-auditor")
    rows = table(client, "?month=2026-11")
    assert rows["句容市政务服务民政分中心"][8] == "3"  # B, D late; F past 11-20; E not yet due


def test_one_sub_center_window_by_window_and_as_csv(month_of_cases, monkeypatch) -> None:
    on(monkeypatch, "2026-12-05")
    client = month_of_cases.test_client()
    login(client, "mz-manager")
    assert list(table(client, "?month=2026-11")) == ["句容市政务服务民政分中心"]  # their own only
    with month_of_cases.app_context():
        mz = db.session.scalars(select(SubCenter).where(SubCenter.code == "mz")).one().id
    rows = table(client, f"?month=2026-11&sub_center={mz}")
    assert rows["MZ01 社会救助窗口"][:2] == ["4", "2"] and rows["MZ02 社会组织和区划地名窗口"][0] == "1"
    response = client.get(f"/reports/monthly?month=2026-11&sub_center={mz}&format=csv")
    assert response.headers["Content-Disposition"].endswith("monthly-2026-11-mz.csv")
    lines = csv_rows(response)
    assert lines[0][:3] == ["窗口", "办件量", "即办件"]
    assert lines[-1] == ["合计", "5", "2", "40.0%", "1", "20.0%", "4", "2", "50.0%", "4", "61.4%"]


def test_a_clerk_cannot_read_another_sub_centers_figures(month_of_cases, monkeypatch) -> None:
    on(monkeypatch, "2026-12-05")
    client = month_of_cases.test_client()
    login(client, "mz-clerk")
    with month_of_cases.app_context():
        ws = db.session.scalars(select(SubCenter).where(SubCenter.code == "ws")).one().id
    response = client.get(f"/reports/monthly?month=2026-11&sub_center={ws}")
    assert response.status_code in (403, 404) or "卫生" not in response.get_data(as_text=True)
