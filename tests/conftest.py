"""Fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is found through PORTAL_TEST_POSTGRES_URL (``make test`` sets it to the local
server). Without it the PostgreSQL half is skipped — except under CI=true, where a missing
PostgreSQL fails the run.

Each server's test database is migrated once per run and put back into a saved state before
every test (tests/support/databases.py); one app per server, built once, serves every test, and
forgets between tests what it kept of the previous test's site.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.browser import browser, live, live_server  # noqa: F401 - fixtures
from tests.support.databases import SECRET, PostgresServer, Server, SQLiteServer
from tests.support.sites import copy_demo

PG_ENV = "PORTAL_TEST_POSTGRES_URL"
KINDS = ("sqlite", "postgresql")


def _postgres_url() -> str:
    url = os.environ.get(PG_ENV)
    reason = f"{PG_ENV} is not set"
    if url:
        try:
            engine = sa.create_engine(url)
            with engine.connect():
                pass
            engine.dispose()
            return url
        except sa.exc.OperationalError as exc:
            reason = f"PostgreSQL at {url} is unreachable: {exc.orig}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true needs PostgreSQL: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session", params=KINDS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A database server of each kind, its test database migrated once for the run."""
    if request.param == "sqlite":
        found: Server = SQLiteServer(tmp_path_factory.mktemp("sqlite"))
    else:
        found = PostgresServer(_postgres_url())
    try:
        found.build()
        yield found
    finally:
        found.close()


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


@pytest.fixture(scope="session")
def shared_app(server: Server):
    """The portal, built once per server; ``app`` readies it for each test."""
    from portal import create_app

    application = create_app({
        "SQLALCHEMY_DATABASE_URI": server.url(),
        "SECRET_KEY": SECRET,
        "TESTING": True,
        # still scrypt, at 1/32 of the default cost: tests sign in hundreds of times
        "FAB_PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    })
    application.portal_test_config = dict(application.config)
    return application


@pytest.fixture
def app(shared_app, database_url: str, tmp_path: Path):
    """The portal on a fresh migrated database with its roles, nothing published yet."""
    from portal.models import db

    shared_app.config.clear()
    shared_app.config.update(shared_app.portal_test_config)
    shared_app.config["PORTAL_SITE_DIR"] = str(tmp_path / "site")
    shared_app.config["PORTAL_UPLOAD_DIR"] = str(tmp_path / "uploads")
    shared_app.extensions.pop("portal_site", None)  # kept by publication id, which repeats
    yield shared_app
    with shared_app.app_context():
        db.session.remove()
        db.engine.dispose()  # no connection may outlive the test's database


@pytest.fixture
def demo_site(tmp_path: Path) -> Path:
    """A private copy of the repository's demo declarations."""
    return copy_demo(tmp_path / "site")


@pytest.fixture(scope="session")
def published_snapshot(server: Server, shared_app, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The database with the demo site published (version 1), saved once per run."""
    from portal.declarations import load_site
    from portal.models import db
    from portal.publish import publish

    site, problems = load_site(copy_demo(tmp_path_factory.mktemp("published") / "site"))
    assert site is not None, problems
    server.restore("base")
    with shared_app.app_context():
        publish(db.session, site, by="test")
        db.session.remove()
        db.engine.dispose()
    server.save("published")
    return "published"


@pytest.fixture
def published(app, server: Server, published_snapshot: str, demo_site: Path):
    """The portal with the demo site (``demo_site``, unchanged) published as version 1."""
    server.restore(published_snapshot)
    return app


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
