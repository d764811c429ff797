"""Fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is found through PORTAL_TEST_POSTGRES_URL (``make test`` sets it to the local
server). Without it the PostgreSQL half is skipped — except under CI=true, where a missing
PostgreSQL fails the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.sites import copy_demo

PG_ENV = "PORTAL_TEST_POSTGRES_URL"


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


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new schema in the PostgreSQL test database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'portal.db'}"
        return
    base = _postgres_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# Rows `sync_permissions` writes. Writing them takes ~2 s per database (FAB commits row by
# row), so they are computed once per run and copied into each test's database.
SECURITY_TABLES = ("ab_permission", "ab_view_menu", "ab_role", "ab_permission_view",
                   "ab_permission_view_role")


@pytest.fixture(scope="session")
def security_rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    """What `portal setup` writes to the security tables, from one real run."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.models import db
    from portal.security import sync_permissions

    path = tmp_path_factory.mktemp("security") / "template.db"
    template = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "t" * 40})
    with template.app_context():
        upgrade()
        sync_permissions(template)
        metadata = db.Model.metadata
        rows = {name: [dict(r._mapping) for r in db.session.execute(
            sa.select(metadata.tables[name]).order_by(*metadata.tables[name].primary_key))]
            for name in SECURITY_TABLES}
        db.session.remove()
        db.engine.dispose()
    return rows


@pytest.fixture
def app(database_url: str, tmp_path: Path, security_rows: dict[str, list[dict]]):
    """The portal on a migrated database with its roles, nothing published yet."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.models import db

    application = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-" + "k" * 60,
        "TESTING": True,
        "PORTAL_SITE_DIR": str(tmp_path / "site"),
    })
    with application.app_context():
        upgrade()
        tables = db.Model.metadata.tables
        with db.engine.begin() as conn:
            for name in SECURITY_TABLES:
                conn.execute(tables[name].insert(), security_rows[name])
                if conn.dialect.name == "postgresql":  # ids were given: move the sequences on
                    conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                         f"(SELECT max(id) FROM {name}))"))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def demo_site(tmp_path: Path) -> Path:
    """A private copy of the repository's demo declarations."""
    return copy_demo(tmp_path / "site")


@pytest.fixture
def published(app, demo_site: Path):
    """The portal with the demo site published (version 1)."""
    from portal.declarations import load_site
    from portal.models import db
    from portal.publish import publish

    site, problems = load_site(demo_site)
    assert site is not None, problems
    with app.app_context():
        publish(db.session, site, by="test")
    return app


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
