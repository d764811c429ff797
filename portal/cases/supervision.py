"""电子监察: the light of each open case, and the worklist query that sorts and filters by it.

A light follows from the due date and the center's threshold (center.yaml ``lights``):
red past the due date, yellow when ``yellow_days_left`` working days or fewer are left,
green otherwise; a paused case (clock stopped, no due date) shows 暂停. Each light is a range
of due dates, so a worklist of any size filters, counts and sorts by light in the database
(on the partial indexes of open cases), and shows the overdue first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    and_,
    bindparam,
    cast,
    exists,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session, defer, joinedload

from portal.access.scope import kept, written
from portal.core.workdays import Calendar
from portal.models import (
    Case,
    CaseAgency,
    CaseBranch,
    CaseState,
    Evaluation,
    FollowUp,
    Item,
    SubCenter,
    Window,
)
from portal.models.case import OPEN_STATES

RED, YELLOW, GREEN, PAUSED_LIGHT = "red", "yellow", "green", "paused"
LIGHTS = (RED, YELLOW, GREEN, PAUSED_LIGHT)
# written into the SQL, not bound: SQLite uses a partial index (ix_cases_open_due) only when
# the query repeats its WHERE with the same literal values
IS_OPEN = Case.state.in_(bindparam("open_states", OPEN_STATES, expanding=True, literal_execute=True))


@dataclass(frozen=True)
class Thresholds:
    """The dates that split today's open cases into lights."""

    today: dt.date
    yellow_until: dt.date  # due on or before this day (and not before today): yellow

    @classmethod
    def of(cls, calendar: Calendar, today: dt.date, yellow_days_left: int) -> Thresholds:
        return cls(today, calendar.add_workdays(today, yellow_days_left))

    def light(self, state: str, due: dt.date | None) -> str | None:
        if state == CaseState.PAUSED:
            return PAUSED_LIGHT
        if state != CaseState.ACCEPTED or due is None:
            return None
        if due < self.today:
            return RED
        return YELLOW if due <= self.yellow_until else GREEN

    @staticmethod
    def where(light: str) -> ColumnElement[bool]:
        """The due dates of ``light``, the thresholds bound (``params``)."""
        return {
            PAUSED_LIGHT: Case.due_date.is_(None),
            RED: Case.due_date < _TODAY,
            YELLOW: and_(Case.due_date >= _TODAY, Case.due_date <= _YELLOW_UNTIL),
            GREEN: Case.due_date > _YELLOW_UNTIL,
        }[light]

    def params(self) -> dict[str, dt.date]:
        return {"today": self.today, "yellow_until": self.yellow_until}


_TODAY = bindparam("today", type_=Date)
_YELLOW_UNTIL = bindparam("yellow_until", type_=Date)
# the worklist's filters, bound: each statement is built once per shape (which filters are set)
_FILTERED = ((Case.sub_center_id, "sub_center"), (Case.window_id, "window"), (Case.item_id, "item"))


@dataclass(frozen=True)
class Filters:
    """What a worklist is narrowed to: ids of the chosen sub-center, window, item; state; light."""

    sub_center: int | None = None
    window: int | None = None
    item: int | None = None
    state: str | None = None
    light: str | None = None

    def shape(self) -> tuple[Any, ...]:
        """What the statements depend on: which of the ids are set, the state and the light
        (their values are bound: ``params``)."""
        return (self.sub_center is not None, self.window is not None, self.item is not None,
                self.state if self.state in OPEN_STATES else None,
                self.light if self.light in LIGHTS else None)

    def ids(self) -> dict[str, int | None]:
        """The chosen ids, as the statements of ``shape`` bind them."""
        return {"sub_center": self.sub_center, "window": self.window, "item": self.item}

    def params(self, th: Thresholds) -> dict[str, Any]:
        return {**self.ids(), **th.params()}


def _narrowed(query: Select, shape: tuple[Any, ...], open_only: bool = True) -> Select:
    """``query`` narrowed as a worklist of ``shape`` is (``Filters.shape``)."""
    sub_center, window, item, state, light = shape
    if open_only:
        query = query.where(IS_OPEN)
    for (column, name), chosen in zip(_FILTERED, (sub_center, window, item), strict=True):
        if chosen:
            query = query.where(column == bindparam(name))
    if state is not None:
        query = query.where(Case.state == state)
    if light is not None:
        query = query.where(Thresholds.where(light))
    return query


