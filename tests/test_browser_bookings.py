"""网上预约 in Debian's Chromium on a 390 px phone: from an item's page to a period, the form
filled with the keyboard, the booking code, the booking looked up and cancelled — every page
fitting the phone, and axe-core (run in the page) finding no serious or critical problem on any
of them."""

from __future__ import annotations

import pytest

from tests.support.browser import axe_problems
from tests.test_browser_day import fits

pytestmark = pytest.mark.browser

WIDTH = 390
PERSON = {"申请人姓名": "王秀英", "居民身份证号码": "11010519491231002X", "手机或电话号码": "13912345678"}


def _book(page, url: str) -> str:
    """Book the first free period of 城乡低保 at 民政 with the keyboard; the booking code."""
    page.goto(url + "/hall/mz/mz-dibao")
    with page.expect_navigation():
        page.get_by_role("link", name="网上预约", exact=True).last.click()
    assert page.locator("h1").inner_text() == "预约办理"
    first = page.locator("[data-testid=slots] input[type=radio]:not([disabled])").first
    first.focus()
    page.keyboard.press("Space")  # a radio is chosen from the keyboard
    assert first.is_checked()
    for label, value in PERSON.items():
        page.get_by_label(label).fill(value)
    with page.expect_navigation():
        page.get_by_label("手机或电话号码").press("Enter")  # Enter submits the form
    return page.locator("[data-testid=booked-code]").inner_text()



def test_an_applicant_books_looks_up_and_cancels_an_appointment_on_a_phone(live) -> None:
    page = live.page()
    page.set_viewport_size({"width": WIDTH, "height": 860})
    page.goto(live.url + "/hall/mz/mz-dibao/book")
    assert "剩余" in page.inner_text("[data-testid=slots]") and fits(page, WIDTH)
    live.shot(page, f"booking-periods-{WIDTH}")

    # a refused form comes back with what was typed and the errors at their fields
    page.get_by_label("申请人姓名").fill("王秀英")
    page.get_by_label("居民身份证号码").fill("110105194912310021")
    with page.expect_navigation():
        page.get_by_role("button", name="提交预约").click()
    assert "预约未成功" in page.inner_text("main") and fits(page, WIDTH)
    assert page.get_by_label("申请人姓名").input_value() == "王秀英"
    live.shot(page, f"booking-refused-{WIDTH}")

    code = _book(page, live.url)
    answer = page.inner_text("main")
    assert len(code) == 8 and "预约成功" in answer and "MZ01 社会救助窗口" in answer and fits(page, WIDTH)
    live.shot(page, f"booking-code-{WIDTH}")

    with page.expect_navigation():
        page.get_by_role("link", name="查询或取消预约").click()
    page.get_by_label("预约码").fill(code.lower())
    page.get_by_label("申请人身份证号码后六位，或申请时留的手机号码").fill("31002x")
    with page.expect_navigation():
        page.get_by_role("button", name="查询", exact=True).click()
    found = page.inner_text("[data-testid=answer]")
    assert code in found and "已预约" in found and fits(page, WIDTH)
    live.shot(page, f"booking-found-{WIDTH}")

    with page.expect_navigation():
        page.get_by_role("button", name="取消预约").click()
    done = page.inner_text("[data-testid=answer]")
    assert "预约已取消" in done and "已取消" in done
    assert page.get_by_role("button", name="取消预约").count() == 0
    assert fits(page, WIDTH)
    live.shot(page, f"booking-cancelled-{WIDTH}")


def test_axe_finds_no_serious_problem_on_the_appointment_pages(live, browser) -> None:
    # axe is put into the page as a script of its own: this context lets the page's CSP pass it
    context = browser.new_context(locale="zh-CN", bypass_csp=True, viewport={"width": WIDTH, "height": 860})
    live.contexts.append(context)
    page = context.new_page()
    found = {}
    page.goto(live.url + "/hall/mz/mz-dibao/book")
    found["periods"] = axe_problems(page)
    with page.expect_navigation():
        page.get_by_role("button", name="提交预约").click()  # nothing filled in: every error shown
    found["refused"] = axe_problems(page)
    code = _book(page, live.url)
    found["booked"] = axe_problems(page)
    page.goto(live.url + "/hall/appointments")
    page.get_by_label("预约码").fill(code)
    page.get_by_label("申请人身份证号码后六位，或申请时留的手机号码").fill("13912345678")
    with page.expect_navigation():
        page.get_by_role("button", name="查询", exact=True).click()
    found["found"] = axe_problems(page)
    page.get_by_label("预约码").fill("ABCDEFGH")
    page.get_by_label("申请人身份证号码后六位，或申请时留的手机号码").fill("000000")
    with page.expect_navigation():
        page.get_by_role("button", name="查询", exact=True).click()
    found["not found"] = axe_problems(page)
    assert found == {name: [] for name in found}
