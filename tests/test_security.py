"""Sign-in security as a center's IT officer would check it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.cli.demo import ensure_demo_users
from portal.models import PortalUser, db
from tests.support.world import PASSWORD, csrf_token, login


@pytest.fixture
def portal(published):
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
    return published


def _attempt(client, username: str, password: str):
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    return client.post("/login/", data={"username": username, "password": password,
                                        "csrf_token": token}, follow_redirects=True)


def _logged_in(response) -> bool:
    return "/logout/" in response.get_data(as_text=True)


def test_repeated_failed_logins_lock_the_account(portal) -> None:
    client = portal.test_client()
    limit = portal.config["PORTAL_LOCKOUT_ATTEMPTS"]
    for _ in range(limit):
        assert not _logged_in(_attempt(client, "ws-clerk", "wrong"))
    refused = _attempt(client, "ws-clerk", PASSWORD)  # the right password, too late
    assert not _logged_in(refused)
    assert "用户名或密码错误，或账户因连续登录失败已被暂时锁定" in refused.get_data(as_text=True)
    assert _logged_in(_attempt(portal.test_client(), "mz-clerk", PASSWORD))  # others unaffected
    with portal.app_context():
        user = db.session.scalars(select(PortalUser).where(PortalUser.username == "ws-clerk")).one()
        assert user.locked_until is not None


def test_the_lock_expires(portal) -> None:
    portal.config["PORTAL_LOCKOUT_SECONDS"] = 0
    client = portal.test_client()
    for _ in range(portal.config["PORTAL_LOCKOUT_ATTEMPTS"]):
        _attempt(client, "ws-clerk", "wrong")
    assert _logged_in(_attempt(client, "ws-clerk", PASSWORD))


def test_fewer_failures_than_the_limit_do_not_lock(portal) -> None:
    client = portal.test_client()
    for _ in range(portal.config["PORTAL_LOCKOUT_ATTEMPTS"] - 1):
        _attempt(client, "ws-clerk", "wrong")
    assert _logged_in(_attempt(client, "ws-clerk", PASSWORD))


def test_passwords_are_stored_with_scrypt(portal) -> None:
    with portal.app_context():
        stored = db.session.scalars(select(PortalUser.password)).all()
    assert stored and all(p.startswith("scrypt:") for p in stored)
    assert PASSWORD not in stored


def test_session_cookie_flags(portal) -> None:
    client = portal.test_client()
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    response = client.post("/login/", data={"username": "ws-clerk", "password": PASSWORD,
                                            "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the demo runs on plain http://127.0.0.1


def test_secure_cookies_when_served_over_https(portal) -> None:
    portal.config["SESSION_COOKIE_SECURE"] = True
    client = portal.test_client()
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    response = client.post("/login/", data={"username": "ws-clerk", "password": PASSWORD,
                                            "csrf_token": token})
    assert "Secure" in response.headers["Set-Cookie"]


def test_form_posts_without_csrf_token_are_refused(portal) -> None:
    client = portal.test_client()
    login(client, "ws-clerk")
    with portal.app_context():
        from portal.models import Case
        from tests.support.world import add_cases

        add_cases(per_window=1)
        case = db.session.scalars(select(Case).where(Case.number.startswith("WS01"))).first()
        pk, name = case.id, case.applicant_name
    assert client.post("/login/", data={"username": "ws-clerk", "password": PASSWORD}).status_code == 400
    refused = client.post(f"/cases/edit/{pk}", data={"applicant_name": "无令牌"})
    assert refused.status_code == 400
    assert client.put(f"/api/v1/cases/{pk}", json={"applicant_name": "无令牌"}).status_code == 400
    assert client.get(f"/cases/delete/{pk}").status_code in (400, 403, 405)
    with portal.app_context():
        assert db.session.get(Case, pk).applicant_name == name
    page = client.get(f"/cases/edit/{pk}").get_data(as_text=True)
    seen = re.search(r'name="row_version_seen" type="hidden" value="(\d+)"', page).group(1)
    saved = client.post(f"/cases/edit/{pk}", data={"applicant_name": "有令牌", "applicant_phone": "",
                                                   "csrf_token": csrf_token(page),
                                                   "row_version_seen": seen})
    assert saved.status_code == 302
    with portal.app_context():
        assert db.session.get(Case, pk).applicant_name == "有令牌"


def test_rest_api_uses_the_browser_session_and_the_role(portal) -> None:
    anonymous = portal.test_client()
    assert anonymous.get("/api/v1/cases/").status_code == 401
    client = portal.test_client()
    login(client, "ws-auditor")
    assert client.get("/api/v1/cases/").status_code == 200
    token = csrf_token(client.get("/resetmypassword/form").get_data(as_text=True))
    # auditors read; they change nothing
    assert client.put("/api/v1/cases/1", json={"applicant_name": "x"},
                      headers={"X-CSRFToken": token}).status_code == 403


def test_openapi_document_lists_the_generated_apis(portal) -> None:
    with portal.app_context():
        from portal.web.security import ensure_center_admin

        ensure_center_admin("admin", PASSWORD)
    client = portal.test_client()
    login(client, "admin")
    spec = client.get("/api/v1/_openapi").get_json()
    for name in ("subcenters", "windows", "items", "offerings", "cases", "users"):
        assert f"/api/v1/{name}/" in spec["paths"], name


def test_pages_cannot_be_framed_sniffed_or_cached(portal) -> None:
    """A case page shows an applicant's ID number: not kept in a shared PC's cache, not framed
    by another site, its scripts only the portal's own with this response's nonce."""
    client = portal.test_client()
    login(client, "ws-clerk")
    with portal.app_context():
        from portal.models import Case
        from tests.support.world import add_cases

        add_cases(per_window=1)
        case = db.session.scalars(select(Case).where(Case.number.startswith("WS01"))).first()
        pk, id_number = case.id, case.applicant_id_number
    page = client.get(f"/cases/show/{pk}")
    assert id_number in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    policy = dict(d.strip().split(" ", 1) for d in page.headers["Content-Security-Policy"].split(";"))
    assert policy["frame-ancestors"] == "'self'" and policy["object-src"] == "'none'"
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"]).group(1)
    scripts = re.findall(r"<script(?![^>]*application/json)([^>]*)>", page.get_data(as_text=True))
    assert scripts and all(f'nonce="{nonce}"' in s for s in scripts)  # every script carries it
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    for path in ("/api/v1/cases/", "/login/"):
        assert "no-store" in client.get(path).headers["Cache-Control"]
    with client.get("/static/portal.css") as static:  # the static files may be cached
        assert "no-store" not in static.headers.get("Cache-Control", "")


def test_a_roles_permission_taken_back_closes_the_screen_on_the_next_page(portal) -> None:
    """The worker keeps each user's permissions between pages; the center admin taking a
    permission from the clerks' role (FAB's role screen writes through the same models) closes
    the screen on the clerk's next page, and giving it back opens it again."""
    from portal.access.roles import CLERK, ROLE_NAMES
    from portal.models import Stamp

    client = portal.test_client()
    login(client, "ws-clerk")
    assert client.get("/cases/list/").status_code == 200
    assert client.get("/cases/list/").status_code == 200  # kept: asked from the worker's memory
    with portal.app_context():
        sm = portal.appbuilder.sm
        before = db.session.get(Stamp, "security").value
        reading = sm.find_permission_view_menu("can_read", "cases")
        sm.del_permission_role(sm.find_role(ROLE_NAMES[CLERK]), reading)
        assert db.session.get(Stamp, "security").value > before
    assert client.get("/cases/list/").status_code in (302, 403)
    with portal.app_context():
        sm = portal.appbuilder.sm
        sm.add_permission_role(sm.find_role(ROLE_NAMES[CLERK]),
                               sm.find_permission_view_menu("can_read", "cases"))
    assert client.get("/cases/list/").status_code == 200