@dataclass(frozen=True, slots=True)
class Line:
    """One open case as the worklist shows it: its own columns and the names of its item,
    sub-center and window, read in one statement (no case object is built: hydrating fifty
    cases and their three related records was a third of the worklist's time)."""

    id: int
    number: str
    state: str
    due_date: dt.date | None
    accepted_at: dt.datetime | None
    applicant_name: str
    step: int | None
    plan: Any
    item_name: str
    sub_center_name: str
    window_code: str
    pressed: bool


# the names of a case's sub-center and window are read from their tables, beneath the scope
# rule: published names (the public hall shows them), and a case one sees may sit at a
# sub-center one does not (a town center's 代办 case at the deciding window) — through the
# entities, the scope rule dropped such a case from the page while the counts kept it
_SUB_CENTERS, _WINDOWS = SubCenter.__table__, Window.__table__
# 催办: a village or town pressed the window about the case (the mark of its row), read with
# the row — a statement of its own for the page's rows cost 0.4 ms of the worklist
PRESSED = exists().where(CaseAgency.case_id == Case.id, CaseAgency.reminded_at.is_not(None)).label("pressed")
LINE = (Case.id, Case.number, Case.state, Case.due_date, Case.accepted_at, Case.applicant_name,
        Case.step, Case.plan, Item.name, _SUB_CENTERS.c.name, _WINDOWS.c.code, PRESSED)


def with_names(query: Select) -> Select:
    """``query`` of cases joined to the names its lines show (``LINE``)."""
    return (query.join(Item, Item.id == Case.item_id)
            .join(_SUB_CENTERS, _SUB_CENTERS.c.id == Case.sub_center_id)
            .join(_WINDOWS, _WINDOWS.c.id == Case.window_id))


# a page's place, written into the SQL at each run (``written``)
_PAGE = {name: written(name) for name in ("offset", "limit")}


@lru_cache(maxsize=128)
def _lines_statement(shape: tuple[Any, ...], dated: bool) -> Select:
    query = _narrowed(select(*LINE), shape)
    if dated:
        query = query.where(Case.due_date.is_not(None)).order_by(Case.due_date, Case.id)
    else:
        query = query.where(Case.due_date.is_(None)).order_by(Case.id)
    return kept(with_names(query).offset(_PAGE["offset"]).limit(_PAGE["limit"]))


def worklist(session: Session, filters: Filters, th: Thresholds, counts: dict[int, dict[str, int]],
             page: int, size: int, dated_lines: list[Line] | None = None,
             ) -> tuple[list[tuple[Line, str]], int]:
    """One page of open cases with their lights, overdue first, then by due date, paused cases
    last; and how many there are (from ``counts``, the page's light counts).

    Cases with a due date come in the order of the partial index (due date, id); the paused
    ones follow, by id. Two index walks rather than one ``NULLS LAST`` sort, which SQLite
    cannot take from an index. Runs through the session's scope rule: a clerk's own windows,
    a manager's sub-centers, the center's everything.
    """
    paused = sum(c[PAUSED_LIGHT] for c in counts.values())
    total = sum(sum(c.values()) for c in counts.values())
    dated, offset = total - paused, page * size
    rows: list[tuple[Line, str]] = []
    shape, params = filters.shape(), filters.params(th)
    if offset < dated:
        lines = read if (read := dated_lines) is not None else (Line(*row) for row in session.execute(
            _lines_statement(shape, True), {**params, "offset": offset, "limit": size}))
        rows += [(c, th.light(c.state, c.due_date) or PAUSED_LIGHT) for c in lines]
    if len(rows) < size and paused:
        found = session.execute(_lines_statement(shape, False), {
            **params, "offset": max(offset - dated, 0), "limit": size - len(rows)})
        rows += [(c, PAUSED_LIGHT) for c in (Line(*row) for row in found)]
    return rows, total


