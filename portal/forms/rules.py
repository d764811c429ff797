"""Rules of a form worked out over its values: computed fields, visible, required, read-only.

The server is the authority: whatever the browser showed, a hidden field's value is dropped,
a computed field's value is recomputed and a read-only field keeps what it had.
"""

from __future__ import annotations

import graphlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from portal.forms import expr

if TYPE_CHECKING:
    from portal.forms.spec import FieldSpec, FormSpec


def dependencies(form: FormSpec) -> dict[str, set[str]]:
    """Field -> the fields its value or its rules read (a section's rule counts for its fields)."""
    graph: dict[str, set[str]] = {}
    for section in form.sections:
        shared = expr.names(section.visible_if) if section.visible_if else set()
        for f in section.fields:
            reads = set(shared)
            for tree in (*f.rules.values(), *([f.compute] if f.compute else [])):
                reads |= expr.names(tree)
            graph[f.name] = reads
    return graph


def cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path (first name repeated at the end), or None."""
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        path = list(exc.args[1])
        return path[::-1] if path else None
    return None


def evaluation_order(form: FormSpec) -> tuple[str, ...]:
    graph = dependencies(form)
    known = {f.name for f in form.fields()}
    graph = {name: {d for d in reads if d in known} for name, reads in graph.items()}
    return tuple(n for n in graphlib.TopologicalSorter(graph).static_order() if n in known)


@dataclass
class State:
    visible: bool = True
    required: bool = False
    readonly: bool = False


def work_out(form: FormSpec, values: dict[str, Any],
             previous: Mapping[str, Any] | None = None,
             hidden: frozenset[str] = frozenset()) -> dict[str, State]:
    """Apply the rules to ``values`` in place; return each field's state.

    ``previous``: the values saved before (a read-only field keeps its previous value).
    ``hidden``: fields hidden whatever the rules say (the staff-only fields of a form filed
    online): empty, and not required.
    """
    states: dict[str, State] = {}
    section_visible: dict[str, bool] = {}
    for name in form.order:
        f = form.field(name)
        section = form.section_of(name)
        if section.name not in section_visible or section.visible_if is not None:
            section_visible[section.name] = (section.visible_if is None
                                             or expr.evaluate(section.visible_if, values) is True)
        visible = section_visible[section.name] and name not in hidden \
            and _holds(f, "visible_if", values, default=True)
        state = State(visible=visible)
        if not visible:
            values[name] = None
        elif f.compute is not None:
            values[name] = computed(f, expr.evaluate(f.compute, values))
            state.readonly = True
        else:
            state.required = f.required or _holds(f, "required_if", values, default=False)
            state.readonly = _holds(f, "readonly_if", values, default=False)
            if state.readonly:
                values[name] = (previous or {}).get(name)
        states[name] = state
    return states


def _holds(f: FieldSpec, rule: str, values: Mapping[str, Any], default: bool) -> bool:
    tree = f.rules.get(rule)
    return default if tree is None else expr.evaluate(tree, values) is True


def computed(f: FieldSpec, value: Any) -> Any:
    """A computed value in its field's type: money to the fen, integers whole."""
    if not isinstance(value, Decimal):
        return value
    if f.type == "integer":
        return int(value.to_integral_value())
    places = 2 if f.type == "money" else int(f.get("decimals", 2))
    return expr._round(value, places)
