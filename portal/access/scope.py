"""The one scope rule: what the signed-in user may see of scoped data.

Every ORM statement a request runs (lists, show pages, edits, deletes, searches, counts, CSV
exports, REST calls, FAB's bulk actions, lazy loads) passes through ``_apply_scope``, which adds
one criterion per scoped model with ``with_loader_criteria``. Views never filter by sub-center
themselves, so they cannot disagree.

- A center-wide user (``center_wide``) sees everything.
- Otherwise the user's sub-centers are those assigned directly plus those of their windows.
  Sub-centers, windows and offerings are visible within those sub-centers; cases within the
  directly assigned sub-centers and at the user's windows (a clerk bound to windows sees only
  the cases of those windows). A bundle case (并联审批) is also visible where one of its
  branches is decided; a branch, at its own sub-center and wherever its case is visible.
- Users: oneself, and the users of the sub-centers one sees (a town center's: its 代办员 too).
  The security machinery's own lookups (signing in, loading the signed-in user) run ``unscoped()``.
- 十个有 inspections (and their items) of a town center: its staff's, like its other records.
- A 代办员 (village agent) belongs to the town center of their village: its sub-center row,
  windows, offerings, villages and 代办员 — and, of cases, only those they took (代办: the
  case is the deciding sub-center's, ``case_agency.taken_by_id`` is theirs); no branch, booking
  or assessment record at all.
- The staff of a town center (its manager, auditors, the clerks of its windows) see, besides
  their own sub-center's cases, the 代办 cases carried through their town while the agency is
  under way (until the applicant is replied to); the carrying records themselves
  (``case_agency``: who took it, each hand-over's time) stay theirs after that, as the town's
  ledger its monthly figures are counted from. The deciding sub-center sees the case as
  its own (it is placed at its window). These arms are added only for a scope that has them:
  the case predicate of a plain window clerk stays the two index-friendly arms it was.
- A signed-in user with no assignment, and an anonymous visitor, see no scoped row at all.

Seeing is not owning. What a request may *change* is narrower (``WRITES``, checked on every
flush by ``_guard_writes``, and asked by the views beforehand through ``may_write`` so that the
user gets a clear refusal): a case, its documents and its assessment records only where it was
taken (the sub-center, or the clerk's window); a branch of a bundle case at the branch's own
sub-center or where the case was taken. A department that sees a bundle case through its branch
decides that branch and changes nothing else of the case.

Outside a request (CLI, publishing, tests' setup) nothing is filtered: those are the operator's —
except in a background job working for a user, which runs ``acting_as`` that user's scope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    bindparam,
    event,
    exists,
    false,
    inspect,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.util import LoaderCriteriaOption
from sqlalchemy.sql.cache_key import NO_CACHE, anon_map
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.visitors import InternalTraversal

from portal.core.recent import Recent
from portal.models import (
    AgencyStage,
    AgentStatus,
    Booking,
    Case,
    CaseAgency,
    CaseBranch,
    CaseState,
    Complaint,
    Consultation,
    Evaluation,
    FollowUp,
    Inspection,
    IssuedDocument,
    Offering,
    PortalUser,
    SubCenter,
    TownInspection,
    TownInspectionItem,
    Village,
    VillageAgent,
    Window,
    db,
)
from portal.models.users import user_sub_center, user_window
from portal.models.villages import user_village

_NO_STAMP = object()  # no newest branch's key given: every sub-center not seen with one is probed


@dataclass(frozen=True)
class Scope:
    """The sub-centers and windows one user may see."""

    everything: bool = False
    user_id: int | None = None
    sub_centers: frozenset[int] = frozenset()  # assigned directly
    windows: frozenset[int] = frozenset()
    window_sub_centers: frozenset[int] = frozenset()  # the sub-centers of those windows
    # a 代办员's: the town centers of their villages. They read its published records only:
    # these never count for cases (a 代办员 sees the cases they took: ``carrier``)
    village_sub_centers: frozenset[int] = frozenset()
    # those of one's staff sub-centers that decide a branch of some bundle case (并联审批): only
    # these widen the case rule (most departments decide none, and their clerks' case rule is
    # then one index condition, not an OR over two tables)
    branch_sub_centers: frozenset[int] = frozenset()
    # the town centers among the staff sub-centers: their agency cases under way are seen
    town_centers: frozenset[int] = frozenset()

    @property
    def carrier(self) -> bool:
        """A 代办员 (bound to a village): sees the agency cases they took."""
        return bool(self.village_sub_centers) and self.user_id is not None

    @property
    def visible_sub_centers(self) -> frozenset[int]:
        return self.sub_centers | self.window_sub_centers | self.village_sub_centers

    @property
    def staff_sub_centers(self) -> frozenset[int]:
        """The sub-centers one works in as staff — not a 代办员's town center: their branches
        (并联审批) and their users are visible."""
        return self.sub_centers | self.window_sub_centers

    @classmethod
    def of(cls, user: Any, branch_stamp: Any = _NO_STAMP) -> Scope:
        """The scope of a FAB user object (anonymous users and ``None`` see nothing);
        ``branch_stamp``: the newest branch's key, read at the start of the page."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return NOTHING
        if user.center_wide:
            return EVERYTHING
        sub_centers = frozenset(s.id for s in user.sub_centers)
        window_sub_centers = frozenset(w.sub_center_id for w in user.windows)
        # the town centers among them, by the records loaded with the user (no statement)
        towns = frozenset({s.id for s in user.sub_centers if s.kind == TOWN_CENTER}
                          | {w.sub_center_id for w in user.windows if w.sub_center.kind == TOWN_CENTER})
        return cls(user_id=user.id, sub_centers=sub_centers,
                   windows=frozenset(w.id for w in user.windows),
                   window_sub_centers=window_sub_centers,
                   village_sub_centers=frozenset(v.sub_center_id for v in user.villages),
                   branch_sub_centers=_deciding_branches(sub_centers | window_sub_centers, branch_stamp),
                   town_centers=towns)


