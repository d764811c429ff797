"""Server time: the one clock of every recorded action, and the center's calendar day.

Times are taken here, never typed (先办后录 cannot be faked). Callers use ``servertime.now()``
through the module, so a test can set the clock in one place.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Shanghai"


def now() -> dt.datetime:
    """The server's time, in UTC."""
    return dt.datetime.now(dt.UTC)


def local_day(at: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The calendar day of a moment in the center's time zone."""
    return at.astimezone(zone).date()
