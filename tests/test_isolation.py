"""Isolation: no role reaches a record of another sub-center (or another window, for a clerk).

The matrix is discovered from the running app: every URL rule of every screen or API whose
model is scoped (portal/access/scope.py RULES) is called with every method it accepts, with the id of
a foreign record where the rule takes one. A view generated later joins the matrix by itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from portal.access.roles import CLERK, ROLE_NAMES
from portal.access.scope import RULES
from portal.cli.demo import ensure_demo_users
from portal.models import Case, Offering, PortalUser, SubCenter, Window, db
from tests.support.world import PASSWORD, add_cases, csrf_token, login

OWN = "ws"
FOREIGN = "mz"


@dataclass(frozen=True)
class Target:
    """A record the user must not reach, and text of it that must never show."""

    model: type
    pk: int
    markers: tuple[str, ...]
    search: tuple[str, str] | None  # (column, value) a search for it would use


@pytest.fixture
def world(published):
    """Demo users, two cases per window, one user with a role and no assignment."""
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        cases = add_cases()
        sm = published.appbuilder.sm
        sm.add_user("nobody", "无分配", "无分配", "nobody@portal.invalid",
                    sm.find_role(ROLE_NAMES[CLERK]), password=PASSWORD)
        db.session.commit()
        sub = db.session.scalars(select(SubCenter).where(SubCenter.code == FOREIGN)).one()
        window = db.session.scalars(select(Window).where(Window.code == "MZ01")).one()
        offering = db.session.scalars(select(Offering).where(Offering.sub_center_id == sub.id)
                                      .order_by(Offering.id)).first()
        foreign_case = next(c for c in cases if c.window == "MZ01")
        foreign_user = db.session.scalars(select(PortalUser)
                                          .where(PortalUser.username == "mz-clerk")).one()
        other_window_case = next(c for c in cases if c.window == "WS02")  # own sub-center
        targets = {
            "foreign": [
                Target(SubCenter, sub.id, (sub.unified_name, sub.address), ("code", FOREIGN)),
                Target(Window, window.id, ("MZ01", window.name), ("code", "MZ01")),
                Target(Offering, offering.id, (sub.unified_name,), None),
                Target(Case, foreign_case.id, (foreign_case.number, foreign_case.applicant),
                       ("number", foreign_case.number)),
                Target(PortalUser, foreign_user.id, ("mz-clerk", foreign_user.last_name),
                       ("username", "mz-clerk")),
            ],
            "other_window": [
                Target(Case, other_window_case.id,
                       (other_window_case.number, other_window_case.applicant),
                       ("number", other_window_case.number)),
            ],
        }
    return published, targets


def _scoped_routes(app) -> list[tuple[object, str, type]]:
    """(rule, endpoint, model) of every route served by a view over a scoped model."""
    views = {type(v).__name__: v for v in app.appbuilder.baseviews}
    out = []
    for rule in app.url_map.iter_rules():
        view = views.get(rule.endpoint.split(".")[0])
        model = getattr(getattr(view, "datamodel", None), "obj", None)
        if model in RULES:
            out.append((rule, type(view).__name__, model))
    return out


def _url(rule, pk: int) -> str:
    path = rule.rule
    for arg in rule.arguments:
        value = str(pk) if arg == "pk" else "x"
        path = path.replace(f"<int:{arg}>", value).replace(f"<string:{arg}>", value)
        path = path.replace(f"<{arg}>", value)
    return path


def _list_query(view_name: str, is_api: bool, search: tuple[str, str] | None) -> list[str]:
    """The ways to ask a list for everything, and for the foreign record by its value."""
    if is_api:
        queries = ["?q=" + "(page_size:100)"]
        if search:
            col, value = search
            queries.append(f"?q=(filters:!((col:{col},opr:eq,value:'{value}')),page_size:100)")
        return queries
    queries = [f"?psize_{view_name}=100"]
    if search:
        col, value = search
        queries.append(f"?_flt_0_{col}={value}&psize_{view_name}=100")
    return queries


def _requests(app, targets: list[Target]):
    """Every (method, url, kwargs, target, takes_pk) of the matrix."""
    for rule, view_name, model in _scoped_routes(app):
        is_api = rule.rule.startswith("/api/")
        for target in (t for t in targets if t.model is model):
            takes_pk = "pk" in rule.arguments
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                if takes_pk:
                    urls = [_url(rule, target.pk)]
                elif method == "GET":
                    urls = [_url(rule, target.pk) + q
                            for q in _list_query(view_name, is_api, target.search)]
                else:  # action_post, REST post: the foreign id in the body
                    urls = [_url(rule, target.pk)]
                for url in urls:
                    yield method, url, target, takes_pk, is_api


def _body(method: str, is_api: bool, target: Target, token: str) -> dict:
    if method == "GET":
        return {}
    headers = {"X-CSRFToken": token}
    if is_api:
        payload = {"applicant_name": "篡改的申请人"} if target.model is Case else {}
        return {"data": json.dumps(payload), "content_type": "application/json",
                "headers": headers}
    return {"data": {"csrf_token": token, "applicant_name": "篡改的申请人", "action": "delete",
                     "rowid": [str(target.pk)]}, "headers": headers}


ROLES = {"manager": "ws-manager", "clerk": "ws-clerk", "auditor": "ws-auditor",
         "unassigned": "nobody"}


@pytest.mark.parametrize("role", sorted(ROLES))
def test_no_role_reaches_a_foreign_record(world, role: str) -> None:
    app, groups = world
    targets = groups["foreign"] + (groups["other_window"] if role in ("clerk", "unassigned") else [])
    client = app.test_client()
    login(client, ROLES[role])
    token = csrf_token(client.get("/resetmypassword/form").get_data(as_text=True))
    failures = []
    count = 0
    for method, url, target, takes_pk, is_api in _requests(app, targets):
        count += 1
        response = client.open(url, method=method, **_body(method, is_api, target, token))
        body = response.get_data(as_text=True)
        # a search page echoes the value the user typed; that is not the record's data
        searched = target.search is not None and ("_flt_" in url or "filters" in url)
        echoed = target.search[1] if searched else None
        leaked = [m for m in target.markers if m in body and m != echoed]
        if leaked:
            failures.append(f"{method} {url} -> {response.status_code} shows {leaked}")
        if takes_pk and response.status_code not in (403, 404):
            failures.append(f"{method} {url} -> {response.status_code}, expected 403 or 404")
        if response.status_code // 100 == 5:
            failures.append(f"{method} {url} -> {response.status_code}")
    assert count > 80, "the matrix found the scoped routes"
    assert failures == []
    with app.app_context():  # nothing was changed or deleted
        for target in targets:
            row = db.session.get(target.model, target.pk)
            assert row is not None
            if target.model is Case:
                assert row.applicant_name != "篡改的申请人"


def test_the_center_sees_what_the_matrix_hides(world) -> None:
    """The positive control: the same URLs show the markers to a center-wide user."""
    app, groups = world
    for username in ("admin", "center-auditor"):
        client = app.test_client()
        if username == "admin":
            with app.app_context():
                from portal.web.security import ensure_center_admin

                ensure_center_admin("admin", PASSWORD)
        login(client, username)
        for target in groups["foreign"] + groups["other_window"]:
            if target.model is PortalUser and username != "admin":
                continue  # only the admin has user screens
            shown = [url for _, url, t, takes_pk, _ in _requests(app, [target])
                     if takes_pk and "/show/" in url]
            assert shown, target
            for url in shown:
                body = client.get(url).get_data(as_text=True)
                assert all(m in body for m in target.markers), (username, url)


def test_a_user_with_a_role_and_no_assignment_sees_nothing(world) -> None:
    app, _ = world
    client = app.test_client()
    login(client, "nobody")
    listed = client.get("/api/v1/cases/?q=(page_size:100)").get_json()
    assert listed["count"] == 0 and listed["result"] == []
    assert client.get("/api/v1/subcenters/").get_json()["count"] == 0


def test_a_clerk_sees_exactly_the_cases_of_their_window(world) -> None:
    app, _ = world
    client = app.test_client()
    login(client, "ws-clerk")
    listed = client.get("/api/v1/cases/?q=(page_size:100)").get_json()
    with app.app_context():
        clerk = db.session.scalars(select(PortalUser).where(PortalUser.username == "ws-clerk")).one()
        window_ids = {w.id for w in clerk.windows}
        expected = set(db.session.scalars(select(Case.number).where(Case.window_id.in_(window_ids))))
    assert {row["number"] for row in listed["result"]} == expected
    assert len(expected) == 2


def test_the_matrix_covers_every_generated_view(world) -> None:
    """Each scoped screen and API contributes list, show, edit, delete and export routes."""
    app, _ = world
    routes = {(name, rule.rule) for rule, name, _ in _scoped_routes(app)}
    kinds = {(model, name.endswith("Api")) for _, name, model in _scoped_routes(app)}
    for model in RULES:
        assert (model, False) in kinds and (model, True) in kinds, model  # a screen and an API
    rules = {rule for _, rule in routes}
    for path in ("/cases/list/", "/cases/show/<pk>", "/cases/edit/<pk>", "/cases/delete/<pk>",
                 "/cases/export.csv", "/cases/action_post", "/api/v1/cases/",
                 "/api/v1/cases/<pk>"):
        assert path in rules
