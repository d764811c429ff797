"""当前去向 in Debian's Chromium: a 代办员 signs in on a phone, taps where they are now with the
keyboard or a finger, and a villager's phone reads it on the town center's public page — with
axe-core on both pages."""

from __future__ import annotations

import re

import pytest

from tests.support.browser import axe_problems
from tests.test_browser_day import fits

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 860}


def test_an_agent_sets_where_they_are_on_a_phone_and_the_town_page_shows_it(live, browser) -> None:
    # the 代办员's phone: a context that lets axe-core in (bypass_csp), signed in as 吴静 of 东门村
    agent_context = browser.new_context(locale="zh-CN", bypass_csp=True, viewport=PHONE)
    live.contexts.append(agent_context)
    agent = agent_context.new_page()
    agent.goto(live.url + "/login/")
    agent.fill("#username", "hy-dongmen-agent")
    agent.fill("#password", live.password)
    with agent.expect_navigation():
        agent.get_by_role("button", name="登录").click()
    agent.wait_for_url(re.compile(r"/agent/$"))  # the 代办员's start page
    assert agent.get_by_role("heading", name="当前去向").is_visible()
    assert "吴静" in agent.inner_text("[data-testid=agent]") and fits(agent, 390)
    buttons = agent.locator(".whereabouts button")
    assert buttons.all_inner_texts() == ["在岗", "外出代办", "下村走访", "参加会议", "休息"]
    box = buttons.first.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300  # a thumb's target
    live.shot(agent, "agent-start-390")
    assert axe_problems(agent) == []

    # the keyboard: focus 下村走访 and press Enter
    agent.get_by_role("button", name="下村走访").focus()
    with agent.expect_navigation():
        agent.keyboard.press("Enter")
    assert agent.get_by_role("status").inner_text() == "已更新：下村走访"
    assert agent.get_by_role("button", name="下村走访").get_attribute("aria-pressed") == "true"
    # a tap: 外出代办
    with agent.expect_navigation():
        agent.get_by_role("button", name="外出代办").click()
    now = agent.inner_text("[data-testid=now]")
    assert now.startswith("外出代办") and re.search(r"自 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 起", now)
    assert fits(agent, 390)
    live.shot(agent, "agent-errand-390")
    assert axe_problems(agent) == []

    # a villager's phone, not signed in: the landing page's 华阳街道 card leads to the town page
    villager = live.page()
    villager.set_viewport_size(PHONE)
    villager.goto(live.url + "/")
    with villager.expect_navigation():
        villager.locator("a[href='/hall/town/huayang']").click()
    assert villager.get_by_role("heading", name="华阳街道便民服务中心村级便民服务代办点").is_visible()
    card = villager.locator("[data-village=HY-DM]")
    assert card.get_by_role("heading", name="东门村").is_visible()
    wu = card.locator("[data-agent=hy-dongmen-agent]")
    text = wu.inner_text()
    assert "吴静" in text and "便民服务代办员" in text and "外出代办" in text
    assert re.search(r"自 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 起", text)
    assert wu.get_by_role("link", name="13852901302").get_attribute("href") == "tel:13852901302"
    assert fits(villager, 390)
    live.shot(villager, "hall-town-390")