# sub-centers seen with a branch. Branches are never deleted, so one that has one keeps it: it
# is not probed again. Were it ever wrong (a database restored from an older backup), the
# scope would only carry a branch arm that finds nothing.
_DECIDING: set[int] = set()
# sub-centers found without one, by the newest branch's key then (portal/access/stamps.py):
# while no branch is added anywhere, none is added to them
_NOT_DECIDING: dict[int, Any] = {}


def _deciding_branches(sub_centers: frozenset[int], stamp: Any = _NO_STAMP) -> frozenset[int]:
    """Those of ``sub_centers`` with at least one branch (one index probe each, for those not
    already seen with one, nor without one at the newest branch's key ``stamp`` when it is
    given). Read from the branches themselves, not from today's declarations: a branch opened
    under an earlier version of an item stays its department's to see."""
    known = sub_centers & _DECIDING
    rest = sub_centers - known
    if stamp is not _NO_STAMP:
        rest = frozenset(s for s in rest if _NOT_DECIDING.get(s, _NO_STAMP) != stamp)
    if not rest:
        return known
    branches = CaseBranch.__table__
    probes = [select(literal(s)).where(exists().where(branches.c.sub_center_id == s))
              for s in sorted(rest)]
    statement = probes[0] if len(probes) == 1 else union_all(*probes)
    found = frozenset(db.session.connection().execute(statement).scalars())
    _DECIDING.update(found)
    if stamp is not _NO_STAMP:
        _NOT_DECIDING.update(dict.fromkeys(rest - found, stamp))
    return known | found


TOWN_CENTER = "town_center"  # SubCenter.kind of a 便民服务中心
EVERYTHING = Scope(everything=True)
NOTHING = Scope()

_AGENTS = VillageAgent.__table__.alias("scope_agents")


