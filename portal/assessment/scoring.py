"""Scores from the center's declared rules (center.yaml ``assessment``): derived metrics first,
then each capped line, added to the base and held under the ceiling. A score keeps its lines,
so it can say where every point came from."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from portal.assessment.metrics import ZERO
from portal.forms import expr


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
