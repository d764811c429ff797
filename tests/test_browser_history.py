"""The site's history in Debian's Chromium: a manager's browser edit is a version the center admin
reads (who, when, from where), compares with the one before in Chinese, and restores; the
manager reads the history without a way to restore. And a page that does not exist says so in
Chinese, with the navigation to go on."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PHONE = "0511-87281234"


def test_the_center_admin_compares_a_browser_edit_and_restores_the_version_before(live) -> None:
    url = live.url
    boss = live.page_as("mz-manager")
    boss.goto(url + "/subcenters/list/")
    with boss.expect_navigation():
        boss.locator("a[href*='/subcenters/edit/']").first.click()
    old_phone = boss.input_value("#phone")
    boss.fill("#phone", PHONE)
    with boss.expect_navigation():
        boss.locator("form:not(.portal-logout) [type=submit]").first.click()
    edited = live.server.site_version()
    assert f"已发布为第 {edited} 版" in boss.content()

    admin = live.page_as("admin")
    admin.goto(url + "/site-versions/")
    newest = admin.locator(f"[data-testid=site-versions] tr[data-version='{edited}']")
    assert "mz-manager" in newest.inner_text() and "浏览器" in newest.inner_text()
    assert "当前" in newest.inner_text()
    live.shot(admin, "site-versions")
    with admin.expect_navigation():
        newest.get_by_role("link", name=f"与第{edited - 1}版比较").click()
    diff = admin.locator("[data-testid=site-diff]")
    changed = diff.locator("tr", has_text=PHONE)
    assert changed.count() == 1 and old_phone in changed.inner_text()
    assert "电话（phone）" in changed.inner_text()  # the key by its Chinese label (and its YAML name)
    live.shot(admin, "site-version-diff")

    admin.goto(url + "/site-versions/")
    with admin.expect_navigation():
        admin.get_by_test_id(f"restore-{edited - 1}").click()
    assert f"第{edited - 1}版已重新成为当前版本" in admin.content()
    assert live.server.site_version() == edited - 1
    live.shot(admin, "site-version-restored")
    boss.goto(url + "/subcenters/list/")
    assert PHONE not in boss.content() and old_phone in boss.content()

    boss.goto(url + "/site-versions/")
    assert boss.locator("[data-testid=site-versions] tr[data-version]").count() >= 2
    assert boss.locator("[data-testid^=restore-]").count() == 0  # reading, not restoring
    live.shot(boss, "site-versions-manager")


def test_a_missing_page_says_so_in_chinese_with_the_way_on(live) -> None:
    clerk = live.page_as("mz-clerk")
    response = clerk.goto(live.url + "/no-such-page")
    assert response.status == 404
    assert clerk.evaluate("document.documentElement.lang") == "zh-CN"
    body = clerk.locator("body").inner_text()
    assert "Not Found" not in body and "页面" in body
    assert clerk.get_by_role("link", name="首页").get_attribute("href").rstrip("/") in ("", live.url)
    assert clerk.get_by_test_id("find-box").is_visible()  # the navigation bar is there
    live.shot(clerk, "not-found")
