"""What the tests of one database kind share for the whole run, made when first asked for.

One ``Testbed`` per kind holds the database server (its test database migrated once), the app
every test of that kind uses, the saved state with the demo site published, and the live
portal the browser tests share. They are kept in one session-wide registry rather than in
session-scoped parametrized fixtures: pytest tears such a fixture down whenever the next test
wants the other parameter, which under pytest-xdist happens all the time.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.databases import SECRET, PostgresServer, Server, SQLiteServer
from tests.support.sites import copy_demo

PG_ENV = "PORTAL_TEST_POSTGRES_URL"
KINDS = ("sqlite", "postgresql")


def postgres_url() -> str:
    """The PostgreSQL the tests use, or the reason there is none."""
    url = os.environ.get(PG_ENV)
    if not url:
        raise LookupError(f"{PG_ENV} is not set")
    try:
        engine = sa.create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
    except sa.exc.OperationalError as exc:
        raise LookupError(f"PostgreSQL at {url} is unreachable: {exc.orig}") from None
    return url


class Testbed:
    """The shared pieces of one database kind."""

    def __init__(self, server: Server, folder: Path, stack: ExitStack) -> None:
        self.server, self.folder, self._stack = server, folder, stack
        self._app: Any = None
        self._config: dict[str, Any] = {}
        self._published = False
        self._live: Any = None

    @property
    def kind(self) -> str:
        return self.server.kind

    def app(self, tmp_path: Path) -> Any:
        """The portal on the test database, readied for a test: its settings as built, the
        site and upload folders in the test's own ``tmp_path``, nothing kept of another test's
        site (the current site is kept by publication id, and ids repeat) or by another test's
        stamps (portal/access/stamps.py)."""
        if self._app is None:
            from portal import create_app

            self._app = create_app({
                "SQLALCHEMY_DATABASE_URI": self.server.url(),
                "SECRET_KEY": SECRET,
                "PORTAL_AUDIT_KEY": "test-audit-key-" + "a" * 32,
                "TESTING": True,
                # still scrypt, at 1/32 of the default cost: tests sign in hundreds of times
                "FAB_PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            })
            self._config = dict(self._app.config)
        app = self._app
        app.config.clear()
        app.config.update(self._config)
        app.config["PORTAL_SITE_DIR"] = str(tmp_path / "site")
        app.config["PORTAL_UPLOAD_DIR"] = str(tmp_path / "uploads")
        app.config["PORTAL_AUDIT_ANCHORS"] = str(tmp_path / "audit-anchors.jsonl")
        app.extensions.pop("portal_site", None)
        app.extensions.pop("portal_stamps", None)  # what the app kept by stamp: stamps repeat too
        from portal.web.hall import limiter

        limiter.reset()  # each test is a new visitor of the public hall
        return app

    def release(self) -> None:
        """Close every connection the app holds: the next test's database replaces this one."""
        if self._app is not None:
            from portal.models import db

            with self._app.app_context():
                db.session.remove()
                db.engine.dispose()

    def published(self) -> str:
        """The snapshot with the demo site published (version 1), made once (with the app
        ``app`` readied)."""
        if not self._published:
            from portal.models import db
            from portal.site import load_site
            from portal.site.publish import publish

            site, problems = load_site(copy_demo(self.folder / "published" / "site"))
            assert site is not None, problems
            self.server.restore("base")
            with self._app.app_context():
                publish(db.session, site, by="test")
            self.release()
            self.server.save("published")
            self._published = True
        return "published"

    def live(self) -> Any:
        """The demo portal served as `make run` serves it, on a database of its own."""
        if self._live is None:
            from tests.support.browser import LiveServer
            from tests.support.live import live_portal

            workdir = self.folder / "live"
            site = copy_demo(workdir / "site")
            database_url = self.server.create_empty("live")
            url, password = self._stack.enter_context(live_portal(database_url, site, workdir))
            self._live = LiveServer(url, password, database_url, self.kind)
        return self._live


class Testbeds:
    """The testbed of each kind, made when a test first asks for it, closed at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._beds: dict[str, Testbed] = {}
        self._missing: dict[str, str] = {}
        self._stack = ExitStack()

    def get(self, kind: str) -> Testbed:
        if kind in self._missing:
            self._unavailable(self._missing[kind])
        if kind not in self._beds:
            folder = self.folder / kind
            if kind == "sqlite":
                server: Server = SQLiteServer(folder / "databases")
            else:
                try:
                    server = PostgresServer(postgres_url())
                except LookupError as reason:
                    self._missing[kind] = str(reason)
                    self._unavailable(str(reason))
            self._stack.callback(server.close)  # after the live portal stops: last in, first out
            server.build()
            self._beds[kind] = Testbed(server, folder, self._stack)
        return self._beds[kind]

    @staticmethod
    def _unavailable(reason: str) -> None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true needs PostgreSQL: {reason}", pytrace=False)
        pytest.skip(reason)

    def close(self) -> None:
        self._stack.close()
