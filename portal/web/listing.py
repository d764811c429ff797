"""The table of the generated lists, rendered at the cost of what it shows.

FAB's list widget runs a Jinja macro per row for the show/edit/delete buttons (three
``url_for``, two translations and a permission filter each) and a formatter lookup per cell: on a
page of 25 cases that was half the page's time. Here each row's cells are joined in Python,
escaped as Jinja would escape them (a value repeated down a column is formatted once), and the
buttons are rendered once with a placeholder for the record's key, then filled in per row. The
page reads exactly as before.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, g, request, url_for
from flask_appbuilder.widgets import ListWidget
from markupsafe import Markup, escape

# stands for the record's key in the buttons rendered once (letters and digits: url_for keeps it)
KEY_MARK = "0PORTALKEY0"
# a plain string filled with the value escaped: Markup's ``%`` escapes through a helper object
# per value, a third of the rows' time
CELL = "<td>{}</td>"


class LeanListWidget(ListWidget):
    template = "portal/widgets/list.html"

    def __call__(self, **kwargs: Any) -> Any:
        args = self.template_args
        formatters = args.get("formatters_columns") or {}
        shown = [(c, formatters.get(c)) for c in args["include_columns"]]
        seen: dict[tuple[str, Any], str] = {}  # rows repeat items, windows, states

        def td(column: str, format: Any, value: Any) -> str:
            try:
                known = seen.get((column, value))
            except TypeError:  # a list, a dict: formatted each time
                return CELL.format(escape(format(value) if format else value))
            if known is None:
                known = seen[column, value] = CELL.format(escape(format(value) if format else value))
            return known

        args["rows"] = [(pk, Markup("".join([td(c, f, values[c]) for c, f in shown])))
                        for pk, values in zip(args["pks"], args["value_columns"], strict=True)]
        args["key_mark"] = KEY_MARK
        return super().__call__(**kwargs)


# FAB's links of a list (pages, page sizes, sorts) each copy the request's arguments and ask
# ``url_for`` again (twenty on a list); here the page's address is asked once per request and
# each link adds its arguments to it, in FAB's order and encoded as Werkzeug encodes them: the
# same address.
SAFE = "!$'()*,/:;?@"  # what Werkzeug leaves unquoted in a query


def _link(**changed: Any) -> str:
    base = g.get("portal_list_base")
    if base is None:
        base = g.portal_list_base = (url_for(request.endpoint, **(request.view_args or {})),
                                     request.args.to_dict())
    address, args = base
    args = {**args, **changed}
    return f"{address}?{urlencode(list(args.items()), safe=SAFE)}" if args else address


def link_page(page: int, view: str) -> str:
    return _link(**{f"page_{view}": page})


def link_page_size(size: int, view: str) -> str:
    return _link(**{f"psize_{view}": size})


def link_order(column: str, view: str) -> str:
    """The column's sort link: ascending, or descending when the list is sorted ascending by
    some column already (FAB's toggle)."""
    toggled = f"_oc_{view}" in request.args and request.args.get(f"_od_{view}") == "asc"
    return _link(**{f"_oc_{view}": column, f"_od_{view}": "desc" if toggled else "asc"})


def init_app(app: Flask) -> None:
    """Put the list links above in place of FAB's (after AppBuilder has set its own)."""
    app.jinja_env.filters.update(link_page=link_page, link_page_size=link_page_size, link_order=link_order)
