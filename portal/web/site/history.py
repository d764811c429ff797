"""版本记录: the published versions of the site in the browser — who published each, when and
from where (files or the browser) —, the difference between any two by declaration and key,
and 恢复此版本: an old version's declarations published again, checked like any publication
(the same content is the same version: it becomes current again).

The center admin sees every declaration and restores; a sub-center manager sees the versions
and, in a difference, the declarations of their own sub-centers only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from portal.access.roles import READ, WRITE, permission
from portal.access.scope import current_scope
from portal.core.errors import PortalError
from portal.models import SitePublication, SiteVersion, SubCenter, db
from portal.site.edits import publish_change, said
from portal.site.publish import current_version, flat_documents
from portal.web.errors import error_text
from portal.web.labels import LABELS
from portal.web.site.published import problem_text

# the declarations by kind, as the difference names them
KINDS = {"center": _l("Center"), "subcenters": _l("Sub-center"), "items": _l("Item"),
         "forms": _l("Application form"), "form_overlays": _l("Sub-center's form additions"),
         "templates": _l("Print template")}
SOURCES = {"cli": _l("files (portal sync)"), "browser": _l("browser")}


@dataclass(frozen=True)
class Change:
    place: str  # the declaration: "subcenters/mz"
    key: str  # the key inside it: "phone", "windows[0].name" ("" for the whole declaration)
    old: Any
    new: Any


def changes(old: dict[str, Any], new: dict[str, Any],
            visible: Callable[[str], bool] | None = None) -> list[Change]:
    """What differs between two versions' documents, by declaration and key (only the
    declarations ``visible`` accepts, when given); one added or removed is one change."""
    a, b = flat_documents(old), flat_documents(new)
    out: list[Change] = []
    for place in sorted(a.keys() | b.keys()):
        if (visible is not None and not visible(place)) or a.get(place) == b.get(place):
            continue
        if place not in a or place not in b:
            out.append(Change(place, "", a.get(place), b.get(place)))
        else:
            out += [Change(place, key, x, y) for key, x, y in _leaves(a[place], b[place], "")]
    return out


def _identity(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("code", "item", "name", "field"):
            if isinstance(value.get(key), str):
                return value[key]
    return None


def _leaves(x: Any, y: Any, at: str) -> list[tuple[str, Any, Any]]:
    if x == y:
        return []
    if isinstance(x, dict) and isinstance(y, dict):
        return [leaf for key in sorted(x.keys() | y.keys())
                for leaf in _leaves(x.get(key), y.get(key), f"{at}.{key}" if at else str(key))]
    if isinstance(x, list) and isinstance(y, list):
        ids_x, ids_y = [_identity(v) for v in x], [_identity(v) for v in y]
        if None not in ids_x and None not in ids_y:  # entries by their code or name
            by_x, by_y = dict(zip(ids_x, x, strict=True)), dict(zip(ids_y, y, strict=True))
            return [leaf for key in dict.fromkeys(ids_x + ids_y)
                    for leaf in _leaves(by_x.get(key), by_y.get(key), f"{at}[{key}]")]
    return [(at, x, y)]


def place_label(place: str) -> str:
    kind, _, code = place.partition("/")
    return f"{KINDS.get(kind, kind)} {code}".strip()


def key_label(key: str) -> str:
    last = key.rsplit(".", 1)[-1].split("[", 1)[0]
    label = LABELS.get(last)
    return f"{label}（{key}）" if label is not None else key


def shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class SiteHistoryView(BaseView):
    route_base = "/site-versions"
    default_view = "index"
    class_permission_name = "site_history"
    method_permission_name = {"index": READ, "diff": READ, "restore": WRITE}
    base_permissions = [permission(READ), permission(WRITE)]

    @expose("/")
    @has_access
    def index(self) -> Any:
        rows = db.session.execute(
            select(SitePublication, SiteVersion).join(SiteVersion)
            .order_by(SitePublication.id.desc()).limit(200)).all()
        current = current_version(db.session)
        return self.render_template(
            "portal/site_versions.html", rows=rows, current=current, sources=SOURCES,
            can_restore=self.appbuilder.sm.has_access(permission(WRITE), "site_history"),
            title=gettext("Site versions"))

    @expose("/diff")
    @has_access
    def diff(self) -> Any:
        old, new = self._version("from"), self._version("to")
        visible = self._own_places()
        return self.render_template(
            "portal/site_version_diff.html", old=old, new=new,
            changes=changes(old.documents, new.documents, visible), place_label=place_label,
            key_label=key_label, shown=shown, limited=visible is not None,
            title=gettext("Changes from version %(old)s to %(new)s", old=old.number, new=new.number))

    @expose("/<int:number>/restore", methods=["POST"])
    @has_access
    def restore(self, number: int) -> Any:
        version = db.session.scalar(select(SiteVersion).where(SiteVersion.number == number))
        if version is None:
            abort(404)
        documents = version.documents

        def back(current: dict[str, Any]) -> None:
            current.clear()
            current.update(json.loads(json.dumps(documents)))

        try:
            result, problems = publish_change(db.session, said(back, "restore", number),
                                              by=current_user.username)
        except PortalError as exc:  # in the user's words
            db.session.rollback()
            flash(error_text(exc), "danger")
            return redirect(url_for("SiteHistoryView.index"))
        if result is None:
            flash(gettext("Version %(number)s does not check clean any more: nothing was "
                          "published.", number=number) + " " +
                  "；".join(problem_text(p) for p in problems if p.is_error), "danger")
        elif result.created:
            flash(gettext("Published as version %(number)s.", number=result.version.number), "success")
        else:
            flash(gettext("Version %(number)s is current again.", number=result.version.number),
                  "success")
        return redirect(url_for("SiteHistoryView.index"))

    @staticmethod
    def _version(arg: str) -> SiteVersion:
        number = request.args.get(arg, type=int)
        version = db.session.scalar(select(SiteVersion).where(SiteVersion.number == number)) \
            if number is not None else None
        if version is None:
            abort(404)
        return version

    @staticmethod
    def _own_places() -> Callable[[str], bool] | None:
        """Which declarations a user's difference shows: all for the center; a manager's own
        sub-centers' (their file and their form additions) otherwise."""
        scope = current_scope()
        if scope is None or scope.everything:
            return None
        codes = set(db.session.scalars(select(SubCenter.code)))  # the scope rule: their own
        own = {f"subcenters/{code}" for code in codes}
        prefixes = tuple(f"form_overlays/{code}/" for code in codes)
        return lambda place: place in own or place.startswith(prefixes)
