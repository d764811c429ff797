"""The form designer in Debian's Chromium: a manager adds a field and publishes; a clerk fills it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_browser import browser, live  # noqa: F401 - fixture

pytestmark = pytest.mark.browser


def test_a_field_added_in_the_designer_is_filled_by_a_clerk(browser, database_url: str,  # noqa: F811
                                                            demo_site: Path, request) -> None:
    with live(browser, request) as portal:
        page = portal.page_as("mz-manager")
        page.click("text=机构")
        with page.expect_navigation():
            page.click("text=申请表设计")
        with page.expect_navigation():
            page.click("text=城乡最低生活保障申请表")
        structure = page.get_by_test_id("designer-structure")
        assert "统一" in structure.inner_text()  # locked fields show as locked
        editor = page.get_by_test_id("field-editor")
        assert editor.locator("[data-editor=options]").is_hidden()  # a text field has no options
        editor.locator("[name=type]").select_option("choice")
        assert editor.locator("[data-editor=options]").is_visible()
        editor.locator("[name=type]").select_option("text")
        editor.locator("[name=name]").fill("bank_account")
        editor.locator("[name=label]").fill("低保金发放银行账号")
        editor.locator("[name=section]").select_option("household")
        editor.locator("[name=required]").check()
        editor.locator("[name=max_length]").fill("30")
        with page.expect_navigation():
            editor.get_by_role("button", name="保存字段").click()
        preview = page.get_by_test_id("designer-preview")
        assert "低保金发放银行账号" in preview.inner_text()
        assert "没有问题" in page.get_by_test_id("designer-problems").inner_text()
        portal.shot(page, "designer")

        # a rule with a typo: the problem shows with its path, publishing is blocked
        with page.expect_navigation():  # choosing a field keeps the unpublished changes
            page.click("[data-testid=designer-structure] [data-field=bank_account] .portal-design-select")
        editor = page.get_by_test_id("field-editor")
        assert editor.locator("[name=label]").input_value() == "低保金发放银行账号"
        editor.locator("[name=visible_if]").fill("has_propety")
        with page.expect_navigation():
            editor.get_by_role("button", name="保存字段").click()
        problems = page.get_by_test_id("designer-problems").inner_text()
        assert "schema.E072" in problems and "has_property" in problems
        assert page.get_by_role("button", name="发布").is_disabled()
        portal.shot(page, "designer-problem")
        with page.expect_navigation():
            page.click("[data-testid=designer-structure] [data-field=bank_account] .portal-design-select")
        page.get_by_test_id("field-editor").locator("[name=visible_if]").fill("")
        with page.expect_navigation():
            page.get_by_test_id("field-editor").get_by_role("button", name="保存字段").click()
        with page.expect_navigation():
            page.get_by_role("button", name="发布").click()
        assert "已发布" in page.content() and "v2 · mz" in page.content()

        page = portal.page_as("mz-clerk")
        page.goto(portal.url + "/intake/")
        with page.expect_navigation():
            page.click("text=城乡最低生活保障对象认定")
        assert "v2 · mz" in page.inner_text("h2")
        field = page.locator("[data-field=bank_account]")
        assert field.is_visible() and field.locator(".portal-required").is_visible()
        page.fill("[name=bank_account]", "6217000000001234567")
        with page.expect_navigation():
            page.click("#portal-submit")
        assert page.input_value("[name=bank_account]") == "6217000000001234567"  # kept on refusal
        portal.shot(page, "designer-clerk")
