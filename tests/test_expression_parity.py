"""One meaning for every expression: the server's evaluator and the browser's copy agree on
one set of golden cases (tests/golden/expressions.json): dates, money, decimals, nulls, tables
and every function."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

import pytest

from portal.forms import expr
from tests.support.sites import REPO

GOLDEN = json.loads((REPO / "tests" / "golden" / "expressions.json").read_text(encoding="utf-8"))
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
ANY = "*"  # depends on today: the evaluators must only agree


def _server_values(value: Any) -> Any:
    """The values as the server holds a submission's: dates as dates."""
    if isinstance(value, str) and ISO_DAY.fullmatch(value):
        return dt.date.fromisoformat(value)
    if isinstance(value, list):
        return [_server_values(v) for v in value]
    if isinstance(value, dict):
        return {k: _server_values(v) for k, v in value.items()}
    return value


def plain(result: Any) -> Any:
    """A result in the golden file's terms: numbers as exact text, dates as YYYY-MM-DD."""
    if isinstance(result, Decimal):
        return result
    if isinstance(result, dt.date):
        return result.isoformat()
    return result


def same(result: Any, want: Any) -> bool:
    if isinstance(result, Decimal):
        return isinstance(want, str) and not ISO_DAY.fullmatch(want) and result == Decimal(want)
    return result == want


def server_results() -> list[Any]:
    values = _server_values(GOLDEN["values"])
    return [plain(expr.evaluate(expr.parse(text), values)) for text, _ in GOLDEN["cases"]]


def test_the_golden_file_covers_every_function_and_kind_of_value() -> None:
    texts = " ".join(text for text, _ in GOLDEN["cases"])
    for function in expr.FUNCTIONS:
        assert f"{function}(" in texts, function
    assert {type(v) for v in GOLDEN["values"].values()} >= {str, int, float, bool, list, type(None)}


@pytest.mark.parametrize(("text", "want"), GOLDEN["cases"], ids=[t for t, _ in GOLDEN["cases"]])
def test_the_server_gives_the_golden_result(text: str, want: Any) -> None:
    result = plain(expr.evaluate(expr.parse(text), _server_values(GOLDEN["values"])))
    assert want == ANY or same(result, want), (text, result)
