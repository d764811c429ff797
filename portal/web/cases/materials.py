"""Opening an application's uploaded materials: for whoever may see the case, as a download.

The file is found through the scoped case (another window's or sub-center's case is not found),
and only among the files that case names. It is always sent as an attachment, under its own
name, with ``X-Content-Type-Options: nosniff`` and, unless it is a PDF or a picture, as
``application/octet-stream``: an uploaded HTML or SVG never runs in the portal's origin.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, abort
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import select
from werkzeug.utils import secure_filename

from portal.access.roles import READ, permission
from portal.cases.uploads import is_file
from portal.models import Case, db
from portal.web.cases.intake import uploads

# the types sent as themselves (still as attachments); anything else is plain bytes
PASSIVE = frozenset({"application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp"})


def files_of(data: Any) -> dict[str, dict[str, Any]]:
    """sha256 -> what the case records of each file it names (its upload fields' lists)."""
    return {meta["sha256"]: meta for files in (data or {}).values() if isinstance(files, list)
            for meta in files if is_file(meta)}


class MaterialView(BaseView):
    route_base = "/materials"
    datamodel = SQLAInterface(Case)
    class_permission_name = "cases"
    method_permission_name = {"open": READ}
    base_permissions = [permission(READ)]

    @expose("/<int:pk>/<string:sha256>")
    @has_access
    def open(self, pk: int, sha256: str) -> Any:
        case = db.session.scalars(select(Case).where(Case.id == pk)).one_or_none()
        meta = files_of(case.data or {}).get(sha256) if case is not None else None
        if meta is None:
            abort(404)
        path = uploads().path_of(meta)
        if not path.is_file():
            abort(404)
        kind = meta.get("type") if meta.get("type") in PASSIVE else "application/octet-stream"
        # the bytes, not send_file's open file: a material is at most its field's size limit,
        # and a response left unclosed (the test client's) would keep the file open
        response = Response(path.read_bytes(), mimetype=kind)
        name = meta.get("name") or sha256  # RFC 6266: an ASCII fallback, and the name in UTF-8
        fallback = secure_filename(name) or sha256
        response.headers["Content-Disposition"] = (f'attachment; filename="{fallback}"; '
                                                   f"filename*=UTF-8''{quote(name)}")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response
