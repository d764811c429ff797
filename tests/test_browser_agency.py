"""代办 in Debian's Chromium, end to end: a village 代办员 takes a 老年人优待证 application on a
390 px phone (一次性告知 first: a material missing), hands it to the town; the town's clerk
delivers it to 民政 at a desk; 民政's window accepts and decides it (1366 px); the 代办员 records
the result back and the reply — and the applicant's own phone follows where it is. axe-core on
the 代办员's pages."""

from __future__ import annotations

import re

import pytest

from tests.support.browser import axe_problems
from tests.test_browser_day import fits

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 860}
DESK = {"width": 1366, "height": 900}
NAME, ID_NUMBER, MOBILE = "陈桂兰", "321183195304120429", "13952901234"


def _phone(live, browser):
    context = browser.new_context(locale="zh-CN", bypass_csp=True, viewport=PHONE)
    live.contexts.append(context)
    return context.new_page()


def _sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(url + "/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def _where(page, url: str, number: str) -> str:
    page.goto(url + "/hall/progress")
    page.get_by_label("办件编号").fill(number)
    page.get_by_label("申请人身份证号码后六位，或申请时留的手机号码").fill(MOBILE)
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    return page.locator("[data-testid=answer]").inner_text()


def test_a_village_agent_carries_an_application_to_the_window_and_replies(live, browser) -> None:
    url = live.url
    agent = _phone(live, browser)
    _sign_in(agent, url, "hy-shushan-agent", live.password)
    agent.wait_for_url(re.compile(r"/agent/$"))
    assert agent.get_by_role("heading", name="我的代办件").is_visible() and fits(agent, 390)
    live.shot(agent, "agency-agent-start-390")
    assert axe_problems(agent) == []

    # the 代办类 items of 华阳街道, each naming who decides it
    with agent.expect_navigation():
        agent.get_by_role("link", name="受理代办申请").click()
    items = agent.locator("[data-testid=agency-items]")
    assert "由句容市政务服务民政分中心审批办理" in items.inner_text() and fits(agent, 390)
    live.shot(agent, "agency-choose-390")
    with agent.expect_navigation():
        items.get_by_role("link", name="老年人优待证办理").click()
    assert "在蜀山村受理" in agent.inner_text("[data-testid=route]")
    assert agent.locator("[name=counter_note]").count() == 0  # the window's own fields
    assert axe_problems(agent) == []
    agent.fill("[name=applicant_name]", NAME)
    agent.fill("[name=id_number]", ID_NUMBER)
    agent.fill("[name=mobile]", MOBILE)
    agent.fill("[name=address]", "句容市华阳街道蜀山村18号")
    agent.get_by_label("农村").check()
    # no identity card attached, none ticked: 一次性告知, what was typed kept
    with agent.expect_navigation():
        agent.click("#portal-submit")
    missing = agent.locator("[data-testid=missing]")
    assert "一次性告知" in missing.inner_text() and "申请人居民身份证" in missing.inner_text()
    assert agent.input_value("[name=applicant_name]") == NAME and fits(agent, 390)
    live.shot(agent, "agency-missing-390")
    assert axe_problems(agent) == []
    agent.locator("[data-testid=checklist]").get_by_label(re.compile("申请人居民身份证")).check()
    with agent.expect_navigation():
        agent.click("#portal-submit")
    assert "已受理代办申请" in agent.inner_text("main")
    number = re.search(r"MZ\d{12}", agent.inner_text("h1")).group(0)
    assert "在村代办点蜀山村" in agent.inner_text("[data-testid=place]") and fits(agent, 390)
    live.shot(agent, "agency-taken-390")
    assert axe_problems(agent) == []
    with agent.expect_navigation():
        agent.get_by_role("button", name="转交镇便民服务中心").click()
    assert "华阳街道便民服务中心" in agent.inner_text("[data-testid=place]")
    handovers = agent.inner_text("[data-testid=handovers]")
    assert re.search(r"已转镇\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2} · hy-shushan-agent", handovers)

    # the town's clerk at a desk: the case on the start page, delivered from its page
    town = live.page_as("huayang-clerk")
    town.set_viewport_size(DESK)
    row = town.locator(f"[data-testid=home-agency] tr[data-agency='{number}']")
    assert "在华阳街道便民服务中心" in row.inner_text() and "蜀山村" in row.inner_text()
    live.shot(town, "agency-town-home-1366")
    with town.expect_navigation():
        row.get_by_role("link", name=number).click()
    assert town.locator("[data-testid=decide]").count() == 0  # the town decides nothing of it
    with town.expect_navigation():
        town.get_by_role("button", name="转报分中心").click()
    assert "已送达句容市政务服务民政分中心" in town.inner_text("[data-testid=agency]")
    live.shot(town, "agency-town-delivered-1366")

    # 民政's window: waiting as channel 代办; accepted (the clock starts) and completed
    window = live.page_as("mz-mz03-clerk")
    window.set_viewport_size(DESK)
    waiting = window.locator("[data-testid=home-waiting] tr").filter(has_text=number)
    assert "代办" in waiting.inner_text()
    with window.expect_navigation():
        waiting.get_by_role("link", name=number).click()
    assert "蜀山村" in window.inner_text("[data-testid=events]")
    live.shot(window, "agency-window-case-1366")
    with window.expect_navigation():
        window.click("[data-testid=decide] button:has-text('受理')")
    assert "已受理" in window.content()
    window.check("[name=outcome][value=approved]")
    window.fill("[name=result]", "老年人优待证已制发")
    with window.expect_navigation():
        window.click("button:has-text('办结')")
    assert "已办结待回复" in window.inner_text("[data-testid=agency]")
    live.shot(window, "agency-window-completed-1366")
    # the window's worklist lists the cases villages and towns pressed (the demo's), marked
    window.goto(url + "/worklist/")
    pressed = window.locator("[data-testid=pressed-cases] tr[data-pressed]")
    assert pressed.count() >= 1 and re.search(r"(hy|bh)-\w+-agent", pressed.first.inner_text())
    assert window.locator("[data-testid=worklist] [data-testid=pressed]").count() >= 1
    live.shot(window, "agency-worklist-pressed-1366")

    # the 代办员 brings the result back and gives it to the applicant
    villager = _phone(live, browser)
    assert "已办结待回复" in _where(villager, url, number)
    agent.reload()
    with agent.expect_navigation():
        agent.get_by_role("button", name="结果已返回").click()
    agent.get_by_label("回复方式（可不填）").fill("送证上门，申请人本人签收")
    with agent.expect_navigation():
        agent.get_by_role("button", name="已回复").click()
    assert "代办结束" in agent.inner_text("main") and "已回复" in agent.inner_text("[data-testid=place]")
    events = agent.inner_text("[data-testid=events]")
    assert "送证上门" in events and "转报分中心" in events and fits(agent, 390)
    live.shot(agent, "agency-replied-390")
    assert axe_problems(agent) == []
    answer = _where(villager, url, number)
    assert "已回复" in answer and "陈*兰" in answer and fits(villager, 390)
    live.shot(villager, "agency-progress-390")
    # the agency has ended: the town's list no longer holds it
    town.goto(url + "/")
    assert town.locator(f"[data-testid=home-agency] tr[data-agency='{number}']").count() == 0