def _count_parts(shape: tuple[Any, ...], also: tuple[Select, ...], first: tuple[Any, ...] = (),
                 then: tuple[Any, ...] = ()) -> list[Select]:
    """The parts of a counts statement: the light counts per sub-center and due date (kind 0),
    the cases waiting for the window's decision, a row of their own (kind 1: a round trip less
    on every worklist and home page), then each count of ``also`` (kinds 2, …) — the first part
    padded with ``first``, the others with ``then``."""
    lights = _narrowed(select(literal_column("0"), Case.sub_center_id, Case.due_date, func.count(),
                              *first), shape).group_by(Case.sub_center_id, Case.due_date)
    waiting_ = _waiting_of(select(literal_column("1"), null(), null(), func.count(), *then)
                           .select_from(Case), shape)
    return [lights, waiting_, *(select(literal_column(str(2 + i)), null(), null(), count.scalar_subquery(),
                                       *then) for i, count in enumerate(also))]


@lru_cache(maxsize=64)
def _counts_statement(shape: tuple[Any, ...], also: tuple[Select, ...] = ()) -> Any:
    return kept(union_all(*_count_parts(shape, also)))


class _Tally:
    """The counts' rows of a counts statement, added up as ``light_counts`` answers them."""

    def __init__(self, th: Thresholds, also: int) -> None:
        self.th = th
        self.lights: dict[int, dict[str, int]] = {}
        self.waiting, self.also = 0, [0] * also

    def add(self, kind: int, sub_center_id: int | None, due: dt.date | None, count: int) -> None:
        if kind == 1:
            self.waiting = count
        elif kind > 1:
            self.also[kind - 2] = count or 0
        else:
            light = self.th.light(CaseState.ACCEPTED if due is not None else CaseState.PAUSED, due)
            counts = self.lights.setdefault(sub_center_id, dict.fromkeys(LIGHTS, 0))
            counts[light] += count  # type: ignore[index]

    def counts(self) -> Counts:
        return Counts(self.lights, self.waiting, tuple(self.also))


class Counts(NamedTuple):
    """What ``light_counts`` counts: per sub-center id, how many open cases show each light; how
    many cases wait for the window's decision; and the count of each statement asked ``also``."""

    lights: dict[int, dict[str, int]]
    waiting: int
    also: tuple[int, ...]


def light_counts(session: Session, th: Thresholds, filters: Filters,
                 also: tuple[Select, ...] = ()) -> Counts:
    """Per sub-center id: how many open cases show each light; how many cases wait for the
    window's decision (``waiting``'s count); and what each statement of ``also`` counts (kept
    ``select(func.count())`` statements, through the scope rule as the rest): the page's other
    counts ride in the same statement, each a round trip less — a page asks for a list only
    when its count says there is something to list.

    The database counts per sub-center and due date (the partial index ``ix_cases_open_sub``
    holds that, and the window and key a clerk's scope tests, so it is read in order without
    touching the table); the few hundred (sub-center, due date) groups then get their light
    here.
    """
    tally = _Tally(th, len(also))
    for row in session.execute(_counts_statement(filters.shape(), also), filters.params(th)):
        tally.add(*row)
    return tally.counts()


# cases waiting for the window's decision: submitted (new, or brought back complete after a
# 一次性告知) and those notified of missing materials, whose applicant is to come back
WAITING_STATES = (CaseState.SUBMITTED, CaseState.NOTICE_MISSING)
# written into the SQL, as IS_OPEN: the partial indexes ix_cases_waiting_* hold only these
IS_WAITING = Case.state.in_(bindparam("waiting_states", WAITING_STATES, expanding=True, literal_execute=True))


@dataclass(frozen=True, slots=True)
class Waiting:
    """A case waiting for the window's decision, as the worklist and the clerk's home list it."""

    id: int
    number: str
    state: str
    applicant_name: str
    updated_at: dt.datetime
    channel: str
    item_name: str
    window_code: str
    pressed: bool


def _waiting_of(query: Select, shape: tuple[Any, ...]) -> Select:
    """``query`` narrowed to the cases waiting for a decision, by the sub-center, window and
    item of ``shape`` (not its state and light, which are the open cases')."""
    return _narrowed(query.where(IS_WAITING), shape[:3] + (None, None), open_only=False)


@lru_cache(maxsize=16)
def _waiting_page(shape: tuple[Any, ...]) -> Select:
    """A page of the waiting cases of ``shape``. Counted apart (``light_counts``): a window count
    on this statement made SQLite build every waiting row (joins and marks) before the page
    (0.14 ms → 0.72 for a clerk's dozen)."""
    return kept(_waiting_of(select(
        Case.id, Case.number, Case.state, Case.applicant_name, Case.updated_at, Case.channel, Item.name,
        _WINDOWS.c.code, PRESSED), shape)
        .join(Item, Item.id == Case.item_id).join(_WINDOWS, _WINDOWS.c.id == Case.window_id)
        .order_by(Case.updated_at, Case.id).offset(_PAGE["offset"]).limit(_PAGE["limit"]))


