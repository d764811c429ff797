"""Second pass: references between files and the center's unified rules (五统一)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import PurePosixPath
from typing import Any

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from portal.core.problems import Problem
from portal.core.text import did_you_mean
from portal.site.appointment_checks import check_appointments
from portal.site.center_checks import check_center, check_rules
from portal.site.class_checks import check_classes
from portal.site.formchecks import check_form, check_item_forms, check_overlays
from portal.site.item_checks import check_item, check_properties
from portal.site.loader import SUBCENTER_DIR, TEMPLATE_DIR, Folder, Loaded
from portal.site.subcenter_checks import check_name, check_offers
from portal.site.tables import (
    POLICY,
)
from portal.site.template_checks import check_template_fields
from portal.site.village_checks import check_villages


def check_folder(folder: Folder) -> list[Problem]:
    """All cross-file problems of a folder whose files were shape-checked."""
    problems: list[Problem] = []
    center = folder.center
    policy = {name: default for name, (default, _) in POLICY.items()}
    center_data = center.data if center is not None and center.usable else None
    if center is not None and center.usable:
        problems += partial(check_center, center)
        policy.update({k: v for k, v in center.data.get("overlay_policy", {}).items()
                       if v in POLICY.get(k, ((), ()))[1]})
    items = _unique(folder.items, "item", problems)
    templates = {PurePosixPath(name).stem for name in folder.templates if name.endswith(".html")}
    problems += _check_templates(folder.templates)
    declared = center_data.get("item_properties", {}) if center_data is not None else None
    for loaded in items.values():
        if loaded.usable:
            problems += partial(check_item, loaded, templates)
            if declared is not None:
                problems += partial(check_properties, loaded, declared)
    dictionaries = center_data.get("dictionaries", {}) if center_data is not None else {}
    forms = _unique(folder.forms, "form", problems)
    for loaded in forms.values():
        if loaded.usable:
            problems += partial(check_form, loaded, loaded.data, dictionaries)
    problems += check_item_forms(items, forms)
    offered: set[str] = set()
    subcenters = _unique(folder.subcenters, "sub-center", problems)
    window_owner = _window_owners(subcenters, problems)
    names: dict[str, str] = {}
    for loaded in subcenters.values():
        if not loaded.usable:
            continue
        if center is not None and center.ok:
            problems += partial(check_name, loaded, center.data, names)
        problems += partial(check_offers, loaded, items, policy, window_owner, offered,
                            folder.unreadable)
        if loaded.data.get("assessment"):
            problems += partial(check_rules, loaded, loaded.data["assessment"])
        if loaded.data.get("appointments"):
            problems += partial(check_appointments, loaded)
    problems += check_villages(subcenters)
    problems += check_classes(subcenters)
    if center_data is not None and "town_standard" not in {*center.data, *center.broken}:
        problems += _unstandarded_towns(subcenters)
    problems += _check_parallel(items, subcenters)
    uses = {code: {items[o["item"]].data["form"] for o in loaded.data.get("items", ())
                   if o.get("item") in items and items[o["item"]].data.get("form")}
            for code, loaded in subcenters.items()}
    problems += check_overlays(folder.form_overlays, forms, uses, dictionaries)
    problems += check_template_fields(folder.templates, items, forms, folder.form_overlays)
    all_read = subcenters and all(s.ok for s in subcenters.values()) and not any(
        name.startswith(f"{SUBCENTER_DIR}/") for name in folder.unreadable)
    for code, loaded in items.items():
        if all_read and loaded.ok and code not in offered:
            problems.append(loaded.problem("schema.W004", ("code",),
                                           f"item {code!r} is offered by no sub-center",
                                           "list it under 'items:' of the sub-center that handles it"))
    return problems


def _unstandarded_towns(subcenters: dict[str, Loaded]) -> list[Problem]:
    """A town center is built and inspected to the center's 十个有 (``town_standard``): without
    it, its inspections have nothing to check against (published, warned)."""
    return [sub.problem("schema.W007", ("kind",),
                        f"town center {code!r} has no standard to be inspected against: the center "
                        "declares no town_standard",
                        "list the 十个有 under 'town_standard:' in schema/center.yaml, each with "
                        "code, name and text")
            for code, sub in sorted(subcenters.items())
            if sub.usable and sub.data.get("kind") == "town_center"]


def partial(check: Callable[..., list[Problem]], loaded: Loaded, *args: Any) -> list[Problem]:
    """``check`` of one file, also when part of the file did not load: run on what did. A check
    that needs a part that did not load has nothing to add (the shape pass has reported that
    part), so it is left out instead of failing the whole run."""
    if loaded.ok:
        return check(loaded, *args)
    try:
        return check(loaded, *args)
    except (KeyError, TypeError, AttributeError, IndexError):
        return []


def _check_parallel(items: dict[str, Loaded], subcenters: dict[str, Loaded]) -> list[Problem]:
    """并联审批: a bundle has two branches or more, each an item its sub-center offers."""
    problems: list[Problem] = []
    offers = {code: {o.get("item") for o in sub.data.get("items", ())}
              for code, sub in subcenters.items() if sub.ok}
    for code, bundle in items.items():
        branches = bundle.data.get("parallel") if bundle.usable else None
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
