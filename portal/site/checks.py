"""Second pass: references between files and the center's unified rules (五统一)."""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Iterator, Mapping
from pathlib import PurePosixPath
from typing import Any

from portal.core.problems import Problem
from portal.core.text import did_you_mean, region_name
from portal.core.workdays import library_knows, span_days
from portal.site.formchecks import check_form, check_item_forms, check_overlays
from portal.site.loader import ITEM_DIR, SUBCENTER_DIR, TEMPLATE_DIR, Folder, Loaded
from portal.site.tables import (
    DISCLOSURES,
    FREE,
    INSTANT,
    LOCKED,
    POLICY,
    PROMISED,
    TIGHTEN,
)


def check_folder(folder: Folder) -> list[Problem]:
    """All cross-file problems of a folder whose files were shape-checked."""
    problems: list[Problem] = []
    center = folder.center
    policy = {name: default for name, (default, _) in POLICY.items()}
    if center is not None and center.ok:
        problems += _check_center(center)
        policy.update({k: v for k, v in center.data.get("overlay_policy", {}).items()
                       if v in POLICY[k][1]})
    items = _unique(folder.items, "item", problems)
    templates = {PurePosixPath(name).stem for name in folder.templates if name.endswith(".html")}
    problems += _check_templates(folder.templates)
    declared = center.data.get("item_properties", {}) if center is not None and center.ok else None
    for loaded in items.values():
        if loaded.ok:
            problems += _check_item(loaded, templates)
            if declared is not None:
                problems += _check_properties(loaded, declared)
    dictionaries = center.data.get("dictionaries", {}) if center is not None and center.ok else {}
    forms = _unique(folder.forms, "form", problems)
    for loaded in forms.values():
        if loaded.ok:
            problems += check_form(loaded, loaded.data, dictionaries)
    problems += check_item_forms(items, forms)
    offered: set[str] = set()
    subcenters = _unique(folder.subcenters, "sub-center", problems)
    window_owner = _window_owners(subcenters, problems)
    names: dict[str, str] = {}
    for loaded in subcenters.values():
        if not loaded.ok:
            continue
        if center is not None and center.ok:
            problems += _check_name(loaded, center.data, names)
        problems += _check_offers(loaded, items, policy, window_owner, offered, folder.unreadable)
        if loaded.data.get("assessment"):
            problems += _check_rules(loaded, loaded.data["assessment"])
    problems += _check_parallel(items, subcenters)
    uses = {code: {items[o["item"]].data["form"] for o in loaded.data.get("items", ())
                   if o.get("item") in items and items[o["item"]].data.get("form")}
            for code, loaded in subcenters.items()}
    problems += check_overlays(folder.form_overlays, forms, uses, dictionaries)
    all_read = subcenters and all(s.ok for s in subcenters.values()) and not any(
        name.startswith(f"{SUBCENTER_DIR}/") for name in folder.unreadable)
    for code, loaded in items.items():
        if all_read and loaded.ok and code not in offered:
            problems.append(loaded.problem("schema.W004", ("code",),
                                           f"item {code!r} is offered by no sub-center",
                                           "list it under 'items:' of the sub-center that handles it"))
    return problems


def _check_parallel(items: dict[str, Loaded], subcenters: dict[str, Loaded]) -> list[Problem]:
    """并联审批: a bundle has two branches or more, each an item its sub-center offers."""
    problems: list[Problem] = []
    offers = {code: {o.get("item") for o in sub.data.get("items", ())}
              for code, sub in subcenters.items() if sub.ok}
    for code, bundle in items.items():
        branches = bundle.data.get("parallel") if bundle.ok else None
        if branches is None:
            continue
        if len(branches) < 2:
            problems.append(bundle.problem("schema.E067", ("parallel",),
                                           "a parallel approval needs at least two branches",
                                           "list each department's item under parallel"))
        for i, branch in enumerate(branches):
            item, sub = branch["item"], branch["subcenter"]
            if item not in items or item == code:
                hint = did_you_mean(item, [c for c in items if c != code]) or "name a catalog item"
                problems.append(bundle.problem("schema.E067", ("parallel", i, "item"),
                                               f"branch {item!r} is not another item of the catalog", hint))
            elif items[item].data.get("parallel"):
                problems.append(bundle.problem("schema.E067", ("parallel", i, "item"),
                                               f"branch {item!r} is itself a parallel approval",
                                               "branches are single items"))
            elif sub in offers and item not in offers[sub]:
                problems.append(bundle.problem("schema.E067", ("parallel", i, "subcenter"),
                                               f"sub-center {sub!r} does not offer {item!r}",
                                               "a branch is decided where its item is handled"))
            elif sub not in subcenters:
                hint = did_you_mean(sub, list(subcenters)) or "name a sub-center of schema/subcenters/"
                problems.append(bundle.problem("schema.E067", ("parallel", i, "subcenter"),
                                               f"no sub-center {sub!r}", hint))
    return problems


