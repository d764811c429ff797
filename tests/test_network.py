"""三级便民服务网络: the supervision of 代办 by town and village against a hand-worked October 2026
(Asia/Shanghai), a month with the National Day holiday (10-01..10-07 off) and its 调休 (Saturday
10-10 a working day). Every case goes through the real flow (portal/cases/agency.py), the
server's clock set for each step; 民政's 老年优待证 (mz-lnyd, 即办件: due the day it is accepted),
decided at window MZ03.

  A 蜀山村  taken Wed 09-30, to the town 09-30, delivered Thu 10-08, accepted Fri 10-09,
           completed, returned 10-13, replied 10-14.
           transit: working days after 09-30 up to 10-09 = 10-08, 10-09 = 2 (calendar days: 9)
  B 蜀山村  taken Fri 10-09, to the town 10-09, delivered Sat 10-10 (调休), accepted Mon 10-12,
           completed 10-20, returned 10-21 — not replied yet.
           transit: 10-10 (调休), 10-12 = 2 (Sunday 10-11 off)
  C 石狮村  taken Mon 10-12, to the town 10-13, delivered Wed 10-14; not accepted 2 working days
           after it (10-16): pressed Mon 10-19 and Tue 10-20 (2 催办); accepted Wed 10-21 (due the
           same day) and left undecided.
           transit: 10-13, 14, 15, 16, 19, 20, 21 = 7
  F 华阳街道's own counter (no village): taken Thu 10-15 (at the town already), delivered Fri 10-16,
           accepted 10-16, completed, returned and replied by the town 10-19.
           transit: 10-16 = 1
  D 宝华村  taken Wed 10-28, still at the village.

October, per place:      taken  delivered  transit (cases, days, avg, max)  replied  催办
  华阳街道 蜀山村           1 (B)   2 (A, B)   2, 4, 2.0, 2                      1 (A)    0
  华阳街道 石狮村           1 (C)   1 (C)      1, 7, 7.0, 7                      0        2
  华阳街道 own counter      1 (F)   1 (F)      1, 1, 1.0, 1                      1 (F)    0
  华阳街道 (town)           3       4          4, 12, 3.0, 7                     2        2
  宝华镇 宝华村             1 (D)   0          —                                 0        0
(A was taken in September: it counts there, not here.)

Today, Thu 2026-11-05: in transit D (宝华村); awaiting reply B (蜀山村: returned, not replied);
C (石狮村) overdue (accepted 10-21, due 10-21, undecided) and pressed; A and F replied: gone.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from flask import request
from sqlalchemy import select
from werkzeug.datastructures import CombinedMultiDict

from portal.access.scope import Scope, acting_as, unscoped
from portal.assessment.metrics import metrics
from portal.assessment.network import by_town, month_figures
from portal.assessment.reports import Month
from portal.cases import agency, lifecycle
from portal.cases.actions import Actor
from portal.cases.intake import spec_of
from portal.cases.network import Underway, late, not_accepted_since, towns, underway
from portal.cli.demo import ensure_demo_users
from portal.core import servertime
from portal.forms.build import check_submission
from portal.models import CaseState, PortalUser, SubCenter, Village, db
from portal.web.current import current_site
from tests.support.world import PASSWORD, login

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
ZONE = __import__("zoneinfo").ZoneInfo("Asia/Shanghai")
OCTOBER = Month(2026, 10)
TODAY = dt.date(2026, 11, 5)
MZ_CLERK = Actor("mz-mz03-clerk", frozenset({"clerk"}), None)


def _application(n: int) -> dict[str, str]:
    return {"applicant_name": f"代办申请人{n}", "id_number": "321183195304120429", "mobile": "13952901234",
            "address": "句容市华阳街道蜀山村18号", "by_agent": "no", "hukou": "农村"}


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = dt.datetime(2026, 9, 30, 9, 0, tzinfo=SHANGHAI)
        monkeypatch.setattr(servertime, "now", lambda: self.now.astimezone(dt.UTC))

    def __call__(self, day: str, hour: int = 10) -> None:
        self.now = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), SHANGHAI)


def _carrier(username: str, **kw) -> agency.Carrier:
    user = db.session.scalars(select(PortalUser).where(PortalUser.username == username)).one()
    return agency.Carrier(username, user.id, **kw)


def _take(app, site, n: int, town_code: str, village_code: str | None, who: agency.Carrier):
    with app.test_request_context(method="POST", data=_application(n)):
        town = db.session.scalars(select(SubCenter).where(SubCenter.code == town_code)).one()
        village = (db.session.scalars(select(Village).where(Village.code == village_code)).one()
                   if village_code else None)
        deciding = agency.deciding_offering(db.session, site, town_code, "mz-lnyd")
        checked = check_submission(spec_of(deciding.form_version),
                                   CombinedMultiDict([request.files, request.form]), online=True)
        assert checked.ok, checked.form.errors
        return agency.take(db.session, site, deciding, checked, who, town, village)


def _decide(case) -> None:
    case.state, case.outcome = CaseState.COMPLETED, "approved"  # decided as any case (test_process)
    db.session.commit()


@pytest.fixture
def october(published, monkeypatch):
    """The five agency cases of the module's docstring, through the real flow."""
    clock = Clock(monkeypatch)
    with published.app_context(), unscoped():
        ensure_demo_users(password=PASSWORD)
        site = current_site()
        shushan = _carrier("hy-shushan-agent", agent=True)
        shishi = _carrier("hy-shishi-agent", agent=True)
        baohua = _carrier("bh-baohua-agent", agent=True)
        huayang_id = db.session.scalar(select(SubCenter.id).where(SubCenter.code == "huayang"))
        town = _carrier("huayang-clerk", towns=frozenset({huayang_id}))

        clock("2026-09-30")
        a = _take(published, site, 1, "huayang", "HY-SX", shushan)
        clock("2026-09-30", 15)
        agency.to_town(db.session, site, a, shushan)
        clock("2026-10-08", 9)
        agency.deliver(db.session, site, a, town)
        clock("2026-10-09")
        lifecycle.accept(db.session, site, a, MZ_CLERK)
        _decide(a)
        clock("2026-10-13")
        agency.result_returned(db.session, site, a, town)
        clock("2026-10-14")
        agency.reply(db.session, site, a, shushan)

        clock("2026-10-09", 16)
        b = _take(published, site, 2, "huayang", "HY-SX", shushan)
        agency.to_town(db.session, site, b, shushan)
        clock("2026-10-10", 9)  # Saturday, a working day (调休)
        agency.deliver(db.session, site, b, town)
        clock("2026-10-12", 9)
        lifecycle.accept(db.session, site, b, MZ_CLERK)
        clock("2026-10-20")
        _decide(b)
        clock("2026-10-21")
        agency.result_returned(db.session, site, b, town)

        clock("2026-10-12")
        c = _take(published, site, 3, "huayang", "HY-SS", shishi)
        clock("2026-10-13")
        agency.to_town(db.session, site, c, town)
        clock("2026-10-14")
        agency.deliver(db.session, site, c, town)
        clock("2026-10-19")
        agency.remind(db.session, site, c, shishi)
        clock("2026-10-20")
        agency.remind(db.session, site, c, town)
        clock("2026-10-21")
        lifecycle.accept(db.session, site, c, MZ_CLERK)

        clock("2026-10-15")
        f = _take(published, site, 4, "huayang", None, town)
        clock("2026-10-16")
        agency.deliver(db.session, site, f, town)
        lifecycle.accept(db.session, site, f, MZ_CLERK)
        _decide(f)
        clock("2026-10-19")
        agency.result_returned(db.session, site, f, town)
        agency.reply(db.session, site, f, town)

        clock("2026-10-28")
        d = _take(published, site, 5, "baohua", "BH-BH", baohua)
        clock(TODAY.isoformat())
        ids = {code: db.session.scalar(select(SubCenter.id).where(SubCenter.code == code))
               for code in ("huayang", "baohua", "mz", "ws")}
        ids |= {code: db.session.scalar(select(Village.id).where(Village.code == code))
                for code in ("HY-SX", "HY-SS", "BH-BH")}
        numbers = {name: case.number for name, case in zip("ABCFD", (a, b, c, f, d), strict=True)}
    return published, site, ids, numbers