class _Bound(BindParameter[Any]):
    """A value a scope's criterion binds (its ids), compared as the same parameter, not as SQL.

    SQLAlchemy pairs each execution's values with the compiled statement's parameters in a dict
    keyed by the parameters; the loader criteria put a parameter and its annotated copies (one
    per entity the criterion is applied to) in that dict, and with equal hashes each copy is
    compared with ``==`` — which on a SQL element builds a comparison expression and asks it
    for its truth. For a clerk a dozen of these came to 0.18 ms of every statement (0.22 ms
    against 0.03 without the scope). Parameters made here compare like that expression's truth
    (the same hash), as a plain ``bool``."""

    inherit_cache = True

    def __eq__(self, other: object) -> bool:  # type: ignore[override]
        return hash(self) == hash(other)

    __hash__ = BindParameter.__hash__


def _in(column: Any, ids: Any) -> ColumnElement[bool]:
    """``column IN ids``, the ids bound as a scope binds them (``_Bound``)."""
    return column.in_(_Bound(column.key, sorted(ids), type_=column.type, expanding=True, unique=True))


def _placed(model: Any) -> Callable[[Scope], ColumnElement[bool]]:
    """The rule of a record placed at a window of a sub-center, as a case is: one's own
    sub-centers' records, and a clerk's windows'."""
    return lambda s: _any_of(model.sub_center_id, s.sub_centers, model.window_id, s.windows)


# The scoped models and the criterion each one gets: the table a new scoped model joins.
RULES: dict[type, Callable[[Scope], ColumnElement[bool]]] = {
    SubCenter: lambda s: _in(SubCenter.id, s.visible_sub_centers),
    Window: lambda s: _in(Window.sub_center_id, s.visible_sub_centers),
    Offering: lambda s: _in(Offering.sub_center_id, s.visible_sub_centers),
    # village points and their 代办员: of a visible town center
    Village: lambda s: _in(Village.sub_center_id, s.visible_sub_centers),
    VillageAgent: lambda s: _in(VillageAgent.sub_center_id, s.visible_sub_centers),
    # their 当前去向 history: of a visible town center's 代办员 (through an alias of the agents'
    # table: the plain table in a subquery kept the agents' own criterion from following a
    # list's joined alias of them, and the statement failed)
    AgentStatus: lambda s: AgentStatus.agent_id.in_(
        select(_AGENTS.c.id).where(_in(_AGENTS.c.sub_center_id, s.visible_sub_centers))),
    # cases: of one's sub-centers and windows, and bundle cases with a branch at a visible
    # sub-center (并联审批: the branch's department reads the shared application); a 代办员's
    # and a town center's agency cases (代办), for the scopes that carry any
    Case: lambda s: or_(_any_of(Case.sub_center_id, s.sub_centers, Case.window_id, s.windows),
                        _branch_of(s), *_carried(s)),
    # the carrying of an agency case: where its case is seen by one's sub-center or window,
    # and by its carriers — the 代办员 who took it, and its town center, whose ledger (台帐) it
    # is for good: the town's monthly figures count its replied agencies too. The case itself
    # (the application, the applicant) the town sees only while under way (``_carried``).
    CaseAgency: lambda s: or_(_of_own_case(CaseAgency.case_id, s), *_ledger(s)),
    # branches: at a visible sub-center, or of a case one sees by sub-center or window
    CaseBranch: lambda s: or_(_any_of(CaseBranch.sub_center_id, s.staff_sub_centers),
                              InIds(CaseBranch.case_id, _own_cases(s))),
    # assessment records: like cases, by sub-center, or by window for a clerk
    Evaluation: _placed(Evaluation),
    Complaint: _placed(Complaint),
    Inspection: _placed(Inspection),
    # 回访整改 tasks: like the evaluations that opened them
    FollowUp: _placed(FollowUp),
    # 网上预约 bookings: like cases, by sub-center, or by window for a clerk
    Booking: _placed(Booking),
    # 网上咨询: the questions put to a sub-center, answered by its clerks and manager
    Consultation: lambda s: _any_of(Consultation.sub_center_id, s.staff_sub_centers),
    # 十个有 inspections of a town center and their items: its staff's (manager, clerks,
    # auditor), and the center's — never a 代办员's, nor another town's
    TownInspection: lambda s: _any_of(TownInspection.sub_center_id, s.staff_sub_centers),
    TownInspectionItem: lambda s: _any_of(TownInspectionItem.sub_center_id, s.staff_sub_centers),
    # users: oneself, and the users assigned to a visible sub-center or to one of its windows
    PortalUser: lambda s: or_(
        PortalUser.id == _Bound("id", s.user_id or 0, type_=PortalUser.id.type, unique=True),
        PortalUser.id.in_(select(user_sub_center.c.user_id)
                          .where(_in(user_sub_center.c.sub_center_id, s.staff_sub_centers))),
        PortalUser.id.in_(select(user_window.c.user_id).join(Window, Window.id == user_window.c.window_id)
                          .where(_in(Window.sub_center_id, s.staff_sub_centers))),
        # and the 代办员 of one's town center's village points
        PortalUser.id.in_(select(user_village.c.user_id)
                          .join(Village.__table__, Village.__table__.c.id == user_village.c.village_id)
                          .where(_in(Village.__table__.c.sub_center_id, s.staff_sub_centers)))),
}


