"""Screens that are not an entity's own, opened by an entity's permission.

(view, menu msgid, the entity whose permission opens it, that action); hidden pages use their
entity's permission too, or one of their own (OWN_PERMISSIONS). Whoever holds the
permission gets the menu entry (portal/web/security.py); the screen gets the same permission set
as the entity's screen (portal/web/generate.py).
"""

from __future__ import annotations

from types import MappingProxyType

from portal.access.roles import AGENT, AUDITOR, CLERK, MANAGER, READ, WRITE
from portal.web.agency import AgencyView
from portal.web.agent import AgentView
from portal.web.assessment.ranking import AssessmentView
from portal.web.assessment.reports import MonthlyReportView
from portal.web.cases.casework import CaseworkView
from portal.web.cases.intake import DraftView, IntakeView
from portal.web.cases.lookup import FindView
from portal.web.cases.materials import MaterialView
from portal.web.cases.worklist import WorklistView
from portal.web.documents import DocumentView
from portal.web.entities import CATEGORY_ASSESSMENT, CATEGORY_CASES, CATEGORY_ORG
from portal.web.site.designer import DesignerView
from portal.web.site.history import SiteHistoryView
from portal.web.site.print_templates import TemplateEditorView

PAGES = (
    (IntakeView, "New application", "cases", WRITE),
    (WorklistView, "Worklist and supervision", "cases", READ),
    (MonthlyReportView, "Monthly operations report", "cases", READ),
    (DesignerView, "Form designer", "subcenters", WRITE),
)
HIDDEN_PAGES = (DraftView, CaseworkView, DocumentView, TemplateEditorView, AssessmentView, MaterialView,
                SiteHistoryView, FindView, AgentView, AgencyView)

# Menu entries of pages with a permission of their own: (menu msgid, endpoint, permission,
# category msgid).
OWN_MENUS = (("Batch printing", "DocumentView.batch", "casework", CATEGORY_CASES),
             ("Print templates", "TemplateEditorView.index", "templates", CATEGORY_ORG),
             ("Site versions", "SiteHistoryView.index", "site_history", CATEGORY_ORG),
             ("Scores", "AssessmentView.index", "assessment", CATEGORY_ASSESSMENT),
             ("Red flags", "AssessmentView.awards", "assessment", CATEGORY_ASSESSMENT))

# Pages with a permission of their own (not an entity's): name -> role -> actions.
# Acting on a case is for those its steps name: clerks, and managers (审核, 决定, approving
# an extension); auditors watch, they do not act.
OWN_PERMISSIONS = MappingProxyType({
    "casework": MappingProxyType({CLERK: frozenset({WRITE}), MANAGER: frozenset({WRITE})}),
    # the print templates are one layout for all (五统一): the center admin edits (as admin,
    # every permission), sub-center managers read and preview
    "templates": MappingProxyType({MANAGER: frozenset({READ})}),
    # scores: supervision and the managers read them (of the windows in their scope)
    # (closing a month — freezing its scores — is for center-wide auditors: the view checks)
    "assessment": MappingProxyType({AUDITOR: frozenset({READ, WRITE}), MANAGER: frozenset({READ})}),
    # the site's versions: the center admin restores (as admin, every permission); a manager
    # reads them, and the changes of their own sub-centers
    "site_history": MappingProxyType({MANAGER: frozenset({READ})}),
    # 当前去向: a 代办员 reads and sets their own (portal/web/agent.py)
    "whereabouts": MappingProxyType({AGENT: frozenset({READ, WRITE})}),
    # 代办: a 代办员 takes applications and records the hand-overs of what they took; a town
    # center's clerks and manager those carried through their town (portal/cases/agency.py
    # decides which case and step: a department's staff pass no guard)
    "agency": MappingProxyType({AGENT: frozenset({READ, WRITE}), CLERK: frozenset({READ, WRITE}),
                                MANAGER: frozenset({READ, WRITE})}),
})
