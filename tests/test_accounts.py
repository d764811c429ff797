"""Accounts as an attacker with a clerk's login (or a copied cookie) and a center's IT officer
would try them: the password policy on every path that sets one, resets and unlocking, sessions
that end on the server, one answer for unknown and locked names, duplicates as field errors."""

from __future__ import annotations

import pytest
from flask.cli import ScriptInfo
from sqlalchemy import select

from portal.cli import main
from portal.models import AccountEvent, PortalUser, Window, db
from tests.support.world import PASSWORD, csrf_token, login

GOOD = "Clerk-2026-口令"
# the weak passwords a security review typed, and what each must be refused for
WEAK = {"1": "至少 10 个字符", "123456": "至少 10 个字符", "password": "最常见的密码",
        "woaini1314": "最常见的密码", "1qaz2wsx3edc": "最常见的密码", "PassWord123": "最常见的密码",
        # full width, as an input method types them
        "１２３４５６７８９０": "最常见的密码", "ｐａｓｓｗｏｒｄ１２３": "最常见的密码"}


@pytest.fixture
def portal(staffed):
    return staffed


def _client(app, username: str, password: str = PASSWORD):
    client = app.test_client()
    login(client, username, password)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    return client


def _token(client, url: str = "/resetmypassword/form") -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def _id(app, model, column, value) -> int:
    with app.app_context():
        return db.session.scalars(select(model.id).where(column == value)).one()


def _password_hash(app, username: str) -> str:
    with app.app_context():
        return db.session.scalars(select(PortalUser.password).where(PortalUser.username == username)).one()


def _log(app, username: str) -> list[tuple[str, str]]:
    with app.app_context():
        return [(e.kind, e.by) for e in db.session.scalars(
            select(AccountEvent).where(AccountEvent.username == username).order_by(AccountEvent.id))]


def _exists(app, username: str) -> bool:
    with app.app_context():
        found = db.session.scalars(select(PortalUser).where(PortalUser.username == username)).first()
        return found is not None


def _signed_in(client) -> bool:
    return client.get("/api/v1/cases/").status_code == 200


def _new_clerk(client, username: str, password: str) -> object:
    ws02 = str(_id(client.application, Window, Window.code, "WS02"))
    return client.post("/clerks/add", data={
        "csrf_token": _token(client, "/clerks/add"), "first_name": "王海燕", "last_name": "窗口",
        "username": username, "active": "y", "email": f"{username}@portal.invalid",
        "windows": [ws02], "password": password, "conf_password": password})


# -- the policy, on every path ----------------------------------------------------------------

@pytest.mark.parametrize("weak", sorted(WEAK))
def test_a_manager_cannot_give_a_new_clerk_a_weak_password(portal, weak: str) -> None:
    manager = _client(portal, "ws-manager")
    refused = _new_clerk(manager, "wang-haiyan", weak)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and WEAK[weak] in page
    assert 'value="wang-haiyan"' in page  # what was typed is kept
    assert not _exists(portal, "wang-haiyan")


def test_a_password_equal_to_the_user_name_is_refused_whatever_its_case(portal) -> None:
    manager = _client(portal, "ws-manager")
    refused = _new_clerk(manager, "wanghaiyan2026", "WangHaiyan2026")
    assert "密码不能与用户名相同" in refused.get_data(as_text=True)
    full_width = _new_clerk(manager, "wanghaiyan2026", "ｗａｎｇｈａｉｙａｎ２０２６")
    assert "密码不能与用户名相同" in full_width.get_data(as_text=True)
    assert _new_clerk(manager, "wanghaiyan2026", GOOD).status_code == 302
    assert _log(portal, "wanghaiyan2026") == [("created", "ws-manager")]


def test_the_admin_cannot_create_a_center_wide_admin_with_password_a(portal) -> None:
    admin = _client(portal, "admin")
    page = admin.get("/users/add").get_data(as_text=True)
    with portal.app_context():
        from flask_appbuilder.security.sqla.models import Role

        role = db.session.scalars(select(Role.id).where(Role.name == "中心管理员")).one()
    refused = admin.post("/users/add", data={
        "csrf_token": csrf_token(page), "first_name": "李", "last_name": "管理员", "username": "li-admin",
        "active": "y", "email": "li@portal.invalid", "roles": [str(role)], "center_wide": "y",
        "password": "a", "conf_password": "a"})
    assert refused.status_code == 200 and "至少 10 个字符" in refused.get_data(as_text=True)
    assert not _exists(portal, "li-admin")


