"""The center's print templates in the browser (机构 → 文书模板).

Every document of every sub-center comes from these templates (五统一: one layout), so they
are the center's: the center admin edits them; sub-center managers read and preview them. A
save is checked like a command-line publication (schema.E068 for Jinja syntax) and, before
that, rendered in the sandbox over sample data — a template error names the template and its
line, an attempt to reach Python internals is refused, and the typed text is kept. Only a clean
save publishes a new site version (source ``browser``).
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, request
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext
from flask_login import current_user

from portal.access.roles import READ, WRITE, permission
from portal.documents import issuing
from portal.documents.render import DocumentError, render_html, render_pdf
from portal.models import db
from portal.site.edits import publish_change, said
from portal.web.current import current_site
from portal.web.errors import error_text
from portal.web.site.published import problem_text


def set_template(name: str, text: str) -> Any:
    def change(documents: dict[str, Any]) -> None:
        documents["templates"][name] = text

    return said(change, "template", name, text)


def _names() -> list[str]:
    return sorted(n for n in current_site().templates if n.endswith((".html", ".css")))


class TemplateEditorView(BaseView):
    route_base = "/print-templates"
    default_view = "index"
    class_permission_name = "templates"
    method_permission_name = {"index": READ, "edit": READ, "preview": READ, "save": WRITE}
    base_permissions = [permission(READ), permission(WRITE)]

    @expose("/")
    @has_access
    def index(self) -> Any:
        return self.render_template("portal/print_templates.html", names=_names(),
                                    title=gettext("Print templates"))

    def _page(self, name: str, text: str, error: str = "", problems: Any = ()) -> Any:
        return self.render_template("portal/print_template_edit.html", name=name, text=text,
                                    error=error, problems=problems, title=name,
                                    can_save=self.appbuilder.sm.has_access(permission(WRITE), "templates"))

    @expose("/<path:name>")
    @has_access
    def edit(self, name: str) -> Any:
        site = current_site()
        if name not in site.templates:
            abort(404)
        return self._page(name, site.templates[name])

    def _tried(self, name: str, text: str) -> tuple[dict[str, str], bytes | None, str]:
        """The templates with ``text`` as ``name``, and its sample PDF or the error."""
        templates = {**current_site().templates, name: text}
        page = name if name.endswith(".html") else "acceptance-notice.html"  # a CSS shows on a notice
        try:
            html = render_html(templates, page, issuing.sample_context(current_site(), page))
            return templates, render_pdf(templates, html, name=page), ""
        except DocumentError as exc:
            return templates, None, error_text(exc)  # the message and its hint

    @expose("/<path:name>/preview", methods=["POST"])
    @has_access
    def preview(self, name: str) -> Any:
        if name not in current_site().templates:
            abort(404)
        text = request.form.get("text", "")
        _, pdf, error = self._tried(name, text)
        if pdf is None:
            return self._page(name, text, error)
        return Response(pdf, mimetype="application/pdf")

    @expose("/<path:name>/save", methods=["POST"])
    @has_access
    def save(self, name: str) -> Any:
        if name not in current_site().templates:
            abort(404)
        text = request.form.get("text", "").replace("\r\n", "\n")
        _, pdf, error = self._tried(name, text)
        if pdf is None:
            return self._page(name, text, error)
        result, problems = publish_change(db.session, set_template(name, text), by=current_user.username)
        if result is None:
            db.session.rollback()
            return self._page(name, text, gettext("Not published: fix the problems below."),
                              [problem_text(p) for p in problems])
        flash(gettext("Published as version %(n)s.", n=result.version.number), "success")
        return self._page(name, text)
