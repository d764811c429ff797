"""Cells a spreadsheet shows and never runs (OWASP: CSV injection).

Text anyone typed — an applicant's name, a complaint, a clerk's name, a window's — may start
with ``= + - @``, a tab or a carriage return; Excel and WPS read such a CSV cell as a formula,
and openpyxl writes such an XLSX string as one. Every CSV the portal writes passes its cells
through :func:`inert`; every XLSX cell is written as text or a number, never a formula.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)%?")  # -6.67, +15.56, -50.0%: numbers as shown


def inert(value: Any) -> Any:
    """``value`` for a CSV cell: text that would start a formula gets a leading apostrophe,
    which spreadsheets show as text; numbers, also written as text, stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value
