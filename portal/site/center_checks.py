"""Checks of the center's declaration: its rules, case numbers, holiday schedules and
assessment rules (五统一: they bind every sub-center)."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterator
from typing import Any

from portal.core.problems import Problem
from portal.core.text import did_you_mean, region_name
from portal.core.workdays import library_knows, span_days
from portal.forms import expr
from portal.site.loader import Loaded
from portal.site.metrics import METRICS
from portal.site.tables import (
    POLICY,
)


def check_center(center: Loaded) -> list[Problem]:
    data = center.data
    problems: list[Problem] = []
    for mode_key, mode in data.get("overlay_policy", {}).items():
        allowed = POLICY[mode_key][1]
        if mode not in allowed:
            problems.append(center.problem(
                "schema.E060", ("overlay_policy", mode_key),
                f"{mode_key!r} cannot be {mode!r}",
                "allowed: " + ", ".join(allowed) + "; the seven disclosures stay unified"))
    for key, spec in data.get("item_properties", {}).items():
        if spec["type"] == "choice" and not spec.get("options"):
            problems.append(center.problem("schema.E030", ("item_properties", key, "type"),
                                           f"choice property {key!r} has no options",
                                           "list them under 'options:'"))
    problems += _check_case_number(center)
    if data.get("assessment"):
        problems += check_rules(center, data["assessment"])
    seen: set[str] = set()
    for i, norm in enumerate(data.get("service_norms", [])):
        if norm["code"] in seen:
            problems.append(center.problem("schema.E040", ("service_norms", i, "code"),
                                           f"norm code {norm['code']!r} is given twice"))
        seen.add(norm["code"])
    problems += _check_town_standard(center)
    region = region_name(data["region_code"])
    if region and region != data["city"]:
        problems.append(center.problem(
            "schema.W005", ("region_code",),
            f"region code {data['region_code']} is {region}, not {data['city']}",
            "check the GB/T 2260 code of the center's city or county"))
    for year, schedule in data.get("holidays", {}).items():
        problems += _check_holidays(center, int(year), schedule)
    return problems


def _check_town_standard(center: Loaded) -> list[Problem]:
    """十个有: each item of the checklist once, by code and by name (an inspection records
    one result per item: the same item twice would be counted twice)."""
    problems: list[Problem] = []
    codes: dict[str, int] = {}
    names: dict[str, int] = {}
    for i, entry in enumerate(center.data.get("town_standard") or []):
        for key, seen in (("code", codes), ("name", names)):
            value = entry.get(key)
            if not isinstance(value, str):
                continue
            if value in seen:
                problems.append(center.problem(
                    "schema.E040", ("town_standard", i, key),
                    f"town standard {key} {value!r} is already given at town_standard[{seen[value]}]",
                    "list each item of the standard once"))
            else:
                seen[value] = i
    return problems


CASE_NUMBER_PARTS = ("subcenter", "window", "date", "year", "seq")


def check_rules(loaded: Loaded, rules: dict[str, Any]) -> list[Problem]:
    """Assessment rules (the center's, or a sub-center's internal ones): readable formulas over
    known metrics, sane points, no derived metric defined through itself."""

    problems: list[Problem] = []
    at = ("assessment",)
    known = set(METRICS) | set(rules.get("derived", {}))
    reads: dict[str, set[str]] = {}
    formulas = [(("derived", name), text) for name, text in rules.get("derived", {}).items()]
    formulas += [(("points", i, "formula"), rule["formula"]) for i, rule in enumerate(rules["points"])]
    for path, text in formulas:
        try:
            tree = expr.parse(text)
        except expr.ExprError as exc:
            problems.append(loaded.problem("schema.E071", at + path, f"{text!r}: {exc.message}", exc.hint))
            continue
        used = expr.names(tree)
        if path[0] == "derived":
            reads[path[1]] = used & set(rules.get("derived", {}))
        for name in sorted(used - known):
            problems.append(loaded.problem(
                "schema.E090", at + path, f"{name!r} is not a metric",
                did_you_mean(name, sorted(known)) or "metrics: " + ", ".join(sorted(METRICS))))
    if rules["base"] > rules["ceiling"]:
        problems.append(loaded.problem("schema.E091", at + ("base",),
                                       f"base {rules['base']} is above the ceiling {rules['ceiling']}",
                                       "a score starts at or below its ceiling"))
    for i, rule in enumerate(rules["points"]):
        if rule.get("cap") is not None and rule["cap"] <= 0:
            problems.append(loaded.problem("schema.E091", at + ("points", i, "cap"),
                                           f"cap {rule['cap']} of {rule['name']} is not positive",
                                           "a cap is the most points the line may count, e.g. 10"))
    awards = rules.get("awards")
    if awards and (awards["red_flags"] < 1 or awards["min_score"] > rules["ceiling"]):
        problems.append(loaded.problem("schema.E091", at + ("awards",),
                                       f"{awards['red_flags']} red flags at {awards['min_score']} or "
                                       f"more cannot be given under the ceiling {rules['ceiling']}",
                                       "at least one flag, a minimum score within the ceiling"))
    problems += [loaded.problem("schema.E092", at + ("derived", name),
                                f"{name!r} is defined through itself: {' → '.join(cycle)}",
                                "define each derived metric from metrics or earlier ones")
                 for name, cycle in _cycles(reads)]
    return problems


def _cycles(reads: dict[str, set[str]]) -> list[tuple[str, list[str]]]:
    """Each derived metric that reaches itself, with the path back (reported once per cycle)."""
    found: list[tuple[str, list[str]]] = []
    reported: set[frozenset[str]] = set()
    for start in sorted(reads):
        stack = [(start, [start])]
        while stack:
            name, path = stack.pop()
            for nxt in sorted(reads.get(name, ())):
                if nxt == start:
                    if frozenset(path) not in reported:
                        reported.add(frozenset(path))
                        found.append((start, [*path, start]))
                elif nxt not in path:
                    stack.append((nxt, [*path, nxt]))
    return found


def _check_case_number(center: Loaded) -> list[Problem]:
    """The pattern must tell sub-centers and periods apart, or numbers would repeat."""
    rule = center.data.get("case_number")
    if not rule:
        return []
    try:
        parts = [name for _, name, spec, _ in string.Formatter().parse(rule["pattern"])
                 if name is not None]
    except ValueError as exc:
        parts, bad = [], str(exc)
    else:
        bad = ""
    unknown = [p for p in parts if p not in CASE_NUMBER_PARTS]
    period = "date" if rule["reset"] == "day" else "year"
    needed = [p for p in ("subcenter", "seq") if p not in parts]
    if period not in parts and "date" not in parts:
        needed.append(period)
    if bad or unknown or needed:
        what = bad or (f"unknown part {{{unknown[0]}}}" if unknown else
                       "it lacks " + ", ".join("{" + p + "}" for p in needed))
        return [center.problem("schema.E065", ("case_number", "pattern"), f"{rule['pattern']!r}: {what}",
                               "use {subcenter}, {date} or {year}, and {seq}, e.g. '{subcenter}{date}{seq}'")]
    return []


def _check_holidays(center: Loaded, year: int, schedule: dict[str, Any]) -> Iterator[Problem]:
    if library_knows(year):
        yield center.problem("schema.W001", ("holidays", year),
                             f"chinese-calendar already knows {year}; this schedule is not used",
                             "declare only years the library does not cover")
    rest: set[dt.date] = set()
    for i, span in enumerate(schedule["holidays"]):
        days = span_days(span)
        if any(d.year != year for d in days):
            yield center.problem("schema.E059", ("holidays", year, "holidays", i),
                                 f"{span} is not in {year}")
        rest.update(days)
    for i, text in enumerate(schedule["workdays"]):
        day = dt.date.fromisoformat(text)
        path = ("holidays", year, "workdays", i)
        if day.year != year:
            yield center.problem("schema.E059", path, f"{text} is not in {year}")
        elif day in rest:
            yield center.problem("schema.E059", path, f"{text} is both a holiday and a working day")
        elif day.weekday() < 5:
            yield center.problem("schema.E059", path, f"{text} is a weekday, already a working day",
                                 "list only weekend days worked in exchange, i.e. 调休")