# the worklist's page in one statement (``worklist_day``): the light counts, the waiting count
# and the counts asked ``also`` (``light_counts``), then a page of the dated open cases and a
# page of the waiting cases, each a subquery with its own order and place — the rows of all
# padded to one shape: (kind, sub-center id, due date, count, then a line's and a waiting
# case's columns). Types of the first part's padding are the columns', for reading them back.
_LINE_ROWS, _WAITING_ROWS = 10, 11
_TAIL = (Case.id, Case.number, Case.state, Case.accepted_at, Case.applicant_name, Case.step, Case.plan,
         Item.name, _SUB_CENTERS.c.name, _WINDOWS.c.code, PRESSED, Case.updated_at, Case.channel)


def _padding() -> tuple[Any, ...]:
    """The first part's padding: typed NULLs (PostgreSQL takes an untyped one for text)."""
    return tuple(cast(null(), column.type) for column in _TAIL)


@lru_cache(maxsize=64)
def _day_statement(shape: tuple[Any, ...], also: tuple[Select, ...]) -> Any:
    rows = select(*LINE, Case.updated_at, Case.channel)
    dated = (with_names(_narrowed(rows, shape).where(Case.due_date.is_not(None)))
             .order_by(Case.due_date, Case.id).offset(_PAGE["offset"]).limit(_PAGE["limit"]).subquery())
    page = (with_names(_waiting_of(rows, shape)).order_by(Case.updated_at, Case.id)
            .offset(written("woffset")).limit(written("wlimit")).subquery())
    pages = [select(literal_column(str(kind)), null(), sub.c.due_date, null(), *_tail(sub))
             for kind, sub in ((_LINE_ROWS, dated), (_WAITING_ROWS, page))]
    return kept(union_all(*_count_parts(shape, also, _padding(), (null(),) * len(_TAIL)), *pages))


def _tail(sub: Any) -> list[Any]:
    """``_TAIL``'s columns of a subquery of ``LINE`` + updated_at, channel: all but the due date
    (LINE's fourth), which the rows carry in the counts' due-date column."""
    columns = list(sub.c)
    return columns[:3] + columns[4:]


class Day(NamedTuple):
    """The worklist's page as ``worklist_day`` reads it."""

    counts: Counts
    dated: list[Line]  # the first page's dated open cases (from ``page * size``)
    waiting: list[Waiting]


def worklist_day(session: Session, th: Thresholds, filters: Filters, page: int, size: int,
                 wlimit: int, woffset: int, also: tuple[Select, ...] = ()) -> Day:
    """``light_counts``, the dated open cases of the page (``page`` of ``size``) and a page of
    the waiting cases (``wlimit`` from ``woffset``), in one statement: the worklist's four
    round trips in one (its paused cases, past the dated ones, are read on their own —
    ``worklist`` given these lines)."""
    tally = _Tally(th, len(also))
    dated, waits = [], []
    params = {**filters.params(th), "offset": page * size, "limit": size,
              "woffset": woffset, "wlimit": wlimit}
    for row in session.execute(_day_statement(filters.shape(), also), params):
        kind, sub_center_id, due, count = row[:4]
        (id_, number, state, accepted_at, applicant_name, step, plan, item_name, sub_name, window_code,
         pressed, updated_at, channel) = row[4:]
        if kind == _LINE_ROWS:
            dated.append(Line(id_, number, state, due, accepted_at, applicant_name, step, plan, item_name,
                              sub_name, window_code, bool(pressed)))
        elif kind == _WAITING_ROWS:
            waits.append(Waiting(id_, number, state, applicant_name, updated_at, channel, item_name,
                                 window_code, bool(pressed)))
        else:
            tally.add(kind, sub_center_id, due, count)
    dated.sort(key=lambda c: (c.due_date, c.id))
    waits.sort(key=lambda c: (c.updated_at, c.id))
    return Day(tally.counts(), dated, waits)


