"""Intake screens: a clerk chooses an item, fills its generated form, saves a draft or submits.

Both views sit on a scoped model (offerings, cases), so the one scope rule decides what a user
reaches and the isolation matrix (tests/test_isolation.py) covers their routes by itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import CombinedMultiDict

from portal.access.roles import WRITE, permission
from portal.access.scope import current_scope
from portal.cases import bookings
from portal.cases.files import DatabaseStore, FileStore, FolderStore
from portal.cases.intake import save_application, spec_of
from portal.cases.uploads import KEPT_SUFFIX, UploadStore
from portal.core.errors import PortalError
from portal.forms.build import Checked, Files, GeneratedForm, blank, check_submission, states_of
from portal.forms.spec import FormSpec
from portal.forms.types import TYPES
from portal.models import Booking, BookingState, Case, CaseState, Offering, Window, db
from portal.web.current import current_site
from portal.web.errors import error_text, writable_or_403

ROW_VERSION = "_row_version"  # hidden: the draft's row version the page was opened on



def uploads() -> UploadStore:
    """The upload store of the settings: ``PORTAL_FILE_STORE=database`` (the database every
    host shares), else the folder ``PORTAL_UPLOAD_DIR`` (default ``instance/uploads``)."""
    return UploadStore(file_store(), current_app.config["SECRET_KEY"])


def file_store() -> FileStore:
    if current_app.config.get("PORTAL_FILE_STORE") == "database":
        return DatabaseStore(db.engine)
    return FolderStore(upload_folder())


def upload_folder() -> Path:
    configured = current_app.config.get("PORTAL_UPLOAD_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads"

def _windows(offering: Offering) -> list[Window]:
    """The offering's windows this user accepts applications at."""
    scope = current_scope()
    if scope is None or scope.everything:
        return list(offering.windows)
    return [w for w in offering.windows if w.id in scope.windows or w.sub_center_id in scope.sub_centers]


def offerings_with_forms() -> list[Offering]:
    """The active offerings this user sees (the scope rule) whose item has a form."""
    return list(db.session.scalars(
        select(Offering).where(Offering.active, Offering.form_version_id.is_not(None))
        .options(selectinload(Offering.windows), selectinload(Offering.item),
                 selectinload(Offering.sub_center))
        .order_by(Offering.sub_center_id, Offering.id)))


def _guidance_only(offering: Offering) -> bool:
    """A town center's 咨办类 offering: guidance only, never taken in at a counter."""
    site = current_site()
    return site is not None and site.guidance_only(offering.sub_center.code, offering.item.code)


def _carried_elsewhere(offering: Offering) -> bool:
    """A town center's 代办类 offering: its application is taken as an agency case for the
    sub-center deciding it (portal/web/agency.py), never decided at this counter."""
    site = current_site()
    sub = site.subcenters.get(offering.sub_center.code) if site else None
    offered = sub.offerings.get(offering.item.code) if sub else None
    return offered is not None and offered.item_class == "代办类"


def _offering(pk: int) -> Offering:
    offering = db.session.scalars(select(Offering).where(Offering.id == pk, Offering.active)
                                  .options(selectinload(Offering.windows))).one_or_none()
    if offering is None or offering.form_version is None or not _windows(offering) \
            or _guidance_only(offering):
        abort(404)
    return offering


def rules_json(spec: FormSpec, online: bool = False) -> str:
    """What the browser's mirror of the rules needs (static/portal-forms.js); ``online``: the
    public hall's form, whose staff-only fields are left out (``staff``: empty, as the server
    holds them)."""
    fields = {}
    for section in spec.sections:
        for f in section.fields:
            fields[f.name] = {"type": f.type, "kind": TYPES[f.type].kind, "section": section.name,
                              "required": f.required, "rules": dict(f.rules), "compute": f.compute,
                              "columns": {c.name: TYPES[c.type].kind for c in f.columns},
                              "staff": online and f.staff_only}
    text = json.dumps({"order": list(spec.order), "fields": fields,
                       "sections": {s.name: s.visible_if for s in spec.sections}},
                      ensure_ascii=False)
    return text.replace("</", "<\\/")  # inside <script>: no tag can end early


def row_templates(spec: FormSpec, form: GeneratedForm) -> dict[str, Any]:
    """Per table, the blank row the browser copies; a table without rows gets one to type in."""
    rows = {}
    for f in spec.fields():
        if f.type == "table":
            table = form[f.name]
            if not table.entries:
                table.append_entry()
            rows[f.name] = table.unbound_field.args[0](prefix=f"{f.name}-__i__-")
    return rows


