"""FAB routes that the generated screens tame: no crash on an unknown action, no file route."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_appbuilder import expose, has_access


class SafeRoutes:
    """Mixin for a FAB ModelView."""

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    @has_access
    def action(self, name: str, pk: Any) -> Any:
        """FAB's single-row action; an unknown action is a 404, not FAB's crash."""
        if name not in self.actions:
            abort(404)
        return super().action(name, pk)  # FAB checks the action's own permission

    @expose("/action_post", methods=["POST"])
    @has_access
    def action_post(self) -> Any:
        """FAB's bulk action (it reads rows through the scoped session); unknown ones are 404."""
        if request.form.get("action") not in self.actions:
            abort(404)
        return super().action_post()

    @expose("/download/<string:filename>")
    @has_access
    def download(self, filename: str) -> Any:
        """FAB serves uploaded files here; generated entities have none (uploads: forms)."""
        abort(404)
