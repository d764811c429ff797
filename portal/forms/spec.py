"""Read-only metadata of one form version: sections, fields, rules."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from portal.core.canonical import canonical_json
from portal.forms import expr
from portal.forms.rules import evaluation_order

RULES = ("visible_if", "required_if", "readonly_if")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: str
    data: Mapping[str, Any] = field(repr=False)
    rules: Mapping[str, expr.Tree] = field(default_factory=dict, repr=False)
    compute: expr.Tree | None = field(default=None, repr=False)
    columns: tuple[FieldSpec, ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    @property
    def required(self) -> bool:
        return bool(self.data.get("required"))

    @property
    def locked(self) -> bool:
        return bool(self.data.get("locked"))

    @property
    def staff_only(self) -> bool:
        """Filled at the counter only: the public hall's form leaves it out."""
        return bool(self.data.get("staff_only"))

    @property
    def help(self) -> str:
        return self.data.get("help", "")

    def column(self, name: str) -> FieldSpec:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class SectionSpec:
    name: str
    title: str
    step: str
    fields: tuple[FieldSpec, ...]
    visible_if: expr.Tree | None = None


@dataclass(frozen=True)
class FormSpec:
    """One form as published: the center's base with one sub-center's additions merged in."""

    code: str
    title: str
    sections: tuple[SectionSpec, ...]
    data: Mapping[str, Any] = field(repr=False)
    order: tuple[str, ...] = ()  # field names in the order their rules and values are worked out
    digest: str = ""  # SHA-256 of the canonical definition: one generated class per digest
    # field name -> (field, its section): lookups the rules make for every submission
    index: Mapping[str, tuple[FieldSpec, SectionSpec]] = field(default_factory=dict, repr=False)

    def fields(self) -> Iterator[FieldSpec]:
        for section in self.sections:
            yield from section.fields

    def field(self, name: str) -> FieldSpec:
        return self.index[name][0]

    def section_of(self, name: str) -> SectionSpec:
        return self.index[name][1]

    @property
    def staff_only(self) -> frozenset[str]:
        """The fields an applicant filing online does not see (``staff_only: true``)."""
        return frozenset(f.name for f in self.fields() if f.staff_only)

    @property
    def steps(self) -> tuple[str, ...]:
        seen: list[str] = []
        for section in self.sections:
            if section.step and section.step not in seen:
                seen.append(section.step)
        return tuple(seen)


def field_from(data: Mapping[str, Any]) -> FieldSpec:
    """Metadata of one declared field; expressions are parsed (the checker has vetted them)."""
    rules = {rule: expr.parse(data[rule]) for rule in RULES if data.get(rule)}
    compute = expr.parse(data["compute"]) if data.get("compute") else None
    columns = tuple(field_from(c) for c in data.get("columns", ()))
    return FieldSpec(data["name"], data["label"], data["type"], data, rules, compute, columns)


def form_from(data: Mapping[str, Any]) -> FormSpec:
    """Metadata of a checked, merged form definition (as published)."""

    sections = tuple(
        SectionSpec(s["name"], s.get("title", ""), s.get("step", ""),
                    tuple(field_from(f) for f in s["fields"]),
                    expr.parse(s["visible_if"]) if s.get("visible_if") else None)
        for s in data["sections"])
    index = {f.name: (f, s) for s in sections for f in s.fields}
    spec = FormSpec(data["code"], data["title"], sections, data, index=index)
    digest = hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()
    return FormSpec(spec.code, spec.title, spec.sections, data, evaluation_order(spec), digest,
                    index)
