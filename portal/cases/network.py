"""三级便民服务网络: the supervision of 代办 by town center and village point — today's side
(what is under way now, for the worklist); a month's figures are portal/assessment/network.py's.

A *place* is a town center's id and a village point's id (``None``: taken at the town's own
counter). Everything is read through the scope rule of the carrying records (``case_agency``,
portal/access/scope.py): the center sees every town, a town center's staff their town, a
deciding sub-center the agencies of its own cases. The case columns a figure needs (its state,
its due date) are read from the ``cases`` table beside a carrying record the user sees — the
application itself is not shown.

Today, per place:
- 在途 (``in_transit``): the materials are at the village or the town, not yet delivered;
- 送达超期 (``overdue``): delivered, and the deciding window is late with it — accepted and past
  its due date, or not accepted ``ACCEPT_WITHIN`` working days after its delivery (the rule
  that lets the village or the town press it, portal/cases/agency.py ``why_remind``);
- 已催办 (``reminded``): delivered, pressed (催办), not decided yet;
- 待回复 (``awaiting_reply``): decided, the result not yet given to the applicant.

Only the agencies under way are read (the partial index ``ix_case_agency_underway``): the
replied ones, most of the table, never are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select, text
from sqlalchemy.orm import Session

from portal.access.scope import unscoped
from portal.cases.agency import ACCEPT_WITHIN, DECIDED, UNDECIDED
from portal.core.counts import Counts
from portal.core.workdays import Calendar
from portal.models import AgencyStage, CaseAgency, CaseState, SubCenter, Village
from portal.models.agency import UNDERWAY_SQL
from portal.models.case import Case

Place = tuple[int, int | None]  # (town center id, village id or None: the town's counter)
CASES = Case.__table__  # the table: the carrying record's scope decides, not the case's
# written as the partial index's condition, so that SQLite uses it
UNDERWAY = text(f"case_agency.{UNDERWAY_SQL}")
# the case of each carrying record under way, by the case's key: ``+ 0`` leaves the planner no
# index from a case to its carrying (SQLite otherwise scanned every case to find the few
# hundred under way, instead of reading them from the partial index and looking their cases up)
OF_CASE = CASES.c.id == CaseAgency.case_id + 0
TOWN_CENTER = "town_center"


def utc(moment: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes; the portal stores UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def local_day(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    return utc(moment).astimezone(zone).date()


def midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The first moment of ``day`` in the center's zone, in UTC."""
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)


def transit_days(calendar: Calendar, zone: ZoneInfo, taken_at: dt.datetime,
                 accepted_at: dt.datetime) -> int:
    """Working days in transit: from the intake (at the village, or the town's counter) to the
    deciding window's acceptance, the day of intake not counted — as a time limit counts
    (taken on a Friday, accepted the Monday after: 1; the same day: 0; weekends, holidays and
    调休 as the center's calendar says)."""
    return calendar.between(local_day(taken_at, zone), local_day(accepted_at, zone))


def not_accepted_since(calendar: Calendar, today: dt.date) -> dt.date:
    """The last delivery day whose case, not accepted yet, is late today: the latest day d with
    ``ACCEPT_WITHIN`` working days after d before today (as ``agency.why_remind`` rules)."""
    day = today
    while calendar.add_workdays(day, ACCEPT_WITHIN) >= today:
        day -= dt.timedelta(days=1)
    return day


@dataclass(frozen=True)
class Underway(Counts):
    """Today's counts of one place (or of a town, or all: added up)."""

    in_transit: int = 0
    overdue: int = 0
    reminded: int = 0
    awaiting_reply: int = 0


def _conditions(calendar: Calendar, today: dt.date, zone: ZoneInfo) -> dict[str, Any]:
    delivered = CaseAgency.stage == AgencyStage.DELIVERED
    late_before = midnight(not_accepted_since(calendar, today) + dt.timedelta(days=1), zone)
    return {
        "in_transit": CaseAgency.stage.in_((AgencyStage.VILLAGE, AgencyStage.TOWN)),
        "overdue": and_(delivered, or_(
            and_(CASES.c.state == CaseState.ACCEPTED, CASES.c.due_date < today),
            and_(CASES.c.state == CaseState.SUBMITTED, CaseAgency.delivered_at < late_before))),
        "reminded": and_(delivered, CaseAgency.reminded_at.is_not(None), CASES.c.state.in_(UNDECIDED)),
        "awaiting_reply": or_(CaseAgency.stage == AgencyStage.RETURNED,
                              and_(delivered, CASES.c.state.in_(DECIDED))),
    }


