"""Chinese first, on every page a user can reach: each role (and a visitor without a login)
walks every GET page of the URL map — each record page with a record of the user's own — and
every HTML answer must be in Chinese: no English UI words from the list below in what the page
shows (text, titles, placeholders, button values), no Python object printed (``object at 0x``),
``<html lang="zh-CN">``, and a ``<title>`` of its own (not only the center's name). Pages
answering 403/404 are checked the same way: an error page is a page too.

A view added later joins the walk by itself (the URL map is read at run time).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from portal.models import Case, PortalUser, db
from tests.support.world import add_cases, signed_in

ROLES = {"center admin": "admin", "manager": "ws-manager", "clerk": "ws-clerk",
         "auditor": "ws-auditor", "visitor": None}

# English a Chinese screen must not show: FAB's and Werkzeug's leftovers, Python's values
ENGLISH = ("Edit", "Add", "Delete", "Cancel", "OK", "Save", "Search", "Back", "Show", "List",
           "Record Count", "Actions", "Action", "True", "False", "None", "Not Found",
           "Forbidden", "Internal Server Error", "Home", "Login", "Logout", "Security",
           "Refresh", "Filter", "Select", "Yes", "No", "Page", "Previous", "Next", "Submit",
           "Reset", "Permissions", "Roles", "Users", "Groups", "Description", "Created",
           "Changed", "Language", "Clear", "Remove", "Statistics", "Info", "Detail", "Details",
           "Unauthorized", "Bad Request", "Redirecting", "acceptance", "decision", "notice",
           "Name", "Label", "User", "Group", "Role", "Email", "Active", "Password", "Username",
           "Information", "First Name", "Last Name", "menu access", "can read", "can write",
           "can list", "can show", "can get", "Base Permissions", "Views/Menus", "Welcome",
           "Sign in", "Sign out", "Profile", "Permission", "View", "Menu", "Error", "Warning")
WORDS = re.compile(r"(?<![A-Za-z_/.-])(" + "|".join(sorted(ENGLISH, key=len, reverse=True))
                   + r")(?![A-Za-z_/-])")
# and identifiers: FAB's permission names (can_read) and view classes (PortalUserView)
IDENTIFIERS = re.compile(r"\bcan_[a-z_]+\b|\b[A-Z][A-Za-z]+(?:View|Api)\b")
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
SKIPPED = ("/static/", "/appbuilder/", "/api/", "/swagger", "/logout")


class _Shown(HTMLParser):
    """The text a user reads: text outside script and style, shown attributes, button values,
    the document's title and language."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self.lang: str | None = None
        self._hidden = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        if tag in ("script", "style", "template"):
            self._hidden += 1
        if tag == "title":
            self._in_title = True
        for name in SHOWN_ATTRIBUTES:
            if values.get(name):
                self.parts.append(values[name] or "")
        if tag == "input" and values.get("type") in ("submit", "button", "reset") and values.get("value"):
            self.parts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._hidden:
            self.parts.append(data)


def _pages(app, own: dict[type, int]) -> list[str]:
    """Every GET path of the URL map a user could open, record pages with a record of
    ``own`` (by the view's model); rules with other arguments are left to their own tests."""
    views = {type(v).__name__: v for v in app.appbuilder.baseviews}
    paths = {"/no-such-page"}  # the not-found page, as a mistyped address shows it
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(SKIPPED):
            continue
        if not rule.arguments:
            paths.add(rule.rule)
            continue
        if rule.arguments != {"pk"}:
            continue
        view = views.get(rule.endpoint.split(".")[0])
        model = getattr(getattr(view, "datamodel", None), "obj", None)
        if model in own:
            paths.add(re.sub(r"<(?:\w+:)?pk>", str(own[model]), rule.rule))
    return sorted(paths)


def _faults(html: str, center: str) -> list[str]:
    shown = _Shown()
    shown.feed(html)
    text = " ".join(" ".join(shown.parts).split())
    faults = []
    if shown.lang != "zh-CN":
        faults.append(f'<html lang="{shown.lang}">')
    title = " ".join(shown.title.split())
    if not title or title == center:
        faults.append(f"title {title!r}")
    if "object at 0x" in html:
        faults.append("a Python object printed")
    words = sorted(set(WORDS.findall(text)) | set(IDENTIFIERS.findall(text)))
    if words:
        faults.append("English: " + ", ".join(words))
    return faults


@pytest.fixture
def walked(staffed):
    with staffed.app_context():
        add_cases()
        clerk = db.session.scalars(select(PortalUser).where(PortalUser.username == "ws-clerk")).one()
        case = db.session.scalars(select(Case).where(Case.window_id == clerk.windows[0].id)
                                  .order_by(Case.id)).first()
        own = {Case: case.id}
        for view in staffed.appbuilder.baseviews:
            model = getattr(getattr(view, "datamodel", None), "obj", None)
            if model is not None and model not in own:
                first = db.session.scalar(select(model).limit(1))
                if first is not None:
                    own[model] = first.id
        from portal.web.current import current_site

        center = current_site().name
    return staffed, own, center


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_page_is_in_chinese(walked, role: str) -> None:
    app, own, center = walked
    client = signed_in(app, ROLES[role]) if ROLES[role] else app.test_client()
    checked, faults = 0, {}
    for path in _pages(app, own):
        try:
            answer = client.get(path)
        except Exception as error:
            faults[f"GET {path}"] = [repr(error)[:200]]
            continue
        if answer.status_code in (301, 302, 303) or "text/html" not in answer.content_type:
            continue
        checked += 1
        found = _faults(answer.get_data(as_text=True), center)
        if found:
            faults[f"{answer.status_code} {path}"] = found
    assert checked > (1 if ROLES[role] is None else 20), "the walk found the pages"
    assert faults == {}
