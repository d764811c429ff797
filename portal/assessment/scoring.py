"""Scores from the center's declared rules (center.yaml ``assessment``): derived metrics first,
then each capped line, added to the base and held under the ceiling. A score keeps its lines,
so it can say where every point came from."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from portal.assessment.metrics import ZERO
from portal.forms import expr
from portal.site.metrics import METRICS

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    name: str
    points: Decimal  # after the cap, unrounded: the lines add up to the score (shown to 0.01)
    raw: Decimal  # what the formula gave
    capped: bool  # the cap cut it (封顶)


@dataclass(frozen=True)
class Score:
    total: Decimal  # rounded once, to 0.01: what is shown and ranked
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
        # + ZERO: no "-0" when a deduction has nothing to deduct
        lines.append(Line(rule["name"], points + ZERO, raw, points != raw))
    total = Decimal(rules["base"]) + sum((line.points for line in lines), ZERO)
    return Score(min(total, Decimal(rules["ceiling"])).quantize(CENT, ROUND_HALF_UP) + ZERO,
                 tuple(lines), known)


def formula_words(formula: str) -> str:
    """A formula with the metrics' Chinese names, as an auditor reads it:
    ``20 * (on_time_rate - 1)`` → ``20 ×（按时办结率 − 1）``."""
    text = re.sub(r"[A-Za-z_][A-Za-z0-9_]*", lambda m: METRICS.get(m.group(0), m.group(0)), formula)
    for plain, word in (("*", " × "), (" - ", " − "), ("(", "（"), (")", "）"), (" if ", " 若 "),
                        (" else ", " 否则 "), (">", " > ")):
        text = text.replace(plain, word)
    return re.sub(r"\s+", " ", text).strip()
