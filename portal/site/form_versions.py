"""Two form versions side by side, field by field; a form version as YAML and back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from marshmallow import ValidationError

from portal.core.errors import N_, PortalError
from portal.site.export import ordered
from portal.site.loader import shape_problems
from portal.site.shapes import schema_for
from portal.site.source import Document

ADDED, REMOVED, CHANGED, MOVED = "added", "removed", "changed", "moved"


@dataclass(frozen=True)
class Change:
    """One difference: a field added, removed, moved to another section, or one key changed."""

    kind: str
    field: str
    label: str
    key: str = ""
    old: Any = None
    new: Any = None


def _fields(form: Mapping[str, Any]) -> dict[str, tuple[str, Mapping[str, Any]]]:
    return {f["name"]: (s["title"], f) for s in form["sections"] for f in s["fields"]}


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """What changed from ``old`` to ``new``, in the order of the new form (removed ones last)."""
    before, after = _fields(old), _fields(new)
    changes: list[Change] = []
    for name, (section, f) in after.items():
        if name not in before:
            changes.append(Change(ADDED, name, f["label"], new=section))
            continue
        old_section, was = before[name]
        if old_section != section:
            changes.append(Change(MOVED, name, f["label"], "section", old_section, section))
        for key in sorted(set(was) | set(f), key=_key_order):
            if key != "name" and was.get(key) != f.get(key):
                changes.append(Change(CHANGED, name, f["label"], key, was.get(key), f.get(key)))
    for name, (section, f) in before.items():
        if name not in after:
            changes.append(Change(REMOVED, name, f["label"], old=section))
    return changes


_ORDER = list(schema_for("form").fields["sections"].inner.schema.fields["fields"].inner.schema.fields)


def _key_order(key: str) -> int:
    return _ORDER.index(key) if key in _ORDER else len(_ORDER)


def to_yaml(definition: Mapping[str, Any], header: str = "") -> str:
    """A form definition as a declaration file (keys in the documented order)."""
    text = yaml.safe_dump(ordered(dict(definition), schema_for("form")), allow_unicode=True,
                          sort_keys=False, width=100, indent=2)
    return (f"# {header}\n" if header else "") + text


def from_yaml(text: str, file: str = "form.yaml") -> dict[str, Any]:
    """A form declaration read back; :class:`PortalError` listing every problem of its shape."""

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PortalError(N_("%(file)s: not YAML: %(error)s"),
                          hint=N_("export a form again, or fix the file"), file=file,
                          error=str(exc)) from None
    try:
        return schema_for("form").load(data)
    except ValidationError as exc:
        doc = Document(file, data, text)
        problems = [str(p) for p in shape_problems(doc, exc.messages, schema_for("form"))]
        raise PortalError(N_("%(problems)s"), hint=N_("each problem names its path"),
                          problems="; ".join(problems)) from None
