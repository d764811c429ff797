"""Scores from the center's declared rules (center.yaml ``assessment``; portal/metrics.py).

The metrics of every subject (window, sub-center or clerk: ``SUBJECTS``) of a month come from the
database in a few GROUP BY queries — the case figures of the monthly report, and one query each over
evaluations, complaints and inspections — never from Python loops over rows. The rules then
turn each subject's metrics into points: derived metrics first, then each capped line, added to
the base and held under the ceiling. A score keeps its lines, so it can say where every point
came from.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from portal.assessment.reports import Figures, Month, monthly
from portal.forms import expr
from portal.models import Case, Complaint, Evaluation, Inspection
from portal.models.assessment import LEVELS, SATISFIED
from portal.site.metrics import METRICS

BAD = LEVELS[3:]  # 不满意, 非常不满意
ZERO = Decimal(0)


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _share(part: int, whole: int) -> Decimal | None:
    return Decimal(part) / Decimal(whole) if whole else None


class Subject:
    """What is assessed, and how its records are found: a window, a sub-center, or a clerk —
    the user who accepted the case (受理人), named in complaints and inspections."""

    def __init__(self, name: str, word: str) -> None:
        self.name, self.word = name, word

    @property
    def model(self) -> Any:
        """The table of this kind of subject."""
        from portal.models import PortalUser, SubCenter, Window

        return {"window": Window, "sub_center": SubCenter, "clerk": PortalUser}[self.name]

    def column(self, model: Any) -> Any:
        """The column of ``model`` (Case or a record) that names the subject."""
        if self.name == "window":
            return model.window_id
        if self.name == "sub_center":
            return model.sub_center_id
        return Case.accepted_by if model in (Case, Evaluation) else model.clerk

    def reach(self, query: Any, model: Any) -> Any:
        """``query`` over ``model``, joined to what names the subject (an evaluation's clerk is
        its case's)."""
        return query.join(Case, Evaluation.case_id == Case.id) if (
            self.name == "clerk" and model is Evaluation) else query

    def rows(self, session: Session, sub_center_id: int | None = None,
             keys: Iterable[Any] = ()) -> list[Any]:
        """The subjects the session sees (through the scope rule), by code: the windows or
        sub-centers — or the active users holding the clerk role, with anyone else who accepted
        cases (``keys``: a manager at the counter, a clerk who has left since); those of one
        sub-center when ``sub_center_id`` is given."""
        from portal.access.roles import CLERK, ROLE_NAMES
        from portal.models import PortalUser, SubCenter, Window

        if self.name == "window":
            query = select(Window).order_by(Window.code)
            if sub_center_id is not None:
                query = query.where(Window.sub_center_id == sub_center_id)
        elif self.name == "sub_center":
            query = select(SubCenter).order_by(SubCenter.code)
            if sub_center_id is not None:
                query = query.where(SubCenter.id == sub_center_id)
        else:
            query = select(PortalUser).where(or_(
                and_(PortalUser.active.is_(True), PortalUser.roles.any(name=ROLE_NAMES[CLERK])),
                PortalUser.username.in_(list(keys))))
            if sub_center_id is not None:
                query = query.where(or_(PortalUser.windows.any(Window.sub_center_id == sub_center_id),
                                        PortalUser.sub_centers.any(SubCenter.id == sub_center_id)))
            query = query.order_by(PortalUser.username)
        return list(session.scalars(query))

    def key(self, row: Any) -> Any:
        """What the metrics are keyed by: the id, or a clerk's username."""
        return row.username if self.name == "clerk" else row.id

    def code(self, row: Any) -> str:
        return row.username if self.name == "clerk" else row.code

    def label(self, row: Any) -> str:
        if self.name == "window":
            return f"{row.code} {row.name}"
        return row.unified_name if self.name == "sub_center" else row.username

    def place(self, row: Any) -> str:
        """Where the subject belongs: a window's sub-center, a sub-center's department, a
        clerk's windows (or sub-centers)."""
        if self.name == "window":
            return row.sub_center.unified_name
        if self.name == "sub_center":
            return row.department
        return "、".join([f"{w.code} {w.name}" for w in row.windows]
                        or [sub.unified_name for sub in row.sub_centers])


SUBJECTS = MappingProxyType({s.name: s for s in (
    Subject("window", "窗口"), Subject("sub_center", "分中心"), Subject("clerk", "工作人员"))})


def metrics(session: Session, month: Month, today: dt.date, zone: ZoneInfo,
            by: str = "window") -> dict[Any, dict[str, Decimal | None]]:
    """Every metric of every subject with anything in the month, by subject key."""
    start, end = month.bounds(zone)
    subject = SUBJECTS[by]
    cases = monthly(session, month, today, zone, by=by)
    key = subject.column

    in_month = and_(Evaluation.created_at >= start, Evaluation.created_at < end)
    evaluations = {row[0]: row[1:] for row in session.execute(subject.reach(
        select(key(Evaluation), func.count(), _count(Evaluation.level.in_(SATISFIED)),
               _count(Evaluation.level.in_(BAD))), Evaluation).where(in_month).group_by(key(Evaluation)))}
    upheld = dict(session.execute(
        select(key(Complaint), func.count()).where(
            Complaint.created_at >= start, Complaint.created_at < end, Complaint.outcome == "属实")
        .group_by(key(Complaint))).all())
    deductions = dict(session.execute(
        select(key(Inspection), func.sum(Inspection.deduction)).where(
            Inspection.inspected_on >= month.first, Inspection.inspected_on < month.next_first)
        .group_by(key(Inspection))).all())
    out: dict[Any, dict[str, Decimal | None]] = {}
    for subject_key in (set(cases) | set(evaluations) | set(upheld) | set(deductions)) - {None}:
        f = cases.get(subject_key, Figures())
        given, satisfied, bad = evaluations.get(subject_key, (0, 0, 0))
        values: dict[str, Decimal | None] = {
            "accepted": Decimal(f.accepted), "instant": Decimal(f.instant),
            "instant_rate": _share(f.instant, f.accepted),
            "on_the_spot": Decimal(f.on_the_spot), "on_the_spot_rate": _share(f.on_the_spot, f.accepted),
            "completed": Decimal(f.completed), "on_time": Decimal(f.on_time),
            "on_time_rate": _share(f.on_time, f.completed), "overdue": Decimal(f.overdue),
            "speed_up": (1 - Decimal(f.used_days) / Decimal(f.legal_days)) if f.legal_days else None,
            "evaluations": Decimal(given), "satisfied": Decimal(satisfied),
            "satisfaction_rate": _share(satisfied, given), "bad_reviews": Decimal(bad),
            "complaints_upheld": Decimal(upheld.get(subject_key, 0)),
            "inspection_deduction": Decimal(deductions.get(subject_key) or 0),
        }
        assert values.keys() == METRICS.keys()
        out[subject_key] = values
    return out


def shown(metric: str, value: Decimal | None) -> str:
    """A metric as a person reads it: rates in per cent, counts as numbers, — for none."""
    if value is None:
        return "—"
    if metric.endswith("_rate") or metric == "speed_up":
        return f"{value * 100:.1f}%"
    return f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)