def _scope(app, username: str) -> Scope:
    with unscoped():
        user = db.session.scalars(select(PortalUser).where(PortalUser.username == username)).one()
        return Scope.of(user)


def _figures(f) -> tuple:
    return (f.taken, f.delivered, f.transit_cases, f.transit_days, f.transit_average, f.transit_max,
            f.replied, f.reminders)


def test_the_month_per_village_and_town_as_worked_by_hand(october) -> None:
    app, site, ids, _ = october
    with app.app_context(), unscoped():
        places = month_figures(db.session, OCTOBER, ZONE, lifecycle.calendar_of(site))
        hy, bh = ids["huayang"], ids["baohua"]
        assert {key: _figures(f) for key, f in places.items()} == {
            (hy, ids["HY-SX"]): (1, 2, 2, 4, 2.0, 2, 1, 0),
            (hy, ids["HY-SS"]): (1, 1, 1, 7, 7.0, 7, 0, 2),
            (hy, None): (1, 1, 1, 1, 1.0, 1, 1, 0),
            (bh, ids["BH-BH"]): (1, 0, 0, 0, None, None, 0, 0),
        }
        assert _figures(by_town(places)[hy]) == (3, 4, 4, 12, 3.0, 7, 2, 2)
        # A was taken in September, and nothing else happened then
        september = month_figures(db.session, Month(2026, 9), ZONE, lifecycle.calendar_of(site))
        assert {key: _figures(f) for key, f in september.items()} == {
            (hy, ids["HY-SX"]): (1, 0, 0, 0, None, None, 0, 0)}


