"""三级便民服务网络 on the desk pages: the monthly report's section (a month's 代办 per town and
village, with today's under way for the month in course) and the worklist's block (today's
agencies under way per town and village, and the delivered cases the deciding window is late
with or that were pressed). The figures are the domain's (portal/assessment/network.py,
portal/cases/network.py), read through the scope rule: the center sees every town, a town
center's staff their own, a deciding sub-center the agencies of its cases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from portal.access.scope import current_scope
from portal.assessment.network import NetworkFigures, month_figures
from portal.assessment.reports import Month
from portal.cases import lifecycle
from portal.cases.network import Town, Underway, late, towns, underway
from portal.models import db
from portal.site import Site

LATE_SHOWN = 20  # the late or pressed delivered cases listed under the counts, longest first


@dataclass(frozen=True)
class Row:
    """One line of a network table: a town (its total) or one of its villages."""

    town: Town
    village_id: int | None
    name: str  # the village's; "" for the town's own counter; the town's for its total
    is_town: bool
    figures: NetworkFigures
    today: Underway


def _rows(listed: list[Town], figures: dict[Any, NetworkFigures],
          today: dict[Any, Underway]) -> tuple[list[Row], NetworkFigures, Underway]:
    rows: list[Row] = []
    all_figures, all_today = NetworkFigures(), Underway()
    for town in listed:
        lines = [Row(town, vid, name, False, figures.get((town.id, vid), NetworkFigures()),
                     today.get((town.id, vid), Underway())) for vid, name in town.villages]
        town_figures, town_today = NetworkFigures(), Underway()
        for line in lines:
            town_figures, town_today = town_figures + line.figures, town_today + line.today
        rows.append(Row(town, None, town.name, True, town_figures, town_today))
        rows += lines
        all_figures, all_today = all_figures + town_figures, all_today + town_today
    return rows, all_figures, all_today


def shows_network() -> bool:
    """Whether the worklist shows the network's block: to the center's supervision and a town
    center's staff (a deciding window sees its pressed cases in its own list)."""
    scope = current_scope()
    return scope is None or scope.everything or bool(scope.town_centers)


def month_section(site: Site, month: Month, today: dt.date) -> dict[str, Any]:
    """The monthly report's 三级便民服务网络: per town (its total first) and village, the month's
    figures, and today's under way when the month is the current one."""
    calendar = lifecycle.calendar_of(site)
    figures = month_figures(db.session, month, site.zone, calendar)
    current = (month.year, month.month) == (today.year, today.month)
    now = underway(db.session, calendar, today, site.zone) if current else {}
    listed = towns(db.session, [*figures, *now])
    rows, total, total_today = _rows(listed, figures, now)
    return {"rows": rows, "total": total, "total_today": total_today, "current": current,
            "towns": len(listed)}


def today_block(site: Site, today: dt.date) -> dict[str, Any]:
    """The worklist's block: today's agencies under way per town and village, and the late or
    pressed delivered cases."""
    calendar = lifecycle.calendar_of(site)
    now = underway(db.session, calendar, today, site.zone)
    listed = towns(db.session, now)
    rows, _, total_today = _rows(listed, {}, now)
    cases, cases_total = late(db.session, calendar, today, site.zone, LATE_SHOWN)
    names = {t.id: t for t in listed}
    villages = {(t.id, vid): name for t in listed for vid, name in t.villages}
    return {"rows": rows, "total_today": total_today, "towns": len(listed),
            "late": [(c, names[c.town_id].name if c.town_id in names else "",
                      villages.get((c.town_id, c.village_id), "")) for c in cases],
            "late_total": cases_total}
