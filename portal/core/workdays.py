"""Working days and due dates (行政许可法 第42、45、82条).

- A limit counts working days; the day of acceptance is not counted.
- Working days come from chinese-calendar (adjusted working days, 调休, included); for a year
  it does not know, from the center's declared schedule; for a year neither knows, from
  weekdays — and the result says so (``Due.guessed``), it never raises.
- Time in 补正 and special procedures is not counted: a working day after the day the clock
  stopped, up to and including the day it restarted, does not count (restarting is like
  accepting again: that day is not counted either).

Every working day of the years in use is kept once in a sorted list, so a due date is two
binary searches, not a walk over the calendar: a million open cases are a few seconds.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import chinese_calendar

LIBRARY, CENTER, WEEKDAYS = "library", "center", "weekdays"


@cache
def library_knows(year: int) -> bool:
    """Whether chinese-calendar carries the State Council's schedule for ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
        chinese_calendar.is_workday(dt.date(year, 12, 31))
    except NotImplementedError:
        return False
    return True


def span_days(span: str) -> list[dt.date]:
    """The days of a declared span: ``2027-01-01`` or ``2027-02-10..2027-02-16``."""
    first, _, last = span.partition("..")
    start = dt.date.fromisoformat(first)
    end = dt.date.fromisoformat(last) if last else start
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


@dataclass(frozen=True)
class Due:
    """A due date, and the years it was worked out for by weekdays alone (shown as a warning)."""

    day: dt.date | None  # None while the clock is stopped
    guessed: tuple[int, ...] = ()


@dataclass
class Calendar:
    """Working days of a center: the library, the center's schedules, weekdays (flagged)."""

    schedules: Mapping[int, tuple[frozenset[dt.date], frozenset[dt.date]]] = field(default_factory=dict)
    _days: list[dt.date] = field(default_factory=list, repr=False)  # sorted working days
    _years: dict[int, str] = field(default_factory=dict, repr=False)  # year -> its source
    # One calendar serves every thread of a worker (requests, background jobs): keeping a new
    # year changes the positions of the days after it, so a count and the lookup it feeds must
    # see the same list. Without the lock a due date came out days early when another thread
    # kept an earlier year in between.
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    @classmethod
    def of_center(cls, center: Mapping[str, Any]) -> Calendar:
        """From a center declaration's ``holidays`` (years the library does not know)."""
        schedules = {}
        for year, schedule in (center.get("holidays") or {}).items():
            off = frozenset(d for span in schedule["holidays"] for d in span_days(span))
            on = frozenset(dt.date.fromisoformat(d) for d in schedule.get("workdays", ()))
            schedules[int(year)] = (off, on)
        return cls(schedules)

    def source(self, year: int) -> str:
        if library_knows(year):
            return LIBRARY
        return CENTER if year in self.schedules else WEEKDAYS

    def _ensure(self, year: int) -> None:
        """Keep the working days of ``year`` and of every year between it and those kept
        (the list stays gapless, so a position difference counts working days)."""
        if not self._years:
            self._add(year)
        for y in range(year, min(self._years)):
            self._add(y)
        for y in range(max(self._years) + 1, year + 1):
            self._add(y)

    def _add(self, year: int) -> None:
        source = self.source(year)
        first, days = dt.date(year, 1, 1), []
        for i in range((dt.date(year + 1, 1, 1) - first).days):
            day = first + dt.timedelta(days=i)
            if self._works(day, source):
                days.append(day)
        self._days = sorted([*self._days, *days])
        self._years[year] = source

    def _works(self, day: dt.date, source: str) -> bool:
        if source == LIBRARY:
            return chinese_calendar.is_workday(day)
        if source == CENTER:
            off, on = self.schedules[day.year]
            return day in on or (day.weekday() < 5 and day not in off)
        return day.weekday() < 5

    def is_workday(self, day: dt.date) -> bool:
        return self._works(day, self.source(day.year))

    def _position(self, day: dt.date) -> int:
        """How many working days of the kept years fall on or before ``day``."""
        with self._lock:
            self._ensure(day.year)
            return bisect.bisect_right(self._days, day)

    def _nth_after(self, position: int, n: int) -> dt.date:
        while position + n - 1 >= len(self._days):  # past the last kept year: keep one more
            self._ensure(max(self._years) + 1)
        return self._days[position + n - 1]

    def add_workdays(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after ``start`` (``start`` itself not counted; n=0: ``start``)."""
        if n <= 0:
            return start
        with self._lock:
            return self._nth_after(self._position(start), n)

    def between(self, after: dt.date, upto: dt.date) -> int:
        """Working days d with after < d <= upto."""
        if upto <= after:
            return 0
        with self._lock:
            return self._position(upto) - self._position(after)

    def guessed(self, first: dt.date, last: dt.date) -> tuple[int, ...]:
        return tuple(y for y in range(first.year, last.year + 1) if self.source(y) == WEEKDAYS)

    def due(self, accepted: dt.date, days: int,
            pauses: Sequence[tuple[dt.date, dt.date | None]] = ()) -> Due:
        """When a limit of ``days`` working days runs out, for a case accepted on ``accepted``.

        ``pauses``: (stopped, restarted) days in order; ``None`` = still stopped.
        """
        if pauses and pauses[-1][1] is None:
            return Due(None, self.guessed(accepted, pauses[-1][0]))
        day = self.add_workdays(accepted, days)
        for stopped, restarted in pauses:
            if stopped >= day:  # stopped after the time had run out: no time to give back
                continue
            assert restarted is not None
            day = self.add_workdays(day, self.between(stopped, restarted))
        return Due(day, self.guessed(accepted, day))

    def used(self, accepted: dt.date, today: dt.date,
             pauses: Iterable[tuple[dt.date, dt.date | None]] = ()) -> int:
        """Working days of the limit used by ``today`` (pauses not counted)."""
        used = self.between(accepted, today)
        for stopped, restarted in pauses:
            used -= self.between(stopped, min(restarted or today, today)) if stopped < today else 0
        return max(used, 0)