def _carried(s: Scope, column: Any = None) -> list[ColumnElement[bool]]:
    """The arms of the agency cases a scope carries: a 代办员's own, a town center's under way
    (none for anybody else: a plain clerk's case predicate keeps its two arms)."""
    column = Case.id if column is None else column
    agencies = CaseAgency.__table__  # the table: no criterion of its own
    arms: list[ColumnElement[bool]] = []
    if s.carrier:
        arms.append(InIds(column, select(agencies.c.case_id)
                          .where(agencies.c.taken_by_id == s.user_id)))
    if s.town_centers:
        arms.append(InIds(column, select(agencies.c.case_id)
                          .where(_in(agencies.c.sub_center_id, s.town_centers),
                                 agencies.c.stage != AgencyStage.REPLIED.value)))
    return arms


def _ledger(s: Scope) -> list[ColumnElement[bool]]:
    """The arms of the carrying records a scope keeps: a 代办员's own, every one of a town
    center's (none for anybody else)."""
    arms: list[ColumnElement[bool]] = []
    if s.carrier:
        arms.append(CaseAgency.taken_by_id == s.user_id)
    if s.town_centers:
        arms.append(_in(CaseAgency.sub_center_id, s.town_centers))
    return arms


def carries(s: Scope, agency: CaseAgency | None) -> bool:
    """Whether ``s`` carries ``agency``: the 代办员 who took it, or its town center's staff."""
    return agency is not None and (
        (s.carrier and agency.taken_by_id == s.user_id) or agency.sub_center_id in s.town_centers)


def _was(record: Any, name: str) -> Any:
    """An attribute's value as loaded (a ``_Before`` gives it already)."""
    if isinstance(record, _Before):
        return getattr(record, name)
    history = inspect(record).attrs[name].history  # a new record has no value before its own
    return history.deleted[0] if history.deleted else getattr(record, name)


def _in_transit(s: Scope, case: Any) -> bool:
    """A case its carriers may still change: on its way (在途) when they began to change it.
    Handing it over to the deciding sub-center (在途 → 已提交) is their last write of it."""
    return _was(case, "state") == CaseState.FORWARDING and carries(s, case.agency)


def _owns(s: Scope, sub_center_id: int | None, window_id: int | None) -> bool:
    """Taken (or filed) at one of the user's own sub-centers or windows."""
    return sub_center_id in s.sub_centers or window_id in s.windows


def _owns_case(s: Scope, case: Case | None) -> bool:
    return case is not None and _owns(s, case.sub_center_id, case.window_id)


def _case(record: Any) -> Case | None:
    """The case a record belongs to, as the user sees it (``None`` when they do not)."""
    case = getattr(record, "case", None)
    return case if case is not None else db.session.get(Case, record.case_id)


