"""十个有检查 (`/town-standard/`): the center's checklist inspection of its town centers.

- ``index``: the town centers the user sees, each with its latest inspection (有 8/10, the
  items found missing) and, for supervision that may inspect it, 开始检查.
- ``new``: the checklist — every item of the center's ``town_standard`` with 有 or 缺; a 缺
  is a finding and needs its evidence (photos, a note, or both). A refused form comes back
  with what was chosen and typed, and the photos already uploaded kept (signed tokens, as the
  application forms keep files). The inspector and the day are the server's.
- ``photo``: a finding's photo, found through the scoped inspection and only among the files
  its items name.

The inspections' list, show page and REST API are the registry's (``town_inspections``,
``town_inspection_items`` in portal/web/entities.py); the one scope rule decides who sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import filetype
from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.access.roles import READ, WRITE, permission
from portal.access.scope import may_write
from portal.assessment import town as standard
from portal.core.errors import PortalError
from portal.forms.build import SAME_TYPE, content_problem
from portal.models import SubCenter, TownInspection, db
from portal.web.cases.intake import uploads
from portal.web.current import center_today, current_site
from portal.web.errors import error_text
from portal.web.headers import file_policy

PHOTO_TYPES = ("jpg", "png", "webp")  # by file name, then by the bytes
PHOTO_MIME = {"image/jpeg", "image/png", "image/webp"}
PHOTO_MOST_BYTES = 10 * 1024 * 1024
PHOTOS_MOST = 5  # per item
PRESENT, MISSING = "present", "missing"


@dataclass
class Row:
    """One item of the checklist as the form shows it: what was chosen, typed and kept."""

    code: str
    name: str
    text: str
    state: str = ""
    note: str = ""
    photos: list[dict[str, Any]] = field(default_factory=list)  # kept: stored, with tokens
    errors: list[str] = field(default_factory=list)


def towns() -> list[SubCenter]:
    """The active town centers the user sees (the scope rule)."""
    return list(db.session.scalars(select(SubCenter).where(
        SubCenter.kind == standard.TOWN_CENTER, SubCenter.active).order_by(SubCenter.code)))


def may_inspect(town: SubCenter) -> bool:
    """Supervision assigned to the town center, or the center's (the write rule)."""
    return may_write(TownInspection(sub_center_id=town.id))


def _photo_problem(upload: FileStorage) -> str | None:
    name = upload.filename or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    ext = SAME_TYPE.get(ext, ext)  # .jpeg is a .jpg
    if ext not in PHOTO_TYPES:
        return gettext("%(name)s: a photo is a JPG, PNG or WebP file", name=name)
    upload.stream.seek(0, 2)
    size = upload.stream.tell()
    upload.stream.seek(0)
    if size > PHOTO_MOST_BYTES:
        return gettext("%(name)s: a photo is at most 10 MB", name=name)
    if content_problem(upload) is not None:
        return gettext("%(name)s: the file is not the picture its name says", name=name)
    return None


def _read_row(entry: Any) -> Row:
    """One item from the posted form: its choice, its note and its photos (new and kept)."""
    code = entry["code"]
    store = uploads()
    row = Row(code, entry["name"], entry["text"], state=request.form.get(f"state_{code}", ""),
              note=request.form.get(f"note_{code}", "")[:standard.NOTE_MOST])
    row.photos = store.kept_files(request.form.getlist(f"photos_{code}__kept"))
    for upload in request.files.getlist(f"photos_{code}"):
        if not upload.filename:
            continue
        problem = _photo_problem(upload)
        if problem:
            row.errors.append(problem)
        else:
            row.photos.append(store.store(upload))
    if row.state not in (PRESENT, MISSING):
        row.errors.append(gettext("Mark it 有 or 缺."))
    elif row.state == MISSING and not (row.note.strip() or row.photos):
        row.errors.append(gettext("A missing item needs its evidence: a photo or a note."))
    if len(row.photos) > PHOTOS_MOST:
        row.errors.append(gettext("At most %(n)s photos per item.", n=PHOTOS_MOST))
    return row