def test_today_under_way_per_place(october) -> None:
    app, site, ids, numbers = october
    with app.app_context(), unscoped():
        calendar = lifecycle.calendar_of(site)
        assert underway(db.session, calendar, TODAY, ZONE) == {
            (ids["huayang"], ids["HY-SX"]): Underway(awaiting_reply=1),  # B
            (ids["huayang"], ids["HY-SS"]): Underway(overdue=1, reminded=1),  # C
            (ids["baohua"], ids["BH-BH"]): Underway(in_transit=1),  # D
        }
        rows, total = late(db.session, calendar, TODAY, ZONE, 10)
        assert total == 1 and [(r.number, r.overdue, r.reminders) for r in rows] == [(numbers["C"], True, 2)]
        # a delivered case not accepted is late once 2 working days after its delivery day
        # have passed: delivered Wednesday 10-14 → late from Monday 10-19 (C was pressed then);
        # across the holiday, delivered Tuesday 09-29 → late from Friday 10-09 (09-30, 10-08)
        assert not_accepted_since(calendar, dt.date(2026, 10, 19)) == dt.date(2026, 10, 14)
        assert not_accepted_since(calendar, dt.date(2026, 10, 9)) == dt.date(2026, 9, 29)


def test_a_town_manager_sees_their_town_and_the_center_every_town(october) -> None:
    app, site, ids, _ = october
    with app.app_context():
        calendar = lifecycle.calendar_of(site)
        for username, towns_seen in (("huayang-manager", {ids["huayang"]}),
                                     ("baohua-manager", {ids["baohua"]}),
                                     ("center-auditor", {ids["huayang"], ids["baohua"]}),
                                     ("ws-manager", set())):
            with acting_as(_scope(app, username)):
                places = month_figures(db.session, OCTOBER, ZONE, calendar)
                assert {town for town, _ in places} == towns_seen, username
                assert {town for town, _ in underway(db.session, calendar, TODAY, ZONE)} == towns_seen
                listed = towns(db.session, places)
                assert {t.id for t in listed} == towns_seen, username
        with acting_as(_scope(app, "huayang-manager")):
            # the town's replied agencies (A, F) stay in its figures: the carrying is its ledger
            places = month_figures(db.session, OCTOBER, ZONE, calendar)
            assert _figures(by_town(places)[ids["huayang"]]) == (3, 4, 4, 12, 3.0, 7, 2, 2)
            [town] = towns(db.session, places)
            assert [name for _, name in town.villages] == ["东门村", "石狮村", "蜀山村", ""]
        with acting_as(_scope(app, "mz-manager")):  # the deciding sub-center: its own cases' agencies
            places = month_figures(db.session, OCTOBER, ZONE, calendar)
            assert {town for town, _ in places} == {ids["huayang"], ids["baohua"]}
            assert {t.id for t in towns(db.session, places)} == {ids["huayang"], ids["baohua"]}


