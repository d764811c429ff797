"""代办 as the village, the town and the deciding window live it: a 代办员 takes an application
with the deciding window's form (一次性告知 at the village when a material is missing), hands it
to the town, the town delivers it to 民政 — where it waits as any submitted case and is decided
as one, its clock starting at acceptance — the result comes back and the 代办员 replies. Each
hand-over, the 催办 and the reply are events of the case's log; the applicant's progress query
says where the case is; and the one scope rule gives each role exactly its cases."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from portal.access.scope import RULES, Scope, unscoped
from portal.cases import lifecycle
from portal.cases.actions import Actor
from portal.cases.audit import verify
from portal.cli.demo import ensure_demo_users
from portal.core import servertime
from portal.models import (
    AgencyStage,
    Case,
    CaseAgency,
    CaseEvent,
    CaseState,
    Item,
    Offering,
    SubCenter,
    db,
)
from portal.web.current import current_site
from tests.support.world import PASSWORD, csrf_token, signed_in

ZH = {"Accept-Language": "zh"}
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# a 1953 resident of 句容 applying for the 老年人优待证 at 蜀山村
GOOD = {"applicant_name": "陈桂兰", "id_number": "321183195304120429", "mobile": "13952901234",
        "address": "句容市华阳街道蜀山村18号", "by_agent": "no", "hukou": "农村"}
PDF = b"%PDF-1.4\n% a scanned identity card\n%%EOF\n"


class Clock:
    """The server's clock, set by the test (China time)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
        monkeypatch.setattr(servertime, "now", lambda: self.now.astimezone(dt.UTC))

    def set(self, day: str, hour: int = 9) -> None:
        self.now = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), SHANGHAI)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def people(published):
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
    return published


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def town_offering(app, town: str = "huayang", item: str = "mz-lnyd") -> int:
    with app.app_context():
        return db.session.scalars(select(Offering.id).join(SubCenter).join(Item).where(
            SubCenter.code == town, Item.code == item)).one()


def take(client, offering: int, data: dict | None = None, files: dict | None = None,
         received: tuple[str, ...] = ()):
    url = f"/agency/new/{offering}"
    body = {**(GOOD if data is None else data), "csrf_token": client.token,
            "received": list(received)}
    body.update(files or {})
    return client.post(url, data=body, content_type="multipart/form-data", headers=ZH)


def taken_case(app, number_or_id) -> Case:
    with app.app_context(), unscoped():
        where = Case.id == number_or_id if isinstance(number_or_id, int) else Case.number == number_or_id
        case = db.session.scalars(select(Case).where(where)).one()
        db.session.expunge(case)
        return case


def agency_of(app, case_id: int) -> CaseAgency:
    with app.app_context(), unscoped():
        row = db.session.scalars(select(CaseAgency).where(CaseAgency.case_id == case_id)).one()
        db.session.expunge(row)
        return row


def events(app, case_id: int) -> list[tuple[str, str]]:
    with app.app_context(), unscoped():
        return [(e.kind, e.by) for e in db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq))]


def step(client, case_id: int, name: str, **form):
    """Record an agency step as its button does; the page it comes back to (with the message)."""
    return client.post(f"/agency/{case_id}/{name}", data={"csrf_token": client.token, **form},
                       headers=ZH, follow_redirects=True)


def progress(client, number: str) -> str:
    token = csrf_token(client.get("/hall/progress").get_data(as_text=True))
    answer = client.post("/hall/progress", headers=ZH, data={"csrf_token": token, "number": number,
                                                           "secret": "120429"})
    return _text(answer)


def agent_takes(app) -> tuple[object, int]:
    agent = signed_in(app, "hy-shushan-agent")
    sent = take(agent, town_offering(app), files={"scan_main": (io.BytesIO(PDF), "身份证.pdf")})
    assert sent.status_code == 302, _text(sent)
    return agent, int(sent.location.rsplit("/", 1)[1])