def flat(errors: Any) -> list[str]:
    """A field's own messages (a table's also holds one dict per row: those show in the rows)."""
    return [str(e) for e in errors or () if not isinstance(e, (dict, list, tuple))]


def kept_uploads(spec: FormSpec, data: Mapping[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """Per upload field, the files already stored: posted back as tokens, or the draft's."""
    out: dict[str, list[dict[str, Any]]] = {}
    for f in spec.fields():
        if f.type != "upload":
            continue
        key = f.name + KEPT_SUFFIX
        if request.method == "POST":
            out[f.name] = uploads().kept_files(request.form.getlist(key))
        else:
            out[f.name] = [dict(m) for m in (data or {}).get(f.name) or ()]
    return out


def store_uploads(spec: FormSpec, checked: Checked, kept: dict[str, list[dict[str, Any]]]) -> None:
    """Store the new files of every upload field — of a refused field too, each file that
    passes its own checks, as many as the field may hold: a good scan chosen together with a
    bad one is kept, and listed as kept on the page that comes back."""
    for f in spec.fields():
        if f.type != "upload":
            continue
        files = kept.setdefault(f.name, [])
        field = checked.form[f.name]
        limits = Files(f)
        room = None if limits.most is None else int(limits.most) - len(files)
        for upload in field.data or ():
            if not getattr(upload, "filename", None) or (field.errors and limits.problem(upload)):
                continue
            if room is not None and room <= 0:
                break
            meta = uploads().store(upload)
            if all(m["sha256"] != meta["sha256"] for m in files):
                files.append(meta)
                room = None if room is None else room - 1
        visible = checked.form.states[f.name].visible
        checked.data[f.name] = list(files) if visible and files else None


class _FormPage:
    """Shared by the two intake views: render a form, take a post."""

    form_template = "portal/intake_form.html"

    def _page(self, spec: FormSpec, form: GeneratedForm, offering: Offering, windows: list[Window],
              kept: dict[str, list[dict[str, Any]]], case: Case | None = None,
              chosen: int | None = None, status: int = 200, booking: Booking | None = None) -> Any:
        tokens = {name: [(m, uploads().token(m)) for m in files] for name, files in kept.items()}
        rows = row_templates(spec, form)
        body = self.render_template(
            self.form_template, spec=spec, form=form, offering=offering, windows=windows,
            chosen=chosen, case=case, kept=tokens, rules=rules_json(spec), kept_suffix=KEPT_SUFFIX,
            row_version_key=ROW_VERSION, title=spec.title, row_templates=rows, flat=flat,
            booking=booking)
        return body, status

    def _post(self, spec: FormSpec, offering: Offering, windows: list[Window],
              case: Case | None = None, booking: Booking | None = None) -> Any:
        submit = request.form.get("action") == "submit"
        kept = kept_uploads(spec, case.data if case else None)
        formdata = CombinedMultiDict([request.files, request.form])
        checked = check_submission(spec, formdata, previous=case.data if case else None,
                                   draft=not submit, kept=kept)
        store_uploads(spec, checked, kept)
        chosen = request.form.get("window", type=int)
        window = next((w for w in windows if w.id == chosen), None)
        if window is None:
            checked.ok = False
            flash(gettext("Choose the window that accepts the application."), "danger")
        if case is not None and request.form.get(ROW_VERSION, type=int) != case.row_version:
            flash(gettext("Someone saved this draft since you opened it: check the values and "
                          "save again."), "warning")
            return self._page(spec, checked.form, offering, windows, kept, case, chosen, 409, booking)
        if not checked.ok:
            flash(gettext("The application was not saved: see the fields marked in red."), "danger")
            return self._page(spec, checked.form, offering, windows, kept, case, chosen, 422, booking)
        try:
            case = save_application(db.session, current_site(), offering, window, checked, submit, case,
                                    by=current_user.username)
        except PortalError as exc:
            flash(error_text(exc), "danger")
            return self._page(spec, checked.form, offering, windows, kept, case, chosen, 409, booking)
        if booking is not None:  # 网上预约: the applicant came, and this is their case
            bookings.arrived(db.session, booking, case)
        if submit:
            flash(gettext("Application %(number)s submitted.", number=case.number), "success")
            return redirect(url_for("CaseScreen.show", pk=case.id))
        flash(gettext("Draft saved: the case number is given when the application is submitted."),
              "info")
        return redirect(url_for("DraftView.edit", pk=case.id))


def _keywords(site: Any, offering: Offering) -> str:
    """The words the item is found by at intake, as the sub-center offers it."""
    sub = site.subcenters.get(offering.sub_center.code) if site else None
    offered = sub.offerings.get(offering.item.code) if sub else None
    return " ".join(offered.item.data.get("keywords") or ()) if offered else ""


def _booking(offering: Offering, windows: list[Window]) -> Booking | None:
    """The booking an intake starts from (``?booking=`` or the form's ``booking``): one the user
    sees (the scope rule), still booked, for this item at one of the windows they accept at."""
    pk = request.values.get("booking", type=int)
    if pk is None:
        return None
    booking = db.session.scalars(select(Booking).where(
        Booking.id == pk, Booking.state == BookingState.BOOKED,
        Booking.sub_center_id == offering.sub_center_id, Booking.item_id == offering.item_id,
        Booking.window_id.in_([w.id for w in windows]))).one_or_none()
    if booking is None:
        abort(404)
    return booking


def _applicant_fields(spec: FormSpec) -> dict[str, str]:
    """The form's field for each applicant part a booking knows (an identity number only into
    a field for a resident identity card number or plain text)."""
    out = {}
    for f in spec.fields():
        part = f.get("applicant")
        if part and part not in out and (part != "id_number" or f.type in ("id_card", "text")):
            out[part] = f.name
    return out


class IntakeView(_FormPage, BaseView):
    """受理登记: the items this user takes applications for, and a new application for one."""

    route_base = "/intake"
    default_view = "index"
    datamodel = SQLAInterface(Offering)
    class_permission_name = "cases"
    method_permission_name = {"index": WRITE, "new": WRITE}
    base_permissions = [permission(WRITE)]

    @expose("/")
    @has_access
    def index(self) -> Any:
        site = current_site()
        offerings = [o for o in offerings_with_forms() if site is None
                     or not site.guidance_only(o.sub_center.code, o.item.code)]
        mine = [(o, _windows(o)) for o in offerings]
        words = {o.id: _keywords(site, o) for o in offerings}
        return self.render_template("portal/intake_choose.html", title=gettext("New application"),
                                    keywords=words,
                                    offerings=[(o, w) for o, w in mine if w])

    @expose("/<int:pk>/new", methods=["GET", "POST"])
    @has_access
    def new(self, pk: int) -> Any:
        offering = _offering(pk)
        if _carried_elsewhere(offering):  # 代办类: taken here, decided by another sub-center
            return redirect(url_for("AgencyView.new", offering=offering.id))
        spec = spec_of(offering.form_version)
        windows = _windows(offering)
        booking = _booking(offering, windows)
        if request.method == "POST":
            return self._post(spec, offering, windows, booking=booking)
        if booking is not None:  # 网上预约: the applicant's name, ID number and phone as booked
            return self._page(spec, blank(spec, bookings.prefill(booking, _applicant_fields(spec))),
                              offering, windows, kept_uploads(spec, None), chosen=booking.window_id,
                              booking=booking)
        return self._page(spec, blank(spec), offering, windows, kept_uploads(spec, None),
                          chosen=windows[0].id)


class DraftView(_FormPage, BaseView):
    """A draft application, edited against the form version it was started on."""

    route_base = "/drafts"
    datamodel = SQLAInterface(Case)
    class_permission_name = "cases"
    method_permission_name = {"edit": WRITE}
    base_permissions = [permission(WRITE)]

    @expose("/<int:pk>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, pk: int) -> Any:
        case = db.session.scalars(select(Case).where(Case.id == pk)).one_or_none()
        if case is None or case.form_version is None:
            abort(404)
        writable_or_403(case)
        if case.state != CaseState.DRAFT:
            return redirect(url_for("CaseScreen.show", pk=case.id))
        offering = db.session.scalars(select(Offering).where(
            Offering.sub_center_id == case.sub_center_id, Offering.item_id == case.item_id)
            .options(selectinload(Offering.windows))).one_or_none()
        if offering is None or not _windows(offering):
            abort(404)
        spec = spec_of(case.form_version)
        windows = _windows(offering)
        if request.method == "POST":
            return self._post(spec, offering, windows, case)
        return self._page(spec, blank(spec, case.data), offering, windows,
                          kept_uploads(spec, case.data), case, chosen=case.window_id)




def case_sections(case: Case) -> list[tuple[str, list[tuple[Any, Any]]]]:
    """The case's application as its own form version shows it: (section, [(field, value)])."""
    if case.form_version is None:
        return []
    spec = spec_of(case.form_version)
    data = case.data or {}
    states = states_of(spec, data)
    out = []
    for section in spec.sections:
        rows = [(f, data.get(f.name)) for f in section.fields if states[f.name].visible]
        if rows:
            out.append((section.title, rows))
    return out