# What a user may change of the rows they see: record -> may this scope write it. Sub-centers,
# windows, offerings and users are changed only through publishing and the user screens, which
# check their own rules; what is not listed here may be written wherever it may be seen.
WRITES: dict[type, Callable[[Scope, Any], bool]] = {
    # a case: where it was taken; and while on its way (代办), by those who carry it
    Case: lambda s, r: _owns(s, r.sub_center_id, r.window_id) or _in_transit(s, r),
    # the carrying: by its carriers (the deciding sub-center reads it)
    CaseAgency: lambda s, r: carries(s, r),
    # a branch: its department decides it; where the case was taken, it is opened and closed
    CaseBranch: lambda s, r: r.sub_center_id in s.staff_sub_centers or _owns_case(s, _case(r)),
    IssuedDocument: lambda s, r: _owns_case(s, _case(r)),
    Evaluation: lambda s, r: _owns(s, r.sub_center_id, r.window_id),
    Complaint: lambda s, r: _owns(s, r.sub_center_id, r.window_id),
    Inspection: lambda s, r: _owns(s, r.sub_center_id, r.window_id),
    # a booking is marked arrived where it was booked (the public hall books and cancels
    # ``unscoped``: the booking code and the applicant's secret are the authority there)
    Booking: lambda s, r: _owns(s, r.sub_center_id, r.window_id),
    Consultation: lambda s, r: r.sub_center_id in s.staff_sub_centers,
    # a 十个有 inspection is recorded by supervision assigned to the town center (or the center's)
    TownInspection: lambda s, r: r.sub_center_id in s.sub_centers,
    TownInspectionItem: lambda s, r: r.sub_center_id in s.sub_centers,
}


class ForeignWrite(PermissionError):
    """A request changing a record it may see but not change (the last line: views ask
    ``may_write`` first and answer with a message of their own)."""

    def __init__(self, record: Any) -> None:
        super().__init__(f"{type(record).__name__} {getattr(record, 'id', '')} is not the user's to change")
        self.record = record


def may_write(record: Any) -> bool:
    """May the current request change ``record`` (which it already sees)?"""
    scope = current_scope()
    rule = WRITES.get(type(record))
    return scope is None or scope.everything or rule is None or rule(scope, record)


def owned_cases() -> ColumnElement[bool]:
    """The cases the current request may change, as a criterion (for choosing cases to act on:
    a batch to print, the case an assessment record is filed against)."""
    scope = current_scope()
    if scope is None or scope.everything:
        return true()
    return _any_of(Case.sub_center_id, scope.sub_centers, Case.window_id, scope.windows)


class _Before:
    """A changed record as it was loaded: a write may neither start nor end outside the scope."""

    def __init__(self, record: Any) -> None:
        self._record, self._old = record, inspect(record).committed_state

    def __getattr__(self, name: str) -> Any:
        return self._old[name] if name in self._old else getattr(self._record, name)


def _guard_writes(session: Session, context: Any, instances: Any) -> None:
    scope = current_scope()
    if scope is None or scope.everything:
        return
    with session.no_autoflush:
        for record in [*session.new, *session.dirty, *session.deleted]:
            rule = WRITES.get(type(record))
            if rule is None:
                continue
            if record in session.dirty and not session.is_modified(record, include_collections=False):
                continue
            if not rule(scope, record) or (record not in session.new and not rule(scope, _Before(record))):
                raise ForeignWrite(record)


def _branch_of(s: Scope) -> ColumnElement[bool]:
    if not s.branch_sub_centers:
        return false()
    branches = CaseBranch.__table__  # the table, not the entity: no criterion of its own
    return InIds(Case.id, select(branches.c.case_id)
                 .where(_in(branches.c.sub_center_id, s.branch_sub_centers)))


class InIds(ColumnElement[bool]):
    """``column IN (SELECT …)``, written so that PostgreSQL can use an index for it inside an OR.

    The planner runs ``id IN (subquery)`` as a hashed subplan checked row by row: in ``window_id
    IN (…) OR id IN (subquery)`` — a clerk's cases, and the bundle cases of their department —
    that turns every query of a clerk into a sequential scan of all cases. Written ``id =
    ANY(ARRAY(subquery))`` the subquery runs once and the condition is an index condition, so the
    OR becomes a BitmapOr of two index scans and costs what the user can see. Other databases
    get the plain ``IN``."""

    inherit_cache = True
    type = Boolean()
    # a condition, not a boolean column: without this SQLite gets ``id IN (…) = 1``, which no
    # index serves (a scan of every case)
    _is_implicitly_boolean = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("ids", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: Any, ids: Any) -> None:
        self.column, self.ids = column, ids


