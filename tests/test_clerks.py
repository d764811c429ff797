"""A sub-center manager adds and edits the clerks of their own windows, and nothing more."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.models import PortalUser, Window, db
from tests.support.world import csrf_token, login


@pytest.fixture
def portal(staffed):
    return staffed


def _ids(app, model, column, *values) -> list[int]:
    with app.app_context():
        return [db.session.scalars(select(model.id).where(column == v)).one() for v in values]


def _user(app, username: str) -> PortalUser | None:
    with app.app_context():
        user = db.session.scalars(select(PortalUser).where(PortalUser.username == username)).first()
        if user is not None:
            return (sorted(r.name for r in user.roles), user.center_wide,
                    sorted(w.code for w in user.windows), [s.code for s in user.sub_centers])
        return None


def _new_clerk(client, username: str, windows: list[int], **extra) -> object:
    token = csrf_token(client.get("/clerks/add").get_data(as_text=True))
    return client.post("/clerks/add", data={
        "csrf_token": token, "first_name": "王海燕", "last_name": "医保参保窗口",
        "username": username, "active": "y", "email": f"{username}@portal.invalid",
        "windows": [str(w) for w in windows], "password": "Clerk-2026-口令",
        "conf_password": "Clerk-2026-口令", **extra})


def test_manager_adds_a_clerk_to_an_own_window(portal) -> None:
    client = portal.test_client()
    login(client, "ws-manager")
    (ws02,) = _ids(portal, Window, Window.code, "WS02")
    saved = _new_clerk(client, "wang-haiyan", [ws02])  # the form opened directly, not from the list
    assert saved.status_code == 302 and saved.location.endswith("/clerks/list/")  # not the home page
    assert _user(portal, "wang-haiyan") == (["窗口工作人员"], False, ["WS02"], [])
    clerk = portal.test_client()
    login(clerk, "wang-haiyan", "Clerk-2026-口令")
    assert clerk.get("/cases/list/").status_code == 200


def test_the_form_cannot_grant_more_than_a_clerk(portal) -> None:
    client = portal.test_client()
    login(client, "ws-manager")
    (ws02,) = _ids(portal, Window, Window.code, "WS02")
    with portal.app_context():
        from flask_appbuilder.security.sqla.models import Role

        admin_role = db.session.scalars(select(Role.id).where(Role.name == "中心管理员")).one()
    sent = _new_clerk(client, "sneaky", [ws02], roles=[str(admin_role)], center_wide="y")
    assert sent.status_code == 302
    assert _user(portal, "sneaky") == (["窗口工作人员"], False, ["WS02"], [])


def test_a_window_of_another_sub_center_is_not_a_choice(portal) -> None:
    client = portal.test_client()
    login(client, "ws-manager")
    form = client.get("/clerks/add").get_data(as_text=True)
    assert "WS01" in form and "MZ01" not in form
    (mz01,) = _ids(portal, Window, Window.code, "MZ01")
    refused = _new_clerk(client, "over-the-fence", [mz01])
    assert refused.status_code == 200
    assert re.search(r'value="over-the-fence"', refused.get_data(as_text=True))  # kept
    assert _user(portal, "over-the-fence") is None


def test_manager_sees_and_edits_only_own_clerks(portal) -> None:
    client = portal.test_client()
    login(client, "ws-manager")
    listed = client.get("/clerks/list/").get_data(as_text=True)
    assert "ws-clerk" in listed and "mz-clerk" not in listed and "ws-auditor" not in listed
    mz_clerk, ws_auditor = _ids(portal, PortalUser, PortalUser.username, "mz-clerk", "ws-auditor")
    assert client.get(f"/clerks/edit/{mz_clerk}").status_code == 404
    assert client.get(f"/clerks/edit/{ws_auditor}").status_code == 404  # not a clerk account
    assert client.get("/users/list/").status_code == 403


def test_center_admin_still_runs_fab_user_actions(portal) -> None:
    client = portal.test_client()
    login(client, "admin")
    (pk,) = _ids(portal, PortalUser, PortalUser.username, "ws-clerk")
    token = csrf_token(client.get(f"/users/edit/{pk}").get_data(as_text=True))
    reset = client.post(f"/users/action/resetpasswords/{pk}", data={"csrf_token": token})
    assert reset.status_code == 302 and "/resetpassword/form" in reset.headers["Location"]
