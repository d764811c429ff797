"""月度运行情况 (`/reports/monthly`): the monthly operations report per sub-center, or per window
of one sub-center, with the center's roll-up; as a page and as CSV. Scoped like every list:
a manager gets their sub-center, the center gets all."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.access.roles import READ, permission
from portal.assessment.reports import Figures, Month, monthly, roll_up
from portal.cases import audit
from portal.core import servertime
from portal.models import Case, SubCenter, Window, db
from portal.web.csv_export import csv_response
from portal.web.current import center_today, center_zone, current_site
from portal.web.network import month_section

# (header msgid, value of a row's figures); rates as percentages with one decimal
COLUMNS = (
    (_l("Cases accepted"), lambda f: f.accepted),
    (_l("Instant cases"), lambda f: f.instant),
    (_l("Instant share"), lambda f: f.instant_rate),
    (_l("Completed on the spot"), lambda f: f.on_the_spot),
    (_l("On-the-spot rate"), lambda f: f.on_the_spot_rate),
    (_l("Completed"), lambda f: f.completed),
    (_l("Completed on time"), lambda f: f.on_time),
    (_l("On-time rate"), lambda f: f.on_time_rate),
    (_l("Overdue cases"), lambda f: f.overdue),
    (_l("Speed-up rate"), lambda f: f.speed_up),
)


def shown(value: int | float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.1f}%" if isinstance(value, float) else str(value)


class MonthlyReportView(BaseView):
    route_base = "/reports"
    default_view = "monthly"
    datamodel = SQLAInterface(Case)
    class_permission_name = "cases"
    method_permission_name = {"monthly": READ}
    base_permissions = [permission(READ)]

    @expose("/monthly")
    @has_access
    def monthly(self) -> Any:
        today = center_today()
        try:
            month = Month.parse(request.args.get("month", ""))
        except ValueError:
            month = Month(today.year, today.month)
        zone = center_zone()
        sub_id = request.args.get("sub_center", "")
        sub = db.session.get(SubCenter, int(sub_id)) if sub_id.isdigit() else None
        if sub is not None:  # one sub-center, window by window
            figures = monthly(db.session, month, today, zone, by="window")
            subjects = [(w.id, f"{w.code} {w.name}") for w in db.session.scalars(
                select(Window).where(Window.sub_center_id == sub.id).order_by(Window.code))]
        else:
            figures = monthly(db.session, month, today, zone)
            subjects = [(s.id, s.unified_name) for s in db.session.scalars(
                select(SubCenter).order_by(SubCenter.code))]
        rows = [(key, name, figures.get(key, Figures())) for key, name in subjects]
        total = roll_up({key: f for key, _, f in rows})
        if request.args.get("format") == "csv":
            labels = [gettext("Sub-center") if sub is None else gettext("Window"),
                      *(str(h) for h, _ in COLUMNS)]
            table = [[name, *(shown(value(f)) for _, value in COLUMNS)] for _, name, f in rows]
            table.append([gettext("All"), *(shown(value(total)) for _, value in COLUMNS)])
            return csv_response(f"monthly-{month}{'-' + sub.code if sub else ''}.csv", labels, table)
        site = current_site()
        # 三级便民服务网络: on the sub-centers' report, not on one sub-center's windows
        network = month_section(site, month, today) if sub is None and site is not None else None
        return self.render_template(
            "portal/monthly_report.html", title=gettext("Monthly operations report"),
            month=month, sub=sub, rows=rows, total=total, columns=COLUMNS, shown=shown, network=network,
            chain=audit.fingerprint(db.session), printed_at=servertime.now(),
            args={k: v for k, v in request.args.items() if k != "format"})