@compiles(InIds)
def _in_ids(element: InIds, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.column.in_(element.ids), **kw)


@compiles(InIds, "postgresql")
def _in_ids_postgresql(element: InIds, compiler: Any, **kw: Any) -> str:
    ids = element.ids.scalar_subquery() if hasattr(element.ids, "scalar_subquery") else element.ids
    return f"{compiler.process(element.column, **kw)} = ANY(ARRAY{compiler.process(ids, **kw)})"


_OWN = Case.__table__.alias("scope_own_cases")


def _of_own_case(case_id: Any, s: Scope) -> ColumnElement[bool]:
    """A record of a case one sees by sub-center or window, asked of that one case (``EXISTS``,
    by its key): the records are few and the cases many — ``case_id IN (every case of the
    window)`` listed every case of a clerk's window for each statement, 8.7 ms of the worklist
    at 100,000 cases on SQLite. An alias of the cases' table, so that a statement of cases
    and these records together never correlates it with its own cases."""
    own = _any_of(_OWN.c.sub_center_id, s.sub_centers, _OWN.c.window_id, s.windows)
    return exists().where(_OWN.c.id == case_id, own) if own is not false() else false()


def _own_cases(s: Scope) -> Any:
    cases = Case.__table__
    return select(cases.c.id).where(_any_of(cases.c.sub_center_id, s.sub_centers,
                                            cases.c.window_id, s.windows))


def _any_of(*pairs: Any) -> ColumnElement[bool]:
    """``col IN ids OR …`` leaving out empty sets, so the planner keeps using the indexes
    (an empty IN renders as ``IN (NULL) AND 1 != 1``, which PostgreSQL does not fold away)."""
    terms = [_in(column, ids) for column, ids in zip(pairs[::2], pairs[1::2], strict=True) if ids]
    if not terms:
        return false()
    return terms[0] if len(terms) == 1 else or_(*terms)


# Where the scope comes from. In a request, from the signed-in user: the web layer installs the
# function that knows them (``use_request_scope``). A background job working for a user runs
# ``acting_as`` that user's scope. ``unscoped`` lifts either for the security machinery's own
# queries. Context variables: each thread (and each request) has its own.
_acting: ContextVar[Scope | None] = ContextVar("portal_acting_scope", default=None)
_unscoped: ContextVar[bool] = ContextVar("portal_unscoped", default=False)


def _no_request() -> Scope | None:
    return None


_request_scope: Callable[[], Scope | None] = _no_request


def use_request_scope(provider: Callable[[], Scope | None]) -> None:
    """Install the function that gives the signed-in user's scope during a request (``None``
    outside one)."""
    global _request_scope
    _request_scope = provider


@contextmanager
def acting_as(scope: Scope) -> Iterator[None]:
    """Outside a request: filter this thread's queries as ``scope`` would see them (the scope
    of the user a background job works for, taken when they asked for it)."""
    token = _acting.set(scope)
    try:
        yield
    finally:
        _acting.reset(token)


@contextmanager
def unscoped() -> Iterator[None]:
    """Run the security machinery's own queries (loading the signed-in user) unfiltered."""
    token = _unscoped.set(True)
    try:
        yield
    finally:
        _unscoped.reset(token)


def current_scope() -> Scope | None:
    """The scope the queries run in now: ``None`` (no filtering) inside ``unscoped``; the
    scope of a background job's user (``acting_as``); in a request, the signed-in user's;
    otherwise ``None`` (the CLI, publishing: the operator's)."""
    if _unscoped.get():
        return None
    acting = _acting.get()
    return acting if acting is not None else _request_scope()


KEPT = "portal_kept"