def empty_metrics() -> dict[str, Decimal | None]:
    """A subject with nothing in the period: counts zero, rates none."""
    return {name: (None if name.endswith(("_rate", "speed_up")) else ZERO) for name in METRICS}


@dataclass(frozen=True)
class Line:
    name: str
    points: Decimal  # after the cap
    raw: Decimal  # what the formula gave
    capped: bool


@dataclass(frozen=True)
class Score:
    total: Decimal
    lines: tuple[Line, ...]
    values: Mapping[str, Decimal | None] = field(repr=False)


def _number(value: Any) -> Decimal:
    if value is None or isinstance(value, bool):
        return ZERO
    return Decimal(str(value))


@functools.lru_cache(maxsize=512)
def _tree(text: str) -> Any:
    """A formula's tree, parsed once per process (the checker has read it already)."""
    return expr.parse(text)


def score(rules: Mapping[str, Any], values: Mapping[str, Decimal | None]) -> Score:
    """The score of one subject: base, plus every capped line, held under the ceiling."""
    known: dict[str, Any] = dict(values)
    pending = dict(rules.get("derived", {}))
    while pending:  # the checker refused cycles (E092): each round resolves at least one
        for name, text in list(pending.items()):
            tree = _tree(text)
            if expr.names(tree) <= known.keys():
                known[name] = expr.evaluate(tree, known)
                del pending[name]
    lines = []
    for rule in rules["points"]:
        raw = _number(expr.evaluate(_tree(rule["formula"]), known))
        cap = rule.get("cap")
        points = raw if cap is None else max(-Decimal(cap), min(Decimal(cap), raw))
        # + ZERO: no "-0.00" when a deduction has nothing to deduct
        lines.append(Line(rule["name"], points.quantize(Decimal("0.01")) + ZERO, raw, points != raw))
    total = Decimal(rules["base"]) + sum((line.points for line in lines), ZERO)
    return Score(min(total, Decimal(rules["ceiling"])).quantize(Decimal("0.01")) + ZERO, tuple(lines),
                 known)


