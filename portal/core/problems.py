"""Problems found in declarations: plain values with stable codes.

Every code the engine can report is registered in ``CODES``; the README lists
them all and ``tests/examples/<code>/`` holds a failing example for each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Code:
    code: str
    level: str
    title: str


def _registry(*rows: tuple[str, str, str]) -> dict[str, Code]:
    return {code: Code(code, level, title) for code, level, title in rows}


CODES: dict[str, Code] = _registry(
    # reading files
    ("schema.E001", ERROR, "file cannot be read"),
    ("schema.E002", ERROR, "file is not UTF-8 text"),
    ("schema.E003", ERROR, "malformed YAML"),
    ("schema.E004", ERROR, "file must hold one mapping of keys"),
    ("schema.E005", ERROR, "the same key twice in one mapping"),
    ("schema.E006", ERROR, "required file missing"),
    # shape of one file
    ("schema.E010", ERROR, "unknown key"),
    ("schema.E011", ERROR, "required key missing"),
    ("schema.E020", ERROR, "must be text"),
    ("schema.E021", ERROR, "must be a whole number ≥ 0"),
    ("schema.E022", ERROR, "must be yes or no (true/false)"),
    ("schema.E023", ERROR, "must be a list"),
    ("schema.E024", ERROR, "must be a mapping"),
    ("schema.E025", ERROR, "not one of the allowed values"),
    ("schema.E026", ERROR, "not a valid date"),
    ("schema.E027", ERROR, "code has the wrong form"),
    ("schema.E028", ERROR, "not a valid phone number"),
    ("schema.E029", ERROR, "not a GB/T 2260 region code"),
    ("schema.E030", ERROR, "must not be empty"),
    ("schema.E031", ERROR, "naming pattern or name rule is invalid"),
    # references between files
    ("schema.E040", ERROR, "duplicate code or name"),
    ("schema.E041", ERROR, "reference to an unknown item"),
    ("schema.E042", ERROR, "reference to a window of another or no sub-center"),
    ("schema.E043", ERROR, "document template not found"),
    ("schema.E044", ERROR, "item listed twice in one sub-center"),
    # the center's unified rules (五统一) and layers
    ("schema.E050", ERROR, "a seven-disclosure (七公开) element is missing"),
    ("schema.E051", ERROR, "name outside the center's naming pattern"),
    ("schema.E052", ERROR, "promised limit longer than the legal limit"),
    ("schema.E053", ERROR, "promised limit longer than the center's"),
    ("schema.E054", ERROR, "required material dropped or made optional"),
    ("schema.E055", ERROR, "locked property overridden"),
    ("schema.E056", ERROR, "step shares do not add up to the promised limit"),
    ("schema.E057", ERROR, "case type does not fit the promised limit"),
    ("schema.E058", ERROR, "fee charged without basis or standard"),
    ("schema.E059", ERROR, "holiday schedule is inconsistent"),
    ("schema.E060", ERROR, "overlay policy not allowed for this property"),
    ("schema.E061", ERROR, "step changed beyond tightening"),
    ("schema.E062", ERROR, "item property not declared by the center"),
    ("schema.E063", ERROR, "item property value does not fit its type"),
    ("schema.E064", ERROR, "required item property missing"),
    ("schema.E065", ERROR, "case number pattern cannot give unique numbers"),
    ("schema.E066", ERROR, "extension past the legal limit, or on a 即办件"),
    ("schema.E067", ERROR, "parallel approval branch is not an item its sub-center offers"),
    ("schema.E068", ERROR, "print template cannot be read (Jinja syntax)"),
    ("schema.E069", ERROR, "print template reads a field the form does not have"),
    # assessment rules
    ("schema.E090", ERROR, "assessment formula names an unknown metric"),
    ("schema.E091", ERROR, "assessment points out of bounds (base, cap, awards)"),
    ("schema.E092", ERROR, "derived assessment metric defined through itself"),
    # appointment slots (网上预约)
    ("schema.E100", ERROR, "appointment slots at a window or for an item this sub-center does not have"),
    ("schema.E101", ERROR, "appointment places or booking horizon below 1"),
    ("schema.E102", ERROR, "appointment period time is not a time of day, or ends before it starts"),
    ("schema.E103", ERROR, "appointment periods overlap, or a window's slots are declared twice"),
    # village points (村级便民服务代办点) and their 代办员
    ("schema.E110", ERROR, "villages declared by a sub-center that is not a town center"),
    ("schema.E111", ERROR, "village code used twice"),
    ("schema.E112", ERROR, "代办员 login used twice"),
    # a town center's item classes (即办类, 代办类, 咨办类)
    ("schema.E113", ERROR, "item class given by a sub-center that is not a town center"),
    ("schema.E114", ERROR, "代办类 item without its deciding sub-center, or another class with one"),
    ("schema.E115", ERROR, "deciding sub-center unknown, or it does not offer the item"),
    # application forms
    ("schema.E070", ERROR, "item names a form that does not exist"),
    ("schema.E071", ERROR, "expression cannot be read or uses what the language lacks"),
    ("schema.E072", ERROR, "reference to an unknown form field"),
    ("schema.E073", ERROR, "expression has the wrong type"),
    ("schema.E074", ERROR, "rules or computed fields depend on each other in a circle"),
    ("schema.E075", ERROR, "form field or section name used twice or reserved"),
    ("schema.E076", ERROR, "key does not fit the field's type, or a key it needs is missing"),
    ("schema.E077", ERROR, "unknown option dictionary"),
    ("schema.E078", ERROR, "upload names a material the item does not declare"),
    ("schema.E079", ERROR, "locked form field removed or loosened by a sub-center"),
    ("schema.E080", ERROR, "sub-center form additions for a form it does not use"),
    ("schema.E081", ERROR, "field limits contradict each other or its type"),
    ("schema.E082", ERROR, "applicant field marked staff_only"),
    # warnings: published, but someone should look
    ("schema.W001", WARNING, "holiday schedule for a year the calendar library knows"),
    ("schema.W002", WARNING, "file name does not match the code inside"),
    ("schema.W003", WARNING, "sub-center or window offers no item"),
    ("schema.W004", WARNING, "catalog item offered by no sub-center"),
    ("schema.W005", WARNING, "region code does not name the center's city"),
    ("schema.W006", WARNING, "village point has no 代办员"),
    ("schema.W007", WARNING, "town center without the center's 十个有 standard"),
)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a declaration folder, located to file, path and line."""

    file: str
    line: int | None
    path: str
    code: str
    message: str
    hint: str = ""

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unregistered problem code {self.code!r}")

    @property
    def level(self) -> str:
        return CODES[self.code].level

    @property
    def is_error(self) -> bool:
        return self.level == ERROR

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.path:
            parts.append(self.path)
        text = f"{self.code}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        parts.append(text)
        return ": ".join(parts)


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.is_error for p in problems)


def join_path(*parts: str | int) -> str:
    """``join_path("materials", 2, "copies")`` -> ``materials[2].copies``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part:
            out += f".{part}" if out else part
    return out
