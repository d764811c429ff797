"""Editing a sub-center's additions to a base form, one step at a time (the form designer).

The designer works on the overlay document (`forms/<sub-center>/<form>.yaml`), never on the
merged form: whatever a manager does, the center's base and its locks stay as declared, and
`portal check` judges the result like any other declaration file.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from portal.site.layers import FIRST, merge_form

Overlay = dict[str, Any]


def empty(code: str) -> Overlay:
    return {"form": code, "sections": [], "remove": []}


def origin(base: Mapping[str, Any], overlay: Mapping[str, Any], name: str) -> str:
    """'center' (a base field, unchanged), 'changed' (a base field the overlay changes),
    'removed' (a base field the overlay removes) or 'own' (the sub-center's own field)."""
    base_names = {f["name"] for s in base["sections"] for f in s["fields"]}
    if name in overlay.get("remove", ()):
        return "removed"
    if name not in base_names:
        return "own"
    return "changed" if _entry(overlay, name) is not None else "center"


def _entry(overlay: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    for section in overlay.get("sections", ()):
        for f in section.get("fields", ()):
            if f["name"] == name:
                return f
    return None


def _section(overlay: Overlay, name: str, title: str | None = None) -> dict[str, Any]:
    for section in overlay["sections"]:
        if section["name"] == name:
            return section
    section: dict[str, Any] = {"name": name, "fields": []}
    if title:
        section["title"] = title
    overlay["sections"].append(section)
    return section


def _base_field(base: Mapping[str, Any], name: str) -> tuple[str, dict[str, Any]] | None:
    for section in base["sections"]:
        for f in section["fields"]:
            if f["name"] == name:
                return section["name"], f
    return None


def save_field(base: Mapping[str, Any], overlay: Overlay, section: str,
               field: dict[str, Any]) -> Overlay:
    """Add the sub-center's own field, replace it, or record the change of a base field."""
    out = copy.deepcopy(overlay)
    name = field["name"]
    found = _base_field(base, name)
    if found is None:
        entry = _entry(out, name)
        if entry is not None:  # one's own field, edited: keep its place
            after = entry.get("after")
            entry.clear()
            entry.update(field)
            if after is not None:
                entry["after"] = after
        else:
            _section(out, section)["fields"].append(dict(field))
        return out
    base_section, original = found
    change = {k: v for k, v in field.items() if k != "name" and original.get(k) != v}
    for flag in ("required", "list"):  # an unticked box on a base field that has it: a change
        if original.get(flag) and not field.get(flag):
            change[flag] = False
    _drop(out, name)
    if change:
        _section(out, base_section)["fields"].append({"name": name, **change})
    return out


def _drop(overlay: Overlay, name: str) -> None:
    for section in overlay["sections"]:
        section["fields"] = [f for f in section.get("fields", ()) if f["name"] != name]
    overlay["sections"] = [s for s in overlay["sections"] if s.get("fields") or len(s) > 2]


def remove_field(base: Mapping[str, Any], overlay: Overlay, name: str) -> Overlay:
    """Remove one's own field; a base field goes onto the `remove` list (the check refuses a
    locked one)."""
    out = copy.deepcopy(overlay)
    _drop(out, name)
    if _base_field(base, name) is not None and name not in out["remove"]:
        out["remove"].append(name)
    return out


def restore_field(overlay: Overlay, name: str) -> Overlay:
    """Take a base field off the `remove` list, or drop the overlay's changes to it."""
    out = copy.deepcopy(overlay)
    out["remove"] = [n for n in out.get("remove", ()) if n != name]
    if name not in overlay.get("remove", ()):
        _drop(out, name)
    return out


def add_section(overlay: Overlay, name: str, title: str) -> Overlay:
    out = copy.deepcopy(overlay)
    _section(out, name, title)
    return out


def move_field(base: Mapping[str, Any], overlay: Overlay, name: str, step: int) -> Overlay:
    """Move one's own field up (-1) or down (+1) within its section of the merged form."""
    merged, _, _ = merge_form(base, overlay)
    for section in merged["sections"]:
        names = [f["name"] for f in section["fields"]]
        if name not in names:
            continue
        i = names.index(name)
        j = i + step
        if not 0 <= j < len(names):
            return overlay
        names[i], names[j] = names[j], names[i]
        return _place(overlay, section["name"], names)
    return overlay


def _place(overlay: Overlay, section_name: str, order: list[str]) -> Overlay:
    """Give each own field of a section the `after` that puts it where ``order`` says."""
    out = copy.deepcopy(overlay)
    own = {f["name"]: f for s in out["sections"] for f in s.get("fields", ())
           if "label" in f and "type" in f}
    entries = []
    for i, name in enumerate(order):
        if name in own:
            own[name]["after"] = order[i - 1] if i else FIRST
            entries.append(own[name])
    moved = {f["name"] for f in entries}
    for section in out["sections"]:  # own fields in their new order, so each `after` exists
        section["fields"] = [f for f in section.get("fields", ()) if f["name"] not in moved]
    target = _section(out, section_name)
    target["fields"] = target["fields"] + entries
    return out


def tidy(overlay: Overlay) -> Overlay:
    """The overlay as it is published: no empty lists, no sections with nothing in them."""
    out = copy.deepcopy(overlay)
    out["sections"] = [s for s in out.get("sections", ()) if s.get("fields") or len(s) > 2]
    return out


def _base_sections(base: Mapping[str, Any]) -> set[str]:
    return {s["name"] for s in base["sections"]}


def remove_section(base: Mapping[str, Any], overlay: Overlay, name: str) -> Overlay:
    """Remove one of the sub-center's own sections with its fields (the center's stay)."""
    if name in _base_sections(base):
        return overlay
    out = copy.deepcopy(overlay)
    out["sections"] = [s for s in out["sections"] if s["name"] != name]
    return out


def move_section(base: Mapping[str, Any], overlay: Overlay, name: str, step: int) -> Overlay:
    """Move one of the sub-center's own sections up (-1) or down (+1) in the merged form."""
    if name in _base_sections(base):
        return overlay
    merged, _, _ = merge_form(base, overlay, keep_empty=True)
    order = [s["name"] for s in merged["sections"]]
    i = order.index(name)
    j = i + step
    if not 0 <= j < len(order):
        return overlay
    order[i], order[j] = order[j], order[i]
    out = copy.deepcopy(overlay)
    own = {s["name"]: s for s in out["sections"] if s["name"] not in _base_sections(base)}
    placed = []
    for k, section_name in enumerate(order):
        if section_name in own:
            own[section_name]["after"] = order[k - 1] if k else FIRST
            placed.append(own[section_name])
    out["sections"] = [s for s in out["sections"] if s["name"] not in own] + placed
    return out
