"""代办's rules without the pages (portal/cases/agency.py): what a case taken at a village is,
each hand-over — only at its stage, only by its carriers, each an event with who and when —
the 催办 rule, the reply that ends the agency, and the scope's write rule behind them."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import request
from sqlalchemy import select
from werkzeug.datastructures import CombinedMultiDict

from portal.access import scope as scope_rule
from portal.access.scope import ForeignWrite, Scope, acting_as, unscoped
from portal.cases import agency, lifecycle
from portal.cases.actions import Actor
from portal.cases.intake import spec_of
from portal.core import servertime
from portal.core.errors import PortalError
from portal.forms.build import check_submission
from portal.models import (
    AgencyStage,
    Case,
    CaseEvent,
    CaseState,
    SubCenter,
    Village,
    db,
)
from portal.web.current import current_site

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
GOOD = {"applicant_name": "陈桂兰", "id_number": "321183195304120429", "mobile": "13952901234",
        "address": "句容市华阳街道蜀山村18号", "by_agent": "no", "hukou": "农村"}
MZ_CLERK = Actor("mz-mz03-clerk", frozenset({"clerk"}), None)


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)  # a Monday
        monkeypatch.setattr(servertime, "now", lambda: self.now.astimezone(dt.UTC))

    def set(self, day: str, hour: int = 9) -> None:
        self.now = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), SHANGHAI)


@pytest.fixture
def world(published, monkeypatch):
    """The demo site published, a 代办员 of 蜀山村 (华阳街道) and a 民政 application taken by them."""
    clock = Clock(monkeypatch)
    with published.test_request_context(method="POST", data=GOOD), unscoped():
        site = current_site()
        sm = published.appbuilder.sm
        village = db.session.scalars(select(Village).where(Village.code == "HY-SX")).one()
        user = sm.add_user("hy-shushan-agent", "陈美玲", "便民服务代办员", "a@portal.invalid",
                           sm.find_role("代办员"), password="测试口令-Agency-2026")
        user.villages = [village]
        db.session.commit()
        town = village.sub_center
        deciding = agency.deciding_offering(db.session, site, "huayang", "mz-lnyd")
        spec = spec_of(deciding.form_version)
        checked = check_submission(spec, CombinedMultiDict([request.files, request.form]), online=True)
        assert checked.ok, checked.form.errors
        agent = agency.Carrier("hy-shushan-agent", user.id, agent=True)
        case = agency.take(db.session, site, deciding, checked, agent, town, village,
                           received=["申请人居民身份证"])
        town_clerk = agency.Carrier("huayang-clerk", 999, towns=frozenset({town.id}))
        yield published, site, case, agent, town_clerk, clock


def _kinds(case: Case) -> list[tuple[str, str]]:
    return [(e.kind, e.by) for e in db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))]


def test_a_case_taken_at_a_village_is_the_deciding_windows_and_on_its_way(world) -> None:
    _, _, case, agent, _, _ = world
    assert (case.state, case.channel) == (CaseState.FORWARDING, "代办")
    assert db.session.get(SubCenter, case.sub_center_id).code == "mz"
    assert case.window.code == "MZ03" and case.number.startswith("MZ20261130")
    carried = case.agency
    assert (carried.stage, carried.taken_by, carried.village.code) == (AgencyStage.VILLAGE,
                                                                       "hy-shushan-agent", "HY-SX")
    assert carried.sub_center.code == "huayang" and carried.to_town_at is None
    submit = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).one()
    assert submit.kind == "submit" and submit.data["received"] == ["申请人居民身份证"]
    # in transit: no window may decide it yet
    with pytest.raises(PortalError):
        lifecycle.accept(db.session, current_site(), case, MZ_CLERK)


def test_each_hand_over_only_at_its_stage_by_its_carriers(world) -> None:
    _, site, case, agent, town, clock = world
    stranger = agency.Carrier("baohua-clerk", 998, towns=frozenset({12345}))
    with pytest.raises(PortalError, match="is at “Taken at the village” now"):
        agency.deliver(db.session, site, case, town)  # not at the town yet
    with pytest.raises(PortalError, match="carried by its village agent"):
        agency.to_town(db.session, site, case, stranger)
    clock.set("2026-11-30", 15)
    agency.to_town(db.session, site, case, agent)
    assert (case.agency.stage, case.agency.to_town_by) == (AgencyStage.TOWN, "hy-shushan-agent")
    with pytest.raises(PortalError, match="town center hands"):
        agency.deliver(db.session, site, case, agent)  # the 代办员 does not deliver to the city
    clock.set("2026-12-01", 10)
    agency.deliver(db.session, site, case, town)
    assert case.state == CaseState.SUBMITTED and case.agency.stage == AgencyStage.DELIVERED
    assert case.agency.delivered_at.astimezone(SHANGHAI).date() == dt.date(2026, 12, 1)
    with pytest.raises(PortalError, match="not decided yet"):
        agency.result_returned(db.session, site, case, agent)
    clock.set("2026-12-02", 9)
    lifecycle.accept(db.session, site, case, MZ_CLERK)  # the clock starts here, not at the village
    assert case.accepted_at.astimezone(SHANGHAI).date() == dt.date(2026, 12, 2)
    case.state, case.outcome = CaseState.COMPLETED, "approved"  # (decided as any case: test_process)
    db.session.commit()
    agency.result_returned(db.session, site, case, town)
    with pytest.raises(PortalError, match="village agent who took"):
        agency.reply(db.session, site, case, town)  # a village's applicant hears from the village
    agency.reply(db.session, site, case, agent, "送达申请人家中")
    assert case.agency.stage == AgencyStage.REPLIED and case.agency.replied_by == "hy-shushan-agent"
    assert _kinds(case) == [("submit", "hy-shushan-agent"), ("agency_to_town", "hy-shushan-agent"),
                            ("agency_deliver", "huayang-clerk"), ("accept", "mz-mz03-clerk"),
                            ("agency_returned", "huayang-clerk"), ("agency_reply", "hy-shushan-agent")]
    deliver = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                         CaseEvent.kind == "agency_deliver")).one()
    assert deliver.data == {"handed_from": "华阳街道便民服务中心", "handed_to": "句容市政务服务民政分中心",
                            "window": "MZ03"}


def test_a_delivered_case_is_pressed_when_late_and_once_a_day(world) -> None:
    _, site, case, agent, town, clock = world
    agency.to_town(db.session, site, case, agent)
    agency.deliver(db.session, site, case, town)  # Monday 30 November
    assert agency.allowed(site, case, agent, dt.date(2026, 12, 2)) == frozenset()
    assert agency.why_remind(site, case, dt.date(2026, 12, 2)) is None  # 2 working days: in time
    assert agency.why_remind(site, case, dt.date(2026, 12, 3)) == agency.NOT_ACCEPTED
    clock.set("2026-12-03", 10)
    agency.remind(db.session, site, case, agent)
    with pytest.raises(PortalError, match="pressed today already"):
        agency.remind(db.session, site, case, town)
    clock.set("2026-12-04", 10)
    lifecycle.accept(db.session, site, case, MZ_CLERK)
    assert agency.why_remind(site, case, case.due_date) is None  # due today: not late
    late = case.due_date + dt.timedelta(days=1)
    assert agency.why_remind(site, case, late) == agency.OVERDUE
    clock.set(late.isoformat(), 10)
    agency.remind(db.session, site, case, town)
    assert (case.agency.reminders, case.agency.reminded_by) == (2, "huayang-clerk")
    reminders = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                           CaseEvent.kind == "agency_remind")).all()
    assert [e.data["late"] for e in reminders] == [agency.NOT_ACCEPTED, agency.OVERDUE]


def test_where_the_applicant_is_told_the_case_is(world) -> None:
    _, site, case, agent, town, _ = world
    said = []
    for act in (lambda: None, lambda: agency.to_town(db.session, site, case, agent),
                lambda: agency.deliver(db.session, site, case, town)):
        act()
        message, params = agency.where(db.session, case)
        said.append(message % params)
    assert said == ["At the village point 蜀山村", "At 华阳街道便民服务中心",
                    "Delivered to 句容市政务服务民政分中心"]
    case.state = CaseState.REJECTED
    assert agency.where(db.session, case)[0] == agency.DECIDED_PLACE


def test_only_its_carriers_write_a_case_in_transit_and_the_delivery_is_their_last_write(world) -> None:
    """The scope's write rule, as the flush guard applies it in a request."""
    _, site, case, _, _, _ = world
    town_scope = Scope(user_id=999, windows=frozenset({case.agency.sub_center_id}),
                       window_sub_centers=frozenset({case.agency.sub_center_id}),
                       town_centers=frozenset({case.agency.sub_center_id}))
    other_town = Scope(user_id=998, sub_centers=frozenset({12345}), town_centers=frozenset({12345}))
    lifted = scope_rule._unscoped.set(False)  # the fixture works unscoped; here the guard judges
    try:
        _writes(site, case, town_scope, other_town)
    finally:
        scope_rule._unscoped.reset(lifted)


def _writes(site, case, town_scope, other_town) -> None:
    with acting_as(other_town):
        case.applicant_phone = "13900000000"
        with pytest.raises(ForeignWrite):
            db.session.flush()
        db.session.rollback()
    case = db.session.get(Case, case.id)
    with acting_as(town_scope):
        agency.to_town(db.session, site, case, agency.Carrier("huayang-clerk", 999,
                                                              towns=town_scope.town_centers))
        agency.deliver(db.session, site, case, agency.Carrier("huayang-clerk", 999,
                                                              towns=town_scope.town_centers))
        case = db.session.get(Case, case.id)
        assert case.state == CaseState.SUBMITTED
        case.applicant_phone = "13900000000"  # delivered: the window's now, no longer the town's
        with pytest.raises(ForeignWrite):
            db.session.flush()
        db.session.rollback()
