"""In Debian's Chromium, with the network closed to everything but 127.0.0.1."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.support.live import live_portal
from tests.support.sites import REPO

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"

# role -> (login, menus it must see, menus it must not see, the unified name on every page)
ROLES = {
    "admin": ("admin", ["机构", "事项", "办件", "安全"], [], "句容市政务服务中心"),
    "manager": ("mz-manager", ["机构", "事项", "办件"], ["安全"], "句容市政务服务民政分中心"),
    "clerk": ("mz-clerk", ["机构", "事项", "办件"], ["安全"], "句容市政务服务民政分中心"),
    "auditor": ("ws-auditor", ["机构", "事项", "办件"], ["安全"], "句容市政务服务卫生分中心"),
}
FOREIGN = {"manager": "卫生分中心", "clerk": "卫生分中心", "auditor": "民政分中心"}


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


def _context(browser, outside: list[str]):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})

    def only_local(route) -> None:
        if urlparse(route.request.url).hostname != "127.0.0.1":
            outside.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", only_local)
    return context


def _login(page, url: str, username: str, password: str) -> None:
    page.goto(url + "/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("a[href$='/logout/']").count() == 1, f"{username} is logged in"


class Live:
    """A live portal in Debian's Chromium for one test: ``page_as(user)`` opens a signed-in
    page in a context of its own; ``shot(name)`` keeps a screenshot per database."""

    def __init__(self, browser, url: str, password: str, label: str) -> None:
        self.browser, self.url, self.password, self.label = browser, url, password, label
        self.outside: list[str] = []
        self.contexts: list = []

    def page_as(self, username: str):
        context = _context(self.browser, self.outside)
        self.contexts.append(context)
        page = context.new_page()
        _login(page, self.url, username, self.password)
        return page

    def shot(self, page, name: str, full_page: bool = True) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}-{self.label}.png"), full_page=full_page)


@contextmanager
def live(browser, request) -> Iterator[Live]:
    """The demo portal served as `make run` serves it, on the test's database (the test asks
    for ``database_url`` and ``demo_site``, which pytest parametrizes); afterwards, no request
    has left 127.0.0.1."""
    ARTIFACTS.mkdir(exist_ok=True)
    database_url = request.getfixturevalue("database_url")
    site, workdir = request.getfixturevalue("demo_site"), request.getfixturevalue("tmp_path")
    with live_portal(database_url, site, workdir) as (url, password):
        portal = Live(browser, url, password, request.node.callspec.params["database_url"])
        try:
            yield portal
        finally:
            for context in portal.contexts:
                context.close()
    assert portal.outside == [], f"requests left 127.0.0.1: {portal.outside}"


def test_each_role_sees_its_menus_records_and_identity(browser, database_url: str, demo_site: Path,
                                                      tmp_path: Path, request) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    db_label = request.node.callspec.params["database_url"]
    outside: list[str] = []
    with live_portal(database_url, demo_site, tmp_path) as (url, password):
        context = _context(browser, outside)
        page = context.new_page()
        page.goto(url + "/login/")
        assert page.title() == "句容市政务服务中心"
        page.screenshot(path=ARTIFACTS / f"login-{db_label}.png", full_page=True)
        context.close()
        for role, (username, menus, hidden, unified) in ROLES.items():
            context = _context(browser, outside)
            page = context.new_page()
            _login(page, url, username, password)
            navbar = page.locator(".navbar").inner_text()
            for menu in menus:
                assert menu in navbar, (role, menu)
            for menu in hidden:
                assert menu not in navbar, (role, menu)
            identity = page.get_by_test_id("identity")
            assert unified in identity.inner_text(), role
            page.screenshot(path=ARTIFACTS / f"{role}-home-{db_label}.png", full_page=True)

            page.goto(url + "/cases/list/")
            assert unified in page.get_by_test_id("identity").inner_text()
            rows = page.locator("table.table-bordered tbody tr")
            assert rows.count() > 0, role
            listed = page.locator("table.table-bordered").inner_text()
            if role in FOREIGN:
                assert FOREIGN[role] not in listed, role
            page.screenshot(path=ARTIFACTS / f"{role}-cases-{db_label}.png", full_page=True)

            page.locator("table.table-bordered tbody tr").first.locator("a[href*='/cases/show/']").click()
            page.wait_for_load_state("networkidle")
            assert "办件编号" in page.content()
            page.screenshot(path=ARTIFACTS / f"{role}-case-{db_label}.png", full_page=True)

            page.goto(url + "/items/list/")
            page.locator("a[href*='/items/show/']").first.click()
            page.wait_for_load_state("networkidle")
            disclosures = page.get_by_test_id("disclosures")
            for tab in ("设立依据", "申报条件", "申报材料", "办理流程", "办理期限", "办结方式", "收费标准"):
                assert tab in disclosures.inner_text()
            disclosures.get_by_role("tab", name="申报材料").click()
            assert disclosures.locator(".tab-pane.active table").count() == 1
            page.screenshot(path=ARTIFACTS / f"{role}-item-{db_label}.png", full_page=True)
            if role == "manager":
                _manager_edits_the_phone(page, url, db_label)
            context.close()
    assert outside == [], f"requests left 127.0.0.1: {outside}"


def _manager_edits_the_phone(page, url: str, db_label: str) -> None:
    """A wrong phone is refused at its field with what was typed kept; a right one publishes."""
    page.goto(url + "/subcenters/list/")
    page.locator("a[href*='/subcenters/edit/']").first.click()
    page.fill("#phone", "87-28")
    page.fill("#address", "江苏省句容市华阳北路56号民政服务大厅二楼")
    page.locator("button[type=submit], input[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    assert page.input_value("#phone") == "87-28"
    assert page.input_value("#address") == "江苏省句容市华阳北路56号民政服务大厅二楼"
    assert "schema.E028" in page.content()
    page.screenshot(path=ARTIFACTS / f"manager-edit-refused-{db_label}.png", full_page=True)
    page.fill("#phone", "0511-87280999")
    page.locator("button[type=submit], input[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    assert "已发布为第 2 版" in page.content()
    page.screenshot(path=ARTIFACTS / f"manager-edit-published-{db_label}.png", full_page=True)
    page.goto(url + "/clerks/list/")
    listed = page.locator("table.table-bordered").inner_text()
    assert "mz-clerk" in listed and "ws-clerk" not in listed
    page.goto(url + "/clerks/add")
    options = page.locator("#windows option").all_inner_texts()
    assert options and all(o.startswith("MZ") for o in options)
    page.screenshot(path=ARTIFACTS / f"manager-clerk-add-{db_label}.png", full_page=True)
