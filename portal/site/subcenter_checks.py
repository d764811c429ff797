"""Checks of the sub-centers: the unified name (统一名称标识), their windows and the items they
offer, each overlay within the center's locks (locked, tighten, free)."""

from __future__ import annotations

import re
import string
from typing import Any

from portal.core.problems import Problem
from portal.core.text import did_you_mean
from portal.site.item_checks import check_limits
from portal.site.layers import merge, overlay_keys, unified_name
from portal.site.loader import ITEM_DIR, Loaded
from portal.site.tables import (
    FREE,
    LOCKED,
    TIGHTEN,
    needs_opinion,
)


def _literal_parts(pattern: str, center: dict[str, Any]) -> list[str]:
    parts: list[str] = []
    for literal, name, _, _ in string.Formatter().parse(pattern):
        if literal:
            parts.append(literal)
        if name == "city":
            parts.append(center["city"])
    return [p for p in parts if len(p) >= 2]


def check_name(sub: Loaded, center: dict[str, Any], names: dict[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    kind, name = sub.data["kind"], sub.data["name"]
    rule = center["naming"][kind]
    pattern = rule["pattern"]
    fixed = [part for part in _literal_parts(pattern, center) if part in name]
    if fixed:
        bare = name
        for part in fixed:
            bare = bare.replace(part, "")
        problems.append(sub.problem(
            "schema.E051", ("name",),
            f"name {name!r} repeats {fixed[0]!r} from the center's pattern {pattern!r}",
            f"give only the part that replaces {{name}}, e.g. {bare!r}"))
    elif not re.search(rule["name_rule"], name):
        problems.append(sub.problem(
            "schema.E051", ("name",),
            f"name {name!r} does not fit the center's rule {rule['name_rule']!r} for {kind}",
            f"the sign would read {unified_name(center, kind, name)!r}"))
    full = unified_name(center, kind, name)
    if full in names:
        problems.append(sub.problem("schema.E040", ("name",),
                                    f"unified name {full!r} is already used by sub-center {names[full]!r}"))
    names.setdefault(full, sub.data["code"])
    return problems


def check_offers(sub: Loaded, items: dict[str, Loaded], policy: dict[str, str],
                  window_owner: dict[str, str], offered: set[str],
                  unreadable: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    own_windows = {w["code"] for w in sub.data["windows"]}
    used_windows: set[str] = set()
    seen: set[str] = set()
    for i, offer in enumerate(sub.data["items"]):
        code = offer["item"]
        if code in seen:
            problems.append(sub.problem("schema.E044", ("items", i, "item"),
                                        f"item {code!r} is listed twice in this sub-center",
                                        "list each item once, with all its windows"))
            continue
        seen.add(code)
        for j, window in enumerate(offer["windows"]):
            if window in own_windows:
                used_windows.add(window)
                continue
            owner = window_owner.get(window)
            hint = (f"{window!r} belongs to sub-center {owner!r}" if owner else
                    did_you_mean(window, own_windows) or "windows here: " + ", ".join(sorted(own_windows)))
            problems.append(sub.problem("schema.E042", ("items", i, "windows", j),
                                        f"window {window!r} is not a window of this sub-center", hint))
        base = items.get(code)
        if base is None and f"{ITEM_DIR}/{code}.yaml" in unreadable:
            continue  # its file could not be read: that problem is already reported
        if base is None:
            hint = did_you_mean(code, items) or f"declare it in schema/items/{code}.yaml"
            problems.append(sub.problem("schema.E041", ("items", i, "item"),
                                        f"no item {code!r} in the center's catalog", hint))
            continue
        offered.add(code)
        if base.usable:  # a key of the base that did not load is left alone
            problems += _check_overlay(sub, ("items", i), offer, base.data, policy, base.broken)
    if not sub.data["items"]:
        problems.append(sub.problem("schema.W003", ("items",), "this sub-center offers no item",
                                    "list the catalog items it handles under 'items:'"))
    for i, window in enumerate(sub.data["windows"]):
        if sub.data["items"] and window["code"] not in used_windows:
            problems.append(sub.problem("schema.W003", ("windows", i, "code"),
                                        f"window {window['code']!r} handles no item",
                                        "name it in the 'windows:' of an item, or remove it"))
    return problems


def _check_overlay(sub: Loaded, at: tuple[str | int, ...], offer: dict[str, Any],
                   base: dict[str, Any], policy: dict[str, str],
                   broken: frozenset[str] = frozenset()) -> list[Problem]:
    problems: list[Problem] = []
    for key in overlay_keys(offer):
        mode, value = policy[key], offer[key]
        if mode == FREE or key in broken:
            continue
        if mode == LOCKED:
            if value != base.get(key):
                problems.append(sub.problem(
                    "schema.E055", at + (key,), f"{key!r} is locked by the center (五统一)",
                    "remove it here; only the center's catalog may change it", key=True))
            continue
        assert mode == TIGHTEN
        problems += _TIGHTEN[key](sub, at, value, base)
    changed = tuple(overlay_keys(offer))
    if {"promised_days", "steps"} & set(changed):
        problems += check_limits(sub, merge(base, offer), at, changed)
    return problems


def _tighten_days(sub: Loaded, at: tuple, value: int, base: dict[str, Any]) -> list[Problem]:
    limit = base.get("promised_days")
    if limit is not None and value > limit:
        return [sub.problem("schema.E053", at + ("promised_days",),
                            f"promised limit {value} is longer than the center's {limit}",
                            "a sub-center may shorten a promised limit, never lengthen it")]
    return []


def _tighten_materials(sub: Loaded, at: tuple, value: list, base: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    mine = {m["name"]: m for m in value}
    for material in base.get("materials") or []:
        if not material["required"]:
            continue
        own = mine.get(material["name"])
        if own is None:
            problems.append(sub.problem("schema.E054", at + ("materials",),
                                        f"required material {material['name']!r} is dropped",
                                        "a sub-center may add materials, never drop required ones"))
        elif not own["required"]:
            index = value.index(own)
            problems.append(sub.problem("schema.E054", at + ("materials", index, "required"),
                                        f"required material {material['name']!r} is made optional",
                                        "keep required: true"))
    return problems


def _tighten_steps(sub: Loaded, at: tuple, value: list, base: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    base_steps = base.get("steps") or []
    names = [s["name"] for s in base_steps]
    if [s["name"] for s in value] != names or [s["role"] for s in value] != [s["role"] for s in base_steps]:
        return [sub.problem("schema.E061", at + ("steps",),
                            "steps must keep the center's names, roles and order",
                            "the center's process is " + " → ".join(names))]
    for i, (own, center_step) in enumerate(zip(value, base_steps, strict=True)):
        if needs_opinion(center_step) and not needs_opinion(own):
            problems.append(sub.problem("schema.E061", at + ("steps", i, "opinion"),
                                        f"step {own['name']!r} needs no opinion where the center "
                                        "asks for one", "a sub-center may only ask for more"))
        if own["days"] > center_step["days"]:
            problems.append(sub.problem("schema.E061", at + ("steps", i, "days"),
                                        f"step {own['name']!r} takes {own['days']} days, "
                                        f"longer than the center's {center_step['days']}",
                                        "a sub-center may only shorten a step"))
    return problems


_TIGHTEN = {
    "promised_days": _tighten_days,
    "materials": _tighten_materials,
    "steps": _tighten_steps,
}