def kept(statement: Any) -> Any:
    """``statement`` marked as built once and run many times, its values bound at execution
    (``session.execute(statement, {...})``): the scope rule keeps its scoped copy per scope too.

    SQLAlchemy finds a statement's compiled SQL by a cache key it works out from the whole
    statement, and keeps that key on the statement: a statement built again on each page view
    was built and keyed again (0.1–0.2 ms each, a dozen a page), and the scope rule's copy of
    even a kept statement is a new statement, keyed again. Only statements kept for good (a
    module's, or a cache's keyed by the statement's shape) may be marked: each scoped copy is
    remembered."""
    return statement.execution_options(**{KEPT: True})


def written(name: str) -> Any:
    """A whole-number value of a kept statement (a page's LIMIT and OFFSET, a count's cap),
    given at each run and written into the SQL there, not bound: PostgreSQL keeps one plan for
    a prepared statement whatever its bound values, and one for a bound LIMIT came out dearer
    than a plan for the value — so it planned the statement again on every run (0.5 ms of
    planning to 0.1 of running a page of waiting cases); a count's bound cap was taken for a
    small one (0.6 → 2.9 ms)."""
    return bindparam(name, type_=Integer(), literal_execute=True)


# the scoped copies of kept statements, by (statement, scope): a worker's statement shapes
# times the scopes of its users, the oldest dropped past this
_scoped_copies = Recent(keep=4096)


def _apply_scope(state: ORMExecuteState) -> None:
    if state.is_column_load or not (state.is_select or state.is_update or state.is_delete):
        return
    scope = current_scope()
    if scope is None or scope.everything:
        return
    statement = state.statement
    if not statement.get_execution_options().get(KEPT):
        state.statement = statement.options(*_criteria(scope))
        return
    key = (statement, scope)
    scoped = _scoped_copies.get(key)
    if scoped is None:
        scoped = _scoped_copies.put(key, statement.options(*_criteria(scope)))
    state.statement = scoped


class _KeptCriterion(LoaderCriteriaOption):
    """``with_loader_criteria``'s option, its part of the statement's cache key worked out once.

    SQLAlchemy finds a statement's compiled SQL by a key it derives from the whole statement on
    every execution, options included: the scope's criteria were walked again for each statement
    (0.09 ms of a 0.34 ms case query on SQLite, a page running ten of them). An option is never
    changed once made and ``_criteria`` reuses each one, so its key and its bound parameters are
    kept from the first walk (in a key map of its own: its part of the key depends on itself
    alone) and given again, in the same order. A statement of another scope of the same shape
    finds the same compiled SQL and is run with its own option's parameters: SQLAlchemy pairs the
    parameters by position."""

    __slots__ = ("_kept",)
    # the traversal SQLAlchemy generates a cache key from is looked up in the class's own dict
    _traverse_internals = LoaderCriteriaOption._traverse_internals

    def _gen_cache_key(self, anon_map_: Any, bindparams: list[Any]) -> Any:
        try:
            key, kept = self._kept
        except AttributeError:
            kept, own = [], anon_map()
            key = super()._gen_cache_key(own, kept)
            if NO_CACHE in own:  # uncacheable: left to SQLAlchemy as it is
                return super()._gen_cache_key(anon_map_, bindparams)
            self._kept = (key, kept)
        bindparams.extend(kept)
        return key


@lru_cache(maxsize=512)
def _criteria(scope: Scope) -> tuple[Any, ...]:
    """The loader criteria of one scope, built once and reused by each of its statements: an
    option SQLAlchemy has seen keeps its cache key, so a page's dozen queries do not each rebuild
    and re-walk every rule (a fifth of a list page's time before)."""
    return tuple(_KeptCriterion(model, rule(scope), include_aliases=True)
                 for model, rule in RULES.items())


def init_app() -> None:
    """Install the rules on the portal's session (idempotent)."""
    if not event.contains(db.session, "do_orm_execute", _apply_scope):
        event.listen(db.session, "do_orm_execute", _apply_scope)
    if not event.contains(db.session, "before_flush", _guard_writes):
        event.listen(db.session, "before_flush", _guard_writes)
