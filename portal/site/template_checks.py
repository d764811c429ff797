"""Print templates against the forms they print: a template reading ``case.data.<field>`` that
the form of an item using it does not have would print nothing, silently (schema.E069).

Which items use a template: the notices every case may get (受理, 不予受理, 一次性告知, 办结 and
the layout they extend) are every item's; a result template is the items' that name it (their
``result.template``, else ``result-notice``). A form's fields are its own and those every
sub-center's additions give it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from portal.core.problems import Problem
from portal.core.text import did_you_mean
from portal.site.loader import TEMPLATE_DIR, Loaded

EVERY_ITEMS = ("acceptance-notice.html", "rejection-notice.html", "missing-notice.html",
               "completion-notice.html", "_notice.html", "_verify.html")
RESULT_DEFAULT = "result-notice"


def data_reads(text: str) -> Iterator[tuple[str, int]]:
    """(field, line) of every ``case.data.<field>`` or ``case.data['<field>']`` in a template."""
    tree = ImmutableSandboxedEnvironment().parse(text)
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        inner = node.node
        if not (isinstance(inner, nodes.Getattr) and inner.attr == "data"
                and isinstance(inner.node, nodes.Name) and inner.node.name == "case"):
            continue
        if isinstance(node, nodes.Getattr):
            yield node.attr, node.lineno
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            yield node.arg.value, node.lineno


def _form_fields(forms: Mapping[str, Loaded], overlays: list[Loaded]) -> dict[str, set[str]]:
    fields: dict[str, set[str]] = {}
    for code, form in forms.items():
        if form.usable and "sections" not in form.broken:
            fields[code] = {f.get("name") for s in form.data.get("sections", ()) for f in s.get("fields", ())}
    for overlay in overlays:
        code = overlay.data.get("form") if overlay.usable else None
        if code in fields and "sections" not in overlay.broken:
            fields[code] |= {f.get("name") for s in overlay.data.get("sections", ())
                             for f in s.get("fields", ())}
    return fields


def check_template_fields(templates: Mapping[str, str], items: Mapping[str, Loaded],
                          forms: Mapping[str, Loaded], overlays: list[Loaded]) -> list[Problem]:
    fields = _form_fields(forms, overlays)
    users: dict[str, list[tuple[str, str]]] = {}  # template -> (item, form) of the items using it
    for code, item in items.items():
        form = item.data.get("form") if item.usable else None
        if form not in fields:
            continue
        result = (item.data.get("result") or {}).get("template") or RESULT_DEFAULT
        for name in {f"{result}.html", *EVERY_ITEMS}:
            users.setdefault(name, []).append((code, form))
    problems: list[Problem] = []
    for name, text in sorted(templates.items()):
        if name not in users:
            continue
        try:
            reads = sorted(set(data_reads(text)), key=lambda r: (r[1], r[0]))
        except TemplateSyntaxError:
            continue  # schema.E068 says so
        for field, line in reads:
            lacking = [(item, form) for item, form in users[name] if field not in fields[form]]
            if lacking:
                item, form = lacking[0]
                more = f" (and {len(lacking) - 1} more)" if len(lacking) > 1 else ""
                problems.append(Problem(
                    f"{TEMPLATE_DIR}/{name}", line, "", "schema.E069",
                    f"reads case.data.{field}, which form {form!r} of item {item!r}{more} does not have",
                    did_you_mean(field, fields[form]) or "read a field of the form, or give the item "
                    "a template of its own"))
    return problems
