"""Decisions on a case from its page: accept, reject, one-time notice, resubmit, steps, the
clock, extensions, branches and completion (the rules are portal/cases/actions.py).

A view on the scoped case model: a case of another window or sub-center is not found (404),
and the isolation matrix covers these routes by itself. A bundle case seen through its branch
answers 403 to everything but the decision on that branch.
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
from portal.cases.actions import Actor
from portal.cases.supervision import Thresholds
from portal.core import servertime
from portal.core.errors import PortalError
from portal.models import Case, CaseState, db
from portal.web.current import current_site
from portal.web.errors import error_text, writable_or_403
from portal.web.profile import user_profile


def actor() -> Actor:
    """The signed-in user as the lifecycle sees them: name and role keys (from their profile)."""
    user = current_user._get_current_object()
    return _actor(user.username, user_profile(user).roles, current_scope())


def actor_of(user: Any, scope: Any) -> Actor:
    """``user`` working in ``scope`` as the lifecycle sees them (a background job's requester)."""
    return _actor(user.username, {r.name for r in user.roles}, scope)


def _actor(username: str, role_names: Any, scope: Any) -> Actor:
    keys = {name: key for key, name in ROLE_NAMES.items()}
    return Actor(username, frozenset(keys[name] for name in role_names if name in keys),
                 None if scope is None or scope.everything else scope.staff_sub_centers)


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
ACTIONS: dict[str, tuple[Callable[[Any, Case, Actor], Any], Any]] = {
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
        if action != "branch":  # a branch department decides its branch, nothing else
            writable_or_403(case)
        do, done = ACTIONS[action]
        try:
            do(current_site(), case, actor())
        except PortalError as exc:
            db.session.rollback()
            flash(error_text(exc), "danger")
        else:
            flash(str(done) + (gettext(" Due on %(day)s.", day=case.due_date.isoformat())
                               if case.due_date and case.state == CaseState.ACCEPTED else ""),
                  "success")
        return redirect(url_for("CaseScreen.show", pk=pk))


def thresholds(site: Any) -> Thresholds:
    today = lifecycle.local_day(site, servertime.now())
    return Thresholds.of(lifecycle.calendar_of(site), today,
                         site.center.get("lights", {}).get("yellow_days_left", 2))
