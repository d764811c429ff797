"""网上投诉 in Debian's Chromium on a 390 px phone: a visitor files a complaint from the hall's
front door and gets a tracking number, the sub-center's manager answers it on the 投诉 screen,
the visitor reads the answer with the number and their phone — and axe-core finds no serious or
critical problem on the pages of complaints and questions, a rejected form's included."""

from __future__ import annotations

import re

import pytest

from tests.support.browser import axe_problems
from tests.test_browser_day import fits

pytestmark = pytest.mark.browser

PHONE = "１３９ １２３４ ５６７８"  # typed with a phone's input method: full-width, spaced


def _phone(page, width: int = 390):
    page.set_viewport_size({"width": width, "height": 860})
    return page


def test_a_complaint_is_filed_answered_and_read_back_on_a_phone(live) -> None:
    url = live.url
    visitor = _phone(live.page())
    visitor.goto(url + "/")
    visitor.get_by_role("link", name="我要投诉").click()
    visitor.get_by_label("分中心").select_option(label="句容市政务服务民政分中心")
    with visitor.expect_navigation():
        visitor.get_by_role("button", name="下一步").click()
    assert "句容市政务服务民政分中心" in visitor.inner_text("main") and fits(visitor)
    visitor.get_by_label("窗口（如知道）").select_option("MZ01")
    visitor.get_by_label("投诉内容").fill("窗口人员让我回家补材料，却没有一次性告知缺什么，跑了三趟。")
    visitor.get_by_label("手机或电话号码").fill("139123")  # one digit short of anything
    with visitor.expect_navigation():
        visitor.get_by_role("button", name="提交投诉").click()
    assert "请填写手机号码" in visitor.inner_text("main") and fits(visitor)
    assert "跑了三趟" in visitor.get_by_label("投诉内容").input_value()  # what was typed stays
    live.shot(visitor, "hall-complaint-refused-390")
    phone = visitor.get_by_label("手机或电话号码")
    phone.fill(PHONE)
    phone.focus()
    with visitor.expect_navigation():
        visitor.keyboard.press("Enter")  # sent from the keyboard
    number = visitor.locator("[data-testid=tracking-number]").inner_text().strip()
    assert re.fullmatch(r"TS[2-9A-HJ-NP-Z]{10}", number) and fits(visitor)
    live.shot(visitor, "hall-complaint-received-390")

    manager = live.page_as("mz-manager")
    manager.goto(f"{url}/complaints/list/?_flt_0_tracking_number={number}")
    with manager.expect_navigation():
        manager.locator("a[href*='/complaints/edit/']").first.click()
    assert "跑了三趟" in manager.inner_text("body")  # the complaint, shown to be answered
    manager.get_by_label("答复（公开）").fill("经核实，窗口已按一次性告知制度整改，感谢您的监督。")
    manager.get_by_label("处理情况").fill("内部：约谈MZ01窗口人员")
    live.shot(manager, "hall-complaint-reply-form-staff")
    with manager.expect_navigation():
        manager.get_by_role("button", name="保存").click()
    live.shot(manager, "hall-complaint-answered-staff")

    visitor.get_by_role("link", name="查询答复").click()
    visitor.get_by_label("查询编号").fill(number.lower())
    visitor.get_by_label("您留的电话号码").fill(PHONE)
    with visitor.expect_navigation():
        visitor.get_by_role("button", name="查询").click()
    answer = visitor.locator("[data-testid=answer]").inner_text()
    assert "已答复" in answer and "一次性告知制度整改" in answer and "约谈" not in answer
    assert fits(visitor)
    live.shot(visitor, "hall-complaint-lookup-390")



def test_axe_finds_no_serious_problem_on_the_complaint_and_question_pages(live, browser) -> None:
    context = browser.new_context(locale="zh-CN", bypass_csp=True, viewport={"width": 390, "height": 860})
    live.contexts.append(context)
    page = context.new_page()
    found = {}
    for path in ("/hall/complaint", "/hall/complaint?sub=mz&item=mz-dibao", "/hall/consultation?sub=ws",
                 "/hall/messages"):
        page.goto(live.url + path)
        found[path] = axe_problems(page)
    page.goto(live.url + "/hall/consultation?sub=mz")
    with page.expect_navigation():
        page.get_by_role("button", name="提交咨询").click()  # empty: every error shown
    found["rejected"] = axe_problems(page)
    page.get_by_label("咨询内容").fill("低保每月什么时候发放？")
    page.get_by_label("手机或电话号码").fill("13912345678")
    with page.expect_navigation():
        page.get_by_role("button", name="提交咨询").click()
    number = page.locator("[data-testid=tracking-number]").inner_text().strip()
    found["received"] = axe_problems(page)
    page.goto(live.url + "/hall/messages")
    page.get_by_label("查询编号").fill(number)
    page.get_by_label("您留的电话号码").fill("13912345678")
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    assert "待答复" in page.locator("[data-testid=answer]").inner_text()
    found["answer"] = axe_problems(page)
    assert found == {path: [] for path in found}
