"""A case after acceptance: its steps and roles, the clock stopping and restarting, extensions
with their approver, and completion on time or overdue — with hand-worked dates around the
2026 National Day holiday (10-01..10-07 off, Saturday 10-10 a working day).

The server's clock is moved by replacing ``portal.core.servertime.now``: the one clock every
action reads. No request can set a time.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.access.roles import CLERK, MANAGER
from portal.access.scope import unscoped
from portal.cases import lifecycle
from portal.cases.actions import Actor
from portal.cli.demo import ensure_demo_users
from portal.core import servertime
from portal.core.errors import PortalError
from portal.models import Case, CaseEvent, Item, Offering, SubCenter, db
from portal.site.publish import current_version
from portal.web.current import current_site
from tests.support.world import PASSWORD, csrf_token, login

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
CLERK_A = Actor("mz-clerk", frozenset({CLERK}))
CLERK_B = Actor("mz-clerk-2", frozenset({CLERK}))
BOSS = Actor("mz-manager", frozenset({MANAGER}))


class Clock:
    """The server's clock, set by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = dt.datetime(2026, 9, 28, 10, 0, tzinfo=SHANGHAI)
        monkeypatch.setattr(servertime, "now", lambda: self.now.astimezone(dt.UTC))

    def set(self, day: str, hour: int = 10) -> None:
        self.now = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), SHANGHAI)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def submitted_case(item_code: str, sub: str = "mz") -> int:
    place = db.session.scalars(select(Offering).join(SubCenter).join(Item).where(
        SubCenter.code == sub, Item.code == item_code)).one()
    case = Case(number=f"T-{item_code}-{db.session.query(Case).count() + 1}", item_id=place.item_id,
                sub_center_id=place.sub_center_id, window_id=place.windows[0].id,
                site_version_id=current_version(db.session).id, applicant_name="王小明",
                applicant_id_type="居民身份证", applicant_id_number="11010519491231002X",
                data={}, state="submitted")
    db.session.add(case)
    db.session.commit()
    return case.id


@pytest.fixture
def ctx(published):
    with published.test_request_context(), unscoped():  # the lifecycle itself, no request user
        yield published, current_site()


def kinds(case: Case) -> list[str]:
    return [e.kind for e in db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))]


def test_steps_are_acted_on_by_their_roles_in_order_and_each_has_its_share(ctx, clock) -> None:
    app, site = ctx
    case = db.session.get(Case, submitted_case("mz-dibao"))
    lifecycle.accept(db.session, site, case, CLERK_A)
    # 民政 promises 15 working days: 受理 1, 审核 7, 决定 6, 办结 1 (hand-counted; 10-10 works)
    assert case.due_date == dt.date(2026, 10, 23)
    assert lifecycle.step_dues(site, case) == [dt.date(2026, 9, 29), dt.date(2026, 10, 14),
                                               dt.date(2026, 10, 22), dt.date(2026, 10, 23)]
    assert case.step == 1  # accepting was 受理; 审核 is open
    with pytest.raises(PortalError, match="审核"):
        lifecycle.advance(db.session, case, CLERK_A)  # a manager's step
    with pytest.raises(PortalError, match="审核 needs a written opinion"):
        lifecycle.advance(db.session, case, BOSS, "  ")  # 审核 and 决定 record why
    with pytest.raises(PortalError, match="last step"):
        lifecycle.complete(db.session, site, case, CLERK_A, "approved", "")
    lifecycle.advance(db.session, case, BOSS, "材料齐全，情况属实")
    lifecycle.advance(db.session, case, BOSS, "同意纳入低保")
    assert case.step == 3
    with pytest.raises(PortalError, match="no step left"):
        lifecycle.advance(db.session, case, CLERK_A)
    clock.set("2026-10-16")
    lifecycle.complete(db.session, site, case, CLERK_A, "approved", "低保证 MZ-2026-001")
    assert (case.state, case.outcome, case.on_time, case.used_days) == ("completed", "approved", True, 10)
    assert kinds(case) == ["accept", "step", "step", "complete"]
    steps = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "step")
                               .order_by(CaseEvent.seq)).all()  # PostgreSQL keeps no order unasked
    assert [(e.by, e.data["step"]) for e in steps] == [("mz-manager", "审核"), ("mz-manager", "决定")]


