"""考核得分 (`/assessment/`): the month's ranking of the windows in the user's scope by the
center's rules, the change since the month before, and each window's score explained line by
line down to the cases, evaluations, complaints and inspections behind it."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, request
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext

from portal import assessment, audit, lifecycle
from portal.current import current_site
from portal.metrics import METRICS
from portal.models import Window, db
from portal.reports import Month
from portal.roles import READ, permission

EVIDENCE_SCREENS = {"case": "CaseScreen.show", "evaluation": "EvaluationsScreen.show",
                    "complaint": "ComplaintsScreen.show", "inspection": "InspectionsScreen.show"}


def _month() -> tuple[Month, Any, ZoneInfo]:
    today = lifecycle.local_day(audit.server_now())
    try:
        month = Month.parse(request.args.get("month", ""))
    except ValueError:
        month = Month(today.year, today.month)
    return month, today, ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))


class AssessmentView(BaseView):
    route_base = "/assessment"
    default_view = "index"
    class_permission_name = "assessment"
    method_permission_name = {"index": READ, "window": READ, "xlsx": READ, "csv": READ}
    base_permissions = [permission(READ)]

    def _rules(self) -> Any:
        rules = current_site().center.get("assessment")
        if not rules:
            abort(404)
        return rules

    @expose("/")
    @has_access
    def index(self) -> Any:
        rules = self._rules()
        month, today, zone = _month()
        return self.render_template("portal/assessment.html", title=gettext("Scores"), rules=rules,
                                    month=month,
                                    rows=assessment.ranking(db.session, rules, month, today, zone))

    @expose("/export.xlsx")
    @has_access
    def xlsx(self) -> Any:
        from portal.exports import workbook
        from portal.publish import current_version

        rules = self._rules()
        month, today, zone = _month()
        rows = assessment.ranking(db.session, rules, month, today, zone)
        data = workbook(rules, month, rows, str(current_version(db.session)), db.session, today, zone)
        return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename=assessment-{month}.xlsx"})

    @expose("/export.csv")
    @has_access
    def csv(self) -> Any:
        from portal.exports import csv_rows
        from portal.web.csv_export import csv_response

        rules = self._rules()
        month, today, zone = _month()
        labels, table = csv_rows(rules, assessment.ranking(db.session, rules, month, today, zone))
        return csv_response(f"assessment-{month}.csv", labels, table)

    @expose("/window/<int:pk>")
    @has_access
    def window(self, pk: int) -> Any:
        rules = self._rules()
        window = db.session.get(Window, pk)  # through the scope rule
        if window is None:
            abort(404)
        month, today, zone = _month()
        values = assessment.metrics(db.session, month, today, zone).get(pk) or assessment.empty_metrics()
        score = assessment.score(rules, values)
        lines = []
        for rule, line in zip(rules["points"], score.lines, strict=True):
            read = sorted(assessment.read_metrics(rules, rule["formula"]))
            lines.append({"line": line, "formula": rule["formula"], "cap": rule.get("cap"),
                          "metrics": [(METRICS[m], assessment.shown(m, values.get(m))) for m in read],
                          "evidence": [] if not line.points else
                          [(METRICS[m], assessment.evidence(db.session, month, today, zone, pk, m))
                           for m in read]})
        return self.render_template("portal/assessment_window.html", title=str(window), rules=rules,
                                    month=month, window=window, score=score, lines=lines,
                                    screens=EVIDENCE_SCREENS)
