"""Isolation: no role reaches a record of another sub-center (or another window, for a clerk),
and no role changes a bundle case (并联审批) it sees only because one of its branches is
decided in its department.

The matrix is discovered from the running app: every URL rule of every screen or API whose
model is scoped (portal/access/scope.py RULES) is called with every method it accepts, with the id of
a foreign record where the rule takes one, and every casework action and document kind where
the rule names one. A view generated later joins the matrix by itself. The assessment records'
add forms are posted with the foreign case's number and window.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from portal.access.roles import CLERK, ROLE_NAMES
from portal.access.scope import RULES, unscoped
from portal.assessment.town import Checked, record
from portal.cases import agency, lifecycle
from portal.cli.demo import ensure_demo_users
from portal.core import servertime
from portal.documents.issuing import KINDS
from portal.models import (
    AgencyStage,
    Booking,
    Case,
    CaseAgency,
    CaseBranch,
    CaseEvent,
    Complaint,
    Consultation,
    Evaluation,
    FollowUp,
    Inspection,
    IssuedDocument,
    Offering,
    PortalUser,
    SubCenter,
    TownInspection,
    TownInspectionItem,
    Village,
    VillageAgent,
    Window,
    db,
)
from portal.web.cases.casework import ACTIONS
from portal.web.current import current_site
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
        question = Consultation(tracking_number="ZXISOLATION2", sub_center_id=sub.id,
                                question="另一分中心收到的网上咨询", contact_phone="13912345678")
        db.session.add(question)
        # a bad rating of a case of the other sub-center, its 回访整改 task, and a booking there
        rating = Evaluation(case_id=foreign_case.id, sub_center_id=sub.id, window_id=window.id,
                            level="非常不满意", channel="电话回访", recorded_by="center-auditor",
                            text="另一分中心的差评")
        db.session.add(rating)
        db.session.flush()
        task = FollowUp(evaluation_id=rating.id, case_id=foreign_case.id, sub_center_id=sub.id,
                        window_id=window.id, due_date=dt.date(2026, 12, 10),
                        callback="另一分中心的回访记录")
        booking = Booking(code="ISOL2345", sub_center_id=sub.id, window_id=window.id,
                          item_id=offering.item_id, day=dt.date(2026, 12, 10), period="08:30-12:00",
                          period_name="上午", seat=1, applicant_name="另一分中心的预约人",
                          applicant_id_number="11010519491231002X", applicant_phone="13700000009")
        db.session.add_all([task, booking])
        db.session.commit()
        # 十个有 inspections: of another town center (宝华镇), and of the 代办员's own (华阳街道)
        site = current_site()
        inspected = {}
        for code, note in (("baohua", "宝华镇缺项另一镇的检查发现"),
                           ("huayang", "华阳街道缺项本镇的检查发现")):
            town = db.session.scalars(select(SubCenter).where(SubCenter.code == code)).one()
            results = {i["code"]: Checked(i["code"] != "T06", note if i["code"] == "T06" else "")
                       for i in site.center["town_standard"]}
            inspection = record(db.session, site, town, dt.date(2026, 11, 20), "center-auditor", results,
                                note=f"{code}的十个有检查备注")
            db.session.flush()
            inspected[code] = (inspection, next(i for i in inspection.items if not i.present))
        db.session.commit()
        town_case = next(c for c in cases if c.window == "HY01")  # the 代办员's town center
        # 代办 cases of 民政: one another town center carries, one another village of the 代办员's
        # own town carries, and one of that village already replied to (its agency ended)
        far = _agency_case(window, "bh-baohua-agent", "baohua", "BH-BH", AgencyStage.VILLAGE, 1)
        sibling = _agency_case(window, "hy-shishi-agent", "huayang", "HY-SS", AgencyStage.TOWN, 2)
        replied = _agency_case(window, "hy-shishi-agent", "huayang", "HY-SS", AgencyStage.REPLIED, 3)
        village = db.session.scalars(select(Village).where(Village.code == "BH-BH")).one()
        agent = db.session.scalars(select(VillageAgent)
                                   .where(VillageAgent.username == "bh-baohua-agent")).one()
        targets = {
            "foreign": [
                Target(SubCenter, sub.id, (sub.unified_name, sub.address), ("code", FOREIGN)),
                Target(Window, window.id, ("MZ01", window.name), ("code", "MZ01")),
                Target(Offering, offering.id, (sub.unified_name,), None),
                Target(Case, foreign_case.id, (foreign_case.number, foreign_case.applicant),
                       ("number", foreign_case.number)),
                Target(PortalUser, foreign_user.id, ("mz-clerk", foreign_user.last_name),
                       ("username", "mz-clerk")),
                Target(Consultation, question.id, ("另一分中心收到的网上咨询", "13912345678"),
                       ("tracking_number", "ZXISOLATION2")),
                Target(FollowUp, task.id, ("另一分中心的回访记录",), None),
                Target(Booking, booking.id, ("另一分中心的预约人", "ISOL2345"), ("code", "ISOL2345")),
                Target(Village, village.id, (village.name, village.address), ("code", "BH-BH")),
                Target(VillageAgent, agent.id, (agent.name, agent.phone), ("username", agent.username)),
                Target(TownInspection, inspected["baohua"][0].id, ("baohua的十个有检查备注",), None),
                Target(TownInspectionItem, inspected["baohua"][1].id, ("宝华镇缺项另一镇的检查发现",),
                       ("note", "宝华镇缺项另一镇的检查发现")),
                *far,
            ],
            "other_window": [
                Target(Case, other_window_case.id,
                       (other_window_case.number, other_window_case.applicant),
                       ("number", other_window_case.number)),
            ],
            # a 代办员 belongs to their village's town center, and sees none of its cases
            "town": [
                Target(Case, town_case.id, (town_case.number, town_case.applicant),
                       ("number", town_case.number)),
                # an assessment record of their own town center: not a 代办员's either
                Target(TownInspection, inspected["huayang"][0].id, ("huayang的十个有检查备注",), None),
                Target(TownInspectionItem, inspected["huayang"][1].id, ("华阳街道缺项本镇的检查发现",), None),
            ],
            # nor the agency cases another 代办员 of the town took
            "other_agent": [*sibling, *replied],
            # a town center's staff see its agency cases while under way, not once replied to
            # (the carrying record stays theirs: the town's ledger, counted in its figures)
            "town_done": [t for t in replied if t.model is Case],
        }
    return published, targets


def _agency_case(window: Window, username: str, town: str, village: str, stage: str,
                 n: int) -> list[Target]:
    """An agency case (代办) of ``window`` taken by the 代办员 ``username`` of ``village``, at
    ``stage``: the case and its carrying, as targets."""
    version = db.session.scalars(select(Case.site_version_id)).first()
    taker = db.session.scalars(select(PortalUser).where(PortalUser.username == username)).one()
    place = db.session.scalars(select(Village).where(Village.code == village)).one()
    applicant, number = f"代办申请人{n}号", f"DB-ISOLATION-{n:03d}"
    case = Case(number=number, item_id=db.session.scalars(select(Offering.item_id).where(
        Offering.sub_center_id == window.sub_center_id)).first(), sub_center_id=window.sub_center_id,
        window_id=window.id, site_version_id=version, applicant_name=applicant,
        applicant_id_type="居民身份证", applicant_id_number=f"32118319530412{n:04d}",
        applicant_phone="13800000000", data={}, channel="代办",
        state="forwarding" if stage in (AgencyStage.VILLAGE, AgencyStage.TOWN) else "completed")
    now = servertime.now()
    case.agency = CaseAgency(sub_center_id=place.sub_center_id, village_id=place.id, taken_by=username,
                             taken_by_id=taker.id, stage=stage, taken_at=now,
                             replied_at=now if stage == AgencyStage.REPLIED else None)
    db.session.add(case)
    db.session.commit()
    assert town == place.sub_center.code
    return [Target(Case, case.id, (number, applicant), ("number", number)),
            Target(CaseAgency, case.agency.id, (number,), ("taken_by", username))]


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


# the values a rule's named argument is tried with: every one the portal acts on
ARGUMENTS = {"action": sorted(ACTIONS), "kind": sorted(KINDS), "step": sorted(agency.GUARDS)}


def _urls(rule, pk: int) -> list[str]:
    paths = [rule.rule]
    for arg in rule.arguments:
        values = [str(pk)] if arg == "pk" else ARGUMENTS.get(arg, ["x"])
        paths = [p.replace(f"<int:{arg}>", v).replace(f"<string:{arg}>", v).replace(f"<{arg}>", v)
                 for p in paths for v in values]
    return paths


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
                    urls = _urls(rule, target.pk)
                elif method == "GET":
                    urls = [url + q for url in _urls(rule, target.pk)
                            for q in _list_query(view_name, is_api, target.search)]
                else:  # action_post, REST post: the foreign id in the body
                    urls = _urls(rule, target.pk)
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
         "agent": "hy-shushan-agent", "unassigned": "nobody",
         "town_clerk": "huayang-clerk", "town_manager": "huayang-manager"}
TOWN_ROLES = ("town_clerk", "town_manager")


@pytest.mark.parametrize("role", sorted(ROLES))
def test_no_role_reaches_a_foreign_record(world, role: str, record_property) -> None:
    app, groups = world
    targets = groups["foreign"] + (groups["other_window"] if role in ("clerk", "agent", "unassigned",
                                                                      *TOWN_ROLES)
                                   else []) + (groups["town"] + groups["other_agent"] if role == "agent"
                                               else []) + (groups["town_done"] if role in TOWN_ROLES else [])
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
    foreign_case = next(t for t in targets if t.model is Case)
    foreign_window = next((t for t in targets if t.model is Window), None)
    records = _record_count(app)
    for url, data in _record_forms(foreign_case.markers[0], foreign_window.pk if foreign_window else None):
        count += 1
        response = client.post(url, data={"csrf_token": token, **data})
        if response.status_code // 100 == 5:
            failures.append(f"POST {url} -> {response.status_code}")
    record_property("requests", count)  # reported in the JUnit XML (--junitxml)
    assert count > 80, "the matrix found the scoped routes"
    assert failures == []
    assert _record_count(app) == records, "no assessment record was filed against a foreign case"
    with app.app_context():  # nothing was changed or deleted
        for target in targets:
            row = db.session.get(target.model, target.pk)
            assert row is not None
            if target.model is Case:
                assert row.applicant_name != "篡改的申请人"
                assert row.state in ("forwarding", "completed", "accepted")
            if target.model is CaseAgency:  # no hand-over was recorded on a case not carried
                assert row.delivered_at is None and row.reminded_at is None


def _record_forms(number: str, window: int | None) -> list[tuple[str, dict[str, str]]]:
    """The assessment records' add forms, filed against ``number`` (and ``window``)."""
    where = {"window": str(window)} if window else {}
    return [
        ("/evaluations/add", {"case_number": number, "level": "非常不满意", "channel": "电话回访",
                              "text": "态度差"}),
        ("/complaints/add", {"case_number": number, "channel": "12345热线", "text": "多次跑腿",
                             **where}),
        ("/inspections/add", {"kind": "考勤", "deduction": "2", "text": "脱岗", **where}),
        # a 十个有 inspection of a town center the user is not assigned to
        ("/town-standard/baohua/new", {f"state_T{n:02d}": "missing" for n in range(1, 11)}
         | {f"note_T{n:02d}": "缺" for n in range(1, 11)}),
    ]