def test_a_pause_stops_the_clock_and_the_restart_moves_the_due_date(ctx, clock) -> None:
    app, site = ctx
    case = db.session.get(Case, submitted_case("mz-dibao"))
    lifecycle.accept(db.session, site, case, CLERK_A)
    clock.set("2026-09-29")
    with pytest.raises(PortalError, match="reason"):
        lifecycle.pause(db.session, site, case, CLERK_A, "补正", "  ")
    with pytest.raises(PortalError, match="does not stop the clock"):
        lifecycle.pause(db.session, site, case, CLERK_A, "出差", "经办人出差")
    lifecycle.pause(db.session, site, case, CLERK_A, "补正", "收入证明缺少单位盖章")
    assert (case.state, case.due_date) == ("paused", None)
    with pytest.raises(PortalError):
        lifecycle.advance(db.session, case, BOSS)  # nothing moves while the clock stands
    clock.set("2026-10-09")
    lifecycle.restart(db.session, site, case, CLERK_A)
    # stood still on 09-30, 10-08, 10-09: three working days later than 10-23
    assert (case.state, case.due_date) == ("accepted", dt.date(2026, 10, 28))
    last = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                              .order_by(CaseEvent.seq.desc())).first()
    assert last.kind == "restart" and last.data["paused_days"] == 3


def test_an_extension_needs_its_allowance_and_another_persons_approval(ctx, clock) -> None:
    app, site = ctx
    case = db.session.get(Case, submitted_case("mz-dibao"))
    lifecycle.accept(db.session, site, case, CLERK_A)
    with pytest.raises(PortalError, match="10 of 10 are left"):
        lifecycle.ask_extension(db.session, case, CLERK_A, 11, "入户调查未完成")
    lifecycle.ask_extension(db.session, case, CLERK_A, 5, "入户调查未完成")
    with pytest.raises(PortalError, match="already waiting"):
        lifecycle.ask_extension(db.session, case, CLERK_B, 1, "再延")
    with pytest.raises(PortalError, match="分中心管理员"):
        lifecycle.decide_extension(db.session, site, case, CLERK_B, True)  # not the approver
    lifecycle.decide_extension(db.session, site, case, BOSS, True, "同意")
    assert (case.extended_days, case.due_date) == (5, dt.date(2026, 10, 30))
    # the manager who asks cannot approve their own request
    lifecycle.ask_extension(db.session, case, BOSS, 5, "需专家评估")
    with pytest.raises(PortalError, match="cannot approve"):
        lifecycle.decide_extension(db.session, site, case, BOSS, True)
    lifecycle.decide_extension(db.session, site, case, Actor("admin", frozenset({"admin"})), True)
    assert case.extended_days == 10
    with pytest.raises(PortalError, match="0 of 10 are left"):
        lifecycle.ask_extension(db.session, case, CLERK_A, 1, "再延")  # the cap is reached


def test_pause_and_extension_together_and_completion_on_the_last_day_or_the_day_after(ctx, clock) -> None:
    app, site = ctx
    ids = [submitted_case("mz-dibao"), submitted_case("mz-dibao")]
    for case_id in ids:
        clock.set("2026-09-28")
        case = db.session.get(Case, case_id)
        lifecycle.accept(db.session, site, case, CLERK_A)
        clock.set("2026-09-29")
        lifecycle.pause(db.session, site, case, CLERK_A, "专家评审", "需组织专家评审")
        clock.set("2026-10-09")
        lifecycle.restart(db.session, site, case, CLERK_A)
        lifecycle.ask_extension(db.session, case, CLERK_A, 5, "评审意见需复核")
        lifecycle.decide_extension(db.session, site, case, BOSS, True)
        # 15 + 5 working days from 09-28 is 10-30; the three stopped days make it 11-04
        assert case.due_date == dt.date(2026, 11, 4)
        lifecycle.advance(db.session, case, BOSS, "属实")
        lifecycle.advance(db.session, case, BOSS, "同意")
    on_time, late = (db.session.get(Case, i) for i in ids)
    clock.set("2026-11-04", hour=17)
    lifecycle.complete(db.session, site, on_time, CLERK_A, "approved", "低保证")
    clock.set("2026-11-05", hour=9)
    with pytest.raises(PortalError, match="reason"):
        lifecycle.complete(db.session, site, late, CLERK_A, "denied", "")
    lifecycle.complete(db.session, site, late, CLERK_A, "denied", "家庭收入超过保障标准")
    assert (on_time.on_time, on_time.used_days) == (True, 20)
    assert (late.on_time, late.used_days, late.outcome) == (False, 21, "denied")


def test_an_instant_item_is_due_the_day_it_is_accepted(ctx, clock) -> None:
    app, site = ctx
    today, tomorrow = (db.session.get(Case, submitted_case("mz-lnyd")) for _ in range(2))
    clock.set("2026-11-23", hour=9)
    for case in (today, tomorrow):
        lifecycle.accept(db.session, site, case, CLERK_A)
        assert (case.limit_days, case.due_date) == (0, dt.date(2026, 11, 23))
    clock.set("2026-11-23", hour=16)
    lifecycle.complete(db.session, site, today, CLERK_A, "approved", "老年优待证")
    clock.set("2026-11-24", hour=9)
    lifecycle.complete(db.session, site, tomorrow, CLERK_A, "approved", "老年优待证")
    assert (today.on_time, today.used_days) == (True, 0)
    assert (tomorrow.on_time, tomorrow.used_days) == (False, 1)


