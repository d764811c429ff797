"""Intake decisions on a submitted application: accept (受理), reject (不予受理), or a one-time
notice of every missing material (一次性告知); the same case continues when the applicant returns.

Each decision is an event with the server's time (portal/audit.py); the due date of an
accepted case is worked out by the working-day clock (portal/clock.py) from the limit the
sub-center promises for the item, and stored with the case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.orm import Session

from portal.audit import append
from portal.clock import Calendar
from portal.declarations import Site
from portal.errors import PortalError
from portal.models import Case

SUBMITTED, ACCEPTED, REJECTED, NOTICE = "submitted", "accepted", "rejected", "notice_missing"

_calendars: dict[str, Calendar] = {}


def calendar_of(site: Site) -> Calendar:
    """One calendar per published site (its holiday schedules), kept for the process."""
    calendar = _calendars.get(site.content_hash)
    if calendar is None:
        calendar = _calendars.setdefault(site.content_hash, Calendar.of_center(site.center))
    return calendar


def local_day(at: dt.datetime) -> dt.date:
    """The center's calendar day of a moment (Asia/Shanghai unless configured otherwise)."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    return at.astimezone(zone).date()


def _offering_item(site: Site, case: Case) -> dict:
    sub = site.subcenters[case.sub_center.code]
    offering = sub.offerings.get(case.item.code)
    if offering is None:
        raise PortalError(f"{sub.name} no longer offers {case.item.name}",
                          hint="the item was withdrawn; ask the sub-center manager")
    return offering.item


def _must_be(case: Case, *states: str) -> None:
    if case.state not in states:
        raise PortalError(f"case {case.number} is {case.state}, not {' or '.join(states)}",
                          hint="reload the case: someone may have acted on it")


def accept(session: Session, site: Site, case: Case, by: str) -> Case:
    """受理: the clock starts now; the due date follows from the sub-center's promised limit."""
    _must_be(case, SUBMITTED)
    item = _offering_item(site, case)
    now = dt.datetime.now(dt.UTC)
    days = item.promised_days if item.case_type == "承诺件" else 0  # 即办件: the same day
    due = calendar_of(site).due(local_day(now), days)
    case.state, case.accepted_at, case.limit_days, case.due_date = ACCEPTED, now, days, due.day
    append(session, case, "accept", by, {"limit_days": days, "due": due.day.isoformat(),
                                         "guessed_years": list(due.guessed)})
    session.commit()
    return case


def reject(session: Session, case: Case, by: str, reason: str) -> Case:
    """不予受理, with the reason the notice will print."""
    _must_be(case, SUBMITTED, NOTICE)
    if not reason.strip():
        raise PortalError("a rejection needs its reason", hint="the 不予受理通知书 prints it")
    case.state = REJECTED
    append(session, case, "reject", by, {"reason": reason.strip()})
    session.commit()
    return case


def notice_missing(session: Session, site: Site, case: Case, by: str, missing: Sequence[str],
                   note: str = "") -> Case:
    """一次性告知: every missing or defective material at once, from the item's declared list."""
    _must_be(case, SUBMITTED)
    declared = [m["name"] for m in _offering_item(site, case).data.get("materials", ())]
    unknown = [m for m in missing if m not in declared]
    if unknown or not missing:
        raise PortalError("choose the missing materials from the item's list" if not unknown
                          else f"not a material of this item: {'、'.join(unknown)}",
                          hint="the notice lists the item's declared materials")
    case.state = NOTICE
    append(session, case, "notice_missing", by,
           {"missing": [m for m in declared if m in missing], "note": note.strip()})
    session.commit()
    return case


def resubmit(session: Session, case: Case, by: str) -> Case:
    """The applicant came back with the materials: the same case is up for a decision again."""
    _must_be(case, NOTICE)
    case.state = SUBMITTED
    append(session, case, "resubmit", by)
    session.commit()
    return case