def waiting(session: Session, filters: Filters, limit: int, offset: int = 0) -> list[Waiting]:
    """The cases waiting for a decision, oldest first (``limit`` of them from ``offset``):
    through the scope rule, narrowed by the worklist's sub-center, window and item. How many
    there are, ``light_counts`` counts."""
    params = {**filters.ids(), "offset": offset, "limit": limit}
    rows = session.execute(_waiting_page(filters.shape()), params)
    return [Waiting(*row) for row in rows]


def drafts(session: Session, limit: int) -> list[Case]:
    """The drafts in scope, last saved first (a clerk's unfinished applications)."""
    return list(session.scalars(
        select(Case).where(Case.state == CaseState.DRAFT)
        .options(joinedload(Case.item).load_only(Item.name), defer(Case.data))
        .order_by(Case.updated_at.desc(), Case.id.desc()).limit(limit)))


def extensions_waiting(session: Session, limit: int) -> tuple[list[Case], int]:
    """Accepted cases whose extension (延期) waits for the manager's approval, oldest first, and
    how many there are (the partial index ``ix_cases_extension_asked`` holds only those)."""
    query = select(Case).where(Case.extension_asked.is_not(None), Case.state == CaseState.ACCEPTED)
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(Case.id).subquery()))
    rows = session.scalars(query.options(
        joinedload(Case.item).load_only(Item.name), joinedload(Case.window).load_only(Window.code),
        defer(Case.data)).order_by(Case.due_date, Case.id).limit(limit)).all()
    return list(rows), total or 0


def branches_waiting(session: Session, sub_centers: frozenset[int] | None,
                     limit: int) -> tuple[list[CaseBranch], int]:
    """Open branches (并联审批) to be decided at ``sub_centers`` (``None``: anywhere in scope),
    soonest due first, and how many there are."""
    query = select(CaseBranch).where(CaseBranch.state == "open")
    if sub_centers is not None:
        query = query.where(CaseBranch.sub_center_id.in_(sub_centers))
    total = session.scalar(select(func.count()).select_from(
        query.with_only_columns(CaseBranch.id).subquery()))
    rows = session.scalars(query.options(
        joinedload(CaseBranch.case).load_only(Case.number, Case.applicant_name),
        joinedload(CaseBranch.item).load_only(Item.name),
        joinedload(CaseBranch.sub_center).load_only(SubCenter.name))
        .order_by(CaseBranch.due_date, CaseBranch.id).limit(limit)).all()
    return list(rows), total or 0


@dataclass(frozen=True, slots=True)
class OpenFollowUp:
    """A 回访整改 task not closed yet, as the manager's home and the worklist list it."""

    id: int
    case_id: int
    number: str
    level: str
    due_date: dt.date
    called: bool  # the call-back is recorded; the rectification is not yet
    window_code: str


_OPEN_FOLLOW_UPS = kept(
    select(FollowUp.id, FollowUp.case_id, Case.number, Evaluation.level, FollowUp.due_date,
           FollowUp.called_at.is_not(None), Window.code)
    .where(FollowUp.closed_at.is_(None))
    .join(Case, Case.id == FollowUp.case_id).join(Evaluation, Evaluation.id == FollowUp.evaluation_id)
    .join(Window, Window.id == FollowUp.window_id)
    .order_by(FollowUp.due_date, FollowUp.id).limit(_PAGE["limit"]))


# how many 回访整改 tasks are open in scope (for ``light_counts``' ``also``)
OPEN_FOLLOW_UPS = select(func.count()).select_from(FollowUp).where(FollowUp.closed_at.is_(None))


def follow_ups(session: Session, today: dt.date, limit: int) -> tuple[list[OpenFollowUp], int, int]:
    """The open 回访整改 tasks in scope, soonest due first (``limit`` of them), how many are
    open and how many of those are past their due date (the partial index of open tasks). One
    statement when they fit in ``limit`` (as they mostly do: none at all, most days); counted
    apart only when there are more."""
    rows = [OpenFollowUp(*row) for row in session.execute(_OPEN_FOLLOW_UPS, {"limit": limit})]
    if len(rows) < limit:
        return rows, len(rows), sum(1 for r in rows if r.due_date < today)
    open_ = select(FollowUp.id).where(FollowUp.closed_at.is_(None))
    total = session.scalar(select(func.count()).select_from(open_.subquery())) or 0
    overdue = session.scalar(select(func.count()).select_from(
        open_.where(FollowUp.due_date < today).subquery())) or 0
    return rows, total, overdue
