"""In Debian's Chromium, with the network closed to everything but 127.0.0.1."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# role -> (login, menus it must see, menus it must not see, the unified name on every page)
ROLES = {
    "admin": ("admin", ["机构", "事项", "办件", "安全"], [], "句容市政务服务中心"),
    "manager": ("mz-manager", ["机构", "事项", "办件"], ["安全"], "句容市政务服务民政分中心"),
    "clerk": ("mz-clerk", ["机构", "事项", "办件"], ["安全"], "句容市政务服务民政分中心"),
    "auditor": ("ws-auditor", ["机构", "事项", "办件"], ["安全"], "句容市政务服务卫生分中心"),
}
FOREIGN = {"manager": "卫生分中心", "clerk": "卫生分中心", "auditor": "民政分中心"}


def test_each_role_sees_its_menus_records_and_identity(live) -> None:
    page = live.page()
    page.goto(live.url + "/login/")
    assert page.title() == "登录 - 句容市政务服务中心"  # the page, then the center
    live.shot(page, "login")
    for role, (username, menus, hidden, unified) in ROLES.items():
        page = live.page_as(username)
        navbar = page.locator(".navbar").inner_text()
        for menu in menus:
            assert menu in navbar, (role, menu)
        for menu in hidden:
            assert menu not in navbar, (role, menu)
        identity = page.get_by_test_id("identity")
        assert unified in identity.inner_text(), role
        live.shot(page, f"{role}-home")

        page.goto(live.url + "/cases/list/")
        assert unified in page.get_by_test_id("identity").inner_text()
        rows = page.locator("table.table-bordered tbody tr")
        assert rows.count() > 0, role
        listed = page.locator("table.table-bordered").inner_text()
        if role in FOREIGN:
            assert FOREIGN[role] not in listed, role
        live.shot(page, f"{role}-cases")

        with page.expect_navigation():
            page.locator("table.table-bordered tbody tr").first.locator("a[href*='/cases/show/']").click()
        assert "办件编号" in page.content()
        live.shot(page, f"{role}-case")

        page.goto(live.url + "/items/list/")
        with page.expect_navigation():
            page.locator("a[href*='/items/show/']").first.click()
        disclosures = page.get_by_test_id("disclosures")
        for tab in ("设立依据", "申报条件", "申报材料", "办理流程", "办理期限", "办结方式", "收费标准"):
            assert tab in disclosures.inner_text()
        disclosures.get_by_role("tab", name="申报材料").click()
        assert disclosures.locator(".tab-pane.active table").count() == 1
        live.shot(page, f"{role}-item")
        if role == "manager":
            _manager_edits_the_phone(live, page)


def _manager_edits_the_phone(live, page) -> None:
    """A wrong phone is refused at its field with what was typed kept; a right one publishes
    the next site version."""
    page.goto(live.url + "/subcenters/list/")
    page.locator("a[href*='/subcenters/edit/']").first.click()
    page.fill("#phone", "87-28")
    page.fill("#address", "江苏省句容市华阳北路56号民政服务大厅二楼")
    with page.expect_navigation():
        page.locator("form:not(.portal-logout) [type=submit]").first.click()
    assert page.input_value("#phone") == "87-28"
    assert page.input_value("#address") == "江苏省句容市华阳北路56号民政服务大厅二楼"
    assert "schema.E028" in page.content()
    live.shot(page, "manager-edit-refused")
    before = live.server.site_version()
    page.fill("#phone", "0511-87280999")
    with page.expect_navigation():
        page.locator("form:not(.portal-logout) [type=submit]").first.click()
    assert f"已发布为第 {before + 1} 版" in page.content()
    live.shot(page, "manager-edit-published")
    page.goto(live.url + "/clerks/list/")
    listed = page.locator("table.table-bordered").inner_text()
    assert "mz-clerk" in listed and "ws-clerk" not in listed
    page.goto(live.url + "/clerks/add")
    options = page.locator("#windows option").all_inner_texts()
    assert options and all(o.startswith("MZ") for o in options)
    live.shot(page, "manager-clerk-add")


def test_the_pages_keep_to_their_content_security_policy(live) -> None:
    """The control of the check every browser test ends with: a script slipped into a page
    without the request's nonce does not run, and Chromium's report reaches the test."""
    page = live.page_as("ws-clerk")
    page.goto(live.url + "/worklist/")
    page.evaluate("() => { const s = document.createElement('script');"
                  " s.textContent = 'window.injected = 1'; document.body.appendChild(s); }")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.injected") is None
    assert any(v.startswith("script-src") for v in live.violations), live.violations
    live.violations.clear()
    for path in ("/cases/list/", "/intake/", "/reports/monthly", "/documents/batch", "/resetmypassword/form"):
        page.goto(live.url + path)
    assert page.locator("form[action$='/logout/']").count() == 1


def test_a_keyboard_user_skips_to_the_content_and_sees_where_the_focus_is(live) -> None:
    """The first Tab reaches 跳到正文, shown while focused; Enter moves to the page's content; the
    focus on the dark navbar is drawn (Bootstrap 3 draws none there)."""
    page = live.page_as("ws-clerk")
    page.goto(live.url + "/worklist/")
    page.keyboard.press("Tab")
    skip = page.locator("a.portal-skip")
    assert page.evaluate("() => document.activeElement.className") == "portal-skip"
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and skip.inner_text() == "跳到正文"
    live.shot(page, "skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "portal-main"
    page.keyboard.press("Tab")  # the first control of the content, not the navbar again
    assert page.evaluate("() => !!document.activeElement.closest('.navbar')") is False
    brand = page.locator(".navbar a").first
    brand.focus()
    outline = page.evaluate("(el) => getComputedStyle(el).outlineStyle", brand.element_handle())
    assert outline == "solid"
    live.shot(page, "navbar-focus")
