"""Opening an application's uploaded materials, for whoever may see the case: shown in the
case page's viewer (a PDF or a picture) or downloaded (anything).

The file is found through the scoped case (another window's or sub-center's case is not found),
and only among the files that case names. ``open`` sends it as an attachment, under its own
name, with ``X-Content-Type-Options: nosniff`` and, unless it is a PDF or a picture, as
``application/octet-stream``: an uploaded HTML or SVG never runs in the portal's origin.
``view`` sends a PDF or a picture inline for the viewer frame — its type read from its bytes,
not from what the browser claimed at upload — under a policy that lets it do nothing but show
itself (portal/web/headers.py ``file_policy``); anything else is not shown there.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import filetype
from flask import Response, abort, render_template, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.utils import secure_filename

from portal.access.roles import READ, permission
from portal.cases.uploads import is_file
from portal.models import Case, db
from portal.web.cases.intake import uploads
from portal.web.headers import file_policy

# the types sent as themselves (still as attachments); anything else is plain bytes
PASSIVE = frozenset({"application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp"})
# the names whose files the viewer shows (an upload's bytes were checked against its name)
PICTURE_NAMES = (".jpg", ".jpeg", ".png", ".gif", ".webp")


def viewable(meta: dict[str, Any]) -> str | None:
    """How the case page's viewer shows this file: ``"pdf"``, ``"picture"`` or not (``None``)."""
    name = str(meta.get("name", "")).lower()
    return "pdf" if name.endswith(".pdf") else "picture" if name.endswith(PICTURE_NAMES) else None


def files_of(data: Any) -> dict[str, dict[str, Any]]:
    """sha256 -> what the case records of each file it names (its upload fields' lists)."""
    return {meta["sha256"]: meta for files in (data or {}).values() if isinstance(files, list)
            for meta in files if is_file(meta)}


class MaterialView(BaseView):
    route_base = "/materials"
    datamodel = SQLAInterface(Case)
    class_permission_name = "cases"
    method_permission_name = {"open": READ, "view": READ, "frame": READ}
    base_permissions = [permission(READ)]

    @staticmethod
    def _file(pk: int, sha256: str) -> tuple[dict[str, Any], bytes] | None:
        """What the case records of the file, and its content; ``None`` unless the user sees a
        case that names it and the file is kept."""
        case = db.session.scalars(select(Case).where(Case.id == pk)).one_or_none()
        meta = files_of(case.data or {}).get(sha256) if case is not None else None
        if meta is None:
            return None
        content = uploads().read(meta)
        return (meta, content) if content is not None else None

    @staticmethod
    def _not_shown(message: str) -> Response:
        """A refusal the viewer pane shows as it is (the portal's own error page would come
        unstyled under the pane's policy, menus and all)."""
        return Response(render_template("portal/material_frame.html", message=message), status=404)

    @expose("/<int:pk>/<string:sha256>/view")
    @has_access
    @file_policy
    def view(self, pk: int, sha256: str) -> Any:
        kept = self._file(pk, sha256)
        if kept is None:
            return self._not_shown(gettext("No such material, or not yours to see."))
        meta, content = kept
        found = filetype.guess(content[:8192])
        if found is None or found.mime not in PASSIVE:  # whatever its name: downloaded, never shown
            return self._not_shown(gettext("This material cannot be shown here: download it."))
        response = Response(content, mimetype=found.mime)
        name = meta.get("name") or sha256
        response.headers["Content-Disposition"] = (f'inline; filename="{secure_filename(name) or sha256}"; '
                                                   f"filename*=UTF-8''{quote(name)}")
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/<int:pk>/<string:sha256>/frame")
    @has_access
    @file_policy
    def frame(self, pk: int, sha256: str) -> Any:
        """A picture fitted to the viewer (Chromium fits a picture opened by itself to the
        window only in a top-level page, not in a frame)."""
        kept = self._file(pk, sha256)
        if kept is None:
            return self._not_shown(gettext("No such material, or not yours to see."))
        meta, _ = kept
        return render_template("portal/material_frame.html", name=meta.get("name") or sha256,
                               src=url_for("MaterialView.view", pk=pk, sha256=sha256))

    @expose("/<int:pk>/<string:sha256>")
    @has_access
    def open(self, pk: int, sha256: str) -> Any:
        kept = self._file(pk, sha256)
        if kept is None:
            abort(404)
        meta, content = kept
        kind = meta.get("type") if meta.get("type") in PASSIVE else "application/octet-stream"
        # the bytes, not send_file's open file: a material is at most its field's size limit,
        # and a response left unclosed (the test client's) would keep the file open
        response = Response(content, mimetype=kind)
        name = meta.get("name") or sha256  # RFC 6266: an ASCII fallback, and the name in UTF-8
        fallback = secure_filename(name) or sha256
        response.headers["Content-Disposition"] = (f'attachment; filename="{fallback}"; '
                                                   f"filename*=UTF-8''{quote(name)}")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response
