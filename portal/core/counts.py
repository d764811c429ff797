"""Rows of counts that add up field by field: a place's figures, a town's, the total."""

from __future__ import annotations

import operator
from dataclasses import fields
from typing import Any, Self


class Counts:
    """Mixin for a frozen dataclass of counts: ``a + b`` adds each field, or combines it the way
    the field's metadata says (``field(metadata={"add": longest})``)."""

    def __add__(self, other: Self) -> Self:
        return type(self)(*(f.metadata.get("add", operator.add)(getattr(self, f.name), getattr(other, f.name))
                            for f in fields(self)))  # type: ignore[arg-type]


def longest(a: Any, b: Any) -> Any:
    """The larger of two values either of which may be missing (``None``)."""
    present = [v for v in (a, b) if v is not None]
    return max(present) if present else None
