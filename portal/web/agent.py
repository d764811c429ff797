"""The 代办员's start page (``/agent/``), made for a phone: where they are now (当前去向) and
since when, and one big button for each place (``Whereabouts``) — one tap sets it; below, the
agency cases they took (代办, portal/web/agency.py) with where each is, and the button that
takes a new one.

The page reads and writes only the signed-in user's own agent entry (the declared 代办员 whose
``username`` is theirs, in their village): the form carries no agent id, so nobody can set
someone else's status. The public hall shows the status on the town center's page.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.access.roles import READ, WRITE, permission
from portal.cases import agency
from portal.cases.whereabouts import current, set_whereabouts
from portal.models import (
    WHEREABOUTS_NAMES,
    Case,
    CaseAgency,
    Village,
    VillageAgent,
    Whereabouts,
    db,
)
from portal.web.current import center_time, current_site


def own_agent() -> VillageAgent | None:
    """The signed-in user's declared 代办员 entry, in a village they are bound to."""
    villages = [v.id for v in current_user.villages]
    if not villages:
        return None
    return db.session.scalar(select(VillageAgent).join(Village).where(
        VillageAgent.username == current_user.username, VillageAgent.active,
        VillageAgent.village_id.in_(villages)))


def where_now(case: Case) -> str:
    """Where an agency case is now, in the words of the applicant's progress query."""
    place = agency.where(db.session, case)
    return gettext(place[0], **place[1]) if place else ""


def my_cases(limit: int = 30) -> list[tuple[Case, CaseAgency]]:
    """The agency cases (代办) the user sees — a 代办员's, those they took — latest first."""
    return list(db.session.execute(
        select(Case, CaseAgency).join(CaseAgency, CaseAgency.case_id == Case.id)
        .options(joinedload(Case.item)).order_by(CaseAgency.taken_at.desc(), Case.id.desc())
        .limit(limit)))


class AgentView(BaseView):
    route_base = "/agent"
    default_view = "index"
    class_permission_name = "whereabouts"
    method_permission_name = {"index": READ, "set_status": WRITE}
    base_permissions = [permission(READ), permission(WRITE)]

    @expose("/")
    @has_access
    def index(self) -> Any:
        agent = own_agent()
        now = current(db.session, [agent.id]).get(agent.id) if agent is not None else None
        choices = [(key, gettext(WHEREABOUTS_NAMES[key])) for key in Whereabouts]
        return self.render_template(
            "portal/agent.html", site=current_site(), agent=agent, now=now,
            now_name=gettext(WHEREABOUTS_NAMES[now.status]) if now is not None else None,
            now_since=center_time(now.at) if now is not None else None, choices=choices,
            cases=[(case, carried, where_now(case)) for case, carried in my_cases()],
            may_take=self.appbuilder.sm.has_access(permission(WRITE), "agency"),
            title=gettext("Where I am now"))

    @expose("/status", methods=["POST"])
    @has_access
    def set_status(self) -> Any:
        agent = own_agent()
        if agent is None:
            abort(403)
        status = request.form.get("status", "")
        if status not in set(Whereabouts):
            abort(400)
        set_whereabouts(db.session, agent, status, current_user.username)
        db.session.commit()
        flash(gettext("Saved: %(status)s", status=gettext(WHEREABOUTS_NAMES[status])), "success")
        return redirect(url_for("AgentView.index"))