def _check_templates(texts: Mapping[str, str]) -> list[Problem]:
    """Print templates Jinja cannot read, located to file and line (schema.E068)."""
    from jinja2 import TemplateSyntaxError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment()
    problems = []
    for name, text in sorted(texts.items()):
        if not name.endswith(".html"):
            continue
        try:
            env.parse(text)
        except TemplateSyntaxError as exc:
            problems.append(Problem(f"{TEMPLATE_DIR}/{name}", exc.lineno, "", "schema.E068",
                                    exc.message or "cannot be read", "fix the template's Jinja syntax"))
    return problems


def _window_owners(subcenters: dict[str, Loaded], problems: list[Problem]) -> dict[str, str]:
    """Window code -> sub-center code; a window code used twice is a problem."""
    owner: dict[str, str] = {}
    for code, loaded in subcenters.items():
        for i, window in enumerate(loaded.data.get("windows", [])):
            window_code = window.get("code")
            if window_code is None:
                continue
            if window_code not in owner:
                owner[window_code] = code
            elif loaded.ok:  # indices of a partly loaded file would point at the wrong entry
                problems.append(loaded.problem(
                    "schema.E040", ("windows", i, "code"),
                    f"window code {window_code!r} is already used by sub-center {owner[window_code]!r}",
                    "window codes are unique across the site"))
    return owner


def _unique(files: list[Loaded], what: str, problems: list[Problem]) -> dict[str, Loaded]:
    """Files by their code; a second file with the same code is a problem, and file names should match."""
    out: dict[str, Loaded] = {}
    # a file named after its code owns the code; any other file declaring it is the duplicate
    for loaded in sorted(files, key=lambda f: PurePosixPath(f.file).stem != f.data.get("code")):
        code = loaded.data.get("code")
        if not isinstance(code, str):
            continue
        if code in out:
            problems.append(loaded.problem("schema.E040", ("code",),
                                           f"{what} code {code!r} is already declared in {out[code].file}",
                                           "each code is declared once"))
            continue
        out[code] = loaded
        stem = PurePosixPath(loaded.file).stem
        if loaded.ok and stem != code:
            problems.append(loaded.problem("schema.W002", ("code",),
                                           f"file is named {stem!r} but declares {what} {code!r}",
                                           f"rename the file to {code}.yaml"))
    return out


# --- center ---------------------------------------------------------------------------------

def _check_center(center: Loaded) -> list[Problem]:
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
        problems += _check_rules(center, data["assessment"])
    seen: set[str] = set()
    for i, norm in enumerate(data.get("service_norms", [])):
        if norm["code"] in seen:
            problems.append(center.problem("schema.E040", ("service_norms", i, "code"),
                                           f"norm code {norm['code']!r} is given twice"))
        seen.add(norm["code"])
    region = region_name(data["region_code"])
    if region and region != data["city"]:
        problems.append(center.problem(
            "schema.W005", ("region_code",),
            f"region code {data['region_code']} is {region}, not {data['city']}",
            "check the GB/T 2260 code of the center's city or county"))
    for year, schedule in data.get("holidays", {}).items():
        problems += _check_holidays(center, int(year), schedule)
    return problems