# --- evidence: the records behind each metric ---------------------------------------------

CASE_METRICS = {"accepted": "accepted", "instant": "instant", "instant_rate": "instant",
                "on_the_spot": "on_the_spot", "on_the_spot_rate": "on_the_spot",
                "completed": "completed", "on_time": "on_time", "on_time_rate": "completed",
                "overdue": "overdue", "speed_up": "counted"}
EVALUATION_METRICS = {"evaluations": None, "satisfied": SATISFIED, "satisfaction_rate": None,
                      "bad_reviews": BAD}


@dataclass(frozen=True)
class Evidence:
    kind: str  # case, evaluation, complaint, inspection
    id: int
    label: str


def read_metrics(rules: Mapping[str, Any], formula: str) -> set[str]:
    """The metrics a formula reads, through the derived metrics it uses."""
    derived = rules.get("derived", {})
    seen: set[str] = set()
    todo = set(expr.names(expr.parse(formula)))
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in derived:
            todo |= expr.names(expr.parse(derived[name]))
    return {name for name in seen if name in METRICS}


def evidence_groups(rules: Mapping[str, Any], formula: str) -> list[tuple[tuple[str, ...], str]]:
    """The record lists that explain a formula: (the metrics one list explains, the metric to
    ask ``evidence`` for) — metrics counting the same records (办结件数 and 按时办结率 both
    over the cases completed) share one list."""
    def records(metric: str) -> Any:
        if metric in CASE_METRICS:
            return ("case", CASE_METRICS[metric])
        if metric in EVALUATION_METRICS:
            return ("evaluation", EVALUATION_METRICS[metric])
        return (metric,)

    groups: dict[Any, list[str]] = {}
    for metric in sorted(read_metrics(rules, formula)):
        groups.setdefault(records(metric), []).append(metric)
    return [(tuple(names), names[0]) for names in groups.values()]


@dataclass(frozen=True)
class _Source:
    """Where a metric's records are: their kind, table, columns, conditions, order and words."""

    kind: str
    model: Any
    columns: tuple[Any, ...]  # the id first
    where: tuple[Any, ...]
    order: tuple[Any, ...]
    words: Any  # the columns after the id → the label


def _source(metric: str, month: Month, today: dt.date, zone: ZoneInfo) -> _Source | None:
    from portal.assessment.reports import conditions

    start, end = month.bounds(zone)
    if metric in CASE_METRICS:
        return _Source("case", Case, (Case.id, Case.number, Case.applicant_name),
                       (conditions(month, today, zone)[CASE_METRICS[metric]],), (Case.number,),
                       lambda number, name: f"{number} {name}")
    if metric in EVALUATION_METRICS:
        levels = EVALUATION_METRICS[metric]
        return _Source("evaluation", Evaluation, (Evaluation.id, Evaluation.level, Evaluation.text),
                       (Evaluation.created_at >= start, Evaluation.created_at < end,
                        *((Evaluation.level.in_(levels),) if levels else ())), (Evaluation.id,),
                       lambda level, text: f"{level} {text or ''}".strip())
    if metric == "complaints_upheld":
        return _Source("complaint", Complaint, (Complaint.id, Complaint.content),
                       (Complaint.outcome == "属实", Complaint.created_at >= start,
                        Complaint.created_at < end), (Complaint.id,), lambda content: content[:60])
    if metric == "inspection_deduction":
        return _Source("inspection", Inspection,
                       (Inspection.id, Inspection.inspected_on, Inspection.finding, Inspection.deduction),
                       (Inspection.inspected_on >= month.first, Inspection.inspected_on < month.next_first),
                       (Inspection.inspected_on, Inspection.id),
                       lambda day, finding, points: f"{day} {finding}（−{points}）")
    return None


