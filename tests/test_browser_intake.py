"""A clerk at the counter, in Debian's Chromium: choose an item, fill the form by keyboard,
see the rules act, get refused without losing anything, submit."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from portal.forms import expr

pytestmark = pytest.mark.browser


def _type(page, selector: str, text: str) -> None:
    page.focus(selector)
    page.keyboard.type(text)
    page.keyboard.press("Enter")  # moves to the next field, never submits


def test_a_clerk_fills_the_dibao_form_by_keyboard(live) -> None:
    page = live.page_as("mz-clerk")
    page.goto(live.url + "/intake/")
    assert page.evaluate("document.activeElement.id") == "portal-filter"
    page.keyboard.type("最低生活")  # part of 城乡最低生活保障对象认定
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "城乡最低生活保障申请表" in page.inner_text("h2")
    # the cursor starts in the first field; Enter walks on
    assert page.evaluate("document.activeElement.name") == "applicant_name"
    page.keyboard.type("王秀英")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "id_number"
    page.keyboard.type("11010519491231002X")
    _type(page, "[name=mobile]", "13912345678")
    _type(page, "[name=address]", "句容市华阳镇人民路1号")
    page.check("[name=hukou][value=城镇]")
    page.select_option("[name=marital]", "丧偶")

    agent = page.locator("[data-section=agent]")
    assert agent.is_hidden()
    page.check("[name=by_agent][value=yes]")
    assert agent.is_visible()
    page.check("[name=by_agent][value=no]")
    assert agent.is_hidden()

    _type(page, "[name='members-0-name']", "王秀英")
    _type(page, "[name='members-0-id_number']", "11010519491231002X")
    page.select_option("[name='members-0-relation']", "本人")
    _type(page, "[name='members-0-income']", "650")
    page.click(".portal-row-add[data-table=members]")
    row = page.locator("table[data-table=members] tbody tr").nth(1)
    assert page.evaluate("document.activeElement.name").endswith("-name")  # the new row
    page.keyboard.type("李四")
    row.locator("[name$='-relation']").select_option("配偶")
    row.locator("[name$='-income']").fill("350")
    assert page.input_value("[name=total_income]") == "1000.00"
    assert page.input_value("[name=per_capita]") == "500.00"

    note = page.locator("[data-field=property_note]")
    assert note.is_hidden()
    page.check("[name=has_property][value=yes]")
    assert note.is_visible() and note.locator(".portal-required").is_visible()
    _type(page, "[name=savings]", "3000")
    page.fill("[name=reason]", "年老体弱，无固定收入")
    page.check("[name=large_spending][value=no]")
    live.shot(page, "intake-filled")

    # Ctrl+Enter submits: the spouse has no id number and the note is empty -> refused
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert "申请未保存" in page.content()
    assert page.input_value("[name=applicant_name]") == "王秀英"
    assert page.input_value("[name='members-1-name']") == "李四"
    assert page.input_value("[name=per_capita]") == "500.00"
    errors = page.locator(".has-error")
    assert errors.count() >= 2
    assert page.evaluate("document.activeElement.closest('.has-error') !== null")
    live.shot(page, "intake-refused")

    page.fill("[name='members-1-id_number']", "11010519491231002X")
    page.fill("[name=property_note]", "商铺一套，已出租")
    with page.expect_navigation():
        page.click("#portal-submit")
    assert "已提交" in page.content() and "王秀英" in page.content()
    live.shot(page, "intake-submitted")


PARITY = [
    "has_property and per_capita < 900", "round(sum(members.income) / count(members), 2)",
    "'视力' in kinds", "kinds in ['听力', '言语']", "missing + 1 == null", "missing > 3",
    "income / 0 == null", "len(name) == 2", "income if has_property else 0", "empty(name)",
    "max(members.income) - min(members.income)", "not has_property or income >= 900",
]


def test_the_browser_evaluates_every_expression_as_the_server_does(live) -> None:
    values = {"has_property": True, "per_capita": 800, "income": 800, "name": "张三",
              "kinds": ["视力", "听力"], "missing": None,
              "members": [{"income": 1000}, {"income": None}, {"income": 501}]}
    server = [expr.evaluate(expr.parse(t), values) for t in PARITY]
    page = live.page_as("mz-clerk")
    page.goto(live.url + "/intake/")
    with page.expect_navigation():
        page.locator(".portal-choose a").first.click()
    trees = json.dumps([expr.parse(t) for t in PARITY])
    browser_values = page.evaluate(
        f"(v) => JSON.parse(JSON.stringify({trees}.map(t => window.portalForms.evaluate(t, v))))",
        values)  # (through JSON: an exact decimal travels as its text)
    for text, ours, theirs in zip(PARITY, server, browser_values, strict=True):
        if isinstance(ours, Decimal):
            assert Decimal(str(theirs)) == ours, text
        else:
            assert theirs == ours, text


def test_the_whole_form_is_filled_without_the_mouse(live) -> None:
    page = live.page_as("mz-clerk")
    page.goto(live.url + "/intake/")
    page.keyboard.type("最低生活")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    keys = page.keyboard

    def field(text: str | None = None, then: str = "Enter") -> None:
        if text:
            keys.type(text)
        keys.press(then)

    field("王秀英")                      # 申请人姓名
    field("11010519491231002X")          # 居民身份证号码
    field("13912345678")                 # 手机号码
    field()                              # 固定电话: optional, skipped
    field("句容市华阳镇人民路1号")        # 户籍地址
    keys.press("Space")                  # 户籍类型: 城镇
    field()
    for _ in range(4):                   # 婚姻状况: — 未婚 已婚 离异 丧偶
        keys.press("ArrowDown")
    field()
    keys.press("ArrowRight")             # 是否委托代理人办理: 否
    field()
    field("王秀英")                      # the first household member
    field("11010519491231002X")
    keys.press("ArrowDown")              # 与申请人关系: 本人
    field()
    field()                              # 健康状况: optional
    field("650")                         # 月收入 -> on to the next field, past the row buttons
    keys.press("ArrowRight")             # 其他房产、车辆: 否
    field()
    field("3000")                        # 存款
    field("年老体弱，无固定收入", then="Tab")  # 申请理由 (a text area keeps Enter)
    keys.press("ArrowRight")             # 大额消费: 否
    assert page.input_value("[name=per_capita]") == "650.00"
    with page.expect_navigation():
        keys.press("Control+Enter")
    assert "已提交" in page.content(), page.locator(".has-error").all_inner_texts()


def test_an_item_is_found_by_the_word_people_use_and_the_exact_one_comes_first(live) -> None:
    """低保 is in the bundle's name (社会救助“一件事”（低保认定…）) and is the keyword of
    城乡最低生活保障对象认定: the item called 低保 comes first, and Enter opens it."""
    page = live.page_as("mz-clerk")
    page.goto(live.url + "/intake/")
    page.keyboard.type("低保")
    shown = [row.get_attribute("data-name") for row in
             page.locator(".portal-choose tbody tr[data-name]:visible").all()]
    assert shown[0] == "城乡最低生活保障对象认定" and any("一件事" in name for name in shown[1:])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "城乡最低生活保障申请表" in page.inner_text("h2")
    page.goto(live.url + "/intake/")
    page.keyboard.type("五保")
    shown = [row.get_attribute("data-name") for row in
             page.locator(".portal-choose tbody tr[data-name]:visible").all()]
    assert shown == ["特困人员（五保）救助供养认定"]


def test_the_browser_gives_every_golden_result_and_agrees_with_the_server(live) -> None:
    from tests.test_expression_parity import ANY, GOLDEN, same, server_results

    page = live.page_as("mz-clerk")
    page.goto(live.url + "/intake/")
    with page.expect_navigation():
        page.locator(".portal-choose a").first.click()
    trees = json.dumps([expr.parse(text) for text, _ in GOLDEN["cases"]])
    found = page.evaluate(
        f"(v) => JSON.parse(JSON.stringify({trees}.map(t => window.portalForms.evaluate(t, v))))",
        GOLDEN["values"])
    for (text, want), theirs, ours in zip(GOLDEN["cases"], found, server_results(), strict=True):
        theirs = Decimal(theirs) if isinstance(ours, Decimal) and isinstance(theirs, str) else theirs
        assert theirs == ours, (text, theirs, ours)
        assert want == ANY or same(theirs, want), (text, theirs)


def test_at_phone_width_the_pages_fit_and_a_wide_table_scrolls_in_its_box(live) -> None:
    """At 390 px (a phone): the intake form with its household table, the worklist and a case
    page are no wider than the screen; the household table scrolls sideways in its own box."""
    page = live.page_as("mz-clerk")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live.url + "/intake/")
    page.keyboard.type("最低生活")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    box = page.locator(".portal-table-box").first
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert box.evaluate("(b) => b.scrollWidth > b.clientWidth")  # the table scrolls, not the page
    live.shot(page, "intake-390")
    for path in ("/worklist/", "/cases/list/"):
        page.goto(live.url + path)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, path
    page.goto(live.url + "/cases/list/")
    case = page.locator("a[href*='/cases/show/']").first
    with page.expect_navigation():
        case.click()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    live.shot(page, "case-390")
