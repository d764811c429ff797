"""考核得分 (`/assessment/`): the month's ranking of the windows, sub-centers or clerks in the
user's scope by the center's rules (or a sub-center's internal rules), the change since the
month before, each score explained line by line down to the cases, evaluations, complaints and
inspections behind it; closing a month (frozen results), 流动红旗, and the exports — the
workbook as a background job with progress (portal/web/jobs.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from portal.access.roles import READ, WRITE, permission
from portal.assessment import exports
from portal.assessment.awards import quarter_months
from portal.assessment.awards import standings as quarter_standings
from portal.assessment.evidence import evidence, evidence_groups, read_metrics
from portal.assessment.exports import UNRANKED, csv_rows, workbook
from portal.assessment.freezing import freeze, rules_digest, scored, shown_ranking
from portal.assessment.metrics import SUBJECTS
from portal.assessment.metrics import shown as metric_text
from portal.assessment.ranking import Ranked
from portal.assessment.reports import Month
from portal.assessment.scoring import formula_words
from portal.cases import audit
from portal.core.errors import N_, PortalError
from portal.documents.render import DocumentError, render_html, render_pdf
from portal.models import ExportJob, SubCenter, db
from portal.site.metrics import METRICS, SUBJECT_NAMES
from portal.site.publish import current_version
from portal.web import jobs as background
from portal.web.cases.casework import actor
from portal.web.csv_export import csv_response
from portal.web.current import center_today, center_zone, current_site
from portal.web.errors import error_text, query_int

# ?subject= in the address → the kind of subject (portal/assessment/ SUBJECTS)
SUBJECT_OF = SUBJECT_NAMES
SUBJECT_IN = {by: word for word, by in SUBJECT_OF.items()}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DETAIL_OF = {"window": "AssessmentView.window", "sub_center": "AssessmentView.subcenter",
             "clerk": "AssessmentView.clerk"}
EVIDENCE_SCREENS = {"case": "CaseScreen.show", "evaluation": "EvaluationsScreen.show",
                    "complaint": "ComplaintsScreen.show", "inspection": "InspectionsScreen.show",
                    "town_inspection": "TownInspectionScreen.show"}


def _month_of(text: str) -> tuple[Month, Any, ZoneInfo]:
    today = center_today()
    try:
        month = Month.parse(text)
    except ValueError:
        month = Month(today.year, today.month)
    return month, today, center_zone()


def _month() -> tuple[Month, Any, ZoneInfo]:
    return _month_of(request.args.get("month", ""))


def anchor_the_audit_chain() -> None:
    """Append the case event log's count and newest link to the anchors file."""
    audit.write_anchor(db.session, Path(current_app.config["PORTAL_AUDIT_ANCHORS"]))


