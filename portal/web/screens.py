"""The base of every generated screen (kept apart from the generator, so screens with pages of
their own can extend it from the entity registry without an import cycle)."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_appbuilder import ModelView, expose, has_access

from portal.web.csv_export import CsvExport
from portal.web.routes import SafeRoutes


class PortalModelView(SafeRoutes, CsvExport, ModelView):
    """Base of the generated screens: the record on show pages, CSV export, no stray routes."""

    list_template = "portal/list.html"
    page_size = 25

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk: Any) -> str:
        """FAB's show page, with the record itself given to the template."""
        pk = self._deserialize_pk_if_composite(pk)
        record = self.datamodel.get(pk, self._base_filters)
        if record is None:
            abort(404)
        widgets = self._get_show_widget(pk, record)
        self.update_redirect()
        return self.render_template(self.show_template, pk=pk, title=self.show_title,
                                    widgets=widgets, related_views=self._related_views,
                                    record=record)
