"""三级便民服务网络 in the monthly report and the assessment: a month's 代办 figures per town
center and village point (or per town), read through the scope rule of the carrying records
(portal/cases/network.py says how).

For a month (the center's local calendar month):
- 代办受理 (``taken``): applications taken in the month (at a village point, or the town's
  counter);
- 转报送达 (``delivered``): delivered to the deciding sub-center in the month;
- 在途用时 (``transit_*``): over the agency cases the deciding window accepted in the month, the
  working days from the intake to that acceptance (the day of intake not counted; weekends,
  holidays and 调休 as the center's calendar says): their sum and count (the average is worked
  out from them, never an average of averages) and the longest;
- 已回复 (``replied``): results given to the applicant in the month;
- 催办 (``reminders``): the reminders recorded in the month (each one, from the case event log).

Three queries, each over the month's rows through indexes (the hand-over times of
``case_agency``, the cases' acceptance time, the partial index of the 催办 events): never the
whole table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select, text
from sqlalchemy.orm import Session

from portal.assessment.reports import Month
from portal.cases.network import CASES, transit_days
from portal.core.counts import Counts, longest
from portal.core.workdays import Calendar
from portal.models import CaseAgency, CaseEvent, SiteVersion
from portal.models.case import AGENCY
from portal.models.events import REMIND_SQL
from portal.site.publish import current_version

REMINDED = text(f"case_event.{REMIND_SQL}")  # as the partial index says it: SQLite uses it then


@dataclass(frozen=True)
class NetworkFigures(Counts):
    """The month's counts of one place (or town); added up for a town and the network."""

    taken: int = 0
    delivered: int = 0
    replied: int = 0
    reminders: int = 0
    transit_cases: int = 0  # accepted by the deciding window in the month
    transit_days: int = 0  # their working days in transit, summed
    transit_max: int | None = field(default=None, metadata={"add": longest})  # the longest of them

    @property
    def transit_average(self) -> float | None:
        return self.transit_days / self.transit_cases if self.transit_cases else None

    @property
    def any(self) -> bool:
        return bool(self.taken or self.delivered or self.replied or self.reminders or self.transit_cases)


# what the figures are grouped by: the place (town, village), or the town — expressions, not
# bare columns: grouping by an indexed column makes SQLite read the table in that index's order
# instead of the month through the time indexes
KEYS = {
    "place": (CaseAgency.sub_center_id + 0, CaseAgency.village_id + 0),
    "sub_center": (CaseAgency.sub_center_id + 0,),
}


def _key(row: Any, width: int) -> Any:
    return tuple(row[:width]) if width > 1 else row[0]


_calendars: dict[str, Calendar] = {}


def center_calendar(session: Session) -> Calendar:
    """The center's working days as the current published version declares them (its holiday
    schedules), kept per version: for callers without the published site at hand."""
    version = current_version(session)
    if version is None:
        return Calendar()
    calendar = _calendars.get(version.content_hash)
    if calendar is None:
        documents = session.scalar(select(SiteVersion.documents).where(SiteVersion.id == version.id))
        calendar = _calendars.setdefault(version.content_hash,
                                         Calendar.of_center(documents.get("center") or {}))
    return calendar


def month_figures(session: Session, month: Month, zone: ZoneInfo, calendar: Calendar | None = None,
                  by: str = "place") -> dict[Any, NetworkFigures]:
    """The month's figures per place ``(town id, village id or None)``, or per town id
    (``by='sub_center'``), of the carrying records the session sees; working days by
    ``calendar`` (by default the current published version's)."""
    start, end = month.bounds(zone)
    keys = KEYS[by]
    width = len(keys)
    # the three hand-overs in one statement, an index range each (OR: each arm from its index),
    # so that the scope's criterion is worked out once, not three times
    counts: dict[str, dict[Any, int]] = {"taken": {}, "delivered": {}, "replied": {}}
    within = {name: and_(column >= start, column < end) for name, column in (
        ("taken", CaseAgency.taken_at), ("delivered", CaseAgency.delivered_at),
        ("replied", CaseAgency.replied_at))}
    for row in session.execute(
            select(*keys, *(func.coalesce(func.sum(case((c, 1), else_=0)), 0) for c in within.values()))
            .where(or_(*within.values())).group_by(*keys)):
        for name, n in zip(within, row[width:], strict=True):
            if n:
                counts[name][_key(row, width)] = int(n)
    counts["reminders"] = {_key(row, width): row[-1] for row in session.execute(
        select(*keys, func.count()).select_from(CaseEvent)
        .join(CaseAgency, CaseAgency.case_id == CaseEvent.case_id)
        .where(REMINDED, CaseEvent.at >= start, CaseEvent.at < end).group_by(*keys))}
    # the transit of the cases accepted in the month: working days, counted with the calendar
    # (in Python: a month's few hundred rows, not a GROUP BY the database could do)
    transit: dict[Any, list[int]] = {}
    rows = session.execute(
        select(*keys, CaseAgency.taken_at, CASES.c.accepted_at).join(CASES, CASES.c.id == CaseAgency.case_id)
        .where(CASES.c.accepted_at >= start, CASES.c.accepted_at < end, CASES.c.channel == AGENCY)).all()
    if rows and calendar is None:
        calendar = center_calendar(session)
    for row in rows:
        transit.setdefault(_key(row, width), []).append(
            transit_days(calendar, zone, row[width], row[width + 1]))
    out = {}
    for key in set().union(*counts.values(), transit) - {None, (None, None)}:
        days = transit.get(key, [])
        out[key] = NetworkFigures(
            *(counts[name].get(key, 0) for name in ("taken", "delivered", "replied", "reminders")),
            len(days), sum(days), max(days) if days else None)
    return out


def by_town(figures: dict[Any, NetworkFigures]) -> dict[int, NetworkFigures]:
    """Place figures added up per town."""
    out: dict[int, NetworkFigures] = {}
    for (town, _), f in figures.items():
        out[town] = out.get(town, NetworkFigures()) + f
    return out
