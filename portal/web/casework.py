"""Decisions on a case from its page: accept, reject with a reason, one-time notice, resubmit.

A view on the scoped case model: a case of another window or sub-center is not found (404),
and the isolation matrix covers these routes by itself.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from portal import lifecycle
from portal.current import current_site
from portal.errors import PortalError
from portal.models import Case, CaseEvent, db
from portal.roles import WRITE, permission
from portal.web.csv_export import cell

ACTIONS = ("accept", "reject", "notice", "resubmit")


class CaseworkView(BaseView):
    route_base = "/casework"
    datamodel = SQLAInterface(Case)
    class_permission_name = "cases"
    method_permission_name = {"decide": WRITE}
    base_permissions = [permission(WRITE)]

    @expose("/<int:pk>/<string:action>", methods=["POST"])
    @has_access
    def decide(self, pk: int, action: str) -> Any:
        case = db.session.scalars(select(Case).where(Case.id == pk)).one_or_none()
        if case is None or action not in ACTIONS:
            abort(404)
        site, by = current_site(), current_user.username
        try:
            if action == "accept":
                lifecycle.accept(db.session, site, case, by)
                flash(gettext("Accepted: due on %(day)s.", day=case.due_date.isoformat()), "success")
            elif action == "reject":
                lifecycle.reject(db.session, case, by, request.form.get("reason", ""))
                flash(gettext("Not accepted."), "info")
            elif action == "notice":
                lifecycle.notice_missing(db.session, site, case, by, request.form.getlist("missing"),
                                         request.form.get("note", ""))
                flash(gettext("One-time notice recorded."), "info")
            else:
                lifecycle.resubmit(db.session, case, by)
                flash(gettext("The applicant is back: the case is up for a decision again."), "info")
        except PortalError as exc:
            db.session.rollback()
            flash(f"{exc} ({exc.hint})" if exc.hint else str(exc), "danger")
        return redirect(url_for("CaseScreen.show", pk=pk))


def case_materials(case: Case) -> list[str]:
    site = current_site()
    sub = site.subcenters.get(case.sub_center.code) if site else None
    offering = sub.offerings.get(case.item.code) if sub else None
    return [m["name"] for m in offering.item.data.get("materials", ())] if offering else []


def case_events(case: Case) -> list[CaseEvent]:
    return list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                   .order_by(CaseEvent.seq)))


EVENT_KINDS = {
    "submit": _l("Submitted"), "accept": _l("Accepted"), "reject": _l("Not accepted"),
    "notice_missing": _l("Missing materials notified"), "resubmit": _l("Back with the materials"),
    "note": _l("Note"),
}
EVENT_KEYS = {
    "limit_days": _l("Limit (working days)"), "due": _l("Due date"), "reason": _l("Reason"),
    "missing": _l("Missing materials"), "note": _l("Note"),
    "guessed_years": _l("Years counted by weekdays only"),
}


def init_app(app: Any) -> None:
    @app.context_processor
    def _casework() -> dict[str, Any]:
        return {"portal_case_materials": case_materials, "portal_case_events": case_events,
                "portal_time": cell,
                "portal_event_kind": lambda kind: str(EVENT_KINDS.get(kind, kind)),
                "portal_event_key": lambda key: str(EVENT_KEYS.get(key, key))}