def _record_count(app) -> int:
    with app.app_context():
        return sum(db.session.query(m).count() for m in (Evaluation, Complaint, Inspection, TownInspection))


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


def test_a_window_given_or_taken_counts_from_the_clerks_next_page(world) -> None:
    """The worker keeps the clerk's scope and identity strip between pages (their profile);
    a window given to them (the user screen writes through the same models) shows its cases
    and its sub-center's name on their very next page, and taking it back hides them again."""
    app, _ = world
    client = app.test_client()
    login(client, "ws-clerk")

    def seen() -> tuple[set[str], str]:
        listed = client.get("/api/v1/cases/?q=(page_size:100)").get_json()
        page = client.get("/cases/list/").get_data(as_text=True)
        return {row["number"] for row in listed["result"]}, page

    before, page = seen()
    assert seen()[0] == before and "民政" not in page.split('data-testid="identity"')[1][:600]
    with app.app_context():
        clerk = db.session.scalars(select(PortalUser).where(PortalUser.username == "ws-clerk")).one()
        mz01 = db.session.scalars(select(Window).where(Window.code == "MZ01")).one()
        clerk.windows.append(mz01)
        db.session.commit()
        theirs = set(db.session.scalars(select(Case.number).where(Case.window_id == mz01.id)))
    after, page = seen()
    assert theirs and after == before | theirs
    assert "民政" in page.split('data-testid="identity"')[1][:600]  # the strip names MZ too
    with app.app_context():
        clerk = db.session.scalars(select(PortalUser).where(PortalUser.username == "ws-clerk")).one()
        clerk.windows = [w for w in clerk.windows if w.code != "MZ01"]
        db.session.commit()
    assert seen()[0] == before


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