def test_the_assessment_metrics_of_a_town_center(october) -> None:
    app, _, ids, _ = october
    with app.app_context(), unscoped():
        values = metrics(db.session, OCTOBER, TODAY, ZONE, by="sub_center")
        huayang = values[ids["huayang"]]
        assert {k: v for k, v in huayang.items() if k.startswith("agency_")} == {
            "agency_taken": Decimal(3), "agency_delivered": Decimal(4), "agency_replied": Decimal(2),
            "agency_transit_days": Decimal(3), "agency_transit_max": Decimal(7),
            "agency_reminders": Decimal(2)}
        baohua = values[ids["baohua"]]
        assert (baohua["agency_taken"], baohua["agency_transit_days"], baohua["agency_transit_max"]) == (
            Decimal(1), None, None)
        # a deciding sub-center carries none: its cases count in its own figures, not these
        assert values[ids["mz"]]["agency_taken"] == 0 and values[ids["mz"]]["accepted"] == 4
        windows = metrics(db.session, OCTOBER, TODAY, ZONE, by="window")
        assert all(v["agency_taken"] == 0 for v in windows.values())


def test_a_formula_reads_the_network_metrics(october) -> None:
    """The README's example: two points off per working day of average transit above three, and
    half a point per reply. 华阳街道: average 3.0 → nothing off; 2 replies → +1. 宝华镇: no transit
    (none: the comparison is false) → nothing off; no reply → 0."""
    from portal.assessment.scoring import score

    app, _, ids, _ = october
    rules = {"base": 100, "ceiling": 105, "points": [
        {"name": "代办在途", "formula": "-2 * (agency_transit_days - 3) if agency_transit_days > 3 else 0"},
        {"name": "代办回复", "formula": "agency_replied * 0.5", "cap": 5}]}
    with app.app_context(), unscoped():
        values = metrics(db.session, OCTOBER, TODAY, ZONE, by="sub_center")
        assert score(rules, values[ids["huayang"]]).total == Decimal("101.00")
        assert score(rules, values[ids["baohua"]]).total == Decimal("100.00")
        # 石狮村 alone would be 7 days: −8
        assert score(rules, {**values[ids["huayang"]], "agency_transit_days": Decimal(7)}).total == Decimal(
            "93.00")


