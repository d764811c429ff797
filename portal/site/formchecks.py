"""Second pass for application forms: types and keys, expressions, cycles, layers and locks."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from portal.core.problems import Problem
from portal.core.text import did_you_mean
from portal.forms import expr
from portal.forms.rules import cycle
from portal.forms.types import COLUMN_TYPES, COMMON_KEYS, COMPUTABLE, TYPES
from portal.site.layers import Path, comparable, merge_form, overlay_subcenter
from portal.site.loader import Loaded

# Names a generated WTForms form already uses for itself.
RESERVED = frozenset({"data", "errors", "meta", "validate", "process", "populate_obj", "spec",
                      "states", "form_errors", "csrf_token"})


RULE_KEYS = ("visible_if", "required_if", "readonly_if")


def check_form(owner: Loaded, form: Mapping[str, Any], dictionaries: Mapping[str, Any],
               where: Mapping[str, Path] | None = None) -> list[Problem]:
    """Problems of a whole form definition. ``where``: field name -> its path in ``owner``
    (a merged form reports each field where it was declared); default: its path in ``form``."""
    problems: list[Problem] = []
    names = {name for name, _ in _paths(form)}
    located = dict(_paths(form)) if where is None else {
        n: at for n, at in where.items() if n in names}
    seen: dict[str, Path] = {}
    for s, section in enumerate(form["sections"]):
        at = ("sections", s) if where is None else where.get(section["name"])
        _name_once(owner, section["name"], None if at is None else (*at, "name"), seen, problems)
    for name, _ in _paths(form):
        at = located.get(name)
        _name_once(owner, name, None if at is None else (*at, "name"), seen, problems)
    kinds = form_kinds(form)
    for name, f, _ in _fields(form):
        if name in located:
            problems += _check_field(owner, f, located[name], dictionaries, kinds)
    for s, section in enumerate(form["sections"]):
        at = ("sections", s) if where is None else where.get(section["name"])
        if section.get("visible_if") and at is not None:
            problems += _check_expr(owner, section["visible_if"], (*at, "visible_if"), kinds, expr.BOOL)
    if not any(p.code in ("schema.E071", "schema.E072") for p in problems):
        loop = cycle(_graph(form))
        mine = [name for name in loop or () if name in located]
        if mine:
            problems.append(owner.problem(
                "schema.E074", located[mine[0]], "the rules or computed values go round in a circle: "
                + " → ".join(loop), "a field cannot depend, through others, on itself"))
    return problems


def _paths(form: Mapping[str, Any]) -> Iterator[tuple[str, Path]]:
    for s, section in enumerate(form["sections"]):
        for i, f in enumerate(section["fields"]):
            yield f["name"], ("sections", s, "fields", i)


def _fields(form: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any], Path]]:
    for s, section in enumerate(form["sections"]):
        for i, f in enumerate(section["fields"]):
            yield f["name"], f, ("sections", s, "fields", i)


def _name_once(owner: Loaded, name: str, at: Path | None, seen: dict[str, Path],
               problems: list[Problem]) -> None:
    """Record ``name``; report it (at ``at``, when given) if reserved or already used."""
    if at is None:
        seen.setdefault(name, ())
    elif name in RESERVED:
        problems.append(owner.problem("schema.E075", at, f"{name!r} is a reserved name",
                                      "choose another name"))
    elif name in seen:
        problems.append(owner.problem("schema.E075", at, f"the name {name!r} is used twice in the form",
                                      "fields and sections each need their own name"))
    seen[name] = at


def form_kinds(form: Mapping[str, Any]) -> expr.Kinds:
    fields: dict[str, str] = {}
    columns: dict[str, dict[str, str]] = {}
    for name, f, _ in _fields(form):
        if f.get("type") not in TYPES:
            continue
        fields[name] = TYPES[f["type"]].kind
        if f["type"] == "table":
            columns[name] = {c["name"]: TYPES[c["type"]].kind for c in f.get("columns", ())
                             if c.get("type") in TYPES}
    return expr.Kinds(fields, columns)


def _graph(form: Mapping[str, Any]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for section in form["sections"]:
        shared = _reads(section.get("visible_if"))
        for f in section["fields"]:
            graph[f["name"]] = shared | set().union(
                *(_reads(f.get(key)) for key in (*RULE_KEYS, "compute")))
    return graph


def _reads(text: str | None) -> set[str]:
    if not text:
        return set()
    try:
        return expr.names(expr.parse(text))
    except expr.ExprError:
        return set()


def _check_field(owner: Loaded, f: Mapping[str, Any], at: Path, dictionaries: Mapping[str, Any],
                 kinds: expr.Kinds, column: bool = False) -> list[Problem]:
    problems: list[Problem] = []
    kind = f["type"]
    row = TYPES[kind]
    allowed = COMMON_KEYS | row.keys
    if column:
        allowed -= {*RULE_KEYS, "applicant", "staff_only", "list", "compute"}
    for key in f:
        if key not in allowed:
            hint = ("a table column has no rules of its own; put the rule on the table"
                    if column and key in RULE_KEYS else
                    f"a {kind} field takes: " + ", ".join(sorted(row.keys)) if row.keys else
                    f"a {kind} field takes none of the type-specific keys")
            problems.append(owner.problem("schema.E076", (*at, key),
                                          f"{key!r} does not apply to a {kind} field", hint))
    for key in sorted(row.needs - set(f)):
        problems.append(owner.problem("schema.E076", at, f"a {kind} field needs {key!r}",
                                      f"add '{key}:'"))
    if f.get("staff_only") and f.get("applicant"):
        problems.append(owner.problem(
            "schema.E082", (*at, "staff_only"),
            f"field {f['name']!r} is the applicant's {f['applicant']}: an application filed online needs it",
            "mark staff_only only what the counter fills: checks, internal notes"))
    if column and kind not in COLUMN_TYPES:
        problems.append(owner.problem("schema.E076", (*at, "type"),
                                      f"a table column cannot be of type {kind!r}",
                                      "tables and uploads are fields of their own"))
    if kind in ("choice", "multichoice"):
        if "options" in f and "dictionary" in f:
            problems.append(owner.problem("schema.E076", (*at, "dictionary"),
                                          "give either 'options' or 'dictionary', not both"))
        elif "options" not in f and "dictionary" not in f:
            problems.append(owner.problem("schema.E076", at,
                                          f"a {kind} field needs 'options' or 'dictionary'",
                                          "list the options, or name one of the center's dictionaries"))
    if "dictionary" in f and f["dictionary"] not in dictionaries:
        hint = did_you_mean(f["dictionary"], dictionaries) or (
            "declared: " + ", ".join(sorted(dictionaries)) if dictionaries
            else "declare it under 'dictionaries:' in schema/center.yaml")
        problems.append(owner.problem("schema.E077", (*at, "dictionary"),
                                      f"the center declares no dictionary {f['dictionary']!r}", hint))
    problems += _check_limits(owner, f, at)
    for key in RULE_KEYS:
        if f.get(key) and key in allowed:
            problems += _check_expr(owner, f[key], (*at, key), kinds, expr.BOOL)
    if f.get("compute") and kind not in COMPUTABLE:
        problems.append(owner.problem("schema.E076", (*at, "compute"), f"a {kind} field cannot be computed",
                                      "computed fields are of type " + ", ".join(COMPUTABLE)))
    elif f.get("compute") and "compute" in allowed:
        problems += _check_expr(owner, f["compute"], (*at, "compute"), kinds, row.kind)
        if f.get("required"):
            problems.append(owner.problem("schema.E076", (*at, "required"),
                                          "a computed field is never typed, so it cannot be required"))
    for c, col in enumerate(f.get("columns", ())):
        problems += _check_field(owner, col, (*at, "columns", c), dictionaries, kinds, column=True)
    seen: set[str] = set()
    for c, col in enumerate(f.get("columns", ())):
        if col["name"] in seen:
            problems.append(owner.problem("schema.E075", (*at, "columns", c, "name"),
                                          f"the column name {col['name']!r} is used twice"))
        seen.add(col["name"])
    return problems


def _check_limits(owner: Loaded, f: Mapping[str, Any], at: Path) -> list[Problem]:
    problems: list[Problem] = []
    for low, high in (("min", "max"), ("min_length", "max_length"), ("min_rows", "max_rows")):
        a, b = f.get(low), f.get(high)
        if a is None or b is None or "today" in (a, b) or isinstance(a, str) != isinstance(b, str):
            continue
        if comparable(a) > comparable(b):
            problems.append(owner.problem("schema.E081", (*at, low), f"{low} {a} is above {high} {b}",
                                          f"make {low} at most {high}"))
    kind = f["type"]
    for key in ("min", "max"):
        value = f.get(key)
        if value is None:
            continue
        is_date = isinstance(value, str)
        if kind in ("date",) and not is_date or kind in ("integer", "decimal", "money") and is_date:
            problems.append(owner.problem("schema.E081", (*at, key),
                                          f"{key} {value!r} does not fit a {kind} field",
                                          "dates limit date fields, numbers number fields"))
    return problems


def _check_expr(owner: Loaded, text: str, at: Path, kinds: expr.Kinds, want: str) -> list[Problem]:
    try:
        expr.check(expr.parse(text), kinds, want)
    except expr.ExprError as exc:
        return [owner.problem(exc.code, at, f"{text!r}: {exc.message}", exc.hint)]
    return []


def check_item_forms(items: Mapping[str, Loaded], forms: Mapping[str, Loaded]) -> list[Problem]:
    """Every item's form exists; every upload of a form names a material of each item using it."""
    problems: list[Problem] = []
    for item in items.values():
        code = item.data.get("form")
        if not item.usable or not code:
            continue
        form = forms.get(code)
        if form is None:
            hint = did_you_mean(code, forms) or f"create forms/{code}.yaml"
            problems.append(item.problem("schema.E070", ("form",), f"form {code!r} is not in forms/", hint))
            continue
        if not form.ok or "materials" in item.broken:
            continue
        materials = {m["name"] for m in item.data.get("materials") or ()}
        for _, f, at in _fields(form.data):
            if f["type"] == "upload" and f.get("material") and f["material"] not in materials:
                problems.append(form.problem(
                    "schema.E078", (*at, "material"),
                    f"item {item.data.get('code')!r} declares no material {f['material']!r}",
                    did_you_mean(f["material"], materials) or
                    f"declared: {'、'.join(sorted(materials))}"))
    return problems


