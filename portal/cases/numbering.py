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


def _increment(dialect_name: str, scope: str) -> Any:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = CaseSequence.__table__
    statement = dialect.insert(table).values(scope=scope, value=1)
    return statement.on_conflict_do_update(
        index_elements=[table.c.scope], set_={"value": table.c.value + 1}).returning(table.c.value)


def next_sequence(session: Session, scope: str) -> int:
    """The next number of ``scope``, in the session's transaction (a case number: taken and
    used in the same short transaction as the case)."""
    return session.execute(_increment(session.get_bind().dialect.name, scope)).scalar_one()


def take_number(session: Session, scope: str) -> int:
    """The next number of ``scope``, taken and committed at once on a connection of its own,
    so that nothing long (rendering a PDF) runs while the sequence row — on SQLite the whole
    database — is locked. A number whose document then fails to be stored is a gap: numbers
    are unique and rising, not necessarily contiguous."""
    engine = session.get_bind()
    with engine.begin() as connection:
        return connection.execute(_increment(engine.dialect.name, scope)).scalar_one()


def sequence_scope(rule: Mapping[str, Any], subcenter: str, day: dt.date) -> str:
    """The sequence a case of ``subcenter`` taken on ``day`` draws from: one per sub-center and
    day, or per sub-center and year."""
    return f"{subcenter}:{day.strftime('%Y%m%d') if rule['reset'] == 'day' else day.year}"


def formatted(rule: Mapping[str, Any], subcenter: str, window: str, day: dt.date, seq: int) -> str:
    return rule["pattern"].format(subcenter=subcenter.upper(), window=window,
                                  date=day.strftime("%Y%m%d"), year=day.year,
                                  seq=str(seq).zfill(rule["digits"]))


def case_number(session: Session, rule: Mapping[str, Any], subcenter: str, window: str,
                day: dt.date) -> str:
    """The next number for a case of ``subcenter`` taken on ``day`` (the center's calendar day)."""
    return formatted(rule, subcenter, window, day,
                     next_sequence(session, sequence_scope(rule, subcenter, day)))