def test_the_agent_takes_an_application_with_the_deciding_windows_form_for_its_queue_later(
        people, clock) -> None:
    app = people
    agent = signed_in(app, "hy-shushan-agent")
    choice = _text(agent.get("/agency/new/", headers=ZH))
    assert "老年人优待证办理" in choice and "城乡居民基本养老保险参保登记" in choice
    assert "句容市政务服务民政分中心" in choice
    form = agent.get(f"/agency/new/{town_offering(app)}", headers=ZH).get_data(as_text=True)
    assert 'name="applicant_name"' in form and 'name="scan_main"' in form
    assert 'name="counter_note"' not in form  # the counter's own fields are the window's

    # 一次性告知 at the village: the identity card is neither attached nor ticked as received
    refused = take(agent, town_offering(app), {**GOOD, "mobile": "1395290123"})
    assert refused.status_code == 422 and 'value="陈桂兰"' in refused.get_data(as_text=True)
    refused = take(agent, town_offering(app))
    page = _text(refused)
    assert refused.status_code == 422
    assert "一次性告知" in page and "申请人居民身份证" in page
    assert 'value="陈桂兰"' in refused.get_data(as_text=True)  # what was typed is kept
    with app.app_context():
        assert db.session.query(Case).count() == 0

    # taken: on paper (ticked), for 民政's first window of the item, in transit
    sent = take(agent, town_offering(app), received=("申请人居民身份证",))
    assert sent.status_code == 302
    case = taken_case(app, int(sent.location.rsplit("/", 1)[1]))
    assert (case.state, case.channel) == (CaseState.FORWARDING, "代办")
    assert case.number.startswith("MZ20261130") and case.accepted_at is None
    with app.app_context(), unscoped():
        assert db.session.get(SubCenter, case.sub_center_id).code == "mz"
        mz_first = db.session.scalars(select(Offering).join(SubCenter).join(Item).where(
            SubCenter.code == "mz", Item.code == "mz-lnyd")).one()
        assert case.window_id == mz_first.windows[0].id
        assert case.form_version_id == mz_first.form_version_id
        submit = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).one()
        assert (submit.kind, submit.by) == ("submit", "hy-shushan-agent")
        assert submit.data["channel"] == "代办" and submit.data["village"] == "蜀山村"
        assert submit.data["received"] == ["申请人居民身份证"]
    carried = agency_of(app, case.id)
    assert (carried.stage, carried.taken_by) == (AgencyStage.VILLAGE, "hy-shushan-agent")
    # the agent's page says where it is; it is in nobody's queue at 民政 yet
    mine = _text(agent.get(f"/agency/{case.id}", headers=ZH))
    assert "在村代办点蜀山村" in mine and case.number in mine
    assert case.number in _text(agent.get("/agent/", headers=ZH))
    clerk = signed_in(app, "mz-mz03-clerk")
    assert case.number not in _text(clerk.get("/worklist/", headers=ZH))
    assert case.number not in _text(clerk.get("/", headers=ZH))
    accept = clerk.post(f"/casework/{case.id}/accept", data={"csrf_token": clerk.token})
    assert accept.status_code == 302 and taken_case(app, case.id).state == CaseState.FORWARDING
    assert "在村代办点" in progress(app.test_client(), case.number)


def test_each_hand_over_is_an_event_and_the_clock_starts_at_the_windows_acceptance(
        people, clock) -> None:
    app = people
    agent, case_id = agent_takes(app)
    number = taken_case(app, case_id).number
    town = signed_in(app, "huayang-clerk")
    # the town cannot deliver what has not reached it
    assert "在村代办点" in _text(step(town, case_id, "deliver", next=f"/cases/show/{case_id}"))
    clock.set("2026-11-30", 14)
    assert step(agent, case_id, "to_town").status_code == 200  # 村 → 镇
    carried = agency_of(app, case_id)
    assert carried.stage == AgencyStage.TOWN and carried.to_town_by == "hy-shushan-agent"
    assert "在华阳街道便民服务中心" in progress(app.test_client(), number)
    # the town's desk: its start page lists it, the case page offers the delivery
    assert number in _text(town.get("/", headers=ZH))
    page = _text(town.get(f"/cases/show/{case_id}", headers=ZH))
    assert "已转镇" in page and "转报分中心" in page
    clock.set("2026-12-01", 10)
    delivered = step(town, case_id, "deliver", next=f"/cases/show/{case_id}")
    assert delivered.request.path == f"/cases/show/{case_id}"  # back on the desk case page
    assert "已转报分中心" in _text(delivered)
    case = taken_case(app, case_id)
    assert case.state == CaseState.SUBMITTED and case.accepted_at is None
    assert agency_of(app, case_id).delivered_by == "huayang-clerk"
    assert "已送达句容市政务服务民政分中心" in progress(app.test_client(), number)
    # the window: waiting for its decision, as channel 代办; accepting starts the clock
    clerk = signed_in(app, "mz-mz03-clerk")
    waiting = _text(clerk.get("/worklist/", headers=ZH))
    assert number in waiting and "代办" in waiting
    clock.set("2026-12-02", 9)
    assert clerk.post(f"/casework/{case_id}/accept", data={"csrf_token": clerk.token}).status_code == 302
    case = taken_case(app, case_id)
    assert case.state == CaseState.ACCEPTED and case.accepted_by == "mz-mz03-clerk"
    assert case.accepted_at.replace(tzinfo=dt.UTC).astimezone(SHANGHAI).date() == dt.date(2026, 12, 2)
    assert events(app, case_id) == [("submit", "hy-shushan-agent"),
                                    ("agency_to_town", "hy-shushan-agent"),
                                    ("agency_deliver", "huayang-clerk"), ("accept", "mz-mz03-clerk")]
    with app.app_context():
        assert verify(db.session) == (4, [])  # the hand-overs are links of 民政's chain


