"""The records behind each metric: the cases, evaluations, complaints, inspections and 十个有
inspections an auditor can open to check a point."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.assessment.metrics import BAD, SUBJECTS
from portal.assessment.reports import Month, conditions
from portal.assessment.town import findings_of_month
from portal.forms import expr
from portal.models import Case, Complaint, Evaluation, Inspection, TownInspection, TownInspectionItem
from portal.models.assessment import SATISFIED
from portal.site.metrics import METRICS

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
    if metric == "town_standard_missing":  # each finding, opening its inspection
        return _Source("town_inspection", TownInspectionItem,
                       (TownInspectionItem.inspection_id, TownInspection.inspected_on,
                        TownInspectionItem.name),
                       (*findings_of_month(month.first, month.next_first),
                        TownInspection.id == TownInspectionItem.inspection_id),
                       (TownInspectionItem.position,), lambda day, name: f"{day} 缺：{name}")
    return None


# the metrics of a town center as a whole: no window or clerk has records of them
SUB_CENTER_ONLY = frozenset({"town_standard_missing"})


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
    if source is None or not keys or (metric in SUB_CENTER_ONLY and by != "sub_center"):
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