class AssessmentView(BaseView):
    route_base = "/assessment"
    default_view = "index"
    class_permission_name = "assessment"
    method_permission_name = {"index": READ, "window": READ, "xlsx": READ, "csv": READ,
                              "freeze": WRITE, "awards": READ, "internal": READ, "subcenter": READ,
                              "clerk": READ, "report": READ, "export": READ, "export_job": READ,
                              "export_file": READ, "freeze_internal": WRITE}
    base_permissions = [permission(READ), permission(WRITE)]

    def _rules(self) -> Any:
        rules = current_site().center.get("assessment")
        if not rules:
            abort(404)
        return rules

    def _internal(self) -> list[tuple[str, str]]:
        """(code, unified name) of the sub-centers in scope with internal rules of their own."""

        site = current_site()
        visible = db.session.scalars(select(SubCenter.code).order_by(SubCenter.code))
        return [(code, site.subcenters[code].unified_name) for code in visible
                if code in site.subcenters and site.subcenters[code].assessment]

    def _internal_rules(self, code: str) -> tuple[Any, Any]:
        """(the sub-center row, its internal rules), through the scope rule; 404 otherwise."""

        sub = db.session.scalars(select(SubCenter).where(SubCenter.code == code)).one_or_none()
        spec = current_site().subcenters.get(code)
        if sub is None or spec is None or not spec.assessment:
            abort(404)
        return sub, spec.assessment

    @expose("/internal/<code>")
    @has_access
    def internal(self, code: str) -> Any:
        """A sub-center's internal scores: its own rules, its own windows, outside the center's
        ranking; frozen on their own once the month is over."""
        sub, rules = self._internal_rules(code)
        month, today, zone = _month()
        rows, chosen, results, shown = shown_ranking(
            db.session, rules, month, today, zone, "window", _result_id(),
            rule_set=code, sub_center_id=sub.id)
        return self.render_template(
            "portal/assessment.html", title=rules["name"], rules=shown, month=month, rows=rows,
            results=results, chosen=chosen, closed=month.next_first <= today,
            changed=chosen is not None and chosen.rules_digest != rules_digest(rules),
            can_freeze=self.appbuilder.sm.has_access(permission(WRITE), "assessment"),
            freeze_url=url_for("AssessmentView.freeze_internal", code=code),
            internal=sub.unified_name, internal_code=code, internals=self._internal(),
            subject="window", by="window")

    @expose("/internal/<code>/freeze", methods=["POST"])
    @has_access
    def freeze_internal(self, code: str) -> Any:
        """Close the month of a sub-center's internal rules (a user who may freeze and sees it)."""
        sub, rules = self._internal_rules(code)
        month, today, zone = _month_of(request.form.get("month", ""))
        try:
            result = freeze(db.session, rules, month, today, zone, current_user.username,
                                       rule_set=code, sub_center_id=sub.id)
        except PortalError as exc:
            db.session.rollback()
            flash(error_text(exc), "danger")
            return redirect(url_for("AssessmentView.internal", code=code, month=str(month)))
        flash(gettext("Frozen: %(label)s.", label=result.label), "success")
        return redirect(url_for("AssessmentView.internal", code=code, month=str(month), result=result.id))

    def _shown(self, rules: Any, month: Month, today: Any,
               zone: ZoneInfo) -> tuple[list[Ranked], Any, list[Any], str, Any]:
        """(rows, the frozen result shown or None, all frozen results, by, rules shown), for
        the subject asked for (``?subject=``, else the rules' own) and ``?result=``."""
        by = _by(rules)
        rows, chosen, results, shown = shown_ranking(
            db.session, rules, month, today, zone, by, _result_id())
        return rows, chosen, results, by, shown

    @expose("/")
    @has_access
    def index(self) -> Any:
        rules = self._rules()
        month, today, zone = _month()
        rows, chosen, results, by, shown_rules = self._shown(rules, month, today, zone)
        who = actor()
        return self.render_template(
            "portal/assessment.html", title=gettext("Scores"), rules=shown_rules, month=month,
            rows=rows, results=results, chosen=chosen, closed=month.next_first <= today,
            changed=chosen is not None and chosen.rules_digest != rules_digest(rules),
            internal=None, internals=self._internal(), subject=SUBJECT_IN[by], by=by,
            detail=DETAIL_OF[by], can_freeze=who.sub_centers is None
            and self.appbuilder.sm.has_access(permission(WRITE), "assessment"),
            freeze_url=url_for("AssessmentView.freeze"))

    @expose("/report.pdf")
    @has_access
    def report(self) -> Any:
        """The ranking as a PDF report to hand in: the frozen result where there is one. The
        report of a quarter's last month, once it is over, ends with the quarter's 流动红旗
        certificates."""

        rules = self._rules()
        month, today, zone = _month()
        rows, chosen, _, by, shown_rules = self._shown(rules, month, today, zone)
        site = current_site()
        context = {
            "center": {"name": site.center["name"]}, "rules": shown_rules, "month": str(month),
            "subject": SUBJECTS[by].word,
            "version": chosen.label if chosen else f"即时计算（规则 {current_version(db.session)}）",
            "rows": [{"rank": r.rank if r.rank is not None else UNRANKED, "name": r.label,
                      "sub_center": r.place,
                      "points": [f"{line.points:.2f}" + ("（封顶）" if line.capped else "")
                                 for line in r.score.lines],
                      "total": f"{r.score.total:.2f}", "change": f"{r.change:+.2f}"} for r in rows],
            "date": f"{today.year}年{today.month}月{today.day}日"}
        try:
            pages = [render_html(site.templates, "assessment-report.html", context)]
            if month.month % 3 == 0 and month.next_first <= today and rules.get("awards"):
                quarter = month.month // 3
                standings = quarter_standings(db.session, rules, month.year, quarter, today, zone)
                if any(r.red_flag for r in standings):
                    pages.append(_certificates(site, standings, month.year, quarter, today))
            pdf = render_pdf(site.templates, pages, name="assessment-report.html")
        except DocumentError as exc:
            flash(error_text(exc), "danger")
            return redirect(url_for("AssessmentView.index", month=str(month)))
        return Response(pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f"inline; filename=assessment-{month}.pdf"})

    @expose("/awards")
    @has_access
    def awards(self) -> Any:
        """流动红旗 of a quarter that has ended; ``?format=pdf``: the certificates."""
        rules = self._rules()
        today = center_today()
        zone = center_zone()
        last = (today.month - 1) // 3  # the last quarter that has ended this year (0: none)
        default_year, default_quarter = (today.year, last) if last else (today.year - 1, 4)
        year = query_int("year", default_year)
        quarter = query_int("quarter", default_quarter)
        if not 1 <= quarter <= 4 or (year, quarter) > (default_year, default_quarter):
            flash(gettext("Awards are given for quarters that have ended."), "warning")
            year, quarter = default_year, default_quarter
        rows = quarter_standings(db.session, rules, year, quarter, today, zone)
        if request.args.get("format") == "pdf":

            site = current_site()
            try:
                pdf = render_pdf(site.templates, _certificates(site, rows, year, quarter, today),
                                 name="red-flag.html")
            except DocumentError as exc:
                flash(error_text(exc), "danger")
                return redirect(url_for("AssessmentView.awards", year=year, quarter=quarter))
            return Response(pdf, mimetype="application/pdf", headers={
                "Content-Disposition": f"inline; filename=red-flags-{year}-q{quarter}.pdf"})
        return self.render_template("portal/assessment_awards.html", title=gettext("Red flags"),
                                    rules=rules, rows=rows, year=year, quarter=quarter,
                                    months=quarter_months(year, quarter))

    @expose("/freeze", methods=["POST"])
    @has_access
    def freeze(self) -> Any:
        """Close the month (center-wide users): every window's score frozen with the rules."""
        month, today, zone = _month_of(request.form.get("month", ""))
        if actor().sub_centers is not None:
            abort(403)
        try:
            result = freeze(db.session, self._rules(), month, today, zone,
                                       current_user.username)
        except PortalError as exc:
            db.session.rollback()
            flash(error_text(exc), "danger")
            return redirect(url_for("AssessmentView.index", month=str(month)))
        anchor_the_audit_chain()  # the month's close: the event log's head, outside the database
        flash(gettext("Frozen: %(label)s.", label=result.label), "success")
        return redirect(url_for("AssessmentView.index", month=str(month), result=result.id))

    @expose("/export.xlsx")
    @has_access
    def xlsx(self) -> Any:
        """The workbook at once (for scripts; the page asks for it as a job with progress)."""

        rules = self._rules()
        month, today, zone = _month()
        rows, chosen, _, by, shown_rules = self._shown(rules, month, today, zone)
        version = chosen.label if chosen else str(current_version(db.session))
        data = workbook(shown_rules, month, rows, version, db.session, today, zone, by=by)
        return Response(data, mimetype=XLSX, headers={
            "Content-Disposition": f"attachment; filename=assessment-{month}-{by}.xlsx"})

    @expose("/export", methods=["POST"])
    @has_access
    def export(self) -> Any:
        """Ask for the workbook as a background job, in the asker's scope; its page shows the
        progress and then hands over the file."""

        rules = self._rules()
        month, today, zone = _month_of(request.form.get("month", ""))
        by = SUBJECT_OF.get(request.form.get("subject", ""), "window")
        params = {"month": str(month), "by": by, "result": _result_id(), "today": today.isoformat()}
        job = exports.ask(db.session, params, f"{rules['name']} · {month} · {SUBJECTS[by].word}",
                          current_user.username)
        background.enqueue("export", job)
        return redirect(url_for("AssessmentView.export_job", pk=job.id))

    @expose("/export/<int:pk>")
    @has_access
    def export_job(self, pk: int) -> Any:
        job = background.own(ExportJob, pk)
        if request.args.get("format") == "json":
            return job.status()
        return self.render_template("portal/export_job.html", title=job.label, job=job)

    @expose("/export/<int:pk>/file")
    @has_access
    def export_file(self, pk: int) -> Any:
        job = background.own(ExportJob, pk)
        if job.state != "done":
            abort(409)
        return Response(job.content, mimetype=XLSX, headers={
            "Content-Disposition": f"attachment; filename={job.filename}"})

    @expose("/export.csv")
    @has_access
    def csv(self) -> Any:

        rules = self._rules()
        month, today, zone = _month()
        rows, _, _, by, shown_rules = self._shown(rules, month, today, zone)
        labels, table = csv_rows(shown_rules, rows, by)
        return csv_response(f"assessment-{month}-{by}.csv", labels, table)

    @expose("/window/<int:pk>")
    @has_access
    def window(self, pk: int) -> Any:
        return self._detail(pk, "window")

    @expose("/subcenter/<int:pk>")
    @has_access
    def subcenter(self, pk: int) -> Any:
        return self._detail(pk, "sub_center")

    @expose("/clerk/<int:pk>")
    @has_access
    def clerk(self, pk: int) -> Any:
        return self._detail(pk, "clerk")

    def _detail(self, pk: int, by: str) -> Any:
        """One subject's score explained: each line, the metrics it reads and the records
        behind them; its last six months."""
        rules = self._rules()
        kind = SUBJECTS[by]
        row = db.session.get(kind.model, pk)
        if row is None:  # not there, or not in the user's scope
            abort(404)
        key = kind.key(row)
        month, today, zone = _month()
        asked = _result_id()
        score, shown, chosen = scored(db.session, rules, month, today, zone, by, key, pk, asked)
        values = score.values
        lines = []
        for rule, line in zip(shown["points"], score.lines, strict=True):
            read = sorted(read_metrics(shown, rule["formula"]))
            lines.append({"line": line, "formula": rule["formula"], "cap": rule.get("cap"),
                          "words": formula_words(rule["formula"]),
                          "metrics": [(METRICS[m], metric_text(m, values.get(m))) for m in read],
                          "evidence": [] if not line.points else
                          [("、".join(METRICS[name] for name in names),
                            evidence(db.session, month, today, zone, key, m, by=by))
                           for names, m in evidence_groups(shown, rule["formula"])]})
        # this month (as its ranking shows it: already worked out, unless an earlier result was
        # asked for) and the five before
        trend = [(month, score.total if asked is None else
                  scored(db.session, rules, month, today, zone, by, key, pk)[0].total)]
        for _ in range(5):
            m = trend[-1][0].previous()
            trend.append((m, scored(db.session, rules, m, today, zone, by, key, pk)[0].total))
        title = kind.label(row)
        return self.render_template("portal/assessment_window.html", title=title, heading=title,
                                    place=kind.place(row), rules=shown, month=month, score=score,
                                    lines=lines, screens=EVIDENCE_SCREENS, trend=trend[::-1],
                                    subject=SUBJECT_IN[by], chosen=chosen)


