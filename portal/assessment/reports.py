"""统一情况汇总: the monthly operations report of each sub-center (or window), and the center's
roll-up, computed in the database (one GROUP BY), through the scope rule.

For a month (the center's local calendar month):
- 办件量: cases accepted (受理) in the month;
- 即办件比例: of those, the share of 即办件 (limit 0 working days);
- 当场办结率: of those, the share completed the day they were accepted;
- 按时办结率: of the cases completed in the month, the share completed by their due date;
- 超期件: cases completed in the month after their due date, plus cases not completed by the
  end of the month (or today, for the month under way) whose due date had passed;
- 提速率: 1 − working days used ÷ legal working days, over the cases completed in the month
  whose item has a legal limit.

The roll-up adds the counts of all rows and computes its rates from the sums — never an
average of rates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from portal.core.counts import Counts
from portal.models import Case


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """'2026-11' → Month(2026, 11); raises ValueError on anything else."""
        year, month = text.split("-")
        if len(year) != 4 or not 1 <= int(month) <= 12:
            raise ValueError(text)
        return cls(int(year), int(month))

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def next_first(self) -> dt.date:
        return dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def bounds(self, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """The month's first and the next month's first moment, in UTC."""
        return tuple(dt.datetime.combine(d, dt.time(), zone).astimezone(dt.UTC)
                     for d in (self.first, self.next_first))  # type: ignore[return-value]


@dataclass(frozen=True)
class Figures(Counts):
    """The counts of one row; rates are worked out from them."""

    accepted: int = 0
    instant: int = 0
    on_the_spot: int = 0
    completed: int = 0
    on_time: int = 0
    overdue: int = 0
    used_days: int = 0
    legal_days: int = 0

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def instant_rate(self) -> float | None:
        return self._share(self.instant, self.accepted)

    @property
    def on_the_spot_rate(self) -> float | None:
        return self._share(self.on_the_spot, self.accepted)

    @property
    def on_time_rate(self) -> float | None:
        return self._share(self.on_time, self.completed)

    @property
    def speed_up(self) -> float | None:
        return 1 - self.used_days / self.legal_days if self.legal_days else None


def _count(condition) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def conditions(month: Month, today: dt.date, zone: ZoneInfo) -> dict[str, ColumnElement[bool]]:
    """Which cases each figure of the month counts, as SQL conditions (also the evidence)."""
    start, end = month.bounds(zone)
    cutoff = min(month.next_first, today)  # overdue when due before this day and not done by then
    cutoff_at = dt.datetime.combine(cutoff, dt.time(), zone).astimezone(dt.UTC)
    accepted = and_(Case.accepted_at >= start, Case.accepted_at < end)
    completed = and_(Case.completed_at >= start, Case.completed_at < end)
    late = and_(Case.accepted_at < end, Case.due_date < cutoff)
    still_open, done_late = Case.completed_at.is_(None), Case.completed_at >= cutoff_at
    late_open = and_(late, or_(still_open, done_late))
    return {
        "accepted": accepted,
        "instant": and_(accepted, Case.limit_days == 0),
        "on_the_spot": and_(accepted, Case.completed_at.is_not(None), Case.used_days == 0),
        "completed": completed,
        "on_time": and_(completed, Case.on_time.is_(True)),
        "overdue": or_(and_(completed, Case.on_time.is_(False)), late_open),
        "counted": and_(completed, Case.legal_days > 0),  # in the speed-up rate
        # the same as accepted_at IS NOT NULL AND (accepted OR completed OR late_open), written
        # as arms that each start from an index (accepted_at, completed_at; open cases have no
        # completed_at), so the month is read, never the whole table. The last arm leaves out
        # ``accepted_at < end``: a case due before the cutoff was accepted before the month's
        # end (no case is due before the day it was accepted), and with it SQLite could start
        # that arm from every case accepted before the month's end — the whole history (360
        # ms of the monthly report at 300,000 cases, against 24); the figures' own conditions
        # above keep it
        "any": or_(accepted, and_(completed, Case.accepted_at.is_not(None)),
                   and_(still_open, late), and_(done_late, Case.due_date < cutoff)),
    }


# what the monthly figures are grouped by
# (each an expression, not the bare column: grouping by an indexed column makes SQLite read
# the whole table in that index's order rather than the month through the time indexes)
GROUPS = {"sub_center": Case.sub_center_id + 0, "window": Case.window_id + 0,
          "clerk": Case.accepted_by.concat("")}


def monthly(session: Session, month: Month, today: dt.date, zone: ZoneInfo,
            by: str = "sub_center") -> dict[Any, Figures]:
    """The month's figures per sub-center id (``by='sub_center'``), window id (``'window'``) or
    accepting clerk's username (``'clerk'``)."""
    c = conditions(month, today, zone)
    group = GROUPS[by]
    query = (select(group,
                    *(_count(c[name]) for name in ("accepted", "instant", "on_the_spot",
                                                  "completed", "on_time", "overdue")),
                    func.coalesce(func.sum(case((c["counted"], Case.used_days), else_=0)), 0),
                    func.coalesce(func.sum(case((c["counted"], Case.legal_days), else_=0)), 0))
             .where(c["any"]).group_by(group))
    return {row[0]: Figures(*(int(v) for v in row[1:])) for row in session.execute(query)}


def roll_up(rows: dict[int, Figures]) -> Figures:
    total = Figures()
    for figures in rows.values():
        total = total + figures
    return total
