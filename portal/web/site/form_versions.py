"""The form versions screen: a version's fields, the difference to another version, its YAML."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, request
from flask_appbuilder import expose, has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.forms.types import TYPES
from portal.models import FormVersion, db
from portal.site.form_versions import compare, to_yaml
from portal.web.screens import PortalModelView


class FormVersionScreen(PortalModelView):
    """The generated screen plus two read-only pages of its own."""

    show_template = "portal/form_version_show.html"

    def _version(self, pk: int) -> FormVersion:
        version = db.session.get(FormVersion, pk)
        if version is None:
            abort(404)
        return version

    @expose("/diff/<int:pk>", methods=["GET"])
    @has_access
    def diff(self, pk: int) -> Any:
        version = self._version(pk)
        other = self._version(request.args.get("with", type=int) or 0)
        if other.code != version.code:
            abort(404)
        old, new = sorted((other, version), key=lambda v: (v.created_at, v.id))
        return self.render_template("portal/form_version_diff.html", old=old, new=new,
                                    changes=compare(old.definition, new.definition),
                                    title=new.title)

    @expose("/yaml/<int:pk>", methods=["GET"])
    @has_access
    def yaml(self, pk: int) -> Response:
        version = self._version(pk)
        scope = f"-{version.scope}" if version.scope else ""
        text = to_yaml(version.definition, header=f"{version} · exported from the portal")
        return Response(text, mimetype="application/yaml", headers={
            "Content-Disposition": f'attachment; filename="{version.code}{scope}-v{version.number}.yaml"'})


def others(version: FormVersion) -> list[FormVersion]:
    """The other versions of the same form, newest first: what the show page compares with."""
    return list(db.session.scalars(select(FormVersion).where(
        FormVersion.code == version.code, FormVersion.id != version.id)
        .order_by(FormVersion.scope, FormVersion.number.desc())))


# Field keys and types as a manager reads them (the designer uses the same words).
KEY_LABELS = {
    "label": _l("Label"), "type": _l("Type"), "required": _l("Required"), "help": _l("Help text"),
    "placeholder": _l("Example text"), "locked": _l("Locked by the center"), "list": _l("Shown in lists"),
    "applicant": _l("Applicant part"), "visible_if": _l("Shown when"), "required_if": _l("Required when"),
    "readonly_if": _l("Read-only when"), "compute": _l("Computed as"), "options": _l("Options"),
    "dictionary": _l("Dictionary"), "widget": _l("Shown as"), "min_length": _l("Fewest characters"),
    "max_length": _l("Most characters"), "min": _l("Lowest value"), "max": _l("Highest value"),
    "decimals": _l("Decimal places"), "material": _l("Material"), "accept": _l("File types"),
    "max_size_mb": _l("Largest file (MB)"), "max_files": _l("Most files"), "columns": _l("Columns"),
    "min_rows": _l("Fewest rows"), "max_rows": _l("Most rows"), "section": _l("Section"),
}


def form_version_page(version: FormVersion) -> dict[str, Any]:
    """The show page's data: the other versions of the form, to compare with."""
    return {"others": others(version)}


def init_app(app: Any) -> None:

    app.add_template_global(lambda name: TYPES[name].label if name in TYPES else name,
                            "portal_field_type")
    app.add_template_global(lambda key: str(KEY_LABELS.get(key, key)), "portal_field_key")
