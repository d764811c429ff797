"""The metrics of every subject of a month (window, sub-center or clerk: ``SUBJECTS``), from
the database in a few GROUP BY queries — the case figures of the monthly report, and one query
each over evaluations, complaints, inspections and (for sub-centers) 十个有 findings — never
from Python loops over rows. The names the rules may use are portal/site/metrics.py's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from portal.access.roles import CLERK, ROLE_NAMES
from portal.assessment.network import NetworkFigures, month_figures
from portal.assessment.reports import Figures, Month, monthly
from portal.assessment.town import missing_in_month
from portal.core.workdays import Calendar
from portal.models import Case, Complaint, Evaluation, Inspection, PortalUser, SubCenter, Window
from portal.models.assessment import LEVELS, SATISFIED
from portal.site.metrics import METRICS, UNDEFINED_WHEN_EMPTY

BAD = LEVELS[3:]  # 不满意, 非常不满意
ZERO = Decimal(0)


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _share(part: int, whole: int) -> Decimal | None:
    return Decimal(part) / Decimal(whole) if whole else None


class Subject:
    """What is assessed, and how its records are found: a window, a sub-center, or a clerk —
    the user who accepted the case (受理人), named in complaints and inspections."""

    def __init__(self, name: str, word: str) -> None:
        self.name, self.word = name, word

    @property
    def model(self) -> Any:
        """The table of this kind of subject."""

        return {"window": Window, "sub_center": SubCenter, "clerk": PortalUser}[self.name]

    def column(self, model: Any) -> Any:
        """The column of ``model`` (Case or a record) that names the subject."""
        if self.name == "window":
            return model.window_id
        if self.name == "sub_center":
            return model.sub_center_id
        return Case.accepted_by if model in (Case, Evaluation) else model.clerk

    def reach(self, query: Any, model: Any) -> Any:
        """``query`` over ``model``, joined to what names the subject (an evaluation's clerk is
        its case's)."""
        return query.join(Case, Evaluation.case_id == Case.id) if (
            self.name == "clerk" and model is Evaluation) else query

    @property
    def carries(self) -> bool:
        """Whether 代办 counts for this kind of subject: a sub-center's figures are those of the
        applications it carries as a town center (none for any other sub-center); a window or a
        clerk carries none (an application is taken for the town, by a 代办员 or at its counter)."""
        return self.name == "sub_center"

    def rows(self, session: Session, sub_center_id: int | None = None,
             keys: Iterable[Any] = ()) -> list[Any]:
        """The subjects the session sees (through the scope rule), by code: the windows or
        sub-centers — or the active users holding the clerk role, with anyone else who accepted
        cases (``keys``: a manager at the counter, a clerk who has left since); those of one
        sub-center when ``sub_center_id`` is given."""

        if self.name == "window":
            query = select(Window).order_by(Window.code)
            if sub_center_id is not None:
                query = query.where(Window.sub_center_id == sub_center_id)
        elif self.name == "sub_center":
            query = select(SubCenter).order_by(SubCenter.code)
            if sub_center_id is not None:
                query = query.where(SubCenter.id == sub_center_id)
        else:
            query = select(PortalUser).where(or_(
                and_(PortalUser.active.is_(True), PortalUser.roles.any(name=ROLE_NAMES[CLERK])),
                PortalUser.username.in_(list(keys))))
            if sub_center_id is not None:
                query = query.where(or_(PortalUser.windows.any(Window.sub_center_id == sub_center_id),
                                        PortalUser.sub_centers.any(SubCenter.id == sub_center_id)))
            query = query.order_by(PortalUser.username)
        return list(session.scalars(query))

    def key(self, row: Any) -> Any:
        """What the metrics are keyed by: the id, or a clerk's username."""
        return row.username if self.name == "clerk" else row.id

    def code(self, row: Any) -> str:
        return row.username if self.name == "clerk" else row.code

    def label(self, row: Any) -> str:
        if self.name == "window":
            return f"{row.code} {row.name}"
        return row.unified_name if self.name == "sub_center" else row.username

    def place(self, row: Any) -> str:
        """Where the subject belongs: a window's sub-center, a sub-center's department, a
        clerk's windows (or sub-centers)."""
        if self.name == "window":
            return row.sub_center.unified_name
        if self.name == "sub_center":
            return row.department
        return "、".join([f"{w.code} {w.name}" for w in row.windows]
                        or [sub.unified_name for sub in row.sub_centers])


SUBJECTS = MappingProxyType({s.name: s for s in (
    Subject("window", "窗口"), Subject("sub_center", "分中心"), Subject("clerk", "工作人员"))})


def metrics(session: Session, month: Month, today: dt.date, zone: ZoneInfo,
            by: str = "window", calendar: Calendar | None = None) -> dict[Any, dict[str, Decimal | None]]:
    """Every metric of every subject with anything in the month, by subject key (working
    days by ``calendar``: by default the current published version's)."""
    start, end = month.bounds(zone)
    subject = SUBJECTS[by]
    cases = monthly(session, month, today, zone, by=by)
    carried = month_figures(session, month, zone, calendar, by=by) if subject.carries else {}
    key = subject.column

    in_month = and_(Evaluation.created_at >= start, Evaluation.created_at < end)
    evaluations = {row[0]: row[1:] for row in session.execute(subject.reach(
        select(key(Evaluation), func.count(), _count(Evaluation.level.in_(SATISFIED)),
               _count(Evaluation.level.in_(BAD))), Evaluation).where(in_month).group_by(key(Evaluation)))}
    upheld = dict(session.execute(
        select(key(Complaint), func.count()).where(
            Complaint.created_at >= start, Complaint.created_at < end, Complaint.outcome == "属实")
        .group_by(key(Complaint))).all())
    deductions = dict(session.execute(
        select(key(Inspection), func.sum(Inspection.deduction)).where(
            Inspection.inspected_on >= month.first, Inspection.inspected_on < month.next_first)
        .group_by(key(Inspection))).all())
    # 十个有 inspects a town center as a whole: it counts for the sub-center only
    towns = missing_in_month(session, month.first, month.next_first) if by == "sub_center" else {}
    out: dict[Any, dict[str, Decimal | None]] = {}
    keys = set(cases) | set(evaluations) | set(upheld) | set(deductions) | set(towns) | set(carried)
    for subject_key in keys - {None}:
        f, a = cases.get(subject_key, Figures()), carried.get(subject_key, NetworkFigures())
        given, satisfied, bad = evaluations.get(subject_key, (0, 0, 0))
        values: dict[str, Decimal | None] = {
            "accepted": Decimal(f.accepted), "instant": Decimal(f.instant),
            "instant_rate": _share(f.instant, f.accepted),
            "on_the_spot": Decimal(f.on_the_spot), "on_the_spot_rate": _share(f.on_the_spot, f.accepted),
            "completed": Decimal(f.completed), "on_time": Decimal(f.on_time),
            "on_time_rate": _share(f.on_time, f.completed), "overdue": Decimal(f.overdue),
            "speed_up": (1 - Decimal(f.used_days) / Decimal(f.legal_days)) if f.legal_days else None,
            "evaluations": Decimal(given), "satisfied": Decimal(satisfied),
            "satisfaction_rate": _share(satisfied, given), "bad_reviews": Decimal(bad),
            "complaints_upheld": Decimal(upheld.get(subject_key, 0)),
            "inspection_deduction": Decimal(deductions.get(subject_key) or 0),
            "town_standard_missing": Decimal(towns.get(subject_key, 0)),
            "agency_taken": Decimal(a.taken), "agency_delivered": Decimal(a.delivered),
            "agency_replied": Decimal(a.replied),
            "agency_transit_days": _share(a.transit_days, a.transit_cases),
            "agency_transit_max": None if a.transit_max is None else Decimal(a.transit_max),
            "agency_reminders": Decimal(a.reminders),
        }
        assert values.keys() == METRICS.keys()
        out[subject_key] = values
    return out


def shown(metric: str, value: Decimal | None) -> str:
    """A metric as a person reads it: rates in per cent, counts as numbers, — for none."""
    if value is None:
        return "—"
    if metric.endswith("_rate") or metric == "speed_up":
        return f"{value * 100:.1f}%"
    if metric == "agency_transit_days":  # an average of working days
        return f"{value:.1f}"
    return f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)


def empty_metrics() -> dict[str, Decimal | None]:
    """A subject with nothing in the period: counts zero, rates none."""
    return {name: (None if name in UNDEFINED_WHEN_EMPTY else ZERO) for name in METRICS}