def test_a_permission_given_to_the_public_opens_the_api_to_anonymous_callers_at_once(portal) -> None:
    """The worker keeps the public role's permissions between requests, as a user's, by the
    security stamp: the center admin giving the public role the cases API's read (FAB's role
    screen writes through the same models) lets an anonymous caller read it on the next
    request, and taking it back closes it again."""
    client = portal.test_client()
    assert client.get("/api/v1/cases/").status_code == 401
    assert client.get("/api/v1/cases/").status_code == 401  # kept: asked from the worker's memory
    with portal.app_context():
        sm = portal.appbuilder.sm
        reading = sm.find_permission_view_menu("can_read", "cases")
        sm.add_permission_role(sm.find_role(sm.auth_role_public), reading)
    assert client.get("/api/v1/cases/").status_code == 200
    with portal.app_context():
        sm = portal.appbuilder.sm
        reading = sm.find_permission_view_menu("can_read", "cases")
        sm.del_permission_role(sm.find_role(sm.auth_role_public), reading)
    assert client.get("/api/v1/cases/").status_code == 401


def test_permissions_follow_roles_and_groups_from_the_next_page_on(portal) -> None:
    """What a user may open is read from their roles on every page: a role given opens the
    auditor's screens at once, and taking it back closes them at once; roles through a group
    count as FAB counts them."""
    from flask_appbuilder.security.sqla.manager import SecurityManager
    from flask_appbuilder.security.sqla.models import Group, assoc_user_group

    from portal.access.roles import AUDITOR, ROLE_NAMES

    client = portal.test_client()
    login(client, "ws-clerk")
    assert client.get("/assessment/").status_code == 403
    with portal.app_context():
        sm = portal.appbuilder.sm
        auditor = sm.find_role(ROLE_NAMES[AUDITOR])
        clerk = sm.find_user(username="ws-clerk")
        clerk.roles.append(auditor)
        db.session.commit()
    assert client.get("/assessment/").status_code == 200
    with portal.app_context():
        sm = portal.appbuilder.sm
        clerk = sm.find_user(username="ws-clerk")
        clerk.roles = [r for r in clerk.roles if r.name != ROLE_NAMES[AUDITOR]]
        group = Group(name="supervision-helpers", label="督查协助")
        db.session.add(group)
        group.roles = [auditor := sm.find_role(ROLE_NAMES[AUDITOR])]
        db.session.flush()
        other = sm.find_user(username="mz-clerk")
        db.session.execute(assoc_user_group.insert().values(user_id=other.id, group_id=group.id))
        db.session.commit()
        for user in db.session.scalars(select(PortalUser)):  # the same answer as FAB's own
            assert sm.get_user_permissions(user) == SecurityManager.get_user_permissions(sm, user)
        granted = {(p.permission.name, p.view_menu.name) for p in auditor.permissions}
        assert granted and granted <= sm.get_user_permissions(other)
    assert client.get("/assessment/").status_code == 403
