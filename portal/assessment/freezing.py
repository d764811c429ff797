"""Closing a month: scores frozen with the rules that produced them, and what the pages show —
the frozen result where there is one, else the scores computed now."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access.scope import unscoped
from portal.assessment.metrics import SUBJECTS, empty_metrics, metrics
from portal.assessment.ranking import Ranked, ranking
from portal.assessment.reports import Month
from portal.assessment.scoring import Score, score
from portal.core.canonical import canonical_json, plain
from portal.core.errors import N_, PortalError
from portal.models import AssessmentResult
from portal.site.metrics import METRICS
from portal.site.publish import current_version

# --- frozen results of closed periods ------------------------------------------------------

def rules_digest(rules: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(plain(rules)).encode("utf-8")).hexdigest()


def frozen(session: Session, month: Month, rule_set: str = "") -> list[Any]:
    """The month's frozen results of the center's rules (``rule_set`` '') or of a
    sub-center's internal rules (its code), oldest first."""

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

    if month.next_first > today:
        raise PortalError(N_("%(month)s is not over yet"), hint=N_("a period is frozen once it has ended"),
                          month=str(month))
    digest, earlier = rules_digest(rules), frozen(session, month, rule_set)
    if any(r.rules_digest == digest for r in earlier):
        raise PortalError(N_("%(month)s is frozen with these rules already"),
                          hint=N_("the frozen result stands; a change of the rules makes a new one"),
                          month=str(month))
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