def evidence(session: Session, month: Month, today: dt.date, zone: ZoneInfo, key: Any,
             metric: str, limit: int = 200, by: str = "window") -> list[Evidence]:
    """The records a metric of one subject (its key: an id, or a clerk's username) counts in
    the month (at most ``limit``)."""
    return evidence_of_all(session, month, today, zone, [key], metric, limit, by).get(key, [])


def evidence_of_all(session: Session, month: Month, today: dt.date, zone: ZoneInfo, keys: Iterable[Any],
                    metric: str, limit: int = 200, by: str = "window") -> dict[Any, list[Evidence]]:
    """The same for many subjects in one query: each subject's first ``limit`` records
    (ROW_NUMBER() over each subject's records, in the database)."""
    source, subject = _source(metric, month, today, zone), SUBJECTS[by]
    keys = list(keys)
    if source is None or not keys:
        return {}
    column = subject.column(source.model)
    number = func.row_number().over(partition_by=column, order_by=source.order).label("n")
    inner = subject.reach(select(column.label("subject_key"), *source.columns, number), source.model).where(
        column.in_(keys), *source.where).subquery()
    out: dict[Any, list[Evidence]] = {}
    for row in session.execute(select(inner).where(inner.c.n <= limit).order_by(inner.c.subject_key,
                                                                                 inner.c.n)):
        key, record_id, *rest, _ = row
        out.setdefault(key, []).append(Evidence(source.kind, record_id, source.words(*rest)))
    return out


@dataclass(frozen=True)
class Ranked:
    """One subject's place in a ranking, live or read back from a frozen result."""

    rank: int
    by: str  # the kind of subject (SUBJECTS)
    id: int  # its row's id
    key: Any  # what its metrics are keyed by (the id, or a clerk's username)
    code: str
    label: str
    place: str  # where it belongs (Subject.place)
    score: Score
    change: Decimal  # since the month before

    @classmethod
    def of(cls, rank: int, by: str, row: Any, score: Score, change: Decimal) -> Ranked:
        subject = SUBJECTS[by]
        return cls(rank, by, row.id, subject.key(row), subject.code(row), subject.label(row),
                   subject.place(row), score, change)

    @classmethod
    def frozen(cls, row: Mapping[str, Any]) -> Ranked:
        """A row of a frozen result (``frozen_row``) as it was ranked."""
        by = row.get("subject", "window")
        lines = tuple(Line(x["name"], Decimal(x["points"]), Decimal(x["raw"]), x["capped"])
                      for x in row["lines"])
        values = {m: None if v is None else Decimal(v) for m, v in row["values"].items()}
        return cls(row["rank"], by, row["window_id"], row["code"] if by == "clerk" else row["window_id"],
                   row["code"], row["window"], row["sub_center"],
                   Score(Decimal(row["total"]), lines, values), Decimal(row["change"]))


def ranking(session: Session, rules: Mapping[str, Any], month: Month, today: dt.date,
            zone: ZoneInfo, sub_center_id: int | None = None, by: str = "window") -> list[Ranked]:
    """Every subject of kind ``by`` (SUBJECTS) the session sees — those of one sub-center for
    its internal rules — with its score this month and last, best first."""
    subject = SUBJECTS[by]
    now = metrics(session, month, today, zone, by=by)
    before = metrics(session, month.previous(), today, zone, by=by)
    scored = []
    for row in subject.rows(session, sub_center_id, keys=now.keys()):
        key = subject.key(row)
        this = score(rules, now.get(key) or empty_metrics())
        last = score(rules, before.get(key) or empty_metrics())
        scored.append((row, this, this.total - last.total))
    scored.sort(key=lambda r: (-r[1].total, subject.code(r[0])))
    return [Ranked.of(i, by, row, s, change) for i, (row, s, change) in enumerate(scored, 1)]


# --- frozen results of closed periods ------------------------------------------------------

def rules_digest(rules: Mapping[str, Any]) -> str:
    import hashlib

    from portal.core.canonical import canonical_json, plain

    return hashlib.sha256(canonical_json(plain(rules)).encode("utf-8")).hexdigest()