def _decide(app, case_id: int) -> None:
    """民政 completes the case, step by step, as its people would."""
    with app.test_request_context(), unscoped():
        site, case = current_site(), db.session.get(Case, case_id)
        clerk = Actor("mz-clerk", frozenset({"clerk"}), None)
        manager = Actor("mz-manager", frozenset({"manager"}), None)
        while case.step is not None and case.step < len(case.plan["steps"]) - 1:
            role = case.plan["steps"][case.step]["role"]
            lifecycle.advance(db.session, case, manager if role == "manager" else clerk, "同意")
        lifecycle.complete(db.session, site, case, clerk, "approved", "老年人优待证已制发")


def test_a_late_window_is_pressed_once_a_day_and_sees_it_on_its_worklist(people, clock) -> None:
    app = people
    agent, case_id = agent_takes(app)
    town = signed_in(app, "huayang-clerk")
    step(agent, case_id, "to_town")
    step(town, case_id, "deliver")  # Monday 2026-11-30
    # not late yet: nothing to press
    refused = _text(step(agent, case_id, "remind"))
    assert "未超期" in refused or "尚未" in refused
    assert agency_of(app, case_id).reminded_at is None
    # three working days later still not accepted (2 are expected): the village presses
    clock.set("2026-12-03", 10)
    assert "已催办" in _text(step(agent, case_id, "remind"))
    carried = agency_of(app, case_id)
    assert (carried.reminders, carried.reminded_by) == (1, "hy-shushan-agent")
    assert "今日已催办" in _text(step(town, case_id, "remind"))  # once a day
    number = taken_case(app, case_id).number
    for username in ("mz-mz03-clerk", "mz-manager"):  # the window and its manager see the reminder
        page = signed_in(app, username).get("/worklist/", headers=ZH).get_data(as_text=True)
        assert f'data-pressed="{number}"' in page and 'data-testid="pressed"' in page
    for username in ("rs-clerk", "mz-clerk"):  # another sub-center; another window of 民政
        assert "data-pressed" not in signed_in(app, username).get("/worklist/").get_data(as_text=True)
    # accepted, then past its due date: the town presses again the next day
    clerk = signed_in(app, "mz-mz03-clerk")
    clerk.post(f"/casework/{case_id}/accept", data={"csrf_token": clerk.token})
    due = taken_case(app, case_id).due_date
    clock.set((due + dt.timedelta(days=3)).isoformat(), 10)
    town, clerk = signed_in(app, "huayang-clerk"), signed_in(app, "mz-mz03-clerk")  # a new day
    assert "已催办" in _text(step(town, case_id, "remind"))
    assert agency_of(app, case_id).reminders == 2
    kinds = [kind for kind, _ in events(app, case_id)]
    assert kinds.count("agency_remind") == 2
    row = clerk.get("/worklist/", headers=ZH).get_data(as_text=True)
    assert re.search(rf'data-number="{number}".*?data-testid="pressed"', row, re.S)


