"""The table of the generated lists, rendered at the cost of what it shows.

FAB's list widget runs a Jinja macro per row for the show/edit/delete buttons (three
``url_for``, two translations and a permission filter each) and a formatter lookup per cell: on a
page of 25 cases that was half the page's time. Its header (pages, page sizes, sort links, the
add and back buttons) is a dozen more macros, each link copying the request's arguments and
asking ``url_for`` again, each permission walking every view. Here the page's links, buttons and
permissions are worked out once in Python and the widget is one flat template; each row's cells
are joined in Python, escaped as Jinja would escape them (a value repeated down a column is
formatted once), and the buttons are rendered once with a placeholder for the record's key, then
filled in per row. The page reads as before: a test renders FAB's widget beside it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, g, request, url_for
from flask_appbuilder.filters import TemplateFilters
from flask_appbuilder.widgets import ListWidget, ShowWidget
from flask_babel import gettext
from markupsafe import Markup, escape
from werkzeug.routing import BuildError

# stands for the record's key in the buttons rendered once (letters and digits: url_for keeps it)
KEY_MARK = "0PORTALKEY0"
# a plain string filled with the value escaped: Markup's ``%`` escapes through a helper object
# per value, a third of the rows' time
CELL = "<td>{}</td>"
SHOWN = ('<tr><th class="col-lg-2 col-md-2 col-sm-2">{}</th>'
         '<td><span style="white-space: pre-line">{}</span></td></tr>')


class LeanListWidget(ListWidget):
    """FAB's list widget in one flat template (``portal/widgets/list.html``): FAB's renders a
    dozen macros, each link through a filter that asks ``url_for`` again and each permission
    through a filter that walks every view; here they are worked out once, in Python, and the
    page reads as FAB's (a test compares the two)."""

    template = "portal/widgets/list.html"

    def __call__(self, **kwargs: Any) -> Any:
        args = {**self.template_args, **kwargs}
        view = args["modelview_name"]
        visible = current_app.jinja_env.filters["is_item_visible"]
        can_show, can_edit, can_delete = (visible(p, view) for p in ("can_show", "can_edit", "can_delete"))
        actions = current_app.jinja_env.filters["get_actions_on_list"](args.get("actions") or {}, view)
        filters = args["filters"]
        page, size, count = args.get("page") or 0, args["page_size"], args["count"]
        pages = -(-count // size)
        args.update(
            rows=_rows(args), key_mark=KEY_MARK, actions=actions, nonce=getattr(request, "csp_nonce", ""),
            crud=_crud(view, filters, can_show, can_edit, can_delete), headers=_headers(args, view),
            pager=_pager(page, pages, view) if pages > 1 else (),
            sizes=[(s, link_page_size(s, view)) for s in range(25, 125, 25) if page * s <= count],
            add_href=_path(f"{view}.add", filters) if visible("can_add", view) else None,
            action_href=_safe_url_for(f"{view}.action_post") if actions else None,
            back=_back())
        return current_app.jinja_env.get_template(self.template).render(args)


class LeanShowWidget(ShowWidget):
    """FAB's show widget as one flat template (``portal/widgets/show.html``), its rows joined in
    Python as the list's cells are: FAB's ran a macro per column, which looked its value up by
    the column's place in the list (a tenth of a case's page). Fieldsets go to FAB's."""

    template = "portal/widgets/show.html"

    def __call__(self, **kwargs: Any) -> Any:
        args = {**self.template_args, **kwargs}
        if args.get("fieldsets"):
            return super().__call__(**kwargs)
        view, pk = args["modelview_name"], args["pk"]
        formatters, labels = args.get("formatters_columns") or {}, args["label_columns"]
        args["rows"] = Markup("".join([
            SHOWN.format(escape(labels.get(c)), escape(f(v) if (f := formatters.get(c)) else v))
            for c, v in zip(args["include_columns"], args["value_columns"], strict=True)]))
        shown = current_app.jinja_env.filters["get_actions_on_show"](args.get("actions") or {}, view)
        args["actions"] = [(href, action) for action in shown.values()
                           if (href := _safe_url_for(f"{view}.action", name=action.name, pk=pk))]
        args.update(nonce=getattr(request, "csp_nonce", ""), back=_back())
        return current_app.jinja_env.get_template(self.template).render(args)


def _rows(args: dict[str, Any]) -> list[tuple[Any, Markup]]:
    """Each row's key and its cells, joined in Python, escaped as Jinja would escape them (a
    value repeated down a column is formatted once)."""
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

    return [(pk, Markup("".join([td(c, f, values[c]) for c, f in shown])))
            for pk, values in zip(args["pks"], args["value_columns"], strict=True)]


def _headers(args: dict[str, Any], view: str) -> list[tuple[Any, str | None, str]]:
    """Each column's label, with its sort link and icon where the list sorts by it."""
    labels, ordered = args["label_columns"], args["order_columns"]
    by, direction = request.args.get(f"_oc_{view}"), request.args.get(f"_od_{view}")
    icons = {True: "fa-chevron-up" if direction == "asc" else "fa-chevron-down", False: "fa-arrows-v"}
    return [(labels.get(c), link_order(c, view), icons[c == by]) if c in ordered
            else (labels.get(c), None, "") for c in args["include_columns"]]


def _pager(page: int, pages: int, view: str) -> list[tuple[Any, str | None, str]]:
    """FAB's pagination: first, previous, up to seven pages around this one, next, last."""
    low, high = page - 3, page + 4
    if low < 0:
        high -= low
    if high >= pages:
        low -= high - pages
    low, high = max(low, 0), min(high, pages)
    out = [("«", link_page(0, view), "") if low > 0 else ("«", None, "disabled"),
           ("<", link_page(page - 1, view), "") if page > 0 else ("<", None, "disabled")]
    out += [(p + 1, None, "active") if p == page else (p + 1, link_page(p, view), "")
            for p in range(low, high)]
    out += [(">", link_page(page + 1, view), "") if page + 1 < pages else (">", None, "disabled"),
            ("»", link_page(pages - 1, view), "") if high < pages else ("»", None, "disabled")]
    return out


def _safe_url_for(endpoint: str, **values: Any) -> str | None:
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _path(endpoint: str, filters: Any, **values: Any) -> str | None:
    """The endpoint's address with the list's related-view filters (FAB's ``set_link_filters``)."""
    path = _safe_url_for(endpoint, **values)
    return None if path is None else current_app.jinja_env.filters["set_link_filters"](path, filters)


BUTTON = ('<a href="{href}" class="btn btn-sm btn-default" data-toggle="tooltip" rel="tooltip" '
          'title="{title}"><span class="sr-only">{name}</span><i class="fa {icon}"></i></a>')
DELETE = ('<a id="btn-delete-{href}" href="#" class="btn btn-sm btn-default confirm" rel="tooltip" '
          'title="{title}"><span class="sr-only">{name}</span><i class="fa fa-trash"></i></a>'
          '<script nonce="{nonce}">document.getElementById("btn-delete-{href}")\n.addEventListener('
          '"click", function () {{ const adminAction = new AdminActions(); return '
          "adminAction.execute_single_delete('{href}','{sure}'); }})</script>")


def _back() -> Markup:
    """FAB's back button (``lnk_back``), as the list and show widgets end their bars."""
    back = escape(gettext("Back"))
    return Markup(BUTTON.format(href=escape(url_for("UtilView.back")), title=back, name=back,
                                icon="fa-arrow-left"))


def _crud(view: str, filters: Any, can_show: bool, can_edit: bool, can_delete: bool) -> Markup | str:
    """A row's show/edit/delete buttons (FAB's ``btn_crud``), the record's key a mark."""
    if not (can_show or can_edit or can_delete):
        return ""
    buttons = []
    if can_show and (href := _path(f"{view}.show", filters, pk=KEY_MARK)):
        buttons.append(BUTTON.format(href=escape(href), title=escape(gettext("Show record")),
                                     name=escape(gettext("Show")), icon="fa-search"))
    if can_edit and (href := _path(f"{view}.edit", filters, pk=KEY_MARK)):
        buttons.append(BUTTON.format(href=escape(href), title=escape(gettext("Edit record")),
                                     name=escape(gettext("Edit")), icon="fa-edit"))
    if can_delete and (href := _safe_url_for(f"{view}.delete", pk=KEY_MARK)):
        buttons.append(DELETE.format(href=escape(href), title=escape(gettext("Delete record")),
                                     name=escape(gettext("Delete")), nonce=getattr(request, "csp_nonce", ""),
                                     sure=escape(gettext("Are you sure you want to delete this item?"))))
    return Markup(f'<div class="btn-group btn-group-xs" style="display: flex;">{"".join(buttons)}</div>')


# FAB's links of a list (pages, page sizes, sorts) each copy the request's arguments and ask
# ``url_for`` again (twenty on a list); here the page's address is asked once per request and
# each link adds its arguments to it, in FAB's order and encoded as Werkzeug encodes them: the
# same address.
SAFE = "!$'()*,/:;?@"  # what Werkzeug leaves unquoted in a query


def _base() -> tuple[str, dict[str, str]]:
    """This page's address without its arguments, and its arguments (asked once per request)."""
    base = g.get("portal_list_base")
    if base is None:
        base = g.portal_list_base = (url_for(request.endpoint, **(request.view_args or {})),
                                     request.args.to_dict())
    return base


def _address(address: str, args: dict[str, Any]) -> str:
    """``address`` with ``args`` as Werkzeug's ``url_for`` adds them (in their order, without
    those that are ``None``)."""
    pairs = [(k, v) for k, v in args.items() if v is not None]
    return f"{address}?{urlencode(pairs, safe=SAFE)}" if pairs else address


def _link(**changed: Any) -> str:
    address, args = _base()
    return _address(address, {**args, **changed})


def here(**args: Any) -> str:
    """This page's address with exactly ``args`` (``url_for`` of the page's own endpoint, its
    address asked once per request): a page's pages, filters and summary links."""
    return _address(_base()[0], args)


def record_href(endpoint: str, pk: int) -> str:
    """The address of record ``pk`` at ``endpoint`` (``url_for(endpoint, pk=pk)``), asked of
    ``url_for`` once per request and endpoint: a page that links each of its rows."""
    made = g.get("portal_record_hrefs")
    if made is None:
        made = g.portal_record_hrefs = {}
    href = made.get(endpoint)
    if href is None:
        href = made[endpoint] = url_for(endpoint, pk=KEY_MARK)
    return href.replace(KEY_MARK, str(int(pk)))


def link_page(page: int, view: str) -> str:
    return _link(**{f"page_{view}": page})


def link_page_size(size: int, view: str) -> str:
    return _link(**{f"psize_{view}": size})


def link_order(column: str, view: str) -> str:
    """The column's sort link: ascending, or descending when the list is sorted ascending by
    some column already (FAB's toggle)."""
    toggled = f"_oc_{view}" in request.args and request.args.get(f"_od_{view}") == "asc"
    return _link(**{f"_oc_{view}": column, f"_od_{view}": "desc" if toggled else "asc"})


def _view_named(name: str) -> Any:
    """The registered view of class ``name`` (FAB's ``find_views_by_name`` walks every view,
    some sixty, for each button and menu entry it checks): found in a dict made once per app
    and made again when views are added."""
    views = current_app.appbuilder.baseviews
    kept = current_app.extensions.get("portal_views_by_name")
    if kept is None or kept[0] != len(views):
        kept = current_app.extensions["portal_views_by_name"] = (
            len(views), {type(v).__name__: v for v in reversed(views)})  # the first of a name, as FAB's
    return kept[1].get(name)


def init_app(app: Flask) -> None:
    """Put the list links above in place of FAB's (after AppBuilder has set its own), and find
    views by name through a dict."""
    app.jinja_env.filters.update(link_page=link_page, link_page_size=link_page_size, link_order=link_order)
    app.jinja_env.globals.update(portal_here=here, portal_record_href=record_href)
    TemplateFilters.find_views_by_name = staticmethod(_view_named)
