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

from sqlalchemy import ColumnElement, and_, case, literal

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
