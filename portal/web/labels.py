"""The words the screens show: column labels and the labels of stored values (one table each,
for every screen, the CSV headers and the case and item pages)."""

from __future__ import annotations

from types import MappingProxyType

from flask_babel import lazy_gettext as _l

from portal.models import STATE_NAMES

# Values shown by label rather than as stored (lists, show pages, CSV).
VALUE_LABELS = MappingProxyType({
    "scope": MappingProxyType({"": _l("The center's base form")}),
    "state": MappingProxyType({
        **{state: _l(name) for state, name in STATE_NAMES.items()},  # the states' own names
        "open": _l("Waiting for a decision"),  # a branch of a parallel approval
        "approved": _l("Approved"),
        "denied": _l("Denied"),
    }),
    "kind": MappingProxyType({
        "subcenter": _l("Sub-center (department)"),
        "town_center": _l("Town service center"),
    }),
})

# Column labels: one table for every screen and the CSV header.
LABELS = MappingProxyType({
    "active": _l("Active"),
    "address": _l("Address"),
    "applicant_id_number": _l("ID number"),
    "applicant_id_type": _l("ID type"),
    "applicant_name": _l("Applicant"),
    "applicant_phone": _l("Applicant phone"),
    "case_type": _l("Case type"),
    "center_wide": _l("Center-wide"),
    "code": _l("Code"),
    "created_at": _l("Created"),
    "department": _l("Supervising department"),
    "email": _l("Email"),
    "fail_login_count": _l("Failed logins"),
    "first_name": _l("Full name"),  # users: FAB's first_name holds the whole Chinese name
    "form_version": _l("Form version"),
    "hours": _l("Opening hours"),
    "accepted_at": _l("Accepted at"),
    "limit_days": _l("Limit (working days)"),
    "due_date": _l("Due date"),
    "case": _l("Case"),
    "decided_by": _l("Decided by user"),
    "decided_at": _l("Decided at"),
    "level": _l("Rating"),
    "channel": _l("Channel"),
    "text": _l("Comment"),
    "recorded_by": _l("Recorded by"),
    "clerk": _l("Clerk (user name)"),
    "content": _l("Complaint"),
    "handling": _l("Handling"),
    "outcome": _l("Outcome"),
    "inspected_on": _l("Inspected on"),
    "norm": _l("Service norm"),
    "finding": _l("Finding"),
    "deduction": _l("Deduction (points)"),
    "evidence": _l("Evidence"),
    "title": _l("Title"),
    "scope": _l("Layer"),
    "digest": _l("Content hash (SHA-256)"),
    "site_version": _l("Published with site version"),
    "created_by": _l("Published by"),
    "item": _l("Item"),
    "kind": _l("Kind"),
    "last_login": _l("Last login"),
    "last_name": _l("Post"),
    "legal_days": _l("Statutory time limit (working days)"),
    "name": _l("Name"),
    "number": _l("Case number"),
    "phone": _l("Phone"),
    "promised_days": _l("Promised time limit (working days)"),
    "roles": _l("Roles"),
    "state": _l("State"),
    "sub_center": _l("Sub-center"),
    "sub_centers": _l("Sub-centers"),
    "type": _l("Item type"),
    "unified_name": _l("Unified name"),
    "updated_at": _l("Updated"),
    "username": _l("Username"),
    "window": _l("Window"),
    "windows": _l("Windows"),
    # keys inside an item declaration (the item detail page)
    "article": _l("Article"),
    "basis": _l("Basis"),
    "charged": _l("Charged"),
    "completion": _l("Completion"),
    "conditions": _l("Conditions"),
    "consultation": _l("Consultation"),
    "copies": _l("Copies"),
    "days": _l("Working days"),
    "extension": _l("Extension of the time limit"),
    "approver": _l("Approved by"),
    "parallel": _l("Parallel approval (branches)"),
    "subcenter": _l("Deciding sub-center"),
    "fee": _l("Fee"),
    "form": _l("Application form"),
    "legal_basis": _l("Legal basis"),
    "materials": _l("Materials"),
    "note": _l("Note"),
    "originals": _l("Originals"),
    "phones": _l("Phones"),
    "required": _l("Required"),
    "result": _l("Result"),
    "role": _l("Acting role"),
    "source": _l("Source"),
    "standard": _l("Standard"),
    "steps": _l("Steps"),
    "supervision": _l("Supervision"),
    "template": _l("Certificate template"),
    "when": _l("When"),
    "where": _l("Where"),
})