def frozen(session: Session, month: Month, rule_set: str = "") -> list[Any]:
    """The month's frozen results of the center's rules (``rule_set`` '') or of a
    sub-center's internal rules (its code), oldest first."""
    from portal.models import AssessmentResult

    return list(session.scalars(select(AssessmentResult).where(
        AssessmentResult.period == str(month), AssessmentResult.rule_set == rule_set)
        .order_by(AssessmentResult.id)))


def _chosen(results: list[Any], result_id: int | None) -> Any:
    """The frozen result asked for, else the latest (``None`` when nothing is frozen)."""
    return next((r for r in results if r.id == result_id), results[-1] if results else None)


def frozen_rows(result: Any, by: str) -> list[dict[str, Any]]:
    """A frozen result's rows of one kind of subject (results frozen before there were kinds
    hold windows only)."""
    return [r for r in result.results if r.get("subject", "window") == by]


def frozen_row(r: Ranked) -> dict[str, Any]:
    """One subject's frozen score, as stored (text for the numbers: exact, JSON-safe;
    ``window_id`` and ``window`` hold any subject's id and label)."""
    return {"window_id": r.id, "window": r.label, "sub_center": r.place, "subject": r.by,
            "code": r.code, "rank": r.rank, "total": str(r.score.total), "change": str(r.change),
            "lines": [{"name": line.name, "points": str(line.points), "raw": str(line.raw),
                       "capped": line.capped} for line in r.score.lines],
            "values": {m: None if v is None else str(v) for m, v in r.score.values.items()
                       if m in METRICS}}


def shown_ranking(session: Session, rules: Mapping[str, Any], month: Month, today: dt.date,
                  zone: ZoneInfo, by: str, result_id: int | None = None, rule_set: str = "",
                  sub_center_id: int | None = None) -> tuple[list[Ranked], Any, list[Any], Mapping[str, Any]]:
    """The ranking to show and hand in: (rows, the frozen result they come from or None, every
    frozen result of the month, the rules that produced them). A closed month with a frozen
    result shows that one (the latest, or ``result_id``), narrowed to the subjects the session
    sees; otherwise the scores are computed now from ``rules``. A sub-center's internal rules:
    ``rule_set`` its code, ``sub_center_id`` its id."""
    results = frozen(session, month, rule_set)
    chosen = _chosen(results, result_id)
    if chosen is None:
        return ranking(session, rules, month, today, zone, sub_center_id, by=by), None, results, rules
    visible = set(session.scalars(select(SUBJECTS[by].model.id)))
    rows = [Ranked.frozen(r) for r in frozen_rows(chosen, by) if r["window_id"] in visible]
    return rows, chosen, results, chosen.rules


def scored(session: Session, rules: Mapping[str, Any], month: Month, today: dt.date, zone: ZoneInfo,
           by: str, key: Any, subject_id: int,
           result_id: int | None = None) -> tuple[Score, Mapping[str, Any], Any]:
    """One subject's score of a month as the ranking shows it: (score, the rules that made it,
    the frozen result it comes from or None) — frozen where the month is frozen and holds the
    subject (the latest result, or ``result_id``), else computed now from ``rules``."""
    chosen = _chosen(frozen(session, month), result_id)
    row = None if chosen is None else next(
        (r for r in frozen_rows(chosen, by) if r["window_id"] == subject_id), None)
    if row is not None:
        return Ranked.frozen(row).score, chosen.rules, chosen
    values = metrics(session, month, today, zone, by=by).get(key) or empty_metrics()
    return score(rules, values), rules, None


def freeze(session: Session, rules: Mapping[str, Any], month: Month, today: dt.date, zone: ZoneInfo,
           by: str, rule_set: str = "", sub_center_id: int | None = None) -> Any:
    """Close the month: every subject's score, frozen with the rules — the center's (every
    window, sub-center and clerk), or a sub-center's internal rules (``rule_set`` its code: its
    windows). Again only when the rules have changed since — as a new, labelled result beside
    the earlier one."""
    from portal.access.scope import unscoped
    from portal.core.canonical import plain
    from portal.core.errors import PortalError
    from portal.models import AssessmentResult
    from portal.site.publish import current_version

    if month.next_first > today:
        raise PortalError(f"{month} is not over yet", hint="a period is frozen once it has ended")
    digest, earlier = rules_digest(rules), frozen(session, month, rule_set)
    if any(r.rules_digest == digest for r in earlier):
        raise PortalError(f"{month} is frozen with these rules already",
                          hint="the frozen result stands; a change of the rules makes a new one")
    version = current_version(session)
    kinds = list(SUBJECTS) if not rule_set else ["window"]
    with unscoped():  # a frozen result covers every subject, whoever closes the month
        rows = [r for kind in kinds
                for r in ranking(session, rules, month, today, zone, sub_center_id, by=kind)]
    label = f"{month} · {'' if not rule_set else rules['name'] + ' · '}规则 v{version.number}" + (
        f"（重算，第 {len(earlier) + 1} 次）" if earlier else "")
    result = AssessmentResult(
        period=str(month), rule_set=rule_set, label=label, rules_digest=digest,
        site_version_id=version.id, rules=plain(rules), created_by=by,
        results=[frozen_row(r) for r in rows])
    session.add(result)
    session.commit()
    return result


