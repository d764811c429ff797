"""The search form of the generated lists, without a query per related table on every view.

FAB renders every filter field of a list on each page view, hidden until the user adds that
filter; a filter on a related record (item, sub-center, window) is a dropdown of every such
record the user may see — the whole item catalog of a county (thousands of options) read and
rendered on every page of every list. Those records change only by publishing, so their
dropdown is rendered once per list, column, scope, publication and language, and reused.
A list viewed without filters — most views — gets its whole search form from the same kind of
store (rendering the form's every hidden field was a third of a clerk's list page), its script's
nonce put back per request; a list with a filter on records that change (users, roles) is
rendered each time.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_appbuilder.widgets import SearchWidget
from flask_babel import get_locale
from markupsafe import Markup

from portal.access.scope import current_scope
from portal.core.recent import Recent
from portal.models import Center, Item, Offering, SubCenter, Window
from portal.web.current import current_publication

PUBLISHED = (Center, Item, Offering, SubCenter, Window)  # changed only by publishing
KEEP = 2000
NONCE_MARK = "0PORTALNONCE0"  # stands for the request's script nonce in a kept search form


class CachedSearchWidget(SearchWidget):
    def __call__(self, **kwargs: Any) -> Any:
        """Unfiltered (most page views), the whole search form is the same for every view of
        the list by the same scope, publication and language: rendered once, its script's
        nonce put back per request. Filtered, it is rendered with the filters' values."""
        nonce = getattr(request, "csp_nonce", "")
        datamodel = self.filters.datamodel
        if self.filters.get_filters_values_tojson() or not nonce or any(
                datamodel.is_relation(col) and datamodel.get_related_model(col) not in PUBLISHED
                for col in self.template_args["include_cols"]):  # a dropdown of changing records
            return self._render(**kwargs)
        cache = current_app.extensions.setdefault("portal_search_forms", Recent(keep=KEEP))
        key = (datamodel.obj.__name__, tuple(self.template_args["include_cols"]),
               current_scope(), current_publication(), str(get_locale()), request.script_root)
        html = cache.get(key)
        if html is None:
            html = cache.put(key, str(self._render(**kwargs)).replace(nonce, NONCE_MARK))
        return Markup(html.replace(NONCE_MARK, nonce))

    def _render(self, **kwargs: Any) -> Any:
        form = self.template_args["form"]
        if isinstance(form, _Later):
            form = self.template_args["form"] = form.made()
        datamodel = self.filters.datamodel
        cache = current_app.extensions.setdefault("portal_search_fields", Recent(keep=KEEP))
        publication = current_publication()
        rendered: dict[str, Any] = {}
        for col in self.template_args["include_cols"]:
            if not (datamodel.is_relation(col) and datamodel.get_related_model(col) in PUBLISHED):
                continue
            key = (datamodel.obj.__name__, col, current_scope(), publication, str(get_locale()))
            rendered[col] = cache.get(key) or cache.put(key, Markup(form[col]()))
        self.template_args["form"] = _Rendered(form, rendered)
        return super().__call__(**kwargs)


class LaterForm:
    """A list's search form class, made into a form only when the search widget renders it:
    FAB makes the form (a field per search column, each bound and filled) on every view of the
    list, where the kept search form needs none of it (a twentieth of a list page)."""

    def __init__(self, form_class: Any) -> None:
        self.form_class = form_class

    def refresh(self, obj: Any = None) -> _Later:
        return _Later(self.form_class, obj)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.form_class, name)


class _Later:
    def __init__(self, form_class: Any, obj: Any) -> None:
        self.form_class, self.obj = form_class, obj

    def made(self) -> Any:
        return self.form_class.refresh(self.obj)


class _Rendered:
    """The search form, with some fields' HTML given already."""

    def __init__(self, form: Any, rendered: dict[str, Any]) -> None:
        self._form, self._rendered = form, rendered

    def __getitem__(self, name: str) -> Any:
        field = self._form[name]
        html = self._rendered.get(name)
        return field if html is None else _Field(field, html)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._form, name)


class _Field:
    """A form field whose rendering is known: calling it gives that HTML."""

    def __init__(self, field: Any, html: Any) -> None:
        self._field, self._html = field, html

    def __call__(self, **kwargs: Any) -> Any:
        return self._html

    def __getattr__(self, name: str) -> Any:
        return getattr(self._field, name)