def test_the_result_comes_back_and_the_agents_reply_ends_the_agency(people, clock) -> None:
    app = people
    agent, case_id = agent_takes(app)
    town = signed_in(app, "huayang-clerk")
    number = taken_case(app, case_id).number
    # the 代办员 brings the materials to the town's counter, which records receiving them
    assert "接收村代办材料" in _text(town.get(f"/cases/show/{case_id}", headers=ZH))
    step(town, case_id, "to_town")
    assert agency_of(app, case_id).to_town_by == "huayang-clerk"
    step(town, case_id, "deliver")
    clerk = signed_in(app, "mz-mz03-clerk")
    clerk.post(f"/casework/{case_id}/accept", data={"csrf_token": clerk.token})
    assert "结果已返回" not in _text(agent.get(f"/agency/{case_id}", headers=ZH)).split("交接")[0]
    assert "尚未办结" in _text(step(agent, case_id, "returned"))  # not decided yet
    _decide(app, case_id)
    assert "已办结待回复" in progress(app.test_client(), number)
    assert "已登记结果返回" in _text(step(agent, case_id, "returned"))
    assert agency_of(app, case_id).stage == AgencyStage.RETURNED
    # a village case is replied to by its 代办员, not by the town
    assert "由受理的代办员回复申请人" in _text(step(town, case_id, "reply"))
    assert agency_of(app, case_id).stage == AgencyStage.RETURNED
    assert "代办结束" in _text(step(agent, case_id, "reply", note="已送达申请人家中"))
    carried = agency_of(app, case_id)
    assert (carried.stage, carried.replied_by) == (AgencyStage.REPLIED, "hy-shushan-agent")
    assert events(app, case_id)[-2:] == [("agency_returned", "hy-shushan-agent"),
                                         ("agency_reply", "hy-shushan-agent")]
    assert "已回复" in progress(app.test_client(), number)
    # the agency has ended: the town no longer sees it, the agent and 民政 still do
    assert town.get(f"/cases/show/{case_id}").status_code == 404
    assert agent.get(f"/agency/{case_id}").status_code == 200
    assert clerk.get(f"/cases/show/{case_id}").status_code == 200


def test_the_town_counter_takes_an_agency_application_and_replies_itself(people, clock) -> None:
    app = people
    town = signed_in(app, "huayang-clerk")
    offering = town_offering(app)
    # the clerk's intake of a 代办类 item leads to the agency form
    assert town.get(f"/intake/{offering}/new").location.endswith(f"/agency/new/{offering}")
    sent = take(town, offering, received=("申请人居民身份证",))
    assert sent.status_code == 302
    case_id = int(sent.location.rsplit("/", 1)[1])
    carried = agency_of(app, case_id)
    assert carried.village_id is None and carried.stage == AgencyStage.TOWN
    assert carried.to_town_by == "huayang-clerk"
    step(town, case_id, "deliver")
    clerk = signed_in(app, "mz-mz03-clerk")
    clerk.post(f"/casework/{case_id}/accept", data={"csrf_token": clerk.token})
    _decide(app, case_id)
    step(town, case_id, "returned")
    assert "代办结束" in _text(step(town, case_id, "reply"))
    assert agency_of(app, case_id).stage == AgencyStage.REPLIED


def test_each_role_sees_exactly_its_agency_cases(people, clock) -> None:
    app = people
    _, mine = agent_takes(app)
    other = signed_in(app, "hy-shishi-agent")  # another village of the same town
    sent = take(other, town_offering(app), received=("申请人居民身份证",))
    theirs = int(sent.location.rsplit("/", 1)[1])
    baohua = signed_in(app, "bh-baohua-agent")  # another town, the same deciding sub-center
    sent = take(baohua, town_offering(app, "baohua"), received=("申请人居民身份证",))
    far = int(sent.location.rsplit("/", 1)[1])

    def seen(username: str) -> set[int]:
        client = signed_in(app, username)
        with app.app_context(), unscoped():
            numbers = {db.session.get(Case, pk).number: pk for pk in (mine, theirs, far)}
        listed = client.get("/api/v1/agencies/?q=(page_size:100)").get_json()["result"]
        found = {numbers[row["case"]["number"]] for row in listed} if listed and "case" in listed[0] \
            else set()
        shown = {pk for pk in (mine, theirs, far)
                 if client.get(f"/agency/{pk}").status_code == 200}
        return shown | found

    assert seen("hy-shushan-agent") == {mine}
    assert seen("hy-shishi-agent") == {theirs}
    assert seen("huayang-clerk") == {mine, theirs}
    assert seen("huayang-manager") == {mine, theirs}
    assert seen("baohua-clerk") == {far}
    assert seen("ws-clerk") == set() and seen("rs-manager") == set()
    # the deciding sub-center sees what was forwarded to it, by window and by sub-center
    mz = signed_in(app, "mz-manager")
    assert all(mz.get(f"/cases/show/{pk}").status_code == 200 for pk in (mine, theirs, far))
    # nobody carries what they do not see: another village's agent cannot hand it over
    assert step(signed_in(app, "hy-shishi-agent"), mine, "to_town").status_code == 404
    assert agency_of(app, mine).stage == AgencyStage.VILLAGE
    # a 代办员 cannot take a case of another town's village nor decide at the window
    bh = signed_in(app, "bh-baohua-agent")
    assert bh.get(f"/agency/new/{town_offering(app)}").status_code == 404
    assert bh.post(f"/casework/{far}/accept", data={"csrf_token": bh.token}).status_code in (403, 404)


