"""The agency part (代办) of a case page — the 代办员's phone page and the desk case page alike:
where the case is, each hand-over with who and when, the last 催办, and the steps the
signed-in user may record now (portal/cases/agency.py decides them)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_login import current_user

from portal.access.scope import current_scope
from portal.cases import agency
from portal.models import STAGE_NAMES, Case, db
from portal.web.current import center_time, center_today, current_site


def carrier() -> agency.Carrier:
    """The signed-in user as the agency sees them."""
    scope = current_scope()
    everywhere = scope is None or scope.everything
    return agency.Carrier(current_user.username, current_user.id,
                          agent=bool(scope and scope.carrier),
                          towns=frozenset() if everywhere else scope.town_centers,
                          everywhere=everywhere)


def _steps(case: Case) -> list[tuple[str, str | None, str | None]]:
    return [(gettext(STAGE_NAMES[stage]), center_time(at) if at else None, by)
            for stage, at, by in agency.handovers(case)]


def case_panel(case: Case) -> dict[str, Any] | None:
    """What the agency part of a case page shows: where it is, the hand-overs, the reminder,
    and the steps the signed-in user may record now (``None``: not an agency case)."""
    if case.agency is None:
        return None
    site = current_site()
    place = agency.where(db.session, case)
    town, home, window = agency.names(db.session, case)
    village = agency.village_name(db.session, case)
    return {"route": gettext("Taken at %(taken)s for %(place)s, which decides it; carried there through "
                             "%(town)s.", taken=village or town, place=f"{home} {window}", town=town),
            "stage": case.agency.stage, "stage_name": gettext(STAGE_NAMES[case.agency.stage]),
            "place": gettext(place[0], **place[1]) if place else "",
            "steps": _steps(case), "allowed": agency.allowed(site, case, carrier(), center_today()),
            "reminded_at": center_time(case.agency.reminded_at) if case.agency.reminded_at else None,
            "reminded_by": case.agency.reminded_by, "reminders": case.agency.reminders}


