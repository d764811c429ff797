"""Layers (五统一): the center's declarations are the base, a sub-center's overlay them. The
rules of merging, used alike by the checker and by the site the engine runs on."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from portal.core.text import did_you_mean
from portal.site.loader import Loaded

Path = tuple[str | int, ...]  # a path inside a declaration: keys and indexes


# Keys of a locked field a sub-center may still change, and how (tightening only).
TIGHTEN = {
    "required": lambda base, new: bool(new) or not base,
    "min_length": lambda base, new: base is None or new >= base,
    "max_length": lambda base, new: base is not None and new <= base or base is None,
    "min": lambda base, new: base is None or comparable(new) >= comparable(base),
    "max": lambda base, new: base is None or comparable(new) <= comparable(base),
    "min_rows": lambda base, new: base is None or new >= base,
    "max_rows": lambda base, new: base is None or new <= base,
    "max_files": lambda base, new: base is None or new <= base,
    "max_size_mb": lambda base, new: base is None or new <= base,
    "accept": lambda base, new: base is None or set(new) <= set(base),
    "options": lambda base, new: base is None or set(new) <= set(base),
    "help": lambda base, new: True,
}


def comparable(value: Any) -> Any:
    return str(value) if isinstance(value, str) else float(value)



def unified_name(center: dict[str, Any], kind: str, name: str) -> str:
    """The sign every page and document carries: the center's pattern with the sub-center's part."""
    pattern = center["naming"][kind]["pattern"]
    return pattern.format(city=center["city"], name=name)


# keys of an offering that say how it is offered, not what the item is: never merged into it
OFFER_KEYS = ("item", "windows", "class", "decided_by")


def overlay_keys(offer: Mapping[str, Any]) -> list[str]:
    return [key for key in offer if key not in OFFER_KEYS]


def merge(base: Mapping[str, Any], offer: Mapping[str, Any]) -> dict[str, Any]:
    """The item as a sub-center publishes it: the center's layer with the overlay on top."""
    merged = dict(base)
    for key in overlay_keys(offer):
        merged[key] = offer[key]
    return merged


def overlay_subcenter(overlay: Loaded) -> str:
    """forms/<sub-center>/<form>.yaml -> '<sub-center>'."""
    return PurePosixPath(overlay.file).parent.name


