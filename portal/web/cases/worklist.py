"""待办与监察: open cases with their lights, overdue first, filtered by sub-center, window, item,
state and light. One page for all: the scope rule makes it a clerk's worklist (their windows),
a manager's supervision (their sub-centers) or the center's (everything), with a per
sub-center count of lights above the list.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from markupsafe import Markup, escape
from sqlalchemy import select

from portal.access.roles import READ, permission
from portal.access.scope import current_scope
from portal.cases import agency, lifecycle
from portal.cases.supervision import (
    LIGHTS,
    OPEN_FOLLOW_UPS,
    OPEN_STATES,
    RED,
    Filters,
    Line,
    Thresholds,
    follow_ups,
    worklist,
    worklist_day,
)
from portal.core.recent import Recent
from portal.core.workdays import Calendar
from portal.models import Case, CaseState, Item, Offering, SubCenter, Window, db
from portal.web.cases.case_page import LIGHT_LABELS
from portal.web.cases.casework import thresholds
from portal.web.current import current_publication, current_site
from portal.web.listing import KEY_MARK
from portal.web.network import shows_network, today_block

PAGE_SIZE = 25
# a plain string filled with values escaped one by one: Markup.format escapes through
# string.Formatter in Python, 130 µs a row against 10 here
ROW = ('<tr data-number="{number}" data-light="{light}"><td>{badge}</td>'
       '<td><a href="{href}">{number}</a>{pressed}</td><td>{item}</td><td>{sub}</td><td>{window}</td>'
       '<td>{applicant}</td><td>{step}</td><td>{due}{estimated}</td>'
       '<td class="text-right{danger}">{left}</td></tr>')
# (plain strings filled with escaped values, as ROW: Markup.format is slow)
BADGE = '<span class="portal-light portal-light-{0}" data-light="{0}">{1}</span>'
ESTIMATED = ' <small class="label label-warning" data-testid="guessed" title="{0}">{1}</small>'
PRESSED = ' <span class="label label-danger" data-testid="pressed" title="{0}">{1}</span>'
FOLLOW_UPS_SHOWN = 10  # the open 回访整改 tasks, soonest due first; the screen lists them all
WAITING_PAGE = 10  # the waiting cases are paged apart: the counter's few, oldest first
PRESSED_SHOWN = 20  # the pressed agency cases (催办), latest reminder first


def _id(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def rows_html(rows: list[Any], red: str) -> Markup:
    """The open cases' rows: (case, light, working days left, open step, guessed years) each,
    those a village or town pressed (催办) marked, joined here — a Jinja macro, a ``url_for``
    and a dozen lookups per row made rendering half of the worklist's time. Values are escaped
    as Jinja escapes them."""
    badges = {light: BADGE.format(escape(light), escape(LIGHT_LABELS.get(light, ""))) for light in LIGHTS}
    link = str(escape(url_for("CaseScreen.show", pk=KEY_MARK)))
    estimated: dict[tuple[int, ...], str] = {}
    mark = PRESSED.format(escape(gettext("Pressed by the village or town (催办)")),
                          escape(gettext("Pressed")))
    out = []
    for case, light, left, step, guessed in rows:
        if guessed and tuple(guessed) not in estimated:
            estimated[tuple(guessed)] = ESTIMATED.format(escape(
                gettext("The holidays of %(years)s are not published yet: the time limit is counted "
                        "in weekdays.", years="、".join(map(str, guessed)))), escape(gettext("estimated")))
        out.append(ROW.format(
            number=escape(case.number), light=escape(light), badge=badges.get(light, ""),
            href=link.replace(KEY_MARK, str(case.id)), item=escape(case.item_name),
            pressed=mark if case.pressed else "",
            sub=escape(case.sub_center_name), window=escape(case.window_code),
            applicant=escape(case.applicant_name), step=escape(step),
            due=case.due_date or "—", estimated=estimated.get(tuple(guessed), "") if guessed else "",
            danger=" text-danger" if light == red else "", left="—" if left is None else left))
    return Markup("".join(out))


def days_left(th: Thresholds, case: Line, calendar: Calendar) -> int | None:
    """Working days left until the due date (negative: working days overdue)."""
    if case.due_date is None or case.state != CaseState.ACCEPTED:
        return None
    if case.due_date >= th.today:
        return calendar.between(th.today, case.due_date)
    return -max(calendar.between(case.due_date, th.today), 1)


def open_step(case: Line) -> str:
    steps = lifecycle.steps_of(case)
    return steps[case.step]["name"] if steps and case.step is not None and case.step < len(steps) else ""


# the filters' choices by publication and scope: site records, which change only when a new
# version is published (three queries of each view before); kept as their options' HTML — a
# Jinja loop over the site's items and windows was a tenth of the worklist's time
_kept_choices = Recent(keep=256)
OPTION = Markup('<option value="{0}">{1}</option>')


def _choices() -> tuple[list[Any], dict[str, Markup]]:
    """The sub-centers the user sees, and the options of the sub-center, window and item filters."""
    key = (current_publication(), current_scope())
    kept = _kept_choices.get(key)
    if kept is not None:
        return kept
    subs = db.session.execute(select(SubCenter.id, SubCenter.code, SubCenter.name)
                              .order_by(SubCenter.code)).all()
    choices = {
        "sub_center": [(s.id, s.name) for s in subs],
        "window": [(w.id, f"{w.code} {w.name}") for w in db.session.execute(
            select(Window.id, Window.code, Window.name).order_by(Window.code))],
        "item": [(i.id, i.name) for i in db.session.execute(
            select(Item.id, Item.name).where(Item.id.in_(select(Offering.item_id)))
            .order_by(Item.code))],
    }
    options = {name: Markup("").join(OPTION.format(value, text) for value, text in pairs)
               for name, pairs in choices.items()}
    return _kept_choices.put(key, (subs, options))


def chosen(options: Markup, value: int | None) -> Markup:
    """``options`` with the one of ``value`` selected."""
    if value is None:
        return options
    # (on the plain text: Markup's own replace would escape the new tag)
    return Markup(str(options).replace(f'<option value="{value}">', f'<option value="{value}" selected>', 1))


class WorklistView(BaseView):
    route_base = "/worklist"
    default_view = "index"
    datamodel = SQLAInterface(Case)
    class_permission_name = "cases"
    method_permission_name = {"index": READ}
    base_permissions = [permission(READ)]

    @expose("/")
    @has_access
    def index(self) -> Any:
        site = current_site()
        th = thresholds(site)
        filters = Filters(sub_center=_id("sub_center"), window=_id("window"), item=_id("item"),
                          state=request.args.get("state") or None,
                          light=request.args.get("light") or None)
        page, wpage = _id("page") or 0, _id("wpage") or 0
        # the lights, the page's dated open cases and its waiting cases in one statement; with
        # them how many follow-ups are open and cases pressed: listed only when there are some
        # (most days none, for most users)
        day = worklist_day(db.session, th, filters, page, PAGE_SIZE, WAITING_PAGE, wpage * WAITING_PAGE,
                           also=(OPEN_FOLLOW_UPS, agency.PRESSED_COUNT))
        counts, waiting_total, (open_tasks, pressed_cases) = day.counts
        rows, total = worklist(db.session, filters, th, counts, page, PAGE_SIZE, dated_lines=day.dated)
        waiting_cases = day.waiting
        tasks, tasks_total, tasks_overdue = (follow_ups(db.session, th.today, FOLLOW_UPS_SHOWN)
                                             if open_tasks else ([], 0, 0))
        # 催办: the agency cases a village or town pressed (each row carries its own mark)
        pressed, pressed_total = agency.pressed(db.session, PRESSED_SHOWN) if pressed_cases else ([], 0)
        subs, options = _choices()
        calendar = lifecycle.calendar_of(site)
        by_id = {s.id: s for s in subs}
        # (a town center's staff count the 代办 cases under way of sub-centers they do not see)
        summary = [(by_id[i], counts[i]) for i in sorted((i for i in counts if i in by_id),
                                                         key=lambda i: by_id[i].code)]
        totals = {light: sum(c[light] for c in counts.values()) for light in LIGHTS}
        args = {k: v for k, v in request.args.items() if k not in ("page", "wpage") and v}
        return self.render_template(
            "portal/worklist.html", title=gettext("Worklist and supervision"),
            rows=[(c, light, days_left(th, c, calendar), open_step(c), lifecycle.guessed_years(site, c))
                  for c, light in rows],
            total=total, page=page, pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
            summary=summary, totals=totals, filters=filters, args=args,
            options={name: chosen(html, getattr(filters, name)) for name, html in options.items()},
            lights=LIGHTS, states=OPEN_STATES, th=th, red=RED,
            waiting=waiting_cases, waiting_total=waiting_total, wpage=wpage, today=th.today,
            follow_ups=tasks, follow_ups_total=tasks_total, follow_ups_overdue=tasks_overdue,
            pressed=pressed, pressed_total=pressed_total,
            network=today_block(site, th.today) if shows_network() else None,
            wpages=max((waiting_total + WAITING_PAGE - 1) // WAITING_PAGE, 1),
            yellow=site.center.get("lights", {}).get("yellow_days_left", 2))


def init_app(app: Flask) -> None:
    app.add_template_global(rows_html, "portal_worklist_rows")
