"""Decisions on a case from its page: accept, reject with a reason, one-time notice, resubmit.

A view on the scoped case model: a case of another window or sub-center is not found (404),
and the isolation matrix covers these routes by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from portal.access.roles import ROLE_NAMES, WRITE, permission
from portal.access.scope import current_scope
from portal.cases import lifecycle
from portal.cases.supervision import Thresholds
from portal.core import servertime
from portal.core.errors import PortalError
from portal.models import Case, CaseEvent, db
from portal.web.csv_export import cell
from portal.web.current import current_site
from portal.web.entities import VALUE_LABELS


def actor() -> lifecycle.Actor:
    """The signed-in user as the lifecycle sees them: name and role keys."""
    keys = {name: key for key, name in ROLE_NAMES.items()}
    scope = current_scope()
    return lifecycle.Actor(current_user.username,
                           frozenset(keys[r.name] for r in current_user.roles if r.name in keys),
                           None if scope is None or scope.everything else scope.visible_sub_centers)


def _text(name: str) -> str:
    return request.form.get(name, "")


def _id(name: str) -> int:
    value = request.form.get(name, "")
    if not value.isdigit():
        abort(400)
    return int(value)


def _whole(name: str) -> int:
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        raise PortalError(gettext("Give a whole number of working days."),
                          hint=gettext("e.g. 5")) from None


# action -> (what it does, the message shown when it is done); the form fields are read here,
# the rules are the lifecycle's. Times are never read from the request.
ACTIONS: dict[str, tuple[Callable[[Any, Case, lifecycle.Actor], Any], Any]] = {
    "accept": (lambda site, case, who: lifecycle.accept(db.session, site, case, who),
               _l("Accepted.")),
    "reject": (lambda site, case, who: lifecycle.reject(db.session, case, who, _text("reason")),
               _l("Not accepted.")),
    "notice": (lambda site, case, who: lifecycle.notice_missing(
        db.session, site, case, who, request.form.getlist("missing"), _text("note")),
        _l("One-time notice recorded.")),
    "resubmit": (lambda site, case, who: lifecycle.resubmit(db.session, case, who),
                 _l("The applicant is back: the case is up for a decision again.")),
    "advance": (lambda site, case, who: lifecycle.advance(db.session, case, who, _text("opinion")),
                _l("Step done: the next step is open.")),
    "pause": (lambda site, case, who: lifecycle.pause(
        db.session, site, case, who, _text("kind"), _text("reason")),
        _l("The clock is stopped.")),
    "restart": (lambda site, case, who: lifecycle.restart(db.session, site, case, who),
                _l("The clock runs again.")),
    "extend": (lambda site, case, who: lifecycle.ask_extension(
        db.session, case, who, _whole("days"), _text("reason")),
        _l("Extension asked for: waiting for approval.")),
    "approve_extension": (lambda site, case, who: lifecycle.decide_extension(
        db.session, site, case, who, True, _text("note")), _l("Extension approved.")),
    "refuse_extension": (lambda site, case, who: lifecycle.decide_extension(
        db.session, site, case, who, False, _text("note")), _l("Extension refused.")),
    "branch": (lambda site, case, who: lifecycle.decide_branch(
        db.session, case, who, _id("branch"), _text("outcome") == "approved", _text("result")),
        _l("Branch decided.")),
    "complete": (lambda site, case, who: lifecycle.complete(
        db.session, site, case, who, _text("outcome"), _text("result")),
        _l("Completed.")),
}


class CaseworkView(BaseView):
    route_base = "/casework"
    datamodel = SQLAInterface(Case)
    class_permission_name = "casework"  # its own: managers act at their steps (pages.py)
    method_permission_name = {"decide": WRITE}
    base_permissions = [permission(WRITE)]

    @expose("/<int:pk>/<string:action>", methods=["POST"])
    @has_access
    def decide(self, pk: int, action: str) -> Any:
        case = db.session.scalars(select(Case).where(Case.id == pk)).one_or_none()
        if case is None or action not in ACTIONS:
            abort(404)
        do, done = ACTIONS[action]
        try:
            do(current_site(), case, actor())
        except PortalError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(str(done) + (gettext(" Due on %(day)s.", day=case.due_date.isoformat())
                               if case.due_date and case.state == lifecycle.ACCEPTED else ""),
                  "success")
        return redirect(url_for("CaseScreen.show", pk=pk))


def case_materials(case: Case) -> list[str]:
    offering = lifecycle.offering_of(current_site(), case)
    return [m["name"] for m in offering.item.data.get("materials", ())] if offering else []


def case_events(case: Case) -> list[CaseEvent]:
    return list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                   .order_by(CaseEvent.seq)))


def thresholds(site: Any) -> Thresholds:
    today = lifecycle.local_day(site, servertime.now())
    return Thresholds.of(lifecycle.calendar_of(site), today,
                         site.center.get("lights", {}).get("yellow_days_left", 2))


def case_process(case: Case) -> dict[str, Any]:
    """What the case page shows of the process: steps and their dues, the light, and what the
    signed-in user may do now."""
    site = current_site()
    if site is None or case.accepted_at is None:
        return {}
    who, steps = actor(), lifecycle.steps_of(case)
    dues = lifecycle.step_dues(site, case)
    at = case.step if case.step is not None else (len(steps) if case.state == "completed" else 0)
    rows = [{"name": step["name"], "role": ROLE_NAMES[step["role"]], "days": step["days"],
             "due": dues[i], "done": i < at or case.state == "completed",
             "open": i == at and case.state in lifecycle.OPEN} for i, step in enumerate(steps)]
    open_step = steps[at] if steps and at < len(steps) and case.state in lifecycle.OPEN else None
    last = not steps or at >= len(steps) - 1
    allowance = (case.plan or {}).get("extension")
    approver = allowance.get("approver", "manager") if allowance else None
    branches = [{"id": b.id, "name": b.item.name, "where": lifecycle.branch_place(b),
                  "due": b.due_date, "state": b.state, "by": b.decided_by, "at": b.decided_at,
                  "result": b.result,
                  "can_decide": b.state == "open" and case.state == lifecycle.ACCEPTED
                  and who.works_at(b.sub_center_id)
                  and who.may_act_as(case.plan["parallel"][b.position]["role"])}
                 for b in case.branches]
    home = who.works_at(case.sub_center_id)
    return {
        "home": home,
        # taken at another department (a bundle case seen for its branch): say where
        "taken_at": None if home else lifecycle.case_place(case),
        "branches": branches,
        "steps": rows,
        "light": thresholds(site).light(case.state, case.due_date),
        "can_step": home and bool(open_step) and not last and who.may_act_as(open_step["role"]),
        "can_complete": home and case.state == lifecycle.ACCEPTED and last
        and (not steps or who.may_act_as(steps[-1]["role"]))
        and all(b["state"] != "open" for b in branches),
        "pause_kinds": lifecycle.PAUSE_KINDS,
        "extension_left": allowance["days"] - case.extended_days if allowance else 0,
        "can_approve": home and bool(case.extension_asked) and who.may_act_as(approver),
        "approver": ROLE_NAMES[approver] if approver else None,
    }


EVENT_KINDS = {
    "submit": _l("Submitted"), "accept": _l("Accepted"), "reject": _l("Not accepted"),
    "notice_missing": _l("Missing materials notified"), "resubmit": _l("Back with the materials"),
    "note": _l("Note"), "step": _l("Step done"), "pause": _l("Clock stopped"),
    "restart": _l("Clock restarted"), "extension_asked": _l("Extension asked for"),
    "extension_approved": _l("Extension approved"), "extension_refused": _l("Extension refused"),
    "complete": _l("Completed"), "branch": _l("Branch decided"),
    "print": _l("Document issued"), "reprint": _l("Document reprinted (补打)"),
}
EVENT_KEYS = {
    "limit_days": _l("Limit (working days)"), "due": _l("Due date"), "reason": _l("Reason"),
    "missing": _l("Missing materials"), "note": _l("Note"),
    "guessed_years": _l("Years counted by weekdays only"), "step": _l("Step"),
    "opinion": _l("Opinion"), "kind": _l("Kind"), "paused_days": _l("Working days stopped"),
    "days": _l("Working days"), "outcome": _l("Outcome"), "result": _l("Result"),
    "on_time": _l("On time"), "used_days": _l("Working days used"), "branch": _l("Branch"),
    "branches": _l("Parallel approval"), "document": _l("Document number"),
    "sha256": _l("SHA-256"),
}
OUTCOMES = {"approved": _l("Approved"), "denied": _l("Denied")}
LIGHT_LABELS = {"red": _l("Overdue"), "yellow": _l("Due soon"), "green": _l("In time"),
                "paused": _l("Paused")}


def case_documents(case: Case) -> list[dict[str, Any]]:
    """The documents the case has now, each with its stored copy if issued."""
    from portal.documents import issuing
    from portal.models import IssuedDocument

    site = current_site()
    if site is None:
        return []
    issued = {d.kind: d for d in db.session.scalars(
        select(IssuedDocument).where(IssuedDocument.case_id == case.id))}
    out = []
    for kind in issuing.available(case):
        out.append({"kind": kind, "title": issuing.title_of(site, case, kind) or kind,
                    "issued": issued.get(kind)})
    return out


def event_value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if key == "outcome":
        return str(OUTCOMES.get(value, value))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def init_app(app: Any) -> None:
    @app.context_processor
    def _casework() -> dict[str, Any]:
        return {"portal_case_materials": case_materials, "portal_case_events": case_events,
                "portal_time": cell,
                "portal_event_kind": lambda kind: str(EVENT_KINDS.get(kind, kind)),
                "portal_event_key": lambda key: str(EVENT_KEYS.get(key, key)),
                "portal_case_process": case_process,
                "portal_case_documents": case_documents,
                "portal_event_value": event_value,
                "portal_light_label": lambda light: str(LIGHT_LABELS.get(light, "")),
                "portal_state_label": lambda s: str(VALUE_LABELS["state"].get(s, s)),
                "portal_outcome": lambda o: str(OUTCOMES.get(o, o or ""))}