def test_a_plain_clerks_case_predicate_keeps_its_two_index_friendly_arms() -> None:
    """代办 adds arms to a carrier's and a town center's scope only; a department window clerk's
    case predicate is what it was (another effort keeps that list fast)."""
    from sqlalchemy.dialects import postgresql

    def sql(scope: Scope) -> str:
        statement = select(Case.id).where(RULES[Case](scope))
        return " ".join(str(statement.compile(dialect=postgresql.dialect())).split())

    clerk = sql(Scope(user_id=1, windows=frozenset({3}), window_sub_centers=frozenset({2})))
    assert "case_agency" not in clerk and clerk.count(" OR ") == 1
    town = sql(Scope(user_id=1, windows=frozenset({9}), window_sub_centers=frozenset({8}),
                     town_centers=frozenset({8})))
    assert "case_agency.sub_center_id IN" in town and "= ANY(ARRAY(SELECT case_agency.case_id" in town
    agent = sql(Scope(user_id=7, village_sub_centers=frozenset({8})))
    assert "case_agency.taken_by_id =" in agent and "sub_center_id" not in agent


def test_the_demo_has_agency_cases_at_every_stage_with_their_events(people) -> None:
    from portal.cli.demo import AGENCY_PLAN, seed_agency_cases, seed_cases

    app = people
    with app.app_context():
        seed_cases(60)
        # the town's 代办类 items are carried, not decided at the town's counter
        at_town = db.session.scalars(select(Case).join(SubCenter, SubCenter.id == Case.sub_center_id)
                                     .join(Item, Item.id == Case.item_id)
                                     .where(SubCenter.code == "huayang", Item.code == "mz-lnyd")).all()
        assert at_town == []
        made = seed_agency_cases()
        assert made == 3 * len(AGENCY_PLAN)  # 华阳: 老年人优待证, 养老保险; 宝华: 老年人优待证
        rows = db.session.execute(select(CaseAgency.stage, Case.state, CaseAgency.reminded_at,
                                         CaseAgency.village_id, Case.channel)
                                  .join(Case, Case.id == CaseAgency.case_id)).all()
        stages = {(stage, state, reminded is not None) for stage, state, reminded, _, _ in rows}
        assert stages == set(AGENCY_PLAN)
        assert {channel for *_, channel in rows} == {"代办"}
        assert any(village is None for *_, village, _ in rows)  # taken at the town's counter too
        assert verify(db.session)[1] == []  # the events were appended as the lifecycle appends them
        replied = db.session.scalars(select(CaseAgency)
                                     .where(CaseAgency.stage == AgencyStage.REPLIED)).first()
        kinds = [kind for kind, _ in events(app, replied.case_id)]
        assert kinds[0] == "submit" and kinds[-1] == "agency_reply"
        pressed = db.session.scalars(select(Case.number).join(CaseAgency).where(
            CaseAgency.reminded_at.is_not(None), Case.sub_center_id == SubCenter.id,
            SubCenter.code == "mz")).all()
    page = signed_in(app, "mz-mz03-clerk").get("/worklist/", headers=ZH).get_data(as_text=True)
    assert pressed and all(f'data-pressed="{number}"' in page for number in pressed)
