"""In Debian's Chromium, with the network closed to everything but 127.0.0.1."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.support.live import live_portal
from tests.support.sites import REPO

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it", pytrace=False)
    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-quic", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"])
        yield instance
        instance.close()


def test_center_admin_logs_in_in_chinese(browser, database_url: str, demo_site: Path,
                                         tmp_path: Path, request: pytest.FixtureRequest) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    label = request.node.callspec.params["database_url"]
    with live_portal(database_url, demo_site, tmp_path) as (url, password):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
        outside: list[str] = []

        def only_local(route) -> None:
            if urlparse(route.request.url).hostname != "127.0.0.1":
                outside.append(route.request.url)
                route.abort()
            else:
                route.continue_()

        context.route("**/*", only_local)
        page = context.new_page()
        page.goto(url + "/login/")
        assert page.title() == "句容市政务服务中心"
        assert page.get_by_role("button", name="登录").is_visible()
        page.screenshot(path=ARTIFACTS / f"login-{label}.png", full_page=True)

        page.fill("#username", "admin")
        page.fill("#password", password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state("networkidle")
        assert page.locator("a[href$='/logout/']").count() == 1  # logged in
        table = page.locator("table").inner_text()
        assert "句容市政务服务民政分中心" in table and "宝华镇便民服务中心" in table
        page.screenshot(path=ARTIFACTS / f"home-{label}.png", full_page=True)
        context.close()
    assert outside == [], f"requests left 127.0.0.1: {outside}"