class TownStandardView(BaseView):
    route_base = "/town-standard"
    default_view = "index"
    class_permission_name = "town_standard"
    method_permission_name = {"index": READ, "new": WRITE, "photo": READ}
    base_permissions = [permission(READ), permission(WRITE)]
    # the isolation matrix calls the routes taking an inspection's id with a foreign one
    datamodel = SQLAInterface(TownInspection)

    @expose("/")
    @has_access
    def index(self) -> Any:
        shown = towns()
        latest = standard.latest(db.session, [t.id for t in shown])
        may_add = self.appbuilder.sm.has_access(permission(WRITE), self.class_permission_name)
        return self.render_template(
            "portal/town_standard.html", towns=shown, latest=latest,
            inspectable={t.id for t in shown if may_add and may_inspect(t)},
            items=standard.standard(current_site()), title=gettext("十个有 inspections"))

    def _town(self, code: str) -> SubCenter:
        town = db.session.scalars(select(SubCenter).where(
            SubCenter.code == code, SubCenter.kind == standard.TOWN_CENTER, SubCenter.active)).one_or_none()
        if town is None:
            abort(404)
        if not may_inspect(town):
            abort(403)
        return town

    @expose("/<code>/new", methods=["GET", "POST"])
    @has_access
    def new(self, code: str) -> Any:
        town, site = self._town(code), current_site()
        entries = standard.standard(site)
        if not entries:
            flash(gettext("The center declares no 十个有 standard."), "warning")
            return redirect(url_for("TownStandardView.index"))
        note = request.form.get("note", "")[:standard.NOTE_MOST]
        if request.method == "GET":
            rows = [Row(e["code"], e["name"], e["text"]) for e in entries]
        else:
            rows = [_read_row(e) for e in entries]
            if not any(r.errors for r in rows):
                results = {r.code: standard.Checked(r.state == PRESENT, r.note, r.photos) for r in rows}
                try:
                    inspection = standard.record(db.session, site, town, center_today(),
                                                 current_user.username, results, note)
                    db.session.commit()
                except PortalError as exc:
                    db.session.rollback()
                    flash(error_text(exc), "danger")
                else:
                    flash(gettext("Inspection of %(town)s recorded: 有 %(result)s.", town=town.unified_name,
                                  result=inspection.result), "success")
                    return redirect(url_for("TownInspectionScreen.show", pk=inspection.id))
        store = uploads()
        tokens = {r.code: [(p, store.token(p)) for p in r.photos] for r in rows}
        return self.render_template(
            "portal/town_standard_new.html", town=town, rows=rows, tokens=tokens, note=note,
            today=center_today(), refused=request.method == "POST",
            title=gettext("十个有 inspection: %(town)s", town=town.unified_name))

    @expose("/<int:pk>/photo/<string:sha256>")
    @has_access
    @file_policy
    def photo(self, pk: int, sha256: str) -> Any:
        """A finding's photo, shown in the page (an image, by its bytes; anything else 404)."""
        inspection = db.session.scalars(select(TownInspection).where(TownInspection.id == pk)).one_or_none()
        metas = [p for item in (inspection.items if inspection is not None else ())
                 for p in item.photos or () if p.get("sha256") == sha256]
        content = uploads().read(metas[0]) if metas else None
        found = filetype.guess(content[:8192]) if content else None
        if found is None or found.mime not in PHOTO_MIME:
            abort(404)
        response = Response(content, mimetype=found.mime)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response


def inspection_page(record: TownInspection) -> dict[str, Any]:
    """What the show page of an inspection adds: its checklist, each finding's photos."""
    return {"items": [(item, [(p, url_for("TownStandardView.photo", pk=record.id, sha256=p["sha256"]))
                              for p in item.photos or ()]) for item in record.items]}