@pytest.fixture
def bundle(published):
    """A 社会救助“一件事” taken and accepted at 民政: its 就业创业证 branch is 人社's."""
    from tests.test_parallel import people
    from tests.test_process import submitted_case

    with published.test_request_context(), unscoped():
        ensure_demo_users(password=PASSWORD)
        add_cases(per_window=1)
        case = db.session.get(Case, submitted_case("yjs-shjz"))
        case.applicant_phone = "13812345678"
        lifecycle.accept(db.session, current_site(), case, people()["mz-clerk"])
        branches = {b.sub_center.code: b.id for b in case.branches if b.item.code != "mz-cjjz"}
    return published, case.id, branches


def _state(app, case_id: int) -> tuple:
    """Everything a write to the case or in its name would change."""
    with app.app_context():
        case = db.session.get(Case, case_id)
        return ((case.applicant_name, case.applicant_phone, case.state, case.step, case.row_version),
                {b.id: (b.state, b.result) for b in case.branches},
                db.session.query(CaseEvent).filter_by(case_id=case_id).count(),
                db.session.query(IssuedDocument).filter_by(case_id=case_id).count(),
                db.session.query(Evaluation).filter_by(case_id=case_id).count(),
                db.session.query(Complaint).filter_by(case_id=case_id).count())


WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.mark.parametrize("username", ["rs-clerk", "rs-manager", "rs-auditor"])
def test_a_branch_department_sees_the_bundle_case_and_changes_nothing_but_its_branch(
        bundle, username: str, record_property) -> None:
    app, case_id, branches = bundle
    with app.app_context():
        case = db.session.get(Case, case_id)
        number, version = case.number, str(case.row_version)
    before = _state(app, case_id)
    client = app.test_client()
    login(client, username)
    token = csrf_token(client.get("/resetmypassword/form").get_data(as_text=True))
    assert number in client.get(f"/cases/show/{case_id}").get_data(as_text=True)  # seeing is fine
    failures, count = [], 0
    targets = [Target(Case, case_id, (), None), Target(CaseBranch, branches["mz"], (), None)]
    for method, url, target, takes_pk, is_api in _requests(app, targets):
        writes = method in WRITE_METHODS or "/edit/" in url or "/delete/" in url
        if not (takes_pk and writes) or url.endswith("/branch"):
            continue  # reading is allowed; deciding its own branch is the department's
        count += 1
        kwargs = _body(method, is_api, target, token)
        if is_api:
            kwargs["headers"]["If-Match"] = version
        response = client.open(url, method=method, **kwargs)
        if response.status_code not in (403, 404):
            failures.append(f"{method} {url} -> {response.status_code}")
        permitted = username == "rs-clerk" and (  # the clerk's role may do these to its own cases
            any(p in url for p in ("/casework/", "/documents/", "/cases/edit/")) or method == "PUT")
        said = (str(response.get_json()) if is_api and response.is_json else response.get_data(as_text=True))
        if target.model is Case and permitted and not (number in said and "民政分中心受理" in said):
            failures.append(f"{method} {url}: the refusal does not say, in Chinese, whose case it is")
    for url, data in _record_forms(number, None):
        count += 1
        response = client.post(url, data={"csrf_token": token, **data})
        if response.status_code // 100 == 5:
            failures.append(f"POST {url} -> {response.status_code}")
    record_property("requests", count)
    assert count > 25 and failures == []
    assert _state(app, case_id) == before, "nothing of the case changed"

    if username == "rs-clerk":  # the positive control: its own branch, and only that
        response = client.post(f"/casework/{case_id}/branch", data={
            "csrf_token": token, "branch": str(branches["rs"]), "outcome": "approved",
            "result": "就业创业证已发放"})
        assert response.status_code == 302
        decided = _state(app, case_id)[1]
        assert decided.pop(branches["rs"]) == ("approved", "就业创业证已发放")
        assert set(decided.values()) == {("open", None)}


def test_the_department_that_took_the_bundle_case_edits_it(bundle) -> None:
    app, case_id, _ = bundle
    client = app.test_client()
    login(client, "mz-clerk")
    token = csrf_token(client.get(f"/cases/edit/{case_id}").get_data(as_text=True))
    with app.app_context():
        version = db.session.get(Case, case_id).row_version
    response = client.post(f"/cases/edit/{case_id}", data={
        "csrf_token": token, "applicant_name": "王小明", "applicant_phone": "13900000001",
        "row_version_seen": str(version)})
    assert response.status_code == 302
    assert _state(app, case_id)[0][1] == "13900000001"


def test_a_write_a_view_forgot_to_refuse_is_stopped_at_the_flush(bundle) -> None:
    """The last line: any flush of a request that would change a case the user only sees
    through a branch is refused, whatever view it came from, and nothing is written."""
    from portal.access.scope import ForeignWrite

    app, case_id, _ = bundle
    before = _state(app, case_id)
    with app.test_request_context():
        from flask_login import login_user

        with unscoped():
            user = db.session.scalars(select(PortalUser).where(PortalUser.username == "rs-clerk")).one()
        login_user(user)
        case = db.session.get(Case, case_id)
        assert case is not None  # seen
        case.applicant_name = "篡改的申请人"
        with pytest.raises(ForeignWrite):
            db.session.commit()
        db.session.rollback()
        db.session.add(Evaluation(case_id=case.id, sub_center_id=case.sub_center_id,
                                  window_id=case.window_id, level="非常不满意", channel="电话回访",
                                  recorded_by="rs-clerk"))
        with pytest.raises(ForeignWrite):
            db.session.flush()
        db.session.rollback()
    assert _state(app, case_id) == before
