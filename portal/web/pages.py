"""Screens that are not an entity's own, opened by an entity's permission.

(view, menu msgid, the entity whose permission opens it, that action). Whoever holds the
permission gets the menu entry (portal/security.py); the screen gets the same permission set
as the entity's screen (portal/web/generate.py).
"""

from __future__ import annotations

from portal.roles import WRITE
from portal.web.casework import CaseworkView
from portal.web.designer import DesignerView
from portal.web.intake import DraftView, IntakeView

PAGES = (
    (IntakeView, "New application", "cases", WRITE),
    (DesignerView, "Form designer", "subcenters", WRITE),
)
HIDDEN_PAGES = (DraftView, CaseworkView)
