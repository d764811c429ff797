"""考核得分 (`/assessment/`): the month's ranking of the windows in the user's scope by the
center's rules, the change since the month before, and each window's score explained line by
line down to the cases, evaluations, complaints and inspections behind it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from portal import assessment, audit, lifecycle
from portal.current import current_site
from portal.errors import PortalError
from portal.metrics import METRICS
from portal.models import Window, db
from portal.reports import Month
from portal.roles import READ, WRITE, permission
from portal.web.casework import actor

EVIDENCE_SCREENS = {"case": "CaseScreen.show", "evaluation": "EvaluationsScreen.show",
                    "complaint": "ComplaintsScreen.show", "inspection": "InspectionsScreen.show"}


def _month_of(text: str) -> tuple[Month, Any, ZoneInfo]:
    today = lifecycle.local_day(audit.server_now())
    try:
        month = Month.parse(text)
    except ValueError:
        month = Month(today.year, today.month)
    return month, today, ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))


def _month() -> tuple[Month, Any, ZoneInfo]:
    return _month_of(request.args.get("month", ""))


class AssessmentView(BaseView):
    route_base = "/assessment"
    default_view = "index"
    class_permission_name = "assessment"
    method_permission_name = {"index": READ, "window": READ, "xlsx": READ, "csv": READ,
                              "freeze": WRITE, "awards": READ, "internal": READ, "subcenter": READ,
                              "report": READ}
    base_permissions = [permission(READ), permission(WRITE)]

    def _rules(self) -> Any:
        rules = current_site().center.get("assessment")
        if not rules:
            abort(404)
        return rules

    def _internal(self) -> list[tuple[str, str]]:
        """(code, unified name) of the sub-centers in scope with internal rules of their own."""
        from portal.models import SubCenter

        site = current_site()
        visible = db.session.scalars(select(SubCenter.code).order_by(SubCenter.code))
        return [(code, site.subcenters[code].unified_name) for code in visible
                if code in site.subcenters and site.subcenters[code].assessment]

    @expose("/internal/<code>")
    @has_access
    def internal(self, code: str) -> Any:
        """A sub-center's internal scores: its own rules, its own windows, outside the center's
        ranking (and never frozen with it)."""
        from portal.models import SubCenter

        sub = db.session.scalars(select(SubCenter).where(SubCenter.code == code)).one_or_none()
        spec = current_site().subcenters.get(code)
        if sub is None or spec is None or not spec.assessment:
            abort(404)
        month, today, zone = _month()
        rows = [{"rank": r.rank, "window_id": r.window.id, "window": f"{r.window.code} {r.window.name}",
                 "code": r.window.code, "sub_center": sub.unified_name,
                 "points": [line.points for line in r.score.lines], "total": r.score.total,
                 "change": r.change}
                for r in assessment.ranking(db.session, spec.assessment, month, today, zone, sub.id)]
        return self.render_template(
            "portal/assessment.html", title=spec.assessment["name"], rules=spec.assessment,
            month=month, rows=rows, results=[], chosen=None, closed=month.next_first <= today,
            changed=False, can_freeze=False, internal=sub.unified_name, internals=self._internal())

    def _ranked(self, rules: Any, month: Month, today: Any,
                zone: ZoneInfo) -> tuple[list[dict[str, Any]], Any, list[Any], str, Any]:
        """(rows, the frozen result shown or None, all frozen results, by, rules shown), for
        the subject asked for (``?subject=``, else the rules' own)."""
        from portal.models import SubCenter

        subject = request.args.get("subject") or rules.get("subject", "window")
        by = "sub_center" if subject == "subcenter" else "window"
        results = assessment.frozen(db.session, month)
        chosen = next((r for r in results if str(r.id) == request.args.get("result")),
                      results[-1] if results else None)
        if chosen is None:  # live, through the scope rule
            rows = [_row(r, by) for r in assessment.ranking(db.session, rules, month, today, zone, by=by)]
            return rows, None, results, by, rules
        model = Window if by == "window" else SubCenter  # frozen, narrowed to what the user sees
        visible = set(db.session.scalars(select(model.id)))
        rows = [{**r, "points": [Decimal(line["points"]) for line in r["lines"]],
                 "total": Decimal(r["total"]), "change": Decimal(r["change"])}
                for r in chosen.results if r.get("subject", "window") == by and r["window_id"] in visible]
        return rows, chosen, results, by, chosen.rules

    @expose("/")
    @has_access
    def index(self) -> Any:
        rules = self._rules()
        month, today, zone = _month()
        rows, chosen, results, by, shown_rules = self._ranked(rules, month, today, zone)
        who = actor()
        return self.render_template(
            "portal/assessment.html", title=gettext("Scores"), rules=shown_rules, month=month,
            rows=rows, results=results, chosen=chosen, closed=month.next_first <= today,
            changed=chosen is not None and chosen.rules_digest != assessment.rules_digest(rules),
            internal=None, internals=self._internal(),
            subject="subcenter" if by == "sub_center" else "window",
            detail="AssessmentView.window" if by == "window" else "AssessmentView.subcenter",
            can_freeze=who.sub_centers is None
            and self.appbuilder.sm.has_access(permission(WRITE), "assessment"))

    @expose("/report.pdf")
    @has_access
    def report(self) -> Any:
        """The ranking as a PDF report to hand in: the frozen result where there is one."""
        from portal.documents import DocumentError, render_html, render_pdf
        from portal.publish import current_version

        rules = self._rules()
        month, today, zone = _month()
        rows, chosen, _, by, shown_rules = self._ranked(rules, month, today, zone)
        site = current_site()
        context = {
            "center": {"name": site.center["name"]}, "rules": shown_rules, "month": str(month),
            "subject": "分中心" if by == "sub_center" else "窗口",
            "version": chosen.label if chosen else f"即时计算（规则 {current_version(db.session)}）",
            "rows": [{"rank": r["rank"], "name": r["window"], "sub_center": r["sub_center"],
                      "points": [str(p) for p in r["points"]], "total": str(r["total"]),
                      "change": f"{r['change']:+.2f}"} for r in rows],
            "date": f"{today.year}年{today.month}月{today.day}日"}
        try:
            pdf = render_pdf(site.templates, render_html(site.templates, "assessment-report.html", context),
                             name="assessment-report.html")
        except DocumentError as exc:
            flash(str(exc), "danger")
            return redirect(url_for("AssessmentView.index", month=str(month)))
        return Response(pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f"inline; filename=assessment-{month}.pdf"})

    @expose("/awards")
    @has_access
    def awards(self) -> Any:
        """流动红旗 of a quarter that has ended; ``?format=pdf``: the certificates."""
        rules = self._rules()
        today = lifecycle.local_day(audit.server_now())
        zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
        last = (today.month - 1) // 3  # the last quarter that has ended this year (0: none)
        default_year, default_quarter = (today.year, last) if last else (today.year - 1, 4)
        year = int(request.args.get("year") or default_year)
        quarter = int(request.args.get("quarter") or default_quarter)
        if not 1 <= quarter <= 4 or (year, quarter) > (default_year, default_quarter):
            flash(gettext("Awards are given for quarters that have ended."), "warning")
            year, quarter = default_year, default_quarter
        rows = assessment.standings(db.session, rules, year, quarter, today, zone)
        if request.args.get("format") == "pdf":
            from portal.documents import DocumentError, render_html, render_pdf

            site = current_site()
            awards = [{"year": year, "quarter": quarter, "window": f"{r.window.code} {r.window.name}",
                       "sub_center": r.window.sub_center.unified_name, "average": r.average,
                       "stars": r.stars} for r in rows if r.red_flag]
            try:
                html = render_html(site.templates, "red-flag.html", {
                    "awards": awards, "center": {"name": site.center["name"]},
                    "date": f"{today.year}年{today.month}月{today.day}日"})
                pdf = render_pdf(site.templates, html, name="red-flag.html")
            except DocumentError as exc:
                flash(str(exc), "danger")
                return redirect(url_for("AssessmentView.awards", year=year, quarter=quarter))
            return Response(pdf, mimetype="application/pdf", headers={
                "Content-Disposition": f"inline; filename=red-flags-{year}-q{quarter}.pdf"})
        return self.render_template("portal/assessment_awards.html", title=gettext("Red flags"),
                                    rules=rules, rows=rows, year=year, quarter=quarter,
                                    months=assessment.quarter_months(year, quarter))

    @expose("/freeze", methods=["POST"])
    @has_access
    def freeze(self) -> Any:
        """Close the month (center-wide users): every window's score frozen with the rules."""
        month, today, zone = _month_of(request.form.get("month", ""))
        if actor().sub_centers is not None:
            abort(403)
        try:
            result = assessment.freeze(db.session, self._rules(), month, today, zone,
                                       current_user.username)
        except PortalError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("AssessmentView.index", month=str(month)))
        flash(gettext("Frozen: %(label)s.", label=result.label), "success")
        return redirect(url_for("AssessmentView.index", month=str(month), result=result.id))

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
        return self._detail(pk, "window")

    @expose("/subcenter/<int:pk>")
    @has_access
    def subcenter(self, pk: int) -> Any:
        return self._detail(pk, "sub_center")

    def _detail(self, pk: int, by: str) -> Any:
        from portal.models import SubCenter

        rules = self._rules()
        subject = db.session.get(Window if by == "window" else SubCenter, pk)  # through the scope rule
        if subject is None:
            abort(404)
        month, today, zone = _month()
        values = (assessment.metrics(db.session, month, today, zone, by=by).get(pk)
                  or assessment.empty_metrics())
        score = assessment.score(rules, values)
        lines = []
        for rule, line in zip(rules["points"], score.lines, strict=True):
            read = sorted(assessment.read_metrics(rules, rule["formula"]))
            lines.append({"line": line, "formula": rule["formula"], "cap": rule.get("cap"),
                          "metrics": [(METRICS[m], assessment.shown(m, values.get(m))) for m in read],
                          "evidence": [] if not line.points else
                          [(METRICS[m], assessment.evidence(db.session, month, today, zone, pk, m, by=by))
                           for m in read]})
        trend, m = [], month
        for _ in range(6):  # this month and the five before
            if by == "window":
                total = assessment.monthly_totals(db.session, rules, m, today, zone, [subject]).get(pk)
                trend.append((m, total[0] if total else Decimal(rules["base"])))
            else:
                got = assessment.metrics(db.session, m, today, zone, by=by).get(pk)
                trend.append((m, assessment.score(rules, got or assessment.empty_metrics()).total))
            m = m.previous()
        title = f"{subject.code} {subject.name}" if by == "window" else subject.unified_name
        return self.render_template("portal/assessment_window.html", title=title, heading=title,
                                    rules=rules, month=month, score=score, lines=lines,
                                    screens=EVIDENCE_SCREENS, trend=trend[::-1])


def _row(r: assessment.Ranked, by: str) -> dict[str, Any]:
    """A live ranking row as the template shows it (frozen rows are stored this way)."""
    row = assessment.frozen_row(r, by)
    return {**row, "points": [line.points for line in r.score.lines], "total": r.score.total,
            "change": r.change}
