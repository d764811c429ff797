"""Finding a case by what the applicant or the receipt gives: 办件编号, 申请人, 身份证号.

One box takes any of them. The text is read as a person types it: an input method's full-width
digits and letters count as half-width, spaces are dropped, a lowercase ``x`` ending an identity
number is an ``X``. A case matches when its number starts with the text (at least
``NUMBER_PREFIX`` characters: a whole number, or a day's numbers), its applicant's identity
number is the text, or its applicant's name starts with it (at least two characters, a Chinese
name's shortest). Each of the three is answered from an index (``LIKE 'text%'`` on PostgreSQL,
where the indexes use ``text_pattern_ops``; ``GLOB 'text*'`` on SQLite, whose ``LIKE`` ignores
case and so cannot use an index). What the user may see is the scope rule's: the statement is an
ordinary ORM query.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session, defer, joinedload

from portal.models import Case, Item, SubCenter, Window

NUMBER_PREFIX = 6
NAME_PREFIX = 2
ID_NUMBER = re.compile(r"\d{17}[\dX]|\d{15}")
_GLOB_SPECIAL = re.compile(r"([*?\[])")


def normalized(text: str) -> str:
    """The text as it is stored: NFKC (full-width → half-width), no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


@dataclass(frozen=True)
class Found:
    cases: list[Case]
    more: bool  # more matches than shown
    text: str  # the text searched for, normalized
    searched: bool  # long enough to be searched for

def _starts_with(session: Session, column: ColumnElement[str], prefix: str) -> ColumnElement[bool]:
    if session.get_bind().dialect.name == "sqlite":
        return column.op("GLOB")(_GLOB_SPECIAL.sub(r"[\1]", prefix) + "*")
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(escaped + "%", escape="\\")


def conditions(session: Session, text: str) -> list[ColumnElement[bool]]:
    """What a case must match for ``text`` (already normalized): nothing when it is too short."""
    out = []
    upper = text.upper()
    if ID_NUMBER.fullmatch(upper):
        out.append(Case.applicant_id_number == upper)
    if len(text) >= NUMBER_PREFIX:
        out.append(_starts_with(session, Case.number, upper))
    if len(text) >= NAME_PREFIX:
        out.append(_starts_with(session, Case.applicant_name, text))
    return out


def find(session: Session, text: str, limit: int = 50) -> Found:
    """The cases matching ``text``, most recently changed first (at most ``limit``)."""
    text = normalized(text)
    matches = conditions(session, text)
    query = (select(Case).where(or_(*matches) if matches else false())
             .options(joinedload(Case.item).load_only(Item.name),
                      joinedload(Case.sub_center).load_only(SubCenter.name),
                      joinedload(Case.window).load_only(Window.code, Window.name), defer(Case.data))
             .order_by(Case.updated_at.desc(), Case.id.desc()).limit(limit + 1))
    cases = list(session.scalars(query)) if matches else []
    return Found(cases[:limit], len(cases) > limit, text, bool(matches))

