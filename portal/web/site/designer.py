"""The form designer: a sub-center manager changes their additions to an item's form in the
browser, sees the form as a clerk will, sees every problem with its path, and publishes.

The page carries the overlay being edited (JSON in a hidden field); each action returns the page
with the overlay changed, the preview rebuilt and the problems found by the same check as
`portal check`. Only a clean overlay publishes, as a new version made in the browser.
"""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, Form, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from portal.access.roles import WRITE, permission
from portal.core.errors import PortalError
from portal.forms.build import blank
from portal.forms.spec import form_from
from portal.forms.types import COMPUTABLE, TYPES
from portal.models import Offering, db
from portal.site import form_design as design
from portal.site.edits import publish_change, said, try_change
from portal.site.layers import merge_form, resolve
from portal.site.publish import current_version
from portal.web.cases.intake import flat, offerings_with_forms, row_templates, rules_json
from portal.web.errors import error_text
from portal.web.site.form_versions import KEY_LABELS


class FieldEditor(Form):
    """One field as a manager describes it: words, not YAML."""

    name = StringField(_l("Field name (letters, digits, _)"))
    label = StringField(_l("Label"))
    type = SelectField(_l("Type"), choices=[SelectChoice(n, t.label) for n, t in TYPES.items()
                                            if n != "table"], validate_choice=False)
    section = SelectField(_l("Section"), choices=[], validate_choice=False)
    required = BooleanField(_l("Required"))
    help = StringField(KEY_LABELS["help"])
    placeholder = StringField(KEY_LABELS["placeholder"])
    options = TextAreaField(_l("Options (one per line)"))
    widget = SelectField(KEY_LABELS["widget"], choices=[SelectChoice("", _l("Drop-down list")),
                                                         SelectChoice("radio", _l("Buttons"))],
                         validate_choice=False)
    min_length = StringField(KEY_LABELS["min_length"])
    max_length = StringField(KEY_LABELS["max_length"])
    min = StringField(KEY_LABELS["min"])
    max = StringField(KEY_LABELS["max"])
    decimals = StringField(KEY_LABELS["decimals"])
    material = SelectField(KEY_LABELS["material"], choices=[], validate_choice=False)
    accept = StringField(_l("File types (e.g. pdf, jpg)"))
    max_size_mb = StringField(KEY_LABELS["max_size_mb"])
    max_files = StringField(KEY_LABELS["max_files"])
    visible_if = StringField(KEY_LABELS["visible_if"])
    required_if = StringField(KEY_LABELS["required_if"])
    readonly_if = StringField(KEY_LABELS["readonly_if"])
    compute = StringField(KEY_LABELS["compute"])
    list = BooleanField(KEY_LABELS["list"])


WHOLE = ("min_length", "max_length", "decimals", "max_size_mb", "max_files")
TEXTS = ("label", "help", "placeholder", "material", "visible_if", "required_if", "readonly_if",
         "compute", "widget")


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text  # a date, 'today', or a typo the check will name


def field_of(editor: FieldEditor) -> dict[str, Any]:
    """The declaration of the edited field: only what the manager filled in."""
    out: dict[str, Any] = {"name": editor.name.data.strip(), "type": editor.type.data}
    for key in TEXTS:
        value = (editor[key].data or "").strip()
        if value:
            out[key] = value
    if editor.required.data:
        out["required"] = True
    if editor.list.data:
        out["list"] = True
    options = [line.strip() for line in (editor.options.data or "").splitlines() if line.strip()]
    if options:
        out["options"] = options
    accept = [e.strip().lstrip(".").lower() for e in (editor.accept.data or "").replace("，", ",").split(",")
              if e.strip()]
    if accept:
        out["accept"] = accept
    for key in WHOLE:
        text = (editor[key].data or "").strip()
        if text:
            out[key] = int(text) if text.isdigit() else text
    for key in ("min", "max"):
        text = (editor[key].data or "").strip()
        if text:
            out[key] = _number(text)
    if out["type"] not in COMPUTABLE:
        out.pop("compute", None)
    return out