def token(client) -> str:
    return csrf_token(client.get("/resetmypassword/form").get_data(as_text=True))


def test_from_the_case_page_each_role_sees_and_does_only_its_part(published, clock) -> None:
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        case_id = submitted_case("mz-dibao")
    clerk, boss = published.test_client(), published.test_client()
    login(clerk, "mz-clerk")
    login(boss, "mz-manager")

    def post(client, action: str, **form: str):
        return client.post(f"/casework/{case_id}/{action}", data={"csrf_token": token(client), **form},
                           follow_redirects=True).get_data(as_text=True)

    page = post(clerk, "accept", accepted_at="2020-01-01")
    assert "办理环节" in page and "审核" in page and "2026-10-23" in page
    assert "完成本环节" not in page  # 审核 is the manager's
    page = post(clerk, "advance", opinion="越权")
    assert "分中心管理员" in page  # refused, and says whose step it is
    page = post(boss, "advance", opinion="同意")
    assert "已进入下一环节" in page
    page = post(clerk, "extend", days="x", reason="调查")
    assert "整数" in page
    post(clerk, "extend", days="3", reason="入户调查")
    page = clerk.get(f"/cases/show/{case_id}").get_data(as_text=True)
    assert "等待分中心管理员审批" in page and "批准延期" not in page
    page = post(boss, "approve_extension", note="同意")
    assert "已批准延期" in page and "2026-10-28" in page
    with published.app_context():
        case = db.session.get(Case, case_id)
        assert (case.step, case.extended_days, case.due_date) == (2, 3, dt.date(2026, 10, 28))
        assert case.accepted_at.year == 2026


def test_a_due_date_counted_by_weekdays_says_so_and_moves_when_the_schedule_is_published(
        published, demo_site, clock) -> None:
    """Without the center's 2027 schedule, a 15-day 低保 case accepted on 2026-12-21 runs into a
    year nobody knows: its due date is an estimate, said on the case page, the worklist and the
    受理通知书. `portal sync` of the folder with the schedule (2027-01-01..03 off) moves it on by
    a day and records from what to what."""
    import re

    from flask.cli import ScriptInfo

    from portal.cli import main
    from portal.documents.issuing import context
    from portal.site import load_site
    from portal.site.publish import publish

    center = demo_site / "schema" / "center.yaml"
    declared = center.read_text(encoding="utf-8")
    center.write_text(re.sub(r"\nholidays:\n(  .*\n|\n)*?(?=\S)", "\n", declared), encoding="utf-8")
    without, problems = load_site(demo_site)
    assert without is not None and not without.center["holidays"], problems
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        publish(db.session, without, by="test")
        case_id = submitted_case("mz-dibao")
    clerk = published.test_client()
    login(clerk, "mz-clerk")
    clock.set("2026-12-21")
    token = csrf_token(clerk.get("/resetmypassword/form").get_data(as_text=True))
    clerk.post(f"/casework/{case_id}/accept", data={"csrf_token": token})
    with published.app_context():
        case = db.session.get(Case, case_id)
        assert case.due_date == dt.date(2027, 1, 11)  # 15 weekdays, 2027-01-01 counted
    page = clerk.get(f"/cases/show/{case_id}").get_data(as_text=True)
    assert "2027 年节假日安排尚未公布" in page
    assert 'data-testid="guessed"' in clerk.get("/worklist/").get_data(as_text=True)
    with published.test_request_context(), unscoped():
        notice = context(db.session, current_site(), db.session.get(Case, case_id), {})
        assert notice["case"]["guessed_years"] == [2027]

    center.write_text(declared, encoding="utf-8")
    result = published.test_cli_runner().invoke(main, ["sync", str(demo_site), "--by", "中心"],
                                                obj=ScriptInfo(create_app=lambda: published))
    assert result.exit_code == 0 and "1 open case(s) have new due dates" in result.output, result.output
    with published.app_context():
        case = db.session.get(Case, case_id)
        assert case.due_date == dt.date(2027, 1, 12)  # 2027-01-01 is a holiday after all
        moved = db.session.scalars(select(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.kind == "due_moved")).one()
        assert (moved.data["from"], moved.data["due"], moved.data["years"]) == ("2027-01-11", "2027-01-12",
                                                                                 [2027])
    page = clerk.get(f"/cases/show/{case_id}").get_data(as_text=True)
    assert "尚未公布" not in page and "期限重新计算" in page and "原办结期限" in page