CASE_NUMBER_PARTS = ("subcenter", "window", "date", "year", "seq")


def _check_rules(loaded: Loaded, rules: dict[str, Any]) -> list[Problem]:
    """Assessment rules (the center's, or a sub-center's internal ones): readable formulas over
    known metrics, sane points, no derived metric defined through itself."""
    from portal.forms import expr
    from portal.site.metrics import METRICS

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


# --- items ----------------------------------------------------------------------------------

def _missing(value: Any) -> bool:
    return value is None or value == [] or value == ""


_PROPERTY_CHECKS = {
    "yesno": (lambda v, p: isinstance(v, bool), "must be yes or no (true/false)"),
    "text": (lambda v, p: isinstance(v, str) and v.strip() != "", "must be non-empty text"),
    "integer": (lambda v, p: isinstance(v, int) and not isinstance(v, bool), "must be a whole number"),
    "choice": (lambda v, p: v in p.get("options", ()), "must be one of the declared options"),
}


def _check_properties(item: Loaded, declared: Mapping[str, Any]) -> list[Problem]:
    """The item's ``properties`` against the center's ``item_properties``."""
    problems: list[Problem] = []
    values = item.data.get("properties", {})
    for key, value in values.items():
        spec = declared.get(key)
        if spec is None:
            hint = did_you_mean(key, declared) or (
                "declare it under item_properties in schema/center.yaml" if not declared else
                "declared: " + ", ".join(sorted(declared)))
            problems.append(item.problem("schema.E062", ("properties", key),
                                         f"the center declares no item property {key!r}", hint,
                                         key=True))
            continue
        fits, expected = _PROPERTY_CHECKS[spec["type"]]
        if not fits(value, spec):
            hint = ("options: " + "、".join(spec.get("options", ()))) if spec["type"] == "choice" else ""
            problems.append(item.problem("schema.E063", ("properties", key),
                                         f"{spec['label']} ({key}) {expected}, got {value!r}", hint))
    for key, spec in declared.items():
        if spec.get("required") and key not in values:
            problems.append(item.problem("schema.E064", ("properties",) if values else ("code",),
                                         f"required item property {key!r} ({spec['label']}) is missing",
                                         f"add 'properties: {{{key}: …}}' to the item"))
    return problems


def _check_item(item: Loaded, templates: set[str]) -> list[Problem]:
    data = item.data
    problems: list[Problem] = []
    for element, keys in DISCLOSURES.items():
        for key in keys:
            if _missing(data.get(key)):
                problems.append(item.problem(
                    "schema.E050", (key,),
                    f"七公开 element {element} is missing: {key!r} is absent or empty",
                    "every item discloses all seven elements before it can be published"))
    problems += _check_limits(item, data)
    seen: set[str] = set()
    for i, material in enumerate(data.get("materials") or []):
        if material["name"] in seen:
            problems.append(item.problem("schema.E040", ("materials", i, "name"),
                                         f"material {material['name']!r} is listed twice"))
        seen.add(material["name"])
    fee = data.get("fee")
    if fee and fee["charged"]:
        for key in ("basis", "standard"):
            if not fee.get(key):
                problems.append(item.problem("schema.E058", ("fee", key),
                                             f"the item charges a fee but gives no {key}",
                                             "收费 items disclose the legal basis and the standard"))
    template = data["result"].get("template")
    if template and template not in templates:
        hint = did_you_mean(template, templates) or f"create print_templates/{template}.html"
        problems.append(item.problem("schema.E043", ("result", "template"),
                                     f"template {template!r} is not in print_templates/", hint))
    return problems