def test_ones_own_new_password_follows_the_policy_and_ends_ones_other_sessions(portal) -> None:
    here, elsewhere = _client(portal, "ws-clerk"), _client(portal, "ws-clerk")
    before = _password_hash(portal, "ws-clerk")
    for weak, why in (("123456", "至少 10 个字符"), ("ws-clerk", "不能与用户名相同"),
                      ("qq123456789", "最常见的密码")):
        refused = here.post("/resetmypassword/form", data={
            "csrf_token": _token(here), "password": weak, "conf_password": weak})
        assert refused.status_code == 200 and why in refused.get_data(as_text=True)
    assert _password_hash(portal, "ws-clerk") == before
    changed = here.post("/resetmypassword/form", data={
        "csrf_token": _token(here), "password": GOOD, "conf_password": GOOD})
    assert changed.status_code == 302
    assert _signed_in(here) and not _signed_in(elsewhere)
    assert _log(portal, "ws-clerk") == [("password_changed", "ws-clerk")]
    assert _signed_in(_client(portal, "ws-clerk", GOOD))


def test_the_cli_refuses_a_weak_admin_password(portal) -> None:
    runner = portal.test_cli_runner()
    info = ScriptInfo(create_app=lambda: portal)
    weak = runner.invoke(main, ["create-admin", "--username", "root2", "--password", "admin123"], obj=info)
    assert weak.exit_code != 0 and "最常见的密码" in weak.output, weak.output
    assert not _exists(portal, "root2")
    strong = runner.invoke(main, ["create-admin", "--username", "root2", "--password", "Zhongxin-2026-管理"],
                           obj=info)
    assert strong.exit_code == 0, strong.output


# -- resets and unlocking ---------------------------------------------------------------------

def test_a_manager_sets_a_new_password_for_their_clerk_and_the_clerks_sessions_end(portal) -> None:
    clerk = _client(portal, "ws-clerk")
    manager = _client(portal, "ws-manager")
    pk = _id(portal, PortalUser, PortalUser.username, "ws-clerk")
    url = f"/clerks/password/{pk}"
    assert "设置新密码" in manager.get(f"/clerks/show/{pk}").get_data(as_text=True)
    weak = manager.post(url, data={"csrf_token": _token(manager, url), "password": "12345678",
                                   "conf_password": "12345678"})
    assert weak.status_code == 200 and "至少 10 个字符" in weak.get_data(as_text=True)
    assert _signed_in(clerk)
    done = manager.post(url, data={"csrf_token": _token(manager, url), "password": GOOD,
                                   "conf_password": GOOD})
    assert done.status_code == 302
    assert not _signed_in(clerk), "the clerk's old session ended"
    assert _signed_in(_client(portal, "ws-clerk", GOOD))
    assert _log(portal, "ws-clerk") == [("password_set", "ws-manager")]


@pytest.mark.parametrize("other", ["ws-manager", "ws-auditor", "mz-clerk", "admin"])
def test_a_manager_cannot_set_the_password_of_anyone_but_their_clerks(portal, other: str) -> None:
    manager = _client(portal, "ws-manager")
    pk = _id(portal, PortalUser, PortalUser.username, other)
    before = _password_hash(portal, other)
    assert manager.get(f"/clerks/password/{pk}").status_code == 404
    response = manager.post(f"/clerks/password/{pk}", data={
        "csrf_token": _token(manager), "password": GOOD, "conf_password": GOOD})
    assert response.status_code == 404
    assert _password_hash(portal, other) == before
    # FAB's own reset form is the center admin's only
    assert manager.post(f"/resetpassword/form?pk={pk}", data={
        "csrf_token": _token(manager), "password": GOOD, "conf_password": GOOD}).status_code in (302, 403)
    assert _password_hash(portal, other) == before


def test_the_center_admin_unlocks_a_locked_account(portal) -> None:
    outsider = portal.test_client()
    for _ in range(portal.config["PORTAL_LOCKOUT_ATTEMPTS"]):
        _attempt(outsider, "ws-clerk", "wrong")
    assert "用户名或密码错误" in _attempt(outsider, "ws-clerk", PASSWORD)
    admin = _client(portal, "admin")
    pk = _id(portal, PortalUser, PortalUser.username, "ws-clerk")
    assert "解锁" in admin.get(f"/users/show/{pk}").get_data(as_text=True)
    assert admin.post(f"/users/unlock/{pk}", data={"csrf_token": _token(admin)}).status_code == 302
    assert _signed_in(_client(portal, "ws-clerk"))
    assert _log(portal, "ws-clerk") == [("unlocked", "admin")]
    manager = _client(portal, "ws-manager")  # only the admin
    assert manager.post(f"/users/unlock/{pk}", data={"csrf_token": _token(manager)}).status_code in (302, 403)