def _certificates(site: Any, standings: list[Any], year: int, quarter: int, today: Any) -> str:
    """The HTML of the quarter's 流动红旗 certificates (print_templates/red-flag.html)."""

    awards = [{"year": year, "quarter": quarter, "window": f"{r.window.code} {r.window.name}",
               "sub_center": r.window.sub_center.unified_name, "average": r.average,
               "stars": r.stars} for r in standings if r.red_flag]
    return render_html(site.templates, "red-flag.html", {
        "awards": awards, "center": {"name": site.center["name"]},
        "date": f"{today.year}年{today.month}月{today.day}日"})


def _result_id() -> int | None:
    """The frozen result asked for (``result`` in the address or the form), if any."""
    text = request.values.get("result", "")
    return int(text) if text.isdigit() else None


def _by(rules: Any) -> str:
    """The kind of subject asked for (``?subject=``), else the rules' own."""
    return SUBJECT_OF.get(request.args.get("subject") or rules.get("subject", "window"), "window")


@background.runs("export")
def _export(job: Any, user: Any, scope: Any) -> None:
    """An assessment workbook, on a worker, in its requester's scope, as of the day they asked."""
    rules = current_site().center.get("assessment")
    if not rules:
        raise PortalError(N_("the center declares no assessment rules any more"))
    today = dt.date.fromisoformat(job.params.get("today") or center_today().isoformat())
    exports.run(db.session, rules, job.id, scope, today, center_zone())