def _check_limits(owner: Loaded, item: dict[str, Any], at: tuple[str | int, ...] = (),
                  overlaid: tuple[str, ...] | None = None) -> list[Problem]:
    """Time limits of a catalog item, or of an item merged with the overlay at path ``at``.

    For an overlay (``overlaid`` = the keys it sets) only what the overlay changed is reported.
    """
    problems: list[Problem] = []
    promised, legal = item.get("promised_days"), item.get("legal_days")
    case_type = item.get("case_type")
    if promised is None:
        return problems
    days_changed = overlaid is None or "promised_days" in overlaid
    if days_changed and legal is not None and promised > legal:
        problems.append(owner.problem("schema.E052", at + ("promised_days",),
                                      f"promised limit {promised} is longer than the legal limit {legal}",
                                      "承诺时限 may not exceed 法定时限"))
    if days_changed and case_type == INSTANT and promised != 0:
        problems.append(owner.problem("schema.E057", at + ("promised_days",),
                                      f"a 即办件 is completed the same day, but promised_days is {promised}",
                                      "set promised_days: 0 or make it a 承诺件"))
    if days_changed and case_type == PROMISED and promised == 0:
        problems.append(owner.problem("schema.E057", at + ("promised_days",),
                                      "a 承诺件 needs at least one promised working day",
                                      "make it a 即办件 or give the promised working days"))
    extension = item.get("extension") if overlaid is None else None  # locked: the catalog's
    if extension and legal is not None and promised + extension["days"] > legal:
        problems.append(owner.problem(
            "schema.E066", at + ("extension", "days"),
            f"promised {promised} + extension {extension['days']} working days "
            f"is past the legal limit {legal}",
            "an extended case must still finish within 法定时限; shorten the extension"))
    if extension and case_type == INSTANT:
        problems.append(owner.problem("schema.E066", at + ("extension",),
                                      "a 即办件 is completed the same day and cannot be extended",
                                      "remove the extension or make it a 承诺件"))
    steps = item.get("steps")
    if steps and sum(step["days"] for step in steps) != promised:
        total = sum(step["days"] for step in steps)
        where = "promised_days" if overlaid is not None and "steps" not in overlaid else "steps"
        problems.append(owner.problem(
            "schema.E056", at + (where,),
            f"steps take {total} working days in all, but promised_days is {promised}",
            "each step's days are its share of the promised limit; make them add up"))
    return problems


# --- sub-centers ----------------------------------------------------------------------------

def _literal_parts(pattern: str, center: dict[str, Any]) -> list[str]:
    parts: list[str] = []
    for literal, name, _, _ in string.Formatter().parse(pattern):
        if literal:
            parts.append(literal)
        if name == "city":
            parts.append(center["city"])
    return [p for p in parts if len(p) >= 2]


def unified_name(center: dict[str, Any], kind: str, name: str) -> str:
    """The sign every page and document carries: the center's pattern with the sub-center's part."""
    pattern = center["naming"][kind]["pattern"]
    return pattern.format(city=center["city"], name=name)


def _check_name(sub: Loaded, center: dict[str, Any], names: dict[str, str]) -> list[Problem]:
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


def _check_offers(sub: Loaded, items: dict[str, Loaded], policy: dict[str, str],
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
        if base.ok:
            problems += _check_overlay(sub, ("items", i), offer, base.data, policy)
    if not sub.data["items"]:
        problems.append(sub.problem("schema.W003", ("items",), "this sub-center offers no item",
                                    "list the catalog items it handles under 'items:'"))
    for i, window in enumerate(sub.data["windows"]):
        if sub.data["items"] and window["code"] not in used_windows:
            problems.append(sub.problem("schema.W003", ("windows", i, "code"),
                                        f"window {window['code']!r} handles no item",
                                        "name it in the 'windows:' of an item, or remove it"))
    return problems


def overlay_keys(offer: Mapping[str, Any]) -> list[str]:
    return [key for key in offer if key not in ("item", "windows")]


def _check_overlay(sub: Loaded, at: tuple[str | int, ...], offer: dict[str, Any],
                   base: dict[str, Any], policy: dict[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    for key in overlay_keys(offer):
        mode, value = policy[key], offer[key]
        if mode == FREE:
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
        problems += _check_limits(sub, merge(base, offer), at, changed)
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


def merge(base: Mapping[str, Any], offer: Mapping[str, Any]) -> dict[str, Any]:
    """The item as a sub-center publishes it: the center's layer with the overlay on top."""
    merged = dict(base)
    for key in overlay_keys(offer):
        merged[key] = offer[key]
    return merged

