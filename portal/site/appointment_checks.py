"""Checks of a sub-center's appointment slots (网上预约, ``appointments:``): each line at a window
of this sub-center and for items that window handles, each window declared once, and its
periods well-formed and one after another (schema.E100–E103; capacities and horizons below 1 are
refused by the shape pass, schema.E101)."""

from __future__ import annotations

from typing import Any

from portal.core.problems import Problem
from portal.core.text import did_you_mean
from portal.site.loader import Loaded
from portal.site.tables import GUIDANCE


def check_appointments(sub: Loaded) -> list[Problem]:
    problems: list[Problem] = []
    own = [w["code"] for w in sub.data["windows"]]
    handled: dict[str, list[str]] = {}  # window -> the items it handles
    # a town center's 咨办类 items: guidance only, no application, so nothing to book
    guidance = {offer["item"] for offer in sub.data.get("items") or () if offer.get("class") == GUIDANCE}
    for offer in sub.data.get("items") or ():
        for window in offer.get("windows") or ():
            handled.setdefault(window, []).append(offer["item"])
    first: dict[str, int] = {}
    for i, line in enumerate(sub.data.get("appointments") or ()):
        at = ("appointments", i)
        window = line["window"]
        if window not in own:
            problems.append(sub.problem(
                "schema.E100", at + ("window",), f"window {window!r} is not a window of this sub-center",
                did_you_mean(window, own) or "windows here: " + ", ".join(own)))
        elif window in first:
            problems.append(sub.problem(
                "schema.E103", at + ("window",),
                f"appointments at window {window!r} are already declared at appointments[{first[window]}]",
                "declare each window once, with all its periods"))
        else:
            first[window] = i
            items = handled.get(window, [])
            for j, item in enumerate(line.get("items") or ()):
                if item not in items:
                    problems.append(sub.problem(
                        "schema.E100", at + ("items", j), f"window {window!r} does not handle item {item!r}",
                        did_you_mean(item, items) or
                        (f"items at {window}: " + ", ".join(items) if items else
                         "name the window in the 'windows:' of the item first")))
                elif item in guidance:
                    problems.append(sub.problem(
                        "schema.E100", at + ("items", j),
                        f"item {item!r} is 咨办类 here: guidance only, it takes no application to book",
                        "book it where it is decided, or make it 即办类 or 代办类 here"))
            if not line.get("items") and not [i for i in items if i not in guidance]:
                problems.append(sub.problem(
                    "schema.E100", at + ("window",), f"window {window!r} handles no item to book",
                    "name it in the 'windows:' of an item, or remove these appointments"))
        problems += _check_periods(sub, at, line["periods"])
    return problems


def _check_periods(sub: Loaded, at: tuple[str | int, ...], periods: list[dict[str, Any]]) -> list[Problem]:
    problems: list[Problem] = []
    well_formed = []
    for j, period in enumerate(periods):
        start, end = period["start"], period["end"]  # HH:MM: compared as text
        if end <= start:
            problems.append(sub.problem(
                "schema.E102", at + ("periods", j, "end"),
                f"the period ends at {end}, not after it starts at {start}",
                "a period ends after it begins, e.g. start '08:30', end '12:00'"))
        else:
            well_formed.append((start, end, j))
    well_formed.sort()
    for (start, end, _), (next_start, next_end, k) in zip(well_formed, well_formed[1:], strict=False):
        if next_start < end:
            problems.append(sub.problem(
                "schema.E103", at + ("periods", k), f"period {next_start}–{next_end} overlaps {start}–{end}",
                "periods of one window follow each other: the next begins when one ends or later"))
    return problems
