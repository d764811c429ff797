"""The form designer in Debian's Chromium: a manager adds a field and publishes; a clerk fills it.

On the 特困人员 form, which no other browser test fills: the live portal is shared."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_a_field_added_in_the_designer_is_filled_by_a_clerk(live) -> None:
    page = live.page_as("mz-manager")
    page.click("text=机构")
    with page.expect_navigation():
        page.click("text=申请表设计")
    with page.expect_navigation():
        page.click("text=特困人员（五保）救助供养认定申请表")
    structure = page.get_by_test_id("designer-structure")
    assert "统一" in structure.inner_text()  # locked fields show as locked
    editor = page.get_by_test_id("field-editor")
    assert editor.locator("[data-editor=options]").is_hidden()  # a text field has no options
    editor.locator("[name=type]").select_option("choice")
    assert editor.locator("[data-editor=options]").is_visible()
    editor.locator("[name=type]").select_option("text")
    editor.locator("[name=name]").fill("bank_account")
    editor.locator("[name=label]").fill("供养金发放银行账号")
    editor.locator("[name=section]").select_option("details")
    editor.locator("[name=required]").check()
    editor.locator("[name=max_length]").fill("30")
    with page.expect_navigation():
        editor.get_by_role("button", name="保存字段").click()
    preview = page.get_by_test_id("designer-preview")
    assert "供养金发放银行账号" in preview.inner_text()
    assert "没有问题" in page.get_by_test_id("designer-problems").inner_text()
    live.shot(page, "designer")

    # a rule with a typo: the problem shows with its path, publishing is blocked
    with page.expect_navigation():  # choosing a field keeps the unpublished changes
        page.click("[data-testid=designer-structure] [data-field=bank_account] .portal-design-select")
    editor = page.get_by_test_id("field-editor")
    assert editor.locator("[name=label]").input_value() == "供养金发放银行账号"
    editor.locator("[name=visible_if]").fill("no_suport")
    with page.expect_navigation():
        editor.get_by_role("button", name="保存字段").click()
    problems = page.get_by_test_id("designer-problems").inner_text()
    assert "schema.E072" in problems and "no_support" in problems
    assert page.get_by_role("button", name="发布").is_disabled()
    live.shot(page, "designer-problem")
    with page.expect_navigation():
        page.click("[data-testid=designer-structure] [data-field=bank_account] .portal-design-select")
    page.get_by_test_id("field-editor").locator("[name=visible_if]").fill("")
    with page.expect_navigation():
        page.get_by_test_id("field-editor").get_by_role("button", name="保存字段").click()
    with page.expect_navigation():
        page.get_by_role("button", name="发布").click()
    assert "已发布" in page.content() and "v1 · mz" in page.content()

    page = live.page_as("mz-clerk")
    page.goto(live.url + "/intake/")
    with page.expect_navigation():
        page.click("text=特困人员（五保）救助供养认定")
    assert "v1 · mz" in page.inner_text("h2")
    field = page.locator("[data-field=bank_account]")
    assert field.is_visible() and field.locator(".portal-required").is_visible()
    page.fill("[name=bank_account]", "6217000000001234567")
    with page.expect_navigation():
        page.click("#portal-submit")
    assert page.input_value("[name=bank_account]") == "6217000000001234567"  # kept on refusal
    live.shot(page, "designer-clerk")