def editor_for(field: dict[str, Any] | None, section: str, formdata: Any = None) -> FieldEditor:
    editor = FieldEditor(formdata)
    if formdata is None and field is not None:
        for key, value in field.items():
            if key in editor._fields and key != "options" and key != "accept":
                editor[key].data = value if not isinstance(value, (int, float)) or isinstance(value, bool) \
                    else str(value)
        editor.options.data = "\n".join(field.get("options", ()))
        editor.accept.data = ", ".join(field.get("accept", ()))
    if formdata is None:
        editor.section.data = section
    return editor


class DesignerView(BaseView):
    """申请表设计: the forms of the items a sub-center offers, and the designer of each."""

    route_base = "/designer"
    default_view = "index"
    datamodel = SQLAInterface(Offering)
    class_permission_name = "subcenters"
    method_permission_name = {"index": WRITE, "design": WRITE}
    base_permissions = [permission(WRITE)]

    @expose("/")
    @has_access
    def index(self) -> Any:
        seen, rows = set(), []
        for o in offerings_with_forms():
            key = (o.sub_center_id, o.item.data.get("form"))
            if key not in seen:
                seen.add(key)
                rows.append(o)
        return self.render_template("portal/designer_choose.html", offerings=rows,
                                    title=gettext("Form designer"))

    @expose("/<int:pk>", methods=["GET", "POST"])
    @has_access
    def design(self, pk: int) -> Any:
        offering = db.session.scalars(select(Offering).where(Offering.id == pk, Offering.active)
                                      .options(selectinload(Offering.item))).one_or_none()
        code = offering.item.data.get("form") if offering is not None else None
        if offering is None or not code:
            abort(404)
        sub = offering.sub_center.code
        version = current_version(db.session)
        documents = version.documents
        base = documents["forms"][code]
        overlay = documents.get("form_overlays", {}).get(sub, {}).get(code) or design.empty(code)
        selected, section = request.args.get("field", ""), request.args.get("section", "")
        editor = None
        if request.method == "POST":
            try:
                overlay = json.loads(request.form.get("overlay", ""))
            except ValueError:
                abort(400)
            op = request.form.get("op", "")
            selected = request.form.get("field", "")
            section = request.form.get("section", "")
            if op == "publish":
                return self._publish(offering, sub, code, overlay, base, documents, version.number)
            overlay, selected, editor = self._apply(op, base, overlay, selected)
        return self._page(offering, sub, code, base, overlay, documents, selected, section, editor)

    def _apply(self, op: str, base: dict[str, Any], overlay: dict[str, Any],
               selected: str) -> tuple[dict[str, Any], str, FieldEditor | None]:
        if op == "save_field":
            editor = FieldEditor(request.form)
            field = field_of(editor)
            if not field["name"] or not field.get("label"):
                flash(gettext("A field needs a name and a label."), "danger")
                return overlay, selected, editor
            return design.save_field(base, overlay, editor.section.data, field), field["name"], None
        if op == "remove":
            return design.remove_field(base, overlay, selected), "", None
        if op == "restore":
            return design.restore_field(overlay, selected), selected, None
        if op in ("section_up", "section_down"):
            name = request.form.get("section", "")
            return design.move_section(base, overlay, name, -1 if op == "section_up" else 1), "", None
        if op == "remove_section":
            return design.remove_section(base, overlay, request.form.get("section", "")), "", None
        if op in ("up", "down"):
            return design.move_field(base, overlay, selected, -1 if op == "up" else 1), selected, None
        if op == "add_section":
            name = request.form.get("section_name", "").strip()
            title = request.form.get("section_title", "").strip()
            if name and title:
                return design.add_section(overlay, name, title), "", None
            flash(gettext("A section needs a name and a title."), "danger")
        return overlay, selected, None

    def _page(self, offering: Offering, sub: str, code: str, base: dict[str, Any],
              overlay: dict[str, Any], documents: dict[str, Any], selected: str, section: str,
              editor: FieldEditor | None, problems: list[Any] | None = None, status: int = 200) -> Any:
        merged, _, _ = merge_form(base, overlay, keep_empty=True)
        dictionaries = documents["center"].get("dictionaries", {})
        if problems is None:
            _, found = try_change(db.session, _set_overlay(sub, code, design.tidy(overlay)))
            problems = [p for p in found if p.is_error]
        preview = rules = spec = None
        rows: dict[str, Any] = {}
        try:
            spec = form_from(resolve(merge_form(base, overlay)[0], dictionaries))
            preview, rules = blank(spec), rules_json(spec)
            rows = row_templates(spec, preview)
        except Exception:
            preview = None
        fields = {f["name"]: (s["name"], f) for s in merged["sections"] for f in s["fields"]}
        removed = [f for s in base["sections"] for f in s["fields"] if f["name"] in overlay.get("remove", ())]
        if editor is None:
            current = fields.get(selected)
            editor = editor_for(current[1] if current else None,
                                current[0] if current else (section or merged["sections"][-1]["name"]))
        editor.section.choices = [SelectChoice(s["name"], s.get("title", s["name"]))
                                  for s in merged["sections"]]
        materials = [m["name"] for m in offering.item.data.get("materials", ())]
        editor.material.choices = [SelectChoice("", "—")] + [SelectChoice(m) for m in materials]
        body = self.render_template(
            "portal/designer.html", offering=offering, code=code, base=base, overlay=overlay,
            overlay_json=json.dumps(overlay, ensure_ascii=False), merged=merged,
            origin=lambda name: design.origin(base, overlay, name), removed=removed,
            own_sections={s["name"] for s in merged["sections"]} - {s["name"] for s in base["sections"]},
            selected=selected, editor=editor, problems=problems, preview=preview, spec=spec,
            rules=rules, flat=flat, types=TYPES, row_templates=rows, dictionaries=dictionaries,
            base_version=current_version(db.session).number, title=gettext("Form designer"),
            type_keys=json.dumps({name: sorted(t.keys | ({"compute"} if name in COMPUTABLE else set()))
                                  for name, t in TYPES.items()}))
        return body, status

    def _publish(self, offering: Offering, sub: str, code: str, overlay: dict[str, Any],
                 base: dict[str, Any], documents: dict[str, Any], number: int) -> Any:
        if request.form.get("base_version", type=int) != number:
            flash(gettext("Version %(number)s was published since you opened this form: check the "
                          "values and save again.", number=number), "warning")
            return self._page(offering, sub, code, base, overlay, documents, "", "", None, None, 409)
        try:
            result, problems = publish_change(db.session, _set_overlay(sub, code, design.tidy(overlay)),
                                              by=current_user.username)
        except PortalError as exc:
            flash(error_text(exc), "danger")
            return self._page(offering, sub, code, base, overlay, documents, "", "", None, None, 409)
        if result is None:
            flash(gettext("Not published: the form has problems, listed with their path."), "danger")
            return self._page(offering, sub, code, base, overlay, documents, "", "", None,
                              [p for p in problems if p.is_error], 422)
        db.session.refresh(offering)
        flash(gettext("Published: the form is now %(version)s.", version=str(offering.form_version)),
              "success")
        return redirect(url_for("DesignerView.design", pk=offering.id))


def _set_overlay(sub: str, code: str, overlay: dict[str, Any]):
    def change(documents: dict[str, Any]) -> None:
        overlays = documents.setdefault("form_overlays", {}).setdefault(sub, {})
        if overlay.get("sections") or overlay.get("remove"):
            overlays[code] = overlay
        else:
            overlays.pop(code, None)
    return said(change, "form_overlay", sub, code, overlay)
