"""流动红旗 of a quarter and stars of a year, from the monthly scores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access.scope import unscoped
from portal.assessment.freezing import frozen, frozen_rows
from portal.assessment.metrics import ZERO, empty_metrics, metrics
from portal.assessment.reports import Month
from portal.assessment.scoring import score
from portal.models import Window

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

    visible = set(session.scalars(select(Window.id)))  # through the scope rule
    with unscoped():  # the flags go to the center's best, whoever looks
        every = _standings(session, rules, year, quarter, today, zone)
    return [s for s in every if s.window.id in visible]


def _standings(session: Session, rules: Mapping[str, Any], year: int, quarter: int, today: dt.date,
               zone: ZoneInfo) -> list[Standing]:

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
