"""Checks of the items of the catalog: the seven disclosures (七公开), declared properties,
limits and steps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portal.core.problems import Problem
from portal.core.text import did_you_mean
from portal.site.loader import Loaded
from portal.site.tables import (
    DISCLOSURES,
    INSTANT,
    PROMISED,
)


def _missing(value: Any) -> bool:
    return value is None or value == [] or value == ""


_PROPERTY_CHECKS = {
    "yesno": (lambda v, p: isinstance(v, bool), "must be yes or no (true/false)"),
    "text": (lambda v, p: isinstance(v, str) and v.strip() != "", "must be non-empty text"),
    "integer": (lambda v, p: isinstance(v, int) and not isinstance(v, bool), "must be a whole number"),
    "choice": (lambda v, p: v in p.get("options", ()), "must be one of the declared options"),
}


def check_properties(item: Loaded, declared: Mapping[str, Any]) -> list[Problem]:
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


def check_item(item: Loaded, templates: set[str]) -> list[Problem]:
    data = item.data
    problems: list[Problem] = []
    for element, keys in DISCLOSURES.items():
        for key in keys:
            if key not in item.broken and _missing(data.get(key)):
                problems.append(item.problem(
                    "schema.E050", (key,),
                    f"七公开 element {element} is missing: {key!r} is absent or empty",
                    "every item discloses all seven elements before it can be published"))
    problems += check_limits(item, data)
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
    template = (data.get("result") or {}).get("template")
    if template and template not in templates:
        hint = did_you_mean(template, templates) or f"create print_templates/{template}.html"
        problems.append(item.problem("schema.E043", ("result", "template"),
                                     f"template {template!r} is not in print_templates/", hint))
    return problems


def check_limits(owner: Loaded, item: dict[str, Any], at: tuple[str | int, ...] = (),
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
