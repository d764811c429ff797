"""代办 (申请 → 受理 → 办理 → 回复): a village point's 代办员, or a town center's counter, takes
an application for the sub-center that decides the item (a town center's 代办类 offering names
it: ``decided_by``), carries the materials there and the result back.

- **Taken** (申请): the same generated form and uploads as the deciding window's counter, with
  its materials checked at the village (一次性告知 there). The case is the deciding
  sub-center's from the start — its item, sub-center, first window for the item, form version
  and number — with channel 代办 and state ``forwarding`` (在途): in nobody's queue yet.
- **Hand-overs**: 村 → 镇 (the 代办员 hands the materials to the town, or the town records
  receiving them), 镇 → 分中心 (the town's staff deliver them: the case becomes ``submitted``
  at the deciding window, which decides it as one of its own; its acceptance starts the legal
  clock), and the result back (结果已返回, once the window has decided). Each is an event of
  the case's log, with who and when, and stamped on ``case_agency``.
- **催办**: the village or the town presses a delivered case the window is late with — accepted
  and past its due date, or not accepted ``ACCEPT_WITHIN`` working days after its delivery —
  at most once a day; the window's worklist marks it.
- **回复**: the 代办员 (the town's staff, for an application taken at its counter) records
  giving the result to the applicant; the agency ends there.

Who carries a case is the scope rule's (portal/access/scope.py ``carries``): the 代办员 who took
it, and the staff of its town center.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from portal.access.scope import kept, unscoped
from portal.cases.audit import append
from portal.cases.intake import save_application
from portal.cases.lifecycle import calendar_of, local_day
from portal.core import servertime
from portal.core.errors import N_, PortalError
from portal.forms.build import Checked
from portal.models import (
    STAGE_NAMES,
    STATE_NAMES,
    AgencyStage,
    Case,
    CaseAgency,
    CaseState,
    Item,
    Offering,
    SubCenter,
    Village,
    Window,
)
from portal.models.case import AGENCY
from portal.site import Site

# a delivered case not accepted this many working days after its delivery may be pressed (催办)
ACCEPT_WITHIN = 2
DECIDED = (CaseState.COMPLETED, CaseState.REJECTED)
UNDECIDED = (CaseState.SUBMITTED, CaseState.NOTICE_MISSING, CaseState.ACCEPTED, CaseState.PAUSED)
OVERDUE, NOT_ACCEPTED = "overdue", "not_accepted"  # why a case may be pressed
REASONS = {OVERDUE: N_("past its due date"), NOT_ACCEPTED: N_("not accepted in time")}


@dataclass(frozen=True)
class Carrier:
    """Who records a hand-over: the login (on the event), their account, whether they are a
    代办员 (bound to a village), the town centers they work at as staff; ``everywhere``: the
    center admin."""

    name: str
    user_id: int | None
    agent: bool = False
    towns: frozenset[int] = frozenset()
    everywhere: bool = False

    def took(self, agency: CaseAgency) -> bool:
        return self.agent and agency.taken_by_id == self.user_id

    def at_town(self, agency: CaseAgency) -> bool:
        return self.everywhere or agency.sub_center_id in self.towns

    def carries(self, agency: CaseAgency) -> bool:
        return self.took(agency) or self.at_town(agency)


def deciding_offering(session: Session, site: Site, town_code: str, item_code: str) -> Offering | None:
    """The offering of the sub-center that decides a town center's 代办类 item, with a form and a
    window; ``None`` when the item is not 代办类 there. Read unscoped: published declarations."""
    sub = site.subcenters.get(town_code)
    offered = sub.offerings.get(item_code) if sub else None
    if offered is None or offered.item_class != "代办类" or not offered.decided_by:
        return None
    with unscoped():
        offering = session.scalars(
            select(Offering).join(SubCenter, SubCenter.id == Offering.sub_center_id)
            .join(Item, Item.id == Offering.item_id)
            .where(SubCenter.code == offered.decided_by, Item.code == item_code, Offering.active,
                   Offering.form_version_id.is_not(None))
            .options(selectinload(Offering.windows), joinedload(Offering.sub_center),
                     joinedload(Offering.item), joinedload(Offering.form_version))).one_or_none()
        return offering if offering is not None and offering.windows else None


def take(session: Session, site: Site, offering: Offering, checked: Checked, who: Carrier,
         town: SubCenter, village: Village | None, received: list[str] | tuple[str, ...] = ()) -> Case:
    """申请: the checked application becomes a case of the deciding ``offering`` (at its first
    window), on its way (在途), carried by ``who`` from ``village`` (``None``: taken at the
    town's counter, where it already is); ``received``: the materials taken on paper (on the
    submission's event). Commits."""
    if who.user_id is None:
        raise PortalError(N_("only a signed-in user takes an application for another office"),
                          hint=N_("sign in"))
    now = servertime.now()
    at_town = village is None
    agency = CaseAgency(sub_center_id=town.id, village_id=None if at_town else village.id, taken_by=who.name,
                        taken_by_id=who.user_id, taken_at=now,
                        stage=AgencyStage.TOWN if at_town else AgencyStage.VILLAGE,
                        to_town_at=now if at_town else None, to_town_by=who.name if at_town else None)
    window = offering.windows[0]  # the first window the deciding sub-center names for the item
    noted = {"town": town.unified_name, **({} if at_town else {"village": village.name}),
             **({"received": list(received)} if received else {})}
    return save_application(session, site, offering, window, checked, submit=True, by=who.name,
                            channel=AGENCY, agency=agency, noted=noted)


def _stage(agency: CaseAgency, *stages: str) -> None:
    if agency.stage not in stages:
        raise PortalError(N_("the agency case is at “%(stage)s” now"),
                          hint=N_("reload the case: someone may have recorded it"),
                          stage=STAGE_NAMES.get(agency.stage, agency.stage))


def _carrier(agency: CaseAgency, who: Carrier) -> None:
    if not who.carries(agency):
        raise PortalError(N_("the agency case is carried by its village agent and its town center"),
                          hint=N_("ask them to record it"))


def _town_staff(agency: CaseAgency, who: Carrier) -> None:
    if not who.at_town(agency):
        raise PortalError(N_("the town center hands the materials over to the sub-center"),
                          hint=N_("bring them to the town center's counter"))


def _decided(case: Case) -> None:
    if case.state not in DECIDED:
        raise PortalError(N_("case %(number)s is not decided yet"),
                          hint=N_("the result comes back once the window has decided"),
                          number=case.number)


def _replier(agency: CaseAgency, who: Carrier) -> None:
    """The 代办员 who took it replies; for an application taken at the town's counter, its staff."""
    if not (who.took(agency) or (agency.village_id is None and who.at_town(agency)) or who.everywhere):
        raise PortalError(N_("the village agent who took the application replies to the applicant"),
                          hint=N_("ask them to record it"))


def _agency(case: Case) -> CaseAgency:
    if case.agency is None:
        raise PortalError(N_("case %(number)s was not taken as an agency case"),
                          hint=N_("it was applied for at its window"), number=case.number)
    return case.agency


def why_remind(site: Site, case: Case, today: dt.date) -> str | None:
    """Why the window is late with a delivered case (``OVERDUE``, ``NOT_ACCEPTED``), or
    ``None``: it may be pressed only then."""
    agency = case.agency
    if agency is None or agency.stage != AgencyStage.DELIVERED:
        return None
    if case.state == CaseState.ACCEPTED and case.due_date is not None and case.due_date < today:
        return OVERDUE
    if case.state == CaseState.SUBMITTED and agency.delivered_at is not None:
        expected = calendar_of(site).add_workdays(local_day(site, agency.delivered_at), ACCEPT_WITHIN)
        if today > expected:
            return NOT_ACCEPTED
    return None


def _remind(site: Site, case: Case, who: Carrier, today: dt.date) -> None:
    agency = _agency(case)
    _stage(agency, AgencyStage.DELIVERED)
    _carrier(agency, who)
    if why_remind(site, case, today) is None:
        raise PortalError(N_("case %(number)s is not late"),
                          hint=N_("press a case past its due date, or not accepted %(days)s working "
                                  "days after it was delivered"), number=case.number, days=ACCEPT_WITHIN)
    if agency.reminded_at is not None and local_day(site, agency.reminded_at) == today:
        raise PortalError(N_("case %(number)s was pressed today already"),
                          hint=N_("the window sees the reminder on its worklist"), number=case.number)


# action -> its guard (site, case, who, today): raises saying why not, or returns
GUARDS: dict[str, Callable[[Site, Case, Carrier, dt.date], None]] = {
    "to_town": lambda site, case, who, today: (
        _stage(_agency(case), AgencyStage.VILLAGE), _carrier(_agency(case), who)),
    "deliver": lambda site, case, who, today: (
        _stage(_agency(case), AgencyStage.TOWN), _town_staff(_agency(case), who)),
    "returned": lambda site, case, who, today: (
        _stage(_agency(case), AgencyStage.DELIVERED), _carrier(_agency(case), who), _decided(case)),
    "reply": lambda site, case, who, today: (
        _stage(_agency(case), AgencyStage.RETURNED), _replier(_agency(case), who)),
    "remind": _remind,
}


def allowed(site: Site, case: Case, who: Carrier, today: dt.date) -> frozenset[str]:
    """Every agency action ``who`` may record on ``case`` now."""
    out = set()
    for action, guard in GUARDS.items():
        try:
            guard(site, case, who, today)
        except PortalError:
            continue
        out.add(action)
    return frozenset(out)


def names(session: Session, case: Case) -> tuple[str, str, str]:
    """The town's, the deciding sub-center's unified names and the window's code: public,
    read whatever the carrier's scope."""
    with unscoped():
        town = session.get(SubCenter, case.agency.sub_center_id).unified_name
        home = session.get(SubCenter, case.sub_center_id).unified_name
        window = session.get(Window, case.window_id).code
    return town, home, window


def village_name(session: Session, case: Case) -> str | None:
    """The village point an agency case was taken at (``None``: at the town's counter)."""
    if case.agency is None or case.agency.village_id is None:
        return None
    with unscoped():
        return session.get(Village, case.agency.village_id).name


def to_town(session: Session, site: Site, case: Case, who: Carrier) -> Case:
    """村 → 镇: the materials reach the town center."""
    GUARDS["to_town"](site, case, who, _today(site))
    town, _, _ = names(session, case)
    return _handed(session, case, who, AgencyStage.TOWN, "to_town", "agency_to_town",
                   {"handed_from": village_name(session, case) or "", "handed_to": town})


def deliver(session: Session, site: Site, case: Case, who: Carrier) -> Case:
    """镇 → 分中心: the materials reach the deciding sub-center; the case is submitted at its
    window, which decides it as its own (its acceptance starts the clock)."""
    GUARDS["deliver"](site, case, who, _today(site))
    if case.state != CaseState.FORWARDING:
        raise PortalError(N_("case %(number)s is %(state)s now"),
                          hint=N_("reload the case: someone may have acted on it"),
                          number=case.number, state=STATE_NAMES.get(case.state, case.state))
    town, home, window = names(session, case)
    case.state = CaseState.SUBMITTED
    return _handed(session, case, who, AgencyStage.DELIVERED, "delivered", "agency_deliver",
                   {"handed_from": town, "handed_to": home, "window": window})


def result_returned(session: Session, site: Site, case: Case, who: Carrier) -> Case:
    """The decision is back with the carrier (at the town, or at the village)."""
    GUARDS["returned"](site, case, who, _today(site))
    _, home, _ = names(session, case)
    return _handed(session, case, who, AgencyStage.RETURNED, "returned", "agency_returned",
                   {"handed_from": home, "decision": case.state,
                    **({"outcome": case.outcome} if case.outcome else {})})


def reply(session: Session, site: Site, case: Case, who: Carrier, note: str = "") -> Case:
    """回复: the result is given to the applicant; the agency ends."""
    GUARDS["reply"](site, case, who, _today(site))
    return _handed(session, case, who, AgencyStage.REPLIED, "replied", "agency_reply",
                   {"note": note.strip()[:500]})


def _handed(session: Session, case: Case, who: Carrier, stage: AgencyStage, column: str, event: str,
            data: dict[str, Any]) -> Case:
    """A hand-over of an agency case: its stage, when and by whom (``<column>_at``,
    ``<column>_by``; the server's clock), the event saying the same; committed."""
    agency, now = case.agency, servertime.now()
    agency.stage = stage
    setattr(agency, f"{column}_at", now)
    setattr(agency, f"{column}_by", who.name)
    append(session, case, event, who.name, data, at=now)
    session.commit()
    return case


def remind(session: Session, site: Site, case: Case, who: Carrier) -> Case:
    """催办: the village or the town presses the window; its worklist marks the case."""
    today = _today(site)
    GUARDS["remind"](site, case, who, today)
    agency, now = case.agency, servertime.now()
    reason = why_remind(site, case, today)
    agency.reminded_at, agency.reminded_by = now, who.name
    agency.reminders = (agency.reminders or 0) + 1
    append(session, case, "agency_remind", who.name,
           {"late": reason, "due": case.due_date.isoformat() if case.due_date else None,
            "reminders": agency.reminders}, at=now)
    session.commit()
    return case


def _today(site: Site) -> dt.date:
    return local_day(site, servertime.now())


# where an agency case is, as the applicant's progress query says it
PLACES = {
    AgencyStage.VILLAGE: N_("At the village point %(village)s"),
    AgencyStage.TOWN: N_("At %(town)s"),
    AgencyStage.DELIVERED: N_("Delivered to %(place)s"),
    AgencyStage.REPLIED: N_("Replied to the applicant"),
}
DECIDED_PLACE = N_("Decided; waiting to be replied to the applicant")


def where(session: Session, case: Case) -> tuple[str, dict[str, str]] | None:
    """Where an agency case is now, as a message id and its parameters (``None``: not an
    agency case): 在村代办点 / 在镇便民服务中心 / 已送达某分中心 / 已办结待回复 / 已回复."""
    agency = case.agency
    if agency is None:
        return None
    if agency.stage == AgencyStage.REPLIED:
        return PLACES[AgencyStage.REPLIED], {}
    if agency.stage == AgencyStage.RETURNED or case.state in DECIDED:
        return DECIDED_PLACE, {}
    town, home, _ = names(session, case)
    if agency.stage == AgencyStage.VILLAGE:
        return PLACES[AgencyStage.VILLAGE], {"village": village_name(session, case) or ""}
    if agency.stage == AgencyStage.TOWN:
        return PLACES[AgencyStage.TOWN], {"town": town}
    return PLACES[AgencyStage.DELIVERED], {"place": home}


def handovers(case: Case) -> list[tuple[str, dt.datetime | None, str | None]]:
    """Each stage of the carrying with when and by whom it was reached (``None``: not yet)."""
    agency = case.agency
    if agency is None:
        return []
    rows = [(AgencyStage.VILLAGE, agency.taken_at if agency.village_id else None,
             agency.taken_by if agency.village_id else None),
            (AgencyStage.TOWN, agency.to_town_at, agency.to_town_by),
            (AgencyStage.DELIVERED, agency.delivered_at, agency.delivered_by),
            (AgencyStage.RETURNED, agency.returned_at, agency.returned_by),
            (AgencyStage.REPLIED, agency.replied_at, agency.replied_by)]
    return [row for row in rows if agency.village_id or row[0] != AgencyStage.VILLAGE]


# joined on ``case_id + 0``: the few pressed records first (their reminded_at index), then
# each one's case by its key; SQLite otherwise read every case of the clerk's window and
# looked for its record (8.5 ms of the worklist at 100,000 cases, growing with the table)
_PRESSED = (select(CaseAgency, Case.number, Case.state, Case.due_date, Case.id)
            .join(Case, Case.id == CaseAgency.case_id + 0)
            .where(CaseAgency.reminded_at.is_not(None), CaseAgency.stage == AgencyStage.DELIVERED,
                   Case.state.in_(UNDECIDED)))
_PRESSED_PAGE = kept(_PRESSED.order_by(CaseAgency.reminded_at.desc(), CaseAgency.id.desc())
                     .limit(bindparam("limit")))


# how many undecided cases in scope were pressed (for ``light_counts``' ``also``)
PRESSED_COUNT = select(func.count()).select_from(_PRESSED.with_only_columns(CaseAgency.id).subquery())


def pressed(session: Session, limit: int) -> tuple[list[tuple[CaseAgency, Any]], int]:
    """The undecided cases in scope that were pressed (催办), latest reminder first (``limit``
    of them), and how many there are: the deciding window's and its manager's worklist."""
    rows = list(session.execute(_PRESSED_PAGE, {"limit": limit}))
    if len(rows) < limit:
        return [(r[0], r[1:]) for r in rows], len(rows)
    total = session.scalar(PRESSED_COUNT) or 0
    return [(r[0], r[1:]) for r in rows], total
