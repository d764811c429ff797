"""电子监察: the light of each open case, and the worklist query that sorts and filters by it.

A light follows from the due date and the center's threshold (center.yaml ``lights``):
red past the due date, yellow when ``yellow_days_left`` working days or fewer are left,
green otherwise; a paused case (clock stopped) shows 暂停. The same rule is one SQL
expression, so a worklist of any size filters and sorts by light in the database, and
shows the overdue first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select
from sqlalchemy.orm import Session, joinedload

from portal.clock import Calendar
from portal.models import Case

RED, YELLOW, GREEN, PAUSED_LIGHT = "red", "yellow", "green", "paused"
LIGHTS = (RED, YELLOW, GREEN, PAUSED_LIGHT)
OPEN_STATES = ("accepted", "paused")


@dataclass(frozen=True)
class Thresholds:
    """The dates that split today's open cases into lights."""

    today: dt.date
    yellow_until: dt.date  # due on or before this day (and not before today): yellow

    @classmethod
    def of(cls, calendar: Calendar, today: dt.date, yellow_days_left: int) -> Thresholds:
        return cls(today, calendar.add_workdays(today, yellow_days_left))

    def light(self, state: str, due: dt.date | None) -> str | None:
        if state == "paused":
            return PAUSED_LIGHT
        if state != "accepted" or due is None:
            return None
        if due < self.today:
            return RED
        return YELLOW if due <= self.yellow_until else GREEN

    def sql(self) -> ColumnElement[str]:
        """The same rule over the cases table."""
        return case((Case.state == "paused", literal(PAUSED_LIGHT)),
                    (Case.due_date < self.today, literal(RED)),
                    (Case.due_date <= self.yellow_until, literal(YELLOW)),
                    else_=literal(GREEN))

    def where(self, light: str) -> ColumnElement[bool]:
        return {
            PAUSED_LIGHT: Case.state == "paused",
            RED: and_(Case.state == "accepted", Case.due_date < self.today),
            YELLOW: and_(Case.state == "accepted", Case.due_date >= self.today,
                         Case.due_date <= self.yellow_until),
            GREEN: and_(Case.state == "accepted", Case.due_date > self.yellow_until),
        }[light]

    def order(self) -> tuple[ColumnElement, ...]:
        """Overdue first, then by due date; paused cases (no due date) last."""
        return (case((Case.state == "paused", 1), else_=0), Case.due_date, Case.id)


@dataclass(frozen=True)
class Filters:
    """What a worklist is narrowed to: ids of the chosen sub-center, window, item; state; light."""

    sub_center: int | None = None
    window: int | None = None
    item: int | None = None
    state: str | None = None
    light: str | None = None

    def apply(self, query: Select, th: Thresholds) -> Select:
        query = query.where(Case.state.in_(OPEN_STATES))
        for column, value in ((Case.sub_center_id, self.sub_center), (Case.window_id, self.window),
                              (Case.item_id, self.item)):
            if value is not None:
                query = query.where(column == value)
        if self.state in OPEN_STATES:
            query = query.where(Case.state == self.state)
        if self.light in LIGHTS:
            query = query.where(th.where(self.light))
        return query


def worklist(session: Session, th: Thresholds, filters: Filters, page: int,
             size: int) -> tuple[list[tuple[Case, str]], int]:
    """One page of open cases with their lights, overdue first; and how many there are.

    Runs through the session's scope rule: a clerk's own windows, a manager's sub-centers, the
    center's everything.
    """
    rows = session.execute(filters.apply(select(Case, th.sql()), th)
                           .options(joinedload(Case.item), joinedload(Case.sub_center),
                                    joinedload(Case.window))
                           .order_by(*th.order()).offset(page * size).limit(size)).all()
    total = session.scalar(filters.apply(select(func.count(Case.id)), th))
    return [(case, light) for case, light in rows], total or 0


def light_counts(session: Session, th: Thresholds,
                 filters: Filters) -> dict[int, dict[str, int]]:
    """Per sub-center id: how many open cases show each light (one GROUP BY in the database)."""
    light = th.sql().label("light")
    query = filters.apply(select(Case.sub_center_id, light, func.count(Case.id)), th)
    out: dict[int, dict[str, int]] = {}
    for sub_center_id, which, count in session.execute(query.group_by(Case.sub_center_id, light)):
        out.setdefault(sub_center_id, dict.fromkeys(LIGHTS, 0))[which] = count
    return out