def merge_form(base: Mapping[str, Any], overlay: Mapping[str, Any], keep_empty: bool = False
               ) -> tuple[dict[str, Any], dict[str, Path], list[tuple[Path, str, str]]]:
    """The base form with a sub-center's additions laid over it.

    Returns the merged form, where each field the overlay added or changed is declared in the
    overlay, and the layer violations as (path, message, hint).
    """
    merged = copy.deepcopy(dict(base))
    where: dict[str, Path] = {}
    wrong: list[tuple[Path, str, str]] = []
    sections = {s["name"]: s for s in merged["sections"]}
    located = {f["name"]: (s, f) for s in merged["sections"] for f in s["fields"]}
    for s, change in enumerate(overlay.get("sections", ())):
        at: Path = ("sections", s)
        section = sections.get(change["name"])
        if section is None:
            section = {k: v for k, v in change.items() if k not in ("fields", "after")}
            section.setdefault("title", change["name"])
            section["fields"] = []
            if not _insert(merged["sections"], section, change.get("after")):
                names = [s["name"] for s in merged["sections"]]
                wrong.append(((*at, "after"), f"the form has no section {change['after']!r}",
                              did_you_mean(change["after"], names) or "name a section, or ^"))
            sections[change["name"]] = section
            where[change["name"]] = at
        else:
            locked = any(f.get("locked") for f in section["fields"])
            if "after" in change:
                wrong.append(((*at, "after"), "only the sub-center's own sections can be placed",
                              "the center's sections keep their place"))
            for key in ("title", "step", "visible_if"):
                if key in change and change[key] != section.get(key):
                    if locked:
                        wrong.append(((*at, key), f"section {change['name']!r} holds locked fields: "
                                      f"its {key} is the center's", "add a section of your own instead"))
                    else:
                        section[key] = change[key]
                        where[change["name"]] = at
        for i, f in enumerate(change.get("fields", ())):
            fat: Path = (*at, "fields", i)
            if f["name"] not in located:
                if "label" not in f or "type" not in f:
                    missing = [k for k in ("label", "type") if k not in f]
                    wrong.append((fat, f"new field {f['name']!r} needs " + " and ".join(map(repr, missing)),
                                  "a field not in the base form is declared whole"))
                    continue
                new = dict(f)
                if new.pop("locked", None):
                    wrong.append(((*fat, "locked"), "only the center locks fields", "remove 'locked:'"))
                after = new.pop("after", None)
                if not _insert(section["fields"], new, after):
                    names = [x["name"] for x in section["fields"]]
                    wrong.append(((*fat, "after"), f"section {section['name']!r} has no field {after!r}",
                                  did_you_mean(after, names) or "name a field of the same section, or ^"))
                located[f["name"]] = (section, new)
                where[f["name"]] = fat
                continue
            owner_section, existing = located[f["name"]]
            wrong += _change_field(existing, f, fat)
            where[f["name"]] = fat
    for r, name in enumerate(overlay.get("remove", ())):
        at = ("remove", r)
        if name not in located:
            wrong.append((at, f"the base form has no field {name!r}", did_you_mean(name, located) or ""))
            continue
        section, f = located[name]
        if f.get("locked"):
            wrong.append((at, f"field {name!r} is locked by the center",
                          "it stays in every sub-center's form"))
            continue
        section["fields"].remove(f)
        del located[name]
    if not keep_empty:  # (the designer shows a new section before it has fields)
        merged["sections"] = [s for s in merged["sections"] if s["fields"]]
    return merged, where, wrong


FIRST = "^"  # `after: ^`: a sub-center's field (section) placed first in its section (form)


def _insert(entries: list[dict[str, Any]], entry: dict[str, Any], after: str | None) -> bool:
    """Put ``entry`` after the entry named ``after`` (first for '^', last for None).
    False when no entry has that name: it goes last, and the caller reports it."""
    names = [e["name"] for e in entries]
    if after == FIRST:
        entries.insert(0, entry)
    elif after is not None and after in names:
        entries.insert(names.index(after) + 1, entry)
    else:
        entries.append(entry)
    return after is None or after == FIRST or after in names


def _change_field(existing: dict[str, Any], change: Mapping[str, Any],
                  at: Path) -> list[tuple[Path, str, str]]:
    wrong: list[tuple[Path, str, str]] = []
    locked = existing.get("locked")
    for key, value in change.items():
        if key == "name" or existing.get(key) == value:
            continue
        if key == "after":
            wrong.append(((*at, key), "only the sub-center's own fields can be placed",
                          "the center's fields keep their place"))
            continue
        if key == "locked":
            wrong.append(((*at, key), "only the center locks fields", "remove 'locked:'"))
        elif locked and (key not in TIGHTEN or not TIGHTEN[key](existing.get(key), value)):
            how = "may only be tightened" if key in TIGHTEN else "is the center's"
            wrong.append(((*at, key), f"field {change['name']!r} is locked: its {key} {how}",
                          "a locked field may become required or narrower, never looser"))
        else:
            existing[key] = value
    return wrong


def resolve(form: Mapping[str, Any], dictionaries: Mapping[str, Any]) -> dict[str, Any]:
    """A published form definition: each dictionary replaced by a copy of its options, so a later
    change of the dictionary makes a new form version instead of changing an old one, and a
    version exported as YAML stands on its own."""
    out = copy.deepcopy(dict(form))
    for section in out["sections"]:
        for f in section["fields"]:
            for target in (f, *f.get("columns", ())):
                if "dictionary" in target:  # the version holds the options themselves
                    target["options"] = list(dictionaries.get(target.pop("dictionary"), ()))
    return out
