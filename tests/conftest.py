"""Fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is found through PORTAL_TEST_POSTGRES_URL (``make test`` sets it to the local
server). Without it the PostgreSQL half is skipped — except under CI=true, where a missing
PostgreSQL fails the run.

Each kind's test database is migrated once per run and put back into a saved state before
every test (tests/support/databases.py); one app per kind, built once, serves every test and
forgets between tests what it kept of the previous test's site; the browser tests share one
live portal per kind (tests/support/testbeds.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

# the suite's apps run a background job inside the request that asks for it; the queue itself —
# worker processes on SQLite and Redis, retries, a killed worker — is tested in tests/test_queue.py
os.environ.setdefault("PORTAL_QUEUE_URL", "immediate:")

import pytest

from tests.support.browser import BROWSER_TESTS, browser, live  # noqa: F401 - fixtures
from tests.support.databases import Server
from tests.support.sites import copy_demo
from tests.support.testbeds import KINDS, Testbed, Testbeds


@pytest.fixture(scope="session")
def testbeds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Testbeds]:
    beds = Testbeds(tmp_path_factory.mktemp("testbeds"))
    yield beds
    beds.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--databases", default=",".join(KINDS),
                     help="the database kinds every database test runs on (default: %(default)s); "
                          "`make test-fast` runs on sqlite alone")


def pytest_configure(config: pytest.Config) -> None:
    kinds = config.getoption("--databases").split(",")
    unknown = set(kinds) - set(KINDS)
    if unknown or not kinds:
        raise pytest.UsageError(f"--databases: unknown kind(s) {sorted(unknown)}; known: {KINDS}")
    if os.environ.get("CI") == "true" and set(kinds) != set(KINDS):
        raise pytest.UsageError("CI=true runs every test on every database: leave --databases out")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that needs a database runs once per kind."""
    if "testbed" in metafunc.fixturenames:
        metafunc.parametrize("testbed", metafunc.config.getoption("--databases").split(","),
                             indirect=True)


@pytest.fixture
def testbed(request: pytest.FixtureRequest, testbeds: Testbeds) -> Testbed:
    """What the tests of one database kind share."""
    return testbeds.get(request.param)


@pytest.fixture
def server(testbed: Testbed) -> Server:
    return testbed.server


@pytest.fixture
def database_url(server: Server) -> str:
    """A fresh database with every table and the built-in roles, nothing published yet.

    Always under the same name for a server, so the shared app keeps its URL."""
    return server.restore("base")


@pytest.fixture
def empty_database_url(server: Server) -> Iterator[str]:
    """A fresh database with nothing in it, not even tables."""
    yield server.create_empty("empty")
    server.drop("empty")


@pytest.fixture
def app(testbed: Testbed, database_url: str, tmp_path: Path):
    """The portal on a fresh migrated database with its roles, nothing published yet."""
    yield testbed.app(tmp_path)
    testbed.release()  # no connection may outlive the test's database


@pytest.fixture
def demo_site(tmp_path: Path) -> Path:
    """A private copy of the repository's demo declarations."""
    return copy_demo(tmp_path / "site")


@pytest.fixture
def published(app, testbed: Testbed, demo_site: Path):
    """The portal with the demo site (``demo_site``, unchanged) published as version 1."""
    testbed.server.restore(testbed.published())
    return app


@pytest.hookimpl(optionalhook=True)
@pytest.fixture
def staffed(published):
    """The demo site published, with the demo users and a center admin (``admin``), all with
    the tests' password."""
    from portal.cli.demo import ensure_demo_users
    from portal.web.security import ensure_center_admin
    from tests.support.world import PASSWORD

    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        ensure_center_admin("admin", PASSWORD)
    return published


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Under pytest-xdist, the browser tests (tests/test_browser*.py) of one database kind all go
    to one worker, which starts Chromium and that kind's live portal once; the two kinds go to
    different workers first. The other tests are dealt out one by one.

    (``--dist loadgroup`` with ``xdist_group`` marks would group them too, but pytest-xdist 3.8
    renames the items through ``item._nodeid``, which pytest 9.2 no longer reads: the marks are
    silently ignored.)"""
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith(BROWSER_TESTS):
                return "browser-" + nodeid.rsplit("[", 1)[-1].rstrip("]")
            return nodeid

    return BrowserTestsTogether(config, log)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """A thread a test started (a background job, a clerk of a concurrency test) ends with the
    test: it must not write into the next test's database. (Playwright's own asyncio workers
    are not the portal's.)"""
    before = set(threading.enumerate())
    result = yield
    for thread in set(threading.enumerate()) - before:
        if thread.name.startswith("asyncio_"):
            continue
        thread.join(timeout=60)
        assert not thread.is_alive(), f"thread {thread.name!r} outlived its test"
    return result


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the shape cache of the test run out of the user's ~/.cache."""
    previous = os.environ.get("PORTAL_CACHE_DIR")
    os.environ["PORTAL_CACHE_DIR"] = str(tmp_path_factory.mktemp("portal-cache"))
    yield
    if previous is None:
        del os.environ["PORTAL_CACHE_DIR"]
    else:
        os.environ["PORTAL_CACHE_DIR"] = previous
