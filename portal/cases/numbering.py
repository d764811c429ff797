"""Case numbers (办件编号) from the center's declared pattern, unique under concurrent intake.

The sequence lives in one row per sub-center and period, advanced by a single
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement: the database hands out each value once,
however many clerks submit at the same moment (PostgreSQL and SQLite alike).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.models.case import CaseSequence


def next_sequence(session: Session, scope: str) -> int:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = CaseSequence.__table__
    statement = dialect.insert(table).values(scope=scope, value=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.scope], set_={"value": table.c.value + 1}).returning(table.c.value)
    return session.execute(statement).scalar_one()


def case_number(session: Session, rule: Mapping[str, Any], subcenter: str, window: str,
                day: dt.date) -> str:
    """The next number for a case of ``subcenter`` taken on ``day`` (the center's calendar day)."""
    period = day.strftime("%Y%m%d") if rule["reset"] == "day" else str(day.year)
    seq = next_sequence(session, f"{subcenter}:{period}")
    return rule["pattern"].format(subcenter=subcenter.upper(), window=window,
                                  date=day.strftime("%Y%m%d"), year=day.year,
                                  seq=str(seq).zfill(rule["digits"]))