def check_overlays(overlays: list[Loaded], forms: Mapping[str, Loaded],
                   uses: Mapping[str, set[str]], dictionaries: Mapping[str, Any]) -> list[Problem]:
    """``uses``: sub-center code -> codes of the forms of the items it offers."""
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for overlay in overlays:
        if not overlay.usable or not overlay.data.get("form"):
            continue
        sub, code = overlay_subcenter(overlay), overlay.data["form"]
        if sub not in uses:
            problems.append(overlay.problem("schema.E080", ("form",), f"{sub!r} is no sub-center",
                                            did_you_mean(sub, uses) or
                                            "name the folder after a sub-center's code"))
            continue
        base = forms.get(code)
        if base is None or code not in uses[sub]:
            problems.append(overlay.problem(
                "schema.E080", ("form",), f"sub-center {sub!r} offers no item with form {code!r}",
                did_you_mean(code, uses[sub]) or "add to the form of an item the sub-center offers"))
            continue
        if (sub, code) in seen:
            problems.append(overlay.problem("schema.E040", ("form",),
                                            f"sub-center {sub!r} changes form {code!r} in two files"))
            continue
        seen.add((sub, code))
        if not base.ok or not overlay.ok:  # merging needs both whole
            continue
        merged, where, layer = merge_form(base.data, overlay.data)
        problems += layer_problems(overlay, layer)
        problems += check_form(overlay, merged, dictionaries, where)
    return problems


def layer_problems(overlay: Loaded, wrong: list[tuple[Path, str, str]]) -> list[Problem]:
    out = []
    for at, message, hint in wrong:
        code = "schema.E072" if "has no field" in message else "schema.E079"
        if "needs" in message:
            code = "schema.E011"
        out.append(overlay.problem(code, at, message, hint))
    return out