# -- sessions ---------------------------------------------------------------------------------

def _copy(app, client):
    """Another browser with a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_signing_out_ends_the_session_on_the_server(portal) -> None:
    clerk = _client(portal, "ws-clerk")
    thief = _copy(portal, clerk)
    assert _signed_in(thief)
    assert clerk.get("/logout/").status_code == 200 and _signed_in(clerk)  # a GET changes nothing
    assert clerk.post("/logout/", data={"csrf_token": _token(clerk)}).status_code == 302
    assert not _signed_in(clerk) and not _signed_in(thief)


def test_a_deactivated_user_is_signed_out_everywhere(portal) -> None:
    clerk = _client(portal, "ws-clerk")
    manager = _client(portal, "ws-manager")
    pk = _id(portal, PortalUser, PortalUser.username, "ws-clerk")
    page = manager.get(f"/clerks/edit/{pk}").get_data(as_text=True)
    ws01 = str(_id(portal, Window, Window.code, "WS01"))
    saved = manager.post(f"/clerks/edit/{pk}", data={
        "csrf_token": csrf_token(page), "first_name": "卫健窗口", "last_name": "窗口",
        "email": "ws-clerk@portal.invalid", "windows": [ws01]})  # "active" unticked
    assert saved.status_code == 302
    assert not _signed_in(clerk)
    assert _log(portal, "ws-clerk") == [("deactivated", "ws-manager")]


# -- what the outside learns --------------------------------------------------------------------

def _attempt(client, username: str, password: str) -> str:
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    response = client.post("/login/", data={"username": username, "password": password,
                                            "csrf_token": token}, follow_redirects=True,
                           headers={"Accept-Language": "zh"})
    return response.get_data(as_text=True)


def _message(page: str) -> str:
    """The flashed message of a page (FAB's alert, after its close button)."""
    import re

    alerts = re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', page, re.S)
    return " ".join(alerts).split("</button>")[-1].strip()


def test_unknown_and_locked_user_names_get_the_same_answer(portal) -> None:
    client = portal.test_client()
    for _ in range(portal.config["PORTAL_LOCKOUT_ATTEMPTS"]):
        _attempt(client, "ws-clerk", "wrong")
    answers = {
        "locked, right password": _message(_attempt(client, "ws-clerk", PASSWORD)),
        "locked, wrong password": _message(_attempt(client, "ws-clerk", "wrong")),
        "unknown name": _message(_attempt(client, "no-such-clerk", "wrong")),
        "wrong password": _message(_attempt(client, "mz-clerk", "wrong")),
    }
    assert len(set(answers.values())) == 1, answers
    assert "用户名或密码错误" in answers["unknown name"]


def test_a_user_name_taken_in_another_sub_center_is_a_field_error_and_no_database_text(portal) -> None:
    manager = _client(portal, "ws-manager")
    refused = _new_clerk(manager, "mz-clerk", GOOD)  # mz-clerk exists, at 民政
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "此用户名已被使用" in page
    for leak in ("INSERT", "UNIQUE", "IntegrityError", "scrypt:", "psycopg", "sqlite3"):
        assert leak not in page
    same_but_upper = _new_clerk(manager, "MZ-Clerk", GOOD)
    assert "此用户名已被使用" in same_but_upper.get_data(as_text=True)


def test_the_clerks_api_shows_what_the_clerks_screen_shows(portal) -> None:
    manager = _client(portal, "ws-manager")
    for other in ("ws-manager", "ws-auditor"):
        pk = _id(portal, PortalUser, PortalUser.username, other)
        assert manager.get(f"/clerks/show/{pk}").status_code == 404
        assert manager.get(f"/api/v1/clerks/{pk}").status_code == 404
    listed = {r["username"] for r in manager.get("/api/v1/clerks/?q=(page_size:100)").get_json()["result"]}
    assert listed == {"ws-clerk"}


def test_there_is_no_token_login_to_guess_passwords_at(portal) -> None:
    client = portal.test_client()
    response = client.post("/api/v1/security/login", json={
        "username": "ws-clerk", "password": PASSWORD, "provider": "db"})
    assert response.status_code == 404
    assert client.post("/api/v1/security/refresh").status_code == 404
