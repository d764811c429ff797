"""FAB routes that the generated screens tame: no crash on an unknown action or sort column, no
file route, and no edit, delete or action on a record the user sees but may not change (403
saying whose it is, before any work)."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, request, session, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.urltools import Stack, get_order_args
from flask_babel import gettext

from portal.web.errors import writable_or_403


class SafeRoutes:
    """Mixin for a FAB ModelView."""

    def post_add_redirect(self) -> Any:
        """After adding a record: its list, where the new record shows (FAB goes back through
        the session's page history, and from a form opened directly lands on the home page)."""
        return redirect(url_for(f"{type(self).__name__}.list"))

    def order(self) -> tuple[str, str]:
        """The sort the address asks for (``_oc_<view>``, ``_od_<view>``), else the view's own;
        a column the list cannot be sorted by is a 400 that names it."""
        column, direction = get_order_args().get(self.__class__.__name__, ("", ""))
        if not column:
            return self.base_order or ("", "")
        if column not in self.order_columns or direction not in ("asc", "desc"):
            abort(400, description=gettext("This list cannot be sorted by %(column)s.",
                                           column=f"{column[:40]} {direction[:10]}".strip()))
        return column, direction

    def _get_list_widget(self, filters: Any, order_column: str = "", order_direction: str = "",
                         **kwargs: Any) -> Any:
        if order_column or order_direction:
            self.order()
        return super()._get_list_widget(filters, order_column=order_column,
                                         order_direction=order_direction, **kwargs)

    def update_redirect(self) -> None:
        """FAB's back history (the page addresses the back button returns through), written to
        the session only when it changes: FAB assigns it on every list and show page, which
        makes Flask sign and send the session cookie again each time (a tenth of a list's
        response), though a user paging through one list mostly adds nothing to it."""
        history = Stack(session.get("page_history", []))
        before = list(history.data)
        history.push(request.url)
        if history.data != before:
            session["page_history"] = history.to_json()

    def _writable(self, pk: Any) -> None:
        item = self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
        if item is not None:  # else FAB's own 404
            writable_or_403(item)

    def _edit(self, pk: Any) -> Any:
        self._writable(pk)  # the form is not even shown
        return super()._edit(pk)

    def _delete(self, pk: Any) -> Any:
        self._writable(pk)
        return super()._delete(pk)

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    @has_access
    def action(self, name: str, pk: Any) -> Any:
        """FAB's single-row action; an unknown action is a 404, not FAB's crash."""
        if name not in self.actions:
            abort(404)
        self._writable(pk)
        return super().action(name, pk)  # FAB checks the action's own permission

    @expose("/action_post", methods=["POST"])
    @has_access
    def action_post(self) -> Any:
        """FAB's bulk action (it reads rows through the scoped session); unknown ones are 404."""
        if request.form.get("action") not in self.actions:
            abort(404)
        for pk in request.form.getlist("rowid"):
            self._writable(pk)
        return super().action_post()

    @expose("/download/<string:filename>")
    @has_access
    def download(self, filename: str) -> Any:
        """FAB serves uploaded files here; generated entities have none (uploads: forms)."""
        abort(404)
