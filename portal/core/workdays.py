"""Working days: chinese-calendar for the years it knows, the center's schedules for the others."""

from __future__ import annotations

import datetime as dt
from functools import cache

import chinese_calendar


@cache
def library_knows(year: int) -> bool:
    """Whether chinese-calendar carries the State Council's schedule for ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
        chinese_calendar.is_workday(dt.date(year, 12, 31))
    except NotImplementedError:
        return False
    return True
