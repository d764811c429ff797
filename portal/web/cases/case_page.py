"""The case page: what it shows beyond the record, worked out by its view (``page`` in
portal/web/templates/portal/case_show.html), and the words it shows events and states in.

What the signed-in user may do is the lifecycle's one decision (portal/cases/actions.py
``allowed_actions``): the page offers exactly those actions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from flask import Flask
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, literal_column, null, select, union_all

from portal.access.roles import ROLE_NAMES
from portal.access.scope import kept, may_write
from portal.cases import agency, lifecycle
from portal.cases.actions import allowed_actions, approver_of, steps_of
from portal.cases.places import branch_place, case_place
from portal.documents import issuing
from portal.documents.issuing import KINDS
from portal.models import Case, CaseEvent, CaseState, IssuedDocument, db
from portal.web.cases.carrying import case_panel
from portal.web.cases.casework import actor, thresholds
from portal.web.cases.intake import case_sections
from portal.web.cases.materials import files_of, viewable
from portal.web.csv_export import cell
from portal.web.current import current_site
from portal.web.labels import VALUE_LABELS

INTAKE_DECISIONS = frozenset({"accept", "notice", "resubmit", "reject"})


def case_page(case: Case) -> dict[str, Any]:
    """Everything the case page shows besides the record's own columns."""
    site = current_site()
    who = actor()
    actions = allowed_actions(case, who)
    return {"actions": actions, "intake_decision": bool(actions & INTAKE_DECISIONS),
            "writable": may_write(case),  # else seen for a branch: no print buttons
            "process": _process(site, case, actions, who.works_at(case.sub_center_id)),
            "materials": _materials(site, case) if "notice" in actions else [],
            **_on_record(site, case), "sections": case_sections(case),
            "agency": case_panel(case),  # 代办: where it is, its hand-overs, what one may record
            # a PDF or a picture among the materials: the page shows them in its viewer
            "viewer": any(viewable(meta) is not None for meta in files_of(case.data).values())}


def _materials(site: Any, case: Case) -> list[str]:
    offering = lifecycle.offering_of(site, case)
    return [m["name"] for m in offering.item.data.get("materials", ())] if offering else []


class Event(NamedTuple):
    """An event of the case, as its page lists it."""

    seq: int
    at: dt.datetime
    kind: str
    by: str
    data: dict[str, Any]


class Issued(NamedTuple):
    """A document issued for the case, as its page names it (its PDF is not read)."""

    number: str
    kind: str
    issued_at: dt.datetime
    issued_by: str
    sha256: str


# the page's own statement, built once, the case bound (``kept``): the case's events and its
# issued documents, one list after the other (a statement, and a round trip, less than two)
_ON_RECORD = kept(union_all(
    select(literal_column("0"), CaseEvent.seq, CaseEvent.at, CaseEvent.kind, CaseEvent.by, CaseEvent.data,
           null(), null()).where(CaseEvent.case_id == bindparam("case_id")),
    select(literal_column("1"), null(), IssuedDocument.issued_at, IssuedDocument.kind,
           IssuedDocument.issued_by, null(), IssuedDocument.number, IssuedDocument.sha256)
    .where(IssuedDocument.case_id == bindparam("case_id"))))


def _on_record(site: Any, case: Case) -> dict[str, Any]:
    """The case's events, in their order, and its documents: each one the case has now, with
    its issued copy if any."""
    events, issued = [], {}
    for tag, seq, at, kind, by, data, number, sha256 in db.session.execute(_ON_RECORD, {"case_id": case.id}):
        if tag == 0:
            events.append(Event(seq, at, kind, by, data))
        else:
            issued[kind] = Issued(number, kind, at, by, sha256)
    events.sort(key=lambda e: e.seq)
    documents = [] if site is None else [
        {"kind": kind, "title": issuing.title_of(site, case, kind) or kind, "issued": issued.get(kind)}
        for kind in issuing.available(case)]
    return {"events": events, "documents": documents}


def _process(site: Any, case: Case, actions: frozenset[str], home: bool) -> dict[str, Any]:
    """Steps and their dues, branches, the light."""
    if site is None or case.accepted_at is None:
        return {}
    steps, dues = steps_of(case), lifecycle.step_dues(site, case)
    is_open = case.state in (CaseState.ACCEPTED, CaseState.PAUSED)
    done = case.state == CaseState.COMPLETED
    at = case.step if case.step is not None else (len(steps) if done else 0)
    rows = [{"name": step["name"], "role": ROLE_NAMES[step["role"]], "days": step["days"],
             "due": dues[i], "done": i < at or done, "open": i == at and is_open}
            for i, step in enumerate(steps)]
    branches = [{"id": b.id, "name": b.item.name, "where": branch_place(b), "due": b.due_date,
                 "state": b.state, "by": b.decided_by, "at": b.decided_at, "result": b.result,
                 "can_decide": f"branch:{b.id}" in actions} for b in case.branches]
    allowance = (case.plan or {}).get("extension")
    return {
        # taken at another department (a bundle case seen for its branch): say where
        "taken_at": None if home else case_place(case),
        "branches": branches,
        "steps": rows,
        "light": thresholds(site).light(case.state, case.due_date),
        "guessed": lifecycle.guessed_years(site, case),
        "pause_kinds": lifecycle.PAUSE_KINDS,
        "extension_left": allowance["days"] - case.extended_days if allowance else 0,
        "extension_waiting": case.extension_asked if case.state == CaseState.ACCEPTED else None,
        "approver": ROLE_NAMES[approver_of(case)] if allowance else None,
    }


