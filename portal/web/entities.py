"""The entity registry: one row per entity the admin shows. Screens, REST APIs, menus,
permissions and the isolation test matrix are all generated from these rows.

Published entities (sub-centers, windows, items, offerings) come from the declarations; they are
read here and changed by publishing a new version, never edited in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.access.roles import ADMIN, AGENT, AUDITOR, CLERK, DELETE, MANAGER, READ, WRITE
from portal.cases.intake import application_text
from portal.models import (
    AgentStatus,
    Booking,
    Case,
    CaseAgency,
    CaseBranch,
    Complaint,
    Consultation,
    Evaluation,
    FollowUp,
    FormVersion,
    Inspection,
    Item,
    Offering,
    PortalUser,
    SubCenter,
    TownInspection,
    TownInspectionItem,
    Village,
    VillageAgent,
    Window,
)
from portal.site.edits import Change, set_subcenter, set_window
from portal.web.cases.records import (
    ComplaintScreen,
    ConsultationScreen,
    EvaluationScreen,
    FollowUpScreen,
    InspectionScreen,
)
from portal.web.clerks import ClerkScreen
from portal.web.site.form_versions import FormVersionScreen


@dataclass(frozen=True)
class Entity:
    """How one model is shown: its columns, menu place and who may do what."""

    name: str  # permission name, and the URL base of screen and API
    model: type
    menu: str  # msgid
    category: str  # msgid
    list_columns: tuple[str, ...]
    search_columns: tuple[str, ...]
    show_columns: tuple[str, ...]
    edit_columns: tuple[str, ...] = ()
    add_columns: tuple[str, ...] = ()
    grants: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    order: tuple[str, str] = ("id", "asc")
    show_template: str | None = None
    # what the show page reads of the record beyond its columns (a case's branches and its
    # carrying, dotted for their own records): joined in the record's statement, where each was
    # a lazy load of its own (0.8 ms apiece on a case's page)
    show_joined: tuple[str, ...] = ()
    scoped: bool = True  # rows belong to a sub-center (portal/access/scope.py RULES)
    screen: bool = True  # False: the screen comes from elsewhere (users: the security manager)
    # for published entities: (record, edited values) -> the change to the declarations;
    # saving then publishes a new version (portal/site/edits.py) instead of updating the row
    declared: Callable[[Any, dict[str, Any]], Change] | None = None
    base: type | None = None  # the screen's base class, when not the generic one
    export_extras: tuple[tuple[str, Callable[[Any], str]], ...] = ()  # more CSV columns
    labels: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # own words
    # each record has an event log (cases): an edit on the screen or over REST appends what it
    # changed, by whom (portal/cases/audit.py ``edited``)
    logged: bool = False
    # show columns only a user who may change the record sees (a complainant's contact: not
    # the clerk complained about); never over REST
    private: tuple[str, ...] = ()

    @property
    def actions(self) -> frozenset[str]:
        """What the screens offer at all (the center admin gets all of these)."""
        out = {READ}
        if self.edit_columns or self.add_columns:
            out.add(WRITE)
        if DELETE in {a for acts in self.grants.values() for a in acts}:
            out.add(DELETE)
        return frozenset(out)


def _grants(**roles: str) -> MappingProxyType:
    return MappingProxyType({role: frozenset(acts.split()) for role, acts in roles.items()})


CATEGORY_ORG = "Organisation"
CATEGORY_ITEMS = "Service items"
CATEGORY_CASES = "Cases"
CATEGORY_SECURITY = "Security"
CATEGORY_ASSESSMENT = "Assessment"

ENTITIES: tuple[Entity, ...] = (
    Entity(
        name="subcenters", model=SubCenter, menu="Sub-centers", category=CATEGORY_ORG,
        list_columns=("unified_name", "kind", "department", "phone", "active"),
        search_columns=("unified_name", "code", "kind", "department", "active"),
        show_columns=("unified_name", "code", "name", "kind", "department", "address", "phone",
                      "hours", "active"),
        edit_columns=("address", "phone", "hours"),
        declared=lambda record, values: set_subcenter(record.code, values),
        grants=_grants(**{MANAGER: f"{READ} {WRITE}", CLERK: READ, AUDITOR: READ, AGENT: READ}),
        order=("code", "asc"),
    ),
    Entity(
        name="windows", model=Window, menu="Windows", category=CATEGORY_ORG,
        list_columns=("code", "name", "sub_center", "department", "active"),
        search_columns=("code", "name", "sub_center", "department", "active"),
        show_columns=("code", "name", "sub_center", "department", "active"),
        edit_columns=("name", "department"),
        declared=lambda record, values: set_window(record.sub_center.code, record.code, values),
        grants=_grants(**{MANAGER: f"{READ} {WRITE}", CLERK: READ, AUDITOR: READ, AGENT: READ}),
        order=("code", "asc"),
    ),
    Entity(
        # 村级便民服务代办点: declared by their town center (``villages:``), read here
        name="villages", model=Village, menu="Village points", category=CATEGORY_ORG,
        list_columns=("code", "name", "sub_center", "address", "active"),
        search_columns=("code", "name", "sub_center", "active"),
        show_columns=("code", "name", "sub_center", "address", "agents", "active"),
        grants=_grants(**{MANAGER: READ, CLERK: READ, AUDITOR: READ, AGENT: READ}),
        order=("code", "asc"),
        labels=MappingProxyType({"sub_center": _l("Town service center"),
                                 "agents": _l("Village agents")}),
    ),
    Entity(
        # 代办员: declared with their village; their 当前去向 is set on /agent/
        name="village_agents", model=VillageAgent, menu="Village agents", category=CATEGORY_ORG,
        list_columns=("name", "title", "phone", "village", "sub_center", "active"),
        search_columns=("name", "title", "phone", "username", "village", "sub_center", "active"),
        show_columns=("name", "title", "phone", "username", "village", "sub_center", "active"),
        grants=_grants(**{MANAGER: READ, CLERK: READ, AUDITOR: READ, AGENT: READ}),
        order=("id", "asc"),
        labels=MappingProxyType({"title": _l("Job title"), "village": _l("Village point"),
                                 "sub_center": _l("Town service center")}),
    ),
    Entity(
        # 当前去向 as each 代办员 set it from a phone (/agent/): the history, newest first, for the
        # town center to see who was where and when (the public page shows the newest only)
        name="agent_statuses", model=AgentStatus, menu="Agent whereabouts", category=CATEGORY_ORG,
        list_columns=("agent", "status", "at", "by"),
        search_columns=("agent", "status", "at"),
        show_columns=("agent", "status", "at", "by"),
        grants=_grants(**{MANAGER: READ, CLERK: READ, AUDITOR: READ, AGENT: READ}),
        order=("id", "desc"),
        labels=MappingProxyType({"agent": _l("Village agent"), "status": _l("Whereabouts"),
                                 "at": _l("Since"), "by": _l("Set by")}),
    ),
    Entity(
        name="items", model=Item, menu="Item catalog", category=CATEGORY_ITEMS,
        list_columns=("code", "name", "type", "case_type", "legal_days", "promised_days",
                      "active"),
        search_columns=("code", "name", "type", "case_type", "active"),
        show_columns=("code", "name", "type", "case_type", "legal_days", "promised_days",
                      "active"),
        grants=_grants(**{MANAGER: READ, CLERK: READ, AUDITOR: READ, AGENT: READ}),
        order=("code", "asc"),
        show_template="portal/item_show.html",
        scoped=False,  # the center's catalog is public (七公开)
    ),
    Entity(
        name="offerings", model=Offering, menu="Items offered", category=CATEGORY_ITEMS,
        list_columns=("item", "sub_center", "promised_days", "windows", "active"),
        search_columns=("item", "sub_center", "promised_days", "active"),
        show_columns=("item", "sub_center", "promised_days", "windows", "active"),
        grants=_grants(**{MANAGER: READ, CLERK: READ, AUDITOR: READ, AGENT: READ}),
        order=("id", "asc"),
    ),
    Entity(
        name="form_versions", model=FormVersion, menu="Form versions", category=CATEGORY_ITEMS,
        list_columns=("title", "code", "scope", "number", "created_by", "created_at"),
        search_columns=("title", "code", "scope", "number"),
        show_columns=("title", "code", "scope", "number", "digest", "site_version", "created_by",
                      "created_at"),
        grants=_grants(**{MANAGER: READ, CLERK: READ, AUDITOR: READ}),
        order=("id", "desc"),
        scoped=False,  # form definitions are public: the blank forms are downloadable (表格下载)
        base=FormVersionScreen,
        labels=MappingProxyType({"number": _l("Version"), "code": _l("Form code")}),
    ),
    Entity(
        name="cases", model=Case, menu="Cases", category=CATEGORY_CASES,
        list_columns=("number", "item", "sub_center", "window", "applicant_name", "state",
                      "created_at"),
        search_columns=("number", "applicant_name", "item", "sub_center", "window", "state",
                        "channel", "created_at"),
        show_columns=("number", "item", "sub_center", "window", "channel", "applicant_name",
                      "applicant_id_type", "applicant_id_number", "applicant_phone", "state",
                      "accepted_at", "limit_days", "due_date", "form_version", "created_at",
                      "updated_at"),
        edit_columns=("applicant_name", "applicant_phone"),
        grants=_grants(**{MANAGER: READ, CLERK: f"{READ} {WRITE}", AUDITOR: READ}),
        order=("id", "desc"),
        show_template="portal/case_show.html",
        show_joined=("branches.item", "agency"),
        export_extras=(("Application", application_text),),
        logged=True,
    ),
    Entity(
        # 网上预约: booked by applicants in the public hall; read here, arrived at intake
        name="appointments", model=Booking, menu="Appointments", category=CATEGORY_CASES,
        list_columns=("day", "period_name", "window", "item", "applicant_name", "state", "code"),
        search_columns=("day", "window", "item", "applicant_name", "state", "code"),
        show_columns=("code", "sub_center", "window", "item", "day", "period_name", "applicant_name",
                      "applicant_id_number", "applicant_phone", "state", "case", "created_at",
                      "cancelled_at"),
        grants=_grants(**{MANAGER: READ, CLERK: READ, AUDITOR: READ}),
        order=("day", "desc"),
        labels=MappingProxyType({"code": _l("Booking code")}),
    ),
    Entity(
        # 并联审批: the branches a department decides (on the bundle case's page)
        name="branches", model=CaseBranch, menu="Parallel approval", category=CATEGORY_CASES,
        list_columns=("case", "item", "sub_center", "due_date", "state", "decided_by",
                      "decided_at"),
        search_columns=("item", "sub_center", "due_date", "state", "decided_by"),
        show_columns=("case", "item", "sub_center", "limit_days", "due_date", "state", "result",
                      "decided_by", "decided_at"),
        grants=_grants(**{MANAGER: READ, CLERK: READ, AUDITOR: READ}),
        order=("due_date", "asc"),
    ),
    Entity(
        # 代办: the agency cases carried from a village point or a town center to the
        # sub-center deciding them (their hand-overs are recorded on /agency/ and the case page)
        name="agencies", model=CaseAgency, menu="Agency cases", category=CATEGORY_CASES,
        list_columns=("case", "sub_center", "village", "taken_by", "stage", "taken_at", "reminded_at"),
        search_columns=("sub_center", "village", "taken_by", "stage", "taken_at"),
        show_columns=("case", "sub_center", "village", "taken_by", "taken_at", "stage", "to_town_at",
                      "to_town_by", "delivered_at", "delivered_by", "returned_at", "returned_by",
                      "replied_at", "replied_by", "reminded_at", "reminded_by", "reminders"),
        grants=_grants(**{MANAGER: READ, CLERK: READ, AUDITOR: READ, AGENT: READ}),
        order=("taken_at", "desc"),
        labels=MappingProxyType({"sub_center": _l("Town service center"),
                                 "replied_at": _l("Replied to the applicant at"),
                                 "replied_by": _l("Replied to the applicant by")}),
    ),
    Entity(
        # 好差评: recorded from the evaluation channels by supervision, never by the clerk
        name="evaluations", model=Evaluation, menu="Evaluations", category=CATEGORY_ASSESSMENT,
        list_columns=("case", "window", "level", "channel", "created_at"),
        search_columns=("window", "level", "channel", "created_at"),
        show_columns=("case", "sub_center", "window", "level", "channel", "text", "recorded_by",
                      "created_at"),
        add_columns=("case_number", "level", "channel", "text"),  # the case by its number
        grants=_grants(**{AUDITOR: f"{READ} {WRITE}", MANAGER: READ, CLERK: READ}),
        order=("created_at", "desc"),
        base=EvaluationScreen,
    ),
    Entity(
        # 回访整改: opened by a 不满意/非常不满意 rating, worked by the sub-center's manager
        name="followups", model=FollowUp, menu="Follow-ups", category=CATEGORY_ASSESSMENT,
        list_columns=("case", "window", "due_date", "called_at", "closed_at"),
        search_columns=("window", "due_date", "called_by", "closed_by"),
        show_columns=("case", "evaluation", "sub_center", "window", "due_date", "callback", "called_at",
                      "called_by", "rectification", "closed_at", "closed_by", "created_at"),
        edit_columns=("callback", "rectification"),
        grants=_grants(**{MANAGER: f"{READ} {WRITE}", AUDITOR: READ, CLERK: READ}),
        order=("due_date", "asc"),
        base=FollowUpScreen,
    ),
    Entity(
        # 投诉: recorded by supervision, or filed by the public in the hall (政务服务网: about a
        # window, an item, a case or the whole sub-center, with a tracking number and a reply)
        name="complaints", model=Complaint, menu="Complaints", category=CATEGORY_ASSESSMENT,
        list_columns=("sub_center", "window", "clerk", "channel", "outcome", "replied_at", "created_at"),
        search_columns=("sub_center", "window", "clerk", "channel", "outcome", "tracking_number",
                        "created_at"),
        show_columns=("sub_center", "window", "item", "clerk", "case", "case_number", "channel",
                      "content", "tracking_number", "contact_name", "contact_phone", "handling",
                      "outcome", "reply", "replied_by", "replied_at", "recorded_by", "created_at"),
        add_columns=("window", "clerk", "case_number", "channel", "content"),
        edit_columns=("content", "handling", "outcome", "reply"),  # the content shown, not edited
        private=("contact_name", "contact_phone"),
        grants=_grants(**{AUDITOR: f"{READ} {WRITE}", MANAGER: f"{READ} {WRITE}", CLERK: READ}),
        order=("created_at", "desc"),
        base=ComplaintScreen,
    ),
    Entity(
        # 网上咨询: asked in the public hall, answered by the sub-center's clerks and manager
        name="consultations", model=Consultation, menu="Consultations", category=CATEGORY_CASES,
        list_columns=("tracking_number", "sub_center", "item", "state", "created_at", "replied_at"),
        search_columns=("tracking_number", "sub_center", "item", "state", "created_at"),
        show_columns=("tracking_number", "sub_center", "item", "question", "contact_name",
                      "contact_phone", "state", "reply", "replied_by", "replied_at", "created_at"),
        edit_columns=("question", "reply"),  # the question shown, not edited
        grants=_grants(**{MANAGER: f"{READ} {WRITE}", CLERK: f"{READ} {WRITE}", AUDITOR: READ}),
        order=("created_at", "desc"),
        base=ConsultationScreen,
    ),
    Entity(
        name="inspections", model=Inspection, menu="Inspections", category=CATEGORY_ASSESSMENT,
        list_columns=("inspected_on", "window", "kind", "norm", "deduction", "clerk"),
        search_columns=("inspected_on", "window", "kind", "norm", "clerk"),
        show_columns=("sub_center", "window", "clerk", "inspected_on", "kind", "norm", "finding",
                      "deduction", "evidence", "recorded_by", "created_at"),
        add_columns=("window", "clerk", "inspected_on", "kind", "norm", "finding", "deduction",
                     "evidence"),
        grants=_grants(**{AUDITOR: f"{READ} {WRITE}", MANAGER: READ, CLERK: READ}),
        order=("inspected_on", "desc"),
        base=InspectionScreen,
    ),
    Entity(
        # 十个有检查: recorded on /town-standard/ (the checklist), read here
        name="town_inspections", model=TownInspection, menu="十个有 inspection records",
        category=CATEGORY_ASSESSMENT,
        list_columns=("inspected_on", "sub_center", "missing", "checked", "recorded_by"),
        search_columns=("inspected_on", "sub_center", "missing", "recorded_by"),
        show_columns=("sub_center", "inspected_on", "checked", "missing", "note", "recorded_by",
                      "created_at"),
        grants=_grants(**{AUDITOR: READ, MANAGER: READ, CLERK: READ}),
        order=("inspected_on", "desc"),
        show_template="portal/town_inspection_show.html",
        labels=MappingProxyType({"sub_center": _l("Town service center"),
                                 "inspected_on": _l("Inspection day"), "checked": _l("Items checked"),
                                 "missing": _l("Items missing"), "recorded_by": _l("Inspector"),
                                 "note": _l("Remark")}),
    ),
    Entity(
        # each item of a 十个有 inspection: 有, or 缺 (a finding) with its evidence
        name="town_inspection_items", model=TownInspectionItem, menu="十个有 findings",
        category=CATEGORY_ASSESSMENT,
        list_columns=("town_inspection", "sub_center", "code", "name", "present", "note"),
        search_columns=("sub_center", "code", "name", "present"),
        show_columns=("town_inspection", "sub_center", "code", "name", "text", "present", "note"),
        grants=_grants(**{AUDITOR: READ, MANAGER: READ, CLERK: READ}),
        order=("id", "desc"),
        labels=MappingProxyType({"sub_center": _l("Town service center"),
                                 "town_inspection": _l("十个有 inspection"), "code": _l("Code"),
                                 "name": _l("Standard item"), "text": _l("Requirement"),
                                 "present": _l("Check result"), "note": _l("Finding")}),
    ),
    Entity(
        name="clerks", model=PortalUser, menu="Clerks", category=CATEGORY_ORG,
        list_columns=("first_name", "username", "windows", "active"),
        search_columns=("first_name", "username", "windows", "active"),
        show_columns=("first_name", "last_name", "username", "email", "windows", "active",
                      "last_login", "fail_login_count"),
        add_columns=("first_name", "last_name", "username", "active", "email", "windows",
                     "password", "conf_password"),
        edit_columns=("first_name", "last_name", "active", "email", "windows"),
        grants=_grants(**{MANAGER: f"{READ} {WRITE}"}),
        order=("username", "asc"),
        base=ClerkScreen,
    ),
    Entity(
        name="users", model=PortalUser, menu="Portal users", category=CATEGORY_SECURITY,
        list_columns=("username", "first_name", "last_name", "roles", "center_wide",
                      "sub_centers", "windows", "active"),
        search_columns=("username", "first_name", "last_name", "email", "roles", "active"),
        show_columns=("username", "first_name", "last_name", "email", "roles", "center_wide",
                      "sub_centers", "windows", "active", "last_login", "fail_login_count"),
        grants=_grants(),  # the center admin only
        order=("username", "asc"),
        screen=False,
    ),
)

BY_NAME = MappingProxyType({e.name: e for e in ENTITIES})
ROLE_KEYS = (ADMIN, MANAGER, CLERK, AUDITOR, AGENT)