def _network_table(html: str, testid: str) -> dict[str, list[str]]:
    section = html.split(f'data-testid="{testid}"')[1].split("</section>")[0]
    return {key: [c.strip() for c in re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", row)]
            for key, row in re.findall(r'<tr data-network="([^"]+)"[^>]*>(.*?)</tr>', section, re.S)}


def test_the_monthly_report_section_by_town_and_village(october) -> None:
    """The hand-worked October on the page: the center sees both towns, a town manager theirs."""
    app = october[0]
    center, huayang = app.test_client(), app.test_client()
    login(center, "center-auditor")
    login(huayang, "huayang-manager")
    # town/village: taken, delivered, accepted (transit), average, longest, replied, 催办
    expected = {
        "huayang": ["华阳街道便民服务中心", "3", "4", "4", "3.0", "7", "2", "2"],
        "huayang/东门村": ["东门村", "0", "0", "0", "—", "—", "0", "0"],
        "huayang/石狮村": ["石狮村", "1", "1", "1", "7.0", "7", "0", "2"],
        "huayang/蜀山村": ["蜀山村", "1", "2", "2", "2.0", "2", "1", "0"],
        "huayang/counter": ["镇（街道）窗口直接受理", "1", "1", "1", "1.0", "1", "1", "0"],
    }
    page = center.get("/reports/monthly?month=2026-10").get_data(as_text=True)
    assert "三级便民服务网络" in page
    rows = _network_table(page, "network-month")
    assert {k: v for k, v in rows.items() if k.startswith("huayang")} == expected
    assert rows["baohua/宝华村"] == ["宝华村", "1", "0", "0", "—", "—", "0", "0"]
    assert rows["total"] == ["全部镇（街道）", "4", "4", "4", "3.0", "7", "2", "2"]
    own = _network_table(huayang.get("/reports/monthly?month=2026-10").get_data(as_text=True),
                         "network-month")
    assert own == expected  # no 宝华镇 row, no total of several towns
    # the month under way adds today's columns: 在途, 待回复 (November: nothing happened yet)
    now = _network_table(center.get("/reports/monthly?month=2026-11").get_data(as_text=True),
                         "network-month")
    assert now["huayang/蜀山村"][-2:] == ["0", "1"] and now["baohua/宝华村"][-2:] == ["1", "0"]
    assert now["total"][1:] == ["0", "0", "0", "—", "—", "0", "0", "1", "1"]


def test_the_worklist_block_by_town_and_village(october) -> None:
    app, _, _, numbers = october
    center, huayang, baohua, clerk = (app.test_client() for _ in range(4))
    for client, user in ((center, "center-auditor"), (huayang, "huayang-manager"), (baohua, "baohua-manager"),
                         (clerk, "ws-clerk")):
        login(client, user)
    # in transit, delivered and the window late, pressed, awaiting reply
    page = huayang.get("/worklist/").get_data(as_text=True)
    assert _network_table(page, "network-today") == {
        "huayang": ["华阳街道便民服务中心", "0", "1", "1", "1"],
        "huayang/东门村": ["东门村", "0", "0", "0", "0"],
        "huayang/石狮村": ["石狮村", "0", "1", "1", "0"],
        "huayang/蜀山村": ["蜀山村", "0", "0", "0", "1"],
    }
    late_list = page.split('data-testid="network-late"')[1].split("</table>")[0]
    assert re.findall(r'data-late="([^"]+)"', late_list) == [numbers["C"]]
    # the open cases it counts, it lists: C, accepted at 民政's window MZ03 (a sub-center the
    # town does not see), with that window and sub-center named
    row = re.search(rf'<tr data-number="{numbers["C"]}"[^>]*>.*?</tr>', page, re.S)
    assert row is not None and "MZ03" in row.group(0) and "民政" in row.group(0)
    assert "华阳街道便民服务中心 石狮村" in late_list and "超期" in late_list
    assert _network_table(baohua.get("/worklist/").get_data(as_text=True), "network-today") == {
        "baohua": ["宝华镇便民服务中心", "1", "0", "0", "0"],
        "baohua/仓头村": ["仓头村", "0", "0", "0", "0"],
        "baohua/和平村": ["和平村", "0", "0", "0", "0"],
        "baohua/宝华村": ["宝华村", "1", "0", "0", "0"],
    }
    assert set(_network_table(center.get("/worklist/").get_data(as_text=True), "network-today")) >= {
        "huayang", "baohua", "huayang/石狮村", "baohua/宝华村"}
    assert 'data-testid="network-today"' not in clerk.get("/worklist/").get_data(as_text=True)
