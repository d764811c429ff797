"""Text helpers shared by the checker and the runtime: suggestions and region names."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from stdnum import numdb


def did_you_mean(value: Any, choices: Iterable[str]) -> str:
    """'did you mean 'x'?' for the closest choice, or '' when none is close."""
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def region_name(code: str) -> str:
    """Name of a county-level region code ('' when unknown), e.g. '句容市' for 321183."""
    if not re.fullmatch(r"\d{6}", code):
        return ""
    info = numdb.get("cn/loc").info(code)
    if len(info) < 2 or not info[1][1]:
        return ""
    # e.g. '城区,[1984-]京口区': names with their years; keep the one still in use
    for entry in reversed(info[1][1].get("county", "").split(",")):
        match = re.fullmatch(r"(?:\[(\d{4})?-(\d{4})?\])?(.+)", entry.strip())
        if match and not match.group(2):
            return match.group(3)
    return ""
