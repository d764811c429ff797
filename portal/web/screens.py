"""The base of every generated screen (kept apart from the generator, so screens with pages of
their own can extend it from the entity registry without an import cycle)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort
from flask_appbuilder import ModelView, expose, has_access
from flask_login import current_user

from portal.cases import audit
from portal.models import db
from portal.web.csv_export import CsvExport
from portal.web.listing import LeanListWidget
from portal.web.routes import SafeRoutes
from portal.web.search import CachedSearchWidget


class LoggedEdits:
    """Mixin for the screen and the API of an entity with an event log (``Entity.logged``):
    an edit appends what it changed, by whom, with the change itself."""

    def pre_update(self, item: Any) -> None:
        super().pre_update(item)
        audit.edited(db.session, item, current_user.username, self.logged_columns)

    logged_columns: tuple[str, ...] = ()  # the entity's edit columns


class PortalModelView(SafeRoutes, CsvExport, ModelView):
    """Base of the generated screens: the record on show pages, CSV export, no stray routes."""

    list_template = "portal/list.html"
    search_widget = CachedSearchWidget
    list_widget = LeanListWidget
    page_size = 25
    # what the show page needs beyond the record (the generator sets it per entity): the view
    # works it out and hands it over as ``page``; templates never query
    show_page: Callable[[Any], dict[str, Any]] | None = None

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk: Any) -> str:
        """FAB's show page, with the record itself and its page's data given to the template."""
        pk = self._deserialize_pk_if_composite(pk)
        record = self.datamodel.get(pk, self._base_filters)
        if record is None:
            abort(404)
        widgets = self._get_show_widget(pk, record)
        self.update_redirect()
        page = type(self).show_page(record) if type(self).show_page else {}
        return self.render_template(self.show_template, pk=pk, title=self.show_title,
                                    widgets=widgets, related_views=self._related_views,
                                    record=record, page=page)
