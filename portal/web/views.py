"""The start page: each user's day, by role; a visitor (and the center admin) get the center
and its sub-centers under their unified names.

- 窗口工作人员: the lights of their open cases, today's appointments at their windows (网上预约,
  each with the button that starts its intake), the applications waiting for their decision
  (submitted, brought back, notified of missing materials) and their recent drafts.
- 分中心管理员: their sub-centers' lights, the extensions waiting for their approval, the
  branches (并联审批) their sub-centers are to decide, the public's questions waiting for an
  answer (网上咨询), this month's figures; for a town center, its latest 十个有 inspection and
  the items it found missing.
- 监督考核员: this month's ranking (its head and its tail) and the overdue cases.
- the staff of a town center, besides: the agency cases (代办) carried through it and not yet
  replied to, with where each is.

A user holding several roles sees each role's part. Everything is read through the scope rule,
like every list; each part is a few rows and links to the page that shows all of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import redirect, url_for
from flask_appbuilder import IndexView, expose
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import case as sa_case
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.access.roles import AGENT, AUDITOR, CLERK, MANAGER, ROLE_NAMES
from portal.access.scope import current_scope
from portal.assessment import town
from portal.assessment.freezing import shown_ranking
from portal.assessment.reports import Month, monthly, roll_up
from portal.cases import bookings
from portal.cases.supervision import (
    LIGHTS,
    RED,
    Filters,
    Thresholds,
    branches_waiting,
    drafts,
    extensions_waiting,
    follow_ups,
    light_counts,
    waiting,
    worklist,
)
from portal.models import AgencyStage, Case, CaseAgency, Consultation, Offering, SubCenter, db
from portal.models.assessment import OPEN
from portal.web import hall
from portal.web.agent import where_now
from portal.web.assessment.reports import COLUMNS, shown
from portal.web.cases.casework import thresholds
from portal.web.current import center_today, center_zone, current_site
from portal.web.profile import user_profile

SHOWN = 8  # rows of each part; its page has the rest
HEAD = 3  # the ranking's best and last


def roles_of(user: Any) -> set[str]:
    names = user_profile(user).roles
    return {key for key, name in ROLE_NAMES.items() if name in names}


@dataclass(frozen=True)
class Day:
    """What every part of the start page counts from, worked out once per page: the lights'
    thresholds, the open cases' light counts in scope and how many cases wait for a decision,
    today and its month."""

    th: Thresholds
    counts: dict[int, dict[str, int]]
    lights: dict[str, int]
    waiting: int
    today: dt.date
    month: Month

    @classmethod
    def of(cls, site: Any) -> Day:
        th = thresholds(site)
        counts, waiting_total, _ = light_counts(db.session, th, Filters())
        today = center_today()
        return cls(th, counts, {light: sum(c[light] for c in counts.values()) for light in LIGHTS},
                   waiting_total, today, Month(today.year, today.month))


def clerk_day(site: Any, day: Day) -> dict[str, Any]:
    return {"lights": day.lights, "waiting": waiting(db.session, Filters(), SHOWN),
            "waiting_total": day.waiting, "drafts": drafts(db.session, SHOWN),
            "appointments": appointments_today(day.today)}


def appointments_today(today: dt.date) -> list[tuple[Any, int | None]]:
    """网上预约: today's bookings at the user's windows (the scope rule), each with the offering
    its intake starts from (``None``: the item has no form to fill here)."""
    booked = bookings.todays(db.session, today)
    forms = {(sub, item): pk for pk, sub, item in db.session.execute(
        select(Offering.id, Offering.sub_center_id, Offering.item_id).where(
            Offering.active, Offering.form_version_id.is_not(None),
            Offering.item_id.in_({b.item_id for b in booked})))} if booked else {}
    return [(b, forms.get((b.sub_center_id, b.item_id))) for b in booked]


def manager_day(site: Any, day: Day) -> dict[str, Any]:
    extensions, extensions_total = extensions_waiting(db.session, SHOWN)
    scope = current_scope()
    mine = None if scope is None or scope.everything else scope.staff_sub_centers
    branches, branches_total = branches_waiting(db.session, mine, SHOWN)
    # the rows of the sub-centers in scope, as the monthly report shows them (a bundle case
    # seen through a branch counts at the sub-center that took it)
    rows = monthly(db.session, day.month, day.today, center_zone())
    figures = roll_up({sub: rows[sub] for sub in db.session.scalars(select(SubCenter.id)) if sub in rows})
    tasks, tasks_total, tasks_overdue = follow_ups(db.session, day.today, SHOWN)
    questions = db.session.scalar(select(func.count(Consultation.id)).where(Consultation.state == OPEN))
    return {"lights": day.lights, "extensions": extensions, "extensions_total": extensions_total,
            "towns": town_results(),
            "branches": branches, "branches_total": branches_total, "questions": questions,
            "open_state": OPEN, "month": day.month,
            "follow_ups": tasks, "follow_ups_total": tasks_total, "follow_ups_overdue": tasks_overdue,
            "figures": [(str(label), shown(value(figures))) for label, value in COLUMNS]}


def town_results() -> list[tuple[Any, Any]]:
    """十个有: each town center the manager sees, with its latest inspection (``None``: not
    inspected yet); its open findings are that inspection's 缺 items."""
    towns = db.session.scalars(select(SubCenter).where(SubCenter.kind == town.TOWN_CENTER, SubCenter.active)
                               .order_by(SubCenter.code)).all()
    latest = town.latest(db.session, [t.id for t in towns]) if towns else {}
    return [(t, latest.get(t.id)) for t in towns]


