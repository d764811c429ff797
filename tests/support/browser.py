"""Browser tests: Debian's Chromium, driven by Playwright, against one live portal per database.

The portal is set up and served the way `make run` does it, once per database kind and run
(``Testbed.live``); each test (``live``) signs in as the users it needs in browser contexts of its
own, makes its own records, and leaves nothing that another test relies on. Every request the
pages make must stay on 127.0.0.1, and no page may break the portal's Content-Security-Policy
(Chromium reports each violation to the page, which reports it to the test).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa

from tests.support.sites import REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Browser tests live in files of this name and carry the mark `browser`; under pytest-xdist
# they all run on one worker (tests/conftest.py), which starts Chromium and the live portals once.
BROWSER_TESTS = "tests/test_browser"
ARTIFACTS = REPO / "test-artifacts"


# reports every CSP violation of a page (an inline script without the nonce, a foreign source)
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.portalCspViolation(e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
                            " on " + document.location.pathname);
});
"""


@dataclass
class LiveServer:
    """The demo portal serving one database: its address, password and database."""

    url: str
    password: str
    database_url: str
    label: str  # the database kind, in screenshot names

    def site_version(self) -> int:
        """The number of the site version published last."""
        engine = sa.create_engine(self.database_url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                return conn.scalar(sa.text(
                    "SELECT v.number FROM site_version v JOIN site_publication p ON p.version_id = v.id "
                    "ORDER BY p.id DESC LIMIT 1"))
        finally:
            engine.dispose()


@dataclass
class Live:
    """The live portal for one test: ``page_as(user)`` opens a signed-in page in a browser
    context of its own; ``shot(page, name)`` keeps a screenshot per database."""

    browser: object
    server: LiveServer
    outside: list[str] = field(default_factory=list)
    contexts: list = field(default_factory=list)
    violations: list[str] = field(default_factory=list)  # CSP violations Chromium reported

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def password(self) -> str:
        return self.server.password

    def context(self):
        context = self.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})

        def only_local(route) -> None:
            where = urlparse(route.request.url)
            # Chromium's own pages (its PDF viewer) are the browser's, not the network's
            if where.scheme not in ("chrome", "chrome-extension") and where.hostname != "127.0.0.1":
                self.outside.append(route.request.url)
                route.abort()
            else:
                route.continue_()

        context.route("**/*", only_local)
        context.expose_binding("portalCspViolation", lambda source, text: self.violations.append(text))
        context.add_init_script(CSP_WATCH)
        self.contexts.append(context)
        return context

    def page(self):
        """A new page, signed in as nobody."""
        return self.context().new_page()

    def page_as(self, username: str):
        page = self.page()
        page.goto(self.url + "/login/")
        page.fill("#username", username)
        page.fill("#password", self.password)
        with page.expect_navigation():
            page.get_by_role("button", name="登录").click()
        assert page.locator("form[action$='/logout/']").count() == 1, f"{username} is logged in"
        return page

    def shot(self, page, name: str, full_page: bool = True) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}-{self.server.label}.png"), full_page=full_page)


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the run; each test opens contexts of its own."""
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


@pytest.fixture
def live(browser, testbed) -> Iterator[Live]:
    """The live portal of the test's database kind, for one test; afterwards, no request has
    left 127.0.0.1."""
    ARTIFACTS.mkdir(exist_ok=True)
    portal = Live(browser, testbed.live())
    yield portal
    for context in portal.contexts:
        context.close()
    assert portal.outside == [], f"requests left 127.0.0.1: {portal.outside}"
    assert portal.violations == [], f"the Content-Security-Policy was broken: {portal.violations}"


AXE = Path(__file__).resolve().parent.parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"


def axe_problems(page, within: str | None = None) -> list[tuple[str, str, int]]:
    """axe-core run in the page (a context made with ``bypass_csp=True``: axe is put in as a
    script of its own), or in the part of it ``within`` selects: its serious and critical
    violations, (rule, impact, nodes) each."""
    if not AXE.is_file():
        pytest.fail("axe-core is missing: `make test` installs it (tests/a11y)", pytrace=False)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async (within) => await axe.run(within ? {include: [within]} : document, "
                           "{resultTypes: ['violations']})", within)
    return [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"]
            if v["impact"] in ("serious", "critical")]
