"""Assessment exports auditors hand in: an XLSX workbook (a formatted ranking sheet, one
evidence sheet, the rule version), and CSV. Numbers stay numbers; rates are formatted as
percentages, never written as text."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.access.scope import acting_as
from portal.assessment.evidence import evidence_groups, evidence_of_all
from portal.assessment.freezing import shown_ranking
from portal.assessment.metrics import SUBJECTS
from portal.assessment.ranking import Ranked
from portal.assessment.reports import Month
from portal.core import servertime
from portal.models import ExportJob
from portal.site.metrics import METRICS
from portal.site.publish import current_version

# the metrics the ranking sheet shows beside the points: (metric, number format)
SHOWN = (("accepted", "0"), ("completed", "0"), ("on_time_rate", "0.0%"), ("overdue", "0"),
         ("satisfaction_rate", "0.0%"), ("bad_reviews", "0"), ("complaints_upheld", "0"),
         ("inspection_deduction", "0.0"))
KINDS = {"case": "办件", "evaluation": "好差评", "complaint": "投诉", "inspection": "巡查",
         "town_inspection": "十个有检查"}


PLACES = {"window": "分中心", "sub_center": "主管部门", "clerk": "窗口"}  # the column beside the subject


def header(rules: Mapping[str, Any], by: str = "window") -> list[str]:
    return ["名次", SUBJECTS[by].word, PLACES[by], *(p["name"] for p in rules["points"]), "得分", "较上月",
            *(METRICS[m] for m, _ in SHOWN)]


CAPPED = '0.00" 封顶"'  # the number format of a line the cap cut: the cell stays a number
UNRANKED = "不参与排名"  # the rank cell of a subject that took no case this month (无办件)


def row(r: Ranked) -> list[Any]:
    values = r.score.values
    return [r.rank if r.rank is not None else UNRANKED, r.label, r.place,
            *(float(line.points) for line in r.score.lines), float(r.score.total), float(r.change),
            *(None if values.get(m) is None else float(values[m]) for m, _ in SHOWN)]


def evidence_plan(rules: Mapping[str, Any], rows: Sequence[Ranked]) -> dict[str, list[Any]]:
    """For each metric the evidence sheet lists, the subjects whose lines reading it counted."""
    plan: dict[str, list[Any]] = {}
    for r in rows:
        for rule, line in zip(rules["points"], r.score.lines, strict=True):
            if line.points:
                for _, metric in evidence_groups(rules, rule["formula"]):
                    keys = plan.setdefault(metric, [])
                    if not keys or keys[-1] != r.key:
                        keys.append(r.key)
    return plan


def steps(rules: Mapping[str, Any], rows: Sequence[Ranked]) -> int:
    """How many steps ``workbook`` reports: a query per metric of evidence, then each subject."""
    return len(evidence_plan(rules, rows)) + len(rows)


def workbook(rules: Mapping[str, Any], month: Month, rows: Sequence[Ranked], version: str,
             session: Session, today: dt.date, zone: ZoneInfo,
             progress: Callable[[int, int], None] | None = None, by: str = "window") -> bytes:
    """The workbook of a ranking by ``by`` (window, sub_center or clerk); ``progress(done,
    total)`` after each step (``steps``). Written row by row (openpyxl's write-only mode: the
    evidence sheet runs to tens of thousands of rows)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)

    def styled(sheet: Any, value: Any, **style: Any) -> Any:
        """A cell of text or a number, never a formula, whatever the text starts with."""
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        for name, setting in style.items():
            setattr(cell, name, setting)
        return cell

    def texts(sheet: Any, values: Sequence[Any]) -> list[Any]:
        return [styled(sheet, v) for v in values]

    sheet = book.create_sheet("排名")
    names = header(rules, by)
    for i, name in enumerate(names, 1):  # the layout first: write-only sheets stream their rows
        sheet.column_dimensions[get_column_letter(i)].width = 26 if i in (2, 3) else max(9, len(name) * 2)
    sheet.freeze_panes = "D3"
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(names))}{len(rows) + 2}"
    title = f"{rules['name']} · {month}（规则版本 {version}）"
    sheet.append([styled(sheet, title, font=Font(bold=True, size=13))])
    sheet.append([styled(sheet, name, font=Font(bold=True), fill=PatternFill("solid", fgColor="DDE4EE"),
                         alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
                  for name in names])
    for r in rows:  # a line the cap cut shows 封顶 beside its (numeric) points
        formats = ["0", "@", "@", *(CAPPED if line.capped else "0.00" for line in r.score.lines),
                   "0.00", "+0.00;-0.00;0", *(f for _, f in SHOWN)]
        sheet.append([styled(sheet, value, number_format=number_format)
                      for value, number_format in zip(row(r), formats, strict=True)])

    proof = book.create_sheet("证据")
    for letter, width in zip("ABCDE", (10, 14, 24, 8, 60), strict=True):
        proof.column_dimensions[letter].width = width
    proof.append([styled(proof, name, font=Font(bold=True))
                  for name in (SUBJECTS[by].word, "扣分项", "指标", "类型", "记录")])
    total, done = steps(rules, rows), 0
    found = {}
    for metric, keys in evidence_plan(rules, rows).items():  # a query per metric, every subject at once
        found[metric] = evidence_of_all(session, month, today, zone, keys, metric, by=by)
        done += 1
        if progress:
            progress(done, total)
    for r in rows:
        for rule, line in zip(rules["points"], r.score.lines, strict=True):
            if not line.points:
                continue
            for names_read, metric in evidence_groups(rules, rule["formula"]):
                explained = "、".join(METRICS[name] for name in names_read)
                for item in found[metric].get(r.key, []):
                    proof.append(texts(proof, [r.code, line.name, explained, KINDS[item.kind], item.label]))
        done += 1
        if progress:
            progress(done, total)

    rule_sheet = book.create_sheet("规则版本")
    rule_sheet.column_dimensions["A"].width = 16
    rule_sheet.column_dimensions["B"].width = 60
    for line in (["考核办法", rules["name"]], ["规则版本", version], ["考核期", str(month)],
                 ["基础分", rules["base"]], ["上限", rules["ceiling"]], [], ["项目", "公式", "上限（分）"]):
        rule_sheet.append(texts(rule_sheet, line))
    for name, text in rules.get("derived", {}).items():
        rule_sheet.append(texts(rule_sheet, [f"（派生）{name}", text, None]))
    for p in rules["points"]:
        rule_sheet.append(texts(rule_sheet, [p["name"], p["formula"], p.get("cap")]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_rows(rules: Mapping[str, Any], rows: Sequence[Ranked],
             by: str = "window") -> tuple[list[str], list[list[Any]]]:
    """The ranking for CSV as the sheet shows it (CSV has no number formats): rates as
    percentages, points to two places."""
    def cell(value: Any, number_format: str) -> Any:
        if value is None:
            return ""
        if number_format.endswith("%"):
            return f"{value * 100:.1f}%"
        return f"{value:.2f}" if number_format == "0.00" and isinstance(value, float) else value

    formats = ["0", "@", "@", *["0.00"] * len(rules["points"]), "0.00", "0.00", *(f for _, f in SHOWN)]
    return header(rules, by), [[cell(v, f) for v, f in zip(row(r), formats, strict=True)] for r in rows]



# --- the workbook as a background job, with progress ----------------------------------------

KEEP_JOBS = 10  # a user's export files kept in the database


def ask(session: Session, params: Mapping[str, Any], label: str, requested_by: str) -> Any:
    """A queued export job: ``params`` say what to export (month, subject, result). The
    requester's finished jobs beyond their ``KEEP_JOBS`` latest go, with their files."""


    latest = (select(ExportJob.id).where(ExportJob.requested_by == requested_by)
              .order_by(ExportJob.id.desc()).limit(KEEP_JOBS - 1))
    session.execute(delete(ExportJob).where(
        ExportJob.requested_by == requested_by, ExportJob.state.in_(("done", "failed")),
        ExportJob.id.not_in(latest)))

    job = ExportJob(kind="assessment", label=label, params=dict(params), requested_by=requested_by,
                    created_at=servertime.now())  # queued, nothing done (JobProgress)
    session.add(job)
    session.commit()
    return job


def run(session: Session, rules: Mapping[str, Any], job_id: int, scope: Any, today: dt.date,
        zone: ZoneInfo) -> Any:
    """Make the job's workbook in ``scope`` (its requester's), saving the progress after each
    subject, then the file. A workbook is made whole: a retried job starts it again. What stops
    it is raised; whoever runs it records that on the job (``JobProgress.fail``)."""

    job = session.get(ExportJob, job_id)
    params = dict(job.params)
    month, by = Month.parse(params["month"]), params.get("by", "window")
    with acting_as(scope):
        rows, chosen, _, shown = shown_ranking(session, rules, month, today, zone, by,
                                               params.get("result"))
        version = chosen.label if chosen else str(current_version(session))
        job.state, job.total = "running", steps(shown, rows)
        job.step(0)
        session.commit()

        def progress(done: int, total: int) -> None:
            job.step(done)
            session.commit()

        data = workbook(shown, month, rows, version, session, today, zone, progress=progress, by=by)
    job.content, job.filename = data, f"assessment-{month}-{by}.xlsx"
    job.state, job.finished_at = "done", servertime.now()
    session.commit()
    return job