def auditor_day(site: Any, day: Day) -> dict[str, Any]:
    overdue, _ = worklist(db.session, Filters(light=RED), day.th, day.counts, 0, SHOWN)
    rules = site.center.get("assessment")
    ranked: list[Any] = []
    if rules:
        rows, _, _, _ = shown_ranking(db.session, rules, day.month, day.today, center_zone(), "window")
        ranked = [r for r in rows if r.rank is not None]
    return {"lights": day.lights, "overdue": [case for case, _ in overdue],
            "overdue_total": day.lights[RED], "month": day.month, "ranking": head_and_tail(ranked),
            "ranked": len(ranked), "has_rules": bool(rules)}


def head_and_tail(ranked: list[Any]) -> list[Any]:
    """The first and the last ``HEAD`` of a ranking, ``None`` between them; a rank shared across
    the cut is shown whole (15, 15, 17, not 15, 17)."""
    if len(ranked) <= 2 * HEAD:
        return ranked
    first, last = HEAD, len(ranked) - HEAD
    while first < len(ranked) and ranked[first].rank == ranked[first - 1].rank:
        first += 1
    while last > first and ranked[last - 1].rank == ranked[last].rank:
        last -= 1
    return ranked if last <= first else ranked[:first] + [None] + ranked[last:]


def town_day(site: Any, day: Day) -> dict[str, Any]:
    """代办 at a town center: the agency cases carried through it that are not replied to yet
    (the scope rule: a town center's staff see those) with where each is: those the town is to
    act on (to receive from the village, to deliver) first, counted; the oldest taken first."""
    query = (select(Case, CaseAgency).join(CaseAgency, CaseAgency.case_id == Case.id)
             .where(CaseAgency.stage != AgencyStage.REPLIED))
    waiting_here = sa_case((CaseAgency.stage.in_((AgencyStage.VILLAGE, AgencyStage.TOWN)), 0), else_=1)
    rows = db.session.execute(query.options(joinedload(Case.item))  # the town's to act on first
                              .order_by(waiting_here, CaseAgency.taken_at, Case.id).limit(SHOWN)).all()
    to_act = db.session.scalar(select(func.count()).select_from(
        query.where(CaseAgency.stage.in_((AgencyStage.VILLAGE, AgencyStage.TOWN)))
        .with_only_columns(CaseAgency.id).subquery())) or 0
    total = db.session.scalar(select(func.count()).select_from(
        query.with_only_columns(CaseAgency.id).subquery())) or 0
    return {"cases": [(case, carried, where_now(case)) for case, carried in rows],
            "to_act": to_act, "total": total}


PARTS = ((CLERK, clerk_day), (MANAGER, manager_day), (AUDITOR, auditor_day))


class HomeView(IndexView):
    index_template = "portal/index.html"

    @expose("/")
    def index(self) -> Any:
        site = current_site()
        if not current_user.is_authenticated and site is not None:  # a visitor: the public hall
            return hall.landing()
        roles = roles_of(current_user) if current_user.is_authenticated else set()
        if AGENT in roles and not roles & {role for role, _ in PARTS}:  # a 代办员: 当前去向
            return redirect(url_for("AgentView.index"))
        builds = [(role, build) for role, build in PARTS if role in roles and site is not None]
        day = Day.of(site) if builds else None  # counted once, whatever roles the user holds
        parts = {role: build(site, day) for role, build in builds}
        scope = current_scope()
        if builds and scope is not None and scope.town_centers:  # a town center's staff: 代办
            parts["town"] = town_day(site, day)
        return self.render_template(self.index_template, site=site, parts=parts,
                                    lights=LIGHTS, today=day.today if day else None,
                                    title=gettext("Home"))
