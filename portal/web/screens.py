"""The base of every generated screen (kept apart from the generator, so screens with pages of
their own can extend it from the entity registry without an import cycle)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort
from flask_appbuilder import ModelView, expose, has_access
from flask_login import current_user

from portal.access.roles import WRITE, permission
from portal.cases import audit
from portal.models import db
from portal.web.csv_export import CsvExport
from portal.web.listing import LeanListWidget, LeanShowWidget
from portal.web.routes import SafeRoutes
from portal.web.search import CachedSearchWidget, LaterForm


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
    show_widget = LeanShowWidget
    page_size = 25
    # what the show page needs beyond the record (the generator sets it per entity): the view
    # works it out and hands it over as ``page``; templates never query
    show_page: Callable[[Any], dict[str, Any]] | None = None
    # show columns for those who may change the record only (the entity's ``private``)
    private_columns: tuple[str, ...] = ()

    def _get_show_widget(self, pk: Any, item: Any, widgets: Any = None, actions: Any = None,
                         show_fieldsets: Any = None) -> Any:
        """FAB's, without the private columns for a user who may only read."""
        widgets = super()._get_show_widget(pk, item, widgets, actions, show_fieldsets)
        if self.private_columns and not self.appbuilder.sm.has_access(
                permission(WRITE), self.class_permission_name):
            columns = [c for c in self.show_columns if c not in self.private_columns]
            widgets["show"] = self.show_widget(
                pk=pk, label_columns=self.label_columns, include_columns=columns,
                value_columns=self.datamodel.get_values_item(item, columns),
                formatters_columns=self.formatters_columns, actions=actions or self.actions,
                fieldsets=show_fieldsets or self.show_fieldsets, modelview_name=type(self).__name__)
        return widgets

    def _init_forms(self) -> None:
        super()._init_forms()
        self.search_form = LaterForm(self.search_form)  # made only when not kept

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