# --- awards: 流动红旗 of a quarter, stars of a year -----------------------------------------

@dataclass(frozen=True)
class Standing:
    window: Any
    months: tuple[Decimal, ...]  # the quarter's monthly scores
    average: Decimal
    red_flag: bool
    stars: int  # red flags of the year so far, this quarter included


def quarter_months(year: int, quarter: int) -> list[Month]:
    return [Month(year, 3 * (quarter - 1) + m) for m in (1, 2, 3)]


def monthly_totals(session: Session, rules: Mapping[str, Any], month: Month, today: dt.date,
                   zone: ZoneInfo, windows: list[Any]) -> dict[int, tuple[Decimal, Decimal]]:
    """Each window's (score, cases accepted) of a month: the latest frozen result if there is
    one, else live."""
    results = frozen(session, month)
    if results:
        return {r["window_id"]: (Decimal(r["total"]), Decimal(r["values"].get("accepted") or 0))
                for r in frozen_rows(results[-1], "window")}
    values = metrics(session, month, today, zone)
    return {w.id: (score(rules, values.get(w.id) or empty_metrics()).total,
                   (values.get(w.id) or empty_metrics())["accepted"] or ZERO) for w in windows}


def standings(session: Session, rules: Mapping[str, Any], year: int, quarter: int, today: dt.date,
              zone: ZoneInfo) -> list[Standing]:
    """The quarter's average of monthly scores per window, best first; the top ``red_flags``
    at or above ``min_score`` get a 流动红旗 — among the windows that took cases in the quarter
    (an idle window keeps its base score, but has earned nothing); stars count the year's flags
    up to this quarter. Worked out over every window of the center, then narrowed to those the
    session sees."""
    from portal.access.scope import unscoped
    from portal.models import Window

    visible = set(session.scalars(select(Window.id)))  # through the scope rule
    with unscoped():  # the flags go to the center's best, whoever looks
        every = _standings(session, rules, year, quarter, today, zone)
    return [s for s in every if s.window.id in visible]


def _standings(session: Session, rules: Mapping[str, Any], year: int, quarter: int, today: dt.date,
               zone: ZoneInfo) -> list[Standing]:
    from portal.models import Window

    awards = rules.get("awards") or {"red_flags": 0, "min_score": rules["ceiling"] + 1}
    windows = session.scalars(select(Window).order_by(Window.code)).all()

    def flags(q: int) -> tuple[list[tuple[Any, tuple[Decimal, ...], Decimal]], set[int]]:
        totals = [monthly_totals(session, rules, m, today, zone, windows) for m in quarter_months(year, q)]
        rows, active = [], set()
        for w in windows:
            months = tuple(t.get(w.id, (Decimal(rules["base"]), ZERO))[0] for t in totals)
            if any(t.get(w.id, (ZERO, ZERO))[1] for t in totals):
                active.add(w.id)
            rows.append((w, months, (sum(months) / 3).quantize(Decimal("0.01"))))
        rows.sort(key=lambda r: (-r[2], r[0].code))
        eligible = [(w, avg) for w, _, avg in rows if w.id in active and avg >= awards["min_score"]]
        return rows, {w.id for w, _ in eligible[:awards["red_flags"]]}

    earlier: dict[int, int] = {}
    for q in range(1, quarter):
        for window_id in flags(q)[1]:
            earlier[window_id] = earlier.get(window_id, 0) + 1
    rows, winners = flags(quarter)
    return [Standing(w, months, avg, w.id in winners, earlier.get(w.id, 0) + (w.id in winners))
            for w, months, avg in rows]