EVENT_KINDS = {
    "submit": _l("Submitted"), "accept": _l("Accepted"), "reject": _l("Not accepted"),
    "notice_missing": _l("Missing materials notified"), "resubmit": _l("Back with the materials"),
    "note": _l("Note"), "step": _l("Step done"), "pause": _l("Clock stopped"),
    "restart": _l("Clock restarted"), "extension_asked": _l("Extension asked for"),
    "extension_approved": _l("Extension approved"), "extension_refused": _l("Extension refused"),
    "complete": _l("Completed"), "branch": _l("Branch decided"),
    "print": _l("Document issued"), "reprint": _l("Document reprinted (补打)"),
    "due_moved": _l("Due date worked out again"),
    "reprint_refused": _l("Reprint refused: the stored document was altered"),
    "edit": _l("Applicant contact changed"),
    # 代办: the hand-overs of an agency case, its reminders and the reply
    "agency_to_town": _l("Handed over to the town center"),
    "agency_deliver": _l("Delivered to the sub-center"),
    "agency_returned": _l("Result returned"), "agency_reply": _l("Replied to the applicant"),
    "agency_remind": _l("Pressed (催办)"),
}
EVENT_KEYS = {
    "limit_days": _l("Limit (working days)"), "due": _l("Due date"), "reason": _l("Reason"),
    "missing": _l("Missing materials"), "note": _l("Note"),
    "guessed_years": _l("Years counted by weekdays only"), "step": _l("Step"),
    "opinion": _l("Opinion"), "kind": _l("Kind"), "paused_days": _l("Working days stopped"),
    "days": _l("Working days"), "outcome": _l("Outcome"), "result": _l("Result"),
    "on_time": _l("On time"), "used_days": _l("Working days used"), "branch": _l("Branch"),
    "branches": _l("Parallel approval"), "document": _l("Document number"),
    "sha256": _l("SHA-256"), "from": _l("Due date before"),
    "years": _l("Holiday schedule published for"),
    "applicant_name": _l("Applicant"), "applicant_phone": _l("Applicant's phone"),
    "channel": _l("Channel"), "village": _l("Village point"), "town": _l("Town service center"),
    "received": _l("Materials received on paper"), "handed_from": _l("From"),
    "handed_to": _l("To"), "window": _l("Window"), "decision": _l("Decision"),
    "reminders": _l("Reminders so far"), "late": _l("Why pressed"),
}
OUTCOMES = {"approved": _l("Approved"), "denied": _l("Denied")}
LIGHT_LABELS = {"red": _l("Overdue"), "yellow": _l("Due soon"), "green": _l("In time"),
                "paused": _l("Paused")}


def event_value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if key == "outcome":
        return str(OUTCOMES.get(value, value))
    if key == "decision":  # the state the case was decided in (代办: the result returned)
        return str(VALUE_LABELS["state"].get(value, value))
    if key == "late" and value in agency.REASONS:  # why an agency case was pressed (催办)
        return gettext(agency.REASONS[value])
    if key == "kind" and value in KINDS:  # a document's kind by its title, never "acceptance"
        return KINDS[value].title or gettext("Certificate")
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def init_app(app: Flask) -> None:
    """The words of events, states, lights and outcomes and the times, for every template
    (formatting only: the data comes from the views)."""
    app.add_template_global(lambda kind: str(EVENT_KINDS.get(kind, kind)), "portal_event_kind")
    app.add_template_global(lambda key: str(EVENT_KEYS.get(key, key)), "portal_event_key")
    app.add_template_global(event_value, "portal_event_value")
    app.add_template_global(lambda light: str(LIGHT_LABELS.get(light, "")), "portal_light_label")
    app.add_template_global(lambda o: str(OUTCOMES.get(o, o or "")), "portal_outcome")
    app.add_template_global(lambda s: str(VALUE_LABELS["state"].get(s, s)), "portal_state_label")
    app.add_template_global(cell, "portal_time")
    app.add_template_global(CaseState, "CaseState")
    app.add_template_global(viewable, "portal_viewable")
    app.add_template_global(file_size, "portal_size")


def file_size(size: int) -> str:
    """A file's size as the form and the case page both show it: 5.9 KB, 1.2 MB."""
    return f"{size / 1024:.1f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"
