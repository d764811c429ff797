"""Working days: chinese-calendar for the years it knows, the center's schedules for the others."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=None)
def library_knows(year: int) -> bool:
    """Whether chinese-calendar carries the State Council's schedule for ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
        chinese_calendar.is_workday(dt.date(year, 12, 31))
    except NotImplementedError:
        return False
    return True