def underway(session: Session, calendar: Calendar, today: dt.date, zone: ZoneInfo) -> dict[Place, Underway]:
    """Today's counts per place, of the agencies under way the session sees (one GROUP BY over
    the partial index of those under way)."""
    c = _conditions(calendar, today, zone)
    query = (select(CaseAgency.sub_center_id, CaseAgency.village_id,
                    *(func.coalesce(func.sum(case((c[f.name], 1), else_=0)), 0) for f in fields(Underway)))
             .join(CASES, OF_CASE).where(UNDERWAY)
             .group_by(CaseAgency.sub_center_id, CaseAgency.village_id))
    return {(town, village): Underway(*(int(n) for n in counts))
            for town, village, *counts in session.execute(query)}


@dataclass(frozen=True, slots=True)
class Late:
    """A delivered case the deciding window is late with, or that was pressed: the worklist's
    list under the counts."""

    case_id: int
    number: str
    state: str
    due_date: dt.date | None
    town_id: int
    village_id: int | None
    delivered_at: dt.datetime | None
    reminded_at: dt.datetime | None
    reminders: int
    overdue: bool


def late(session: Session, calendar: Calendar, today: dt.date, zone: ZoneInfo,
         limit: int) -> tuple[list[Late], int]:
    """The delivered cases that are late or were pressed, the longest delivered first
    (``limit`` of them), and how many there are. All of them are read from the partial index
    of those under way and sorted here: sorted by the database, SQLite walked the index of every
    delivery time, most of them long replied to."""
    c = _conditions(calendar, today, zone)
    rows = sorted((Late(*row) for row in session.execute(
        select(CaseAgency.case_id, CASES.c.number, CASES.c.state, CASES.c.due_date, CaseAgency.sub_center_id,
               CaseAgency.village_id, CaseAgency.delivered_at, CaseAgency.reminded_at, CaseAgency.reminders,
               c["overdue"]).join(CASES, OF_CASE).where(UNDERWAY, or_(c["overdue"], c["reminded"])))),
                  key=lambda r: (utc(r.delivered_at), r.case_id))
    return rows[:limit], len(rows)


@dataclass(frozen=True)
class Town:
    """A town center and its village points as the network's tables list them."""

    id: int
    code: str
    name: str
    villages: tuple[tuple[int | None, str], ...]  # (id, name); None: the town's own counter


def towns(session: Session, present: Iterable[Place]) -> list[Town]:
    """The towns to list: every town center (and its active villages) the session sees, and
    the places of the figures (``present``) besides — a deciding sub-center sees figures of
    towns it does not see. Their names are published (the public hall shows them): read
    unscoped."""
    present = set(present)
    seen = set(session.scalars(select(SubCenter.id).where(SubCenter.kind == TOWN_CENTER,
                                                          SubCenter.active)))
    wanted = seen | {town for town, _ in present}
    if not wanted:
        return []
    with unscoped():
        subs = session.execute(select(SubCenter.id, SubCenter.code, SubCenter.unified_name)
                               .where(SubCenter.id.in_(wanted)).order_by(SubCenter.code)).all()
        villages = session.execute(select(Village.id, Village.sub_center_id, Village.name, Village.active)
                                   .where(Village.sub_center_id.in_(wanted))
                                   .order_by(Village.code)).all()
    out = []
    for sub_id, code, name in subs:
        listed = [(v.id, v.name) for v in villages if v.sub_center_id == sub_id
                  and ((v.active and sub_id in seen) or (sub_id, v.id) in present)]
        counter = [(None, "")] if (sub_id, None) in present else []  # taken at its counter
        out.append(Town(sub_id, code, name, (*listed, *counter)))
    return out
