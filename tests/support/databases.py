"""Test databases: migrated once per run, put back to a saved state before every test.

Migrating sixteen Alembic revisions and writing the roles' permissions takes seconds. So each
server builds one database per run, ``test``, migrated and with the built-in roles, and saves
that state as the snapshot ``base``; fixtures may save more (``published``: the demo site
published). Before each test, ``restore`` puts ``test`` back into a snapshot's state:

- SQLite copies the snapshot's file over the database file (a millisecond);
- PostgreSQL keeps each snapshot as a schema of copied tables inside ``test`` and refills the
  tables from it, with the sequences where they were, in one transaction (a copy made with
  ``CREATE DATABASE … TEMPLATE`` writes the whole catalogue through the WAL: 0.3–0.5 s here).

Either way a test may commit, start threads and subprocesses and open connections of its own,
exactly as the portal does: it runs on a real database that nothing else is using, and nothing
it writes outlives it. Tests that change the schema itself (the migrations' own tests) take a
separate empty database instead (``create_empty``).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

SECRET = "test-" + "k" * 60
TEST = "test"


class Server:
    """The databases of one kind that one test process uses."""

    kind: str

    def url(self, name: str = TEST) -> str:
        raise NotImplementedError

    def create_empty(self, name: str) -> str:
        """A new, empty database ``name`` (dropped first if it exists); its URL."""
        raise NotImplementedError

    def drop(self, name: str) -> None:
        raise NotImplementedError

    def save(self, snapshot: str) -> None:
        """Keep the present state of ``test`` as ``snapshot``. Nothing may be connected."""
        raise NotImplementedError

    def restore(self, snapshot: str) -> str:
        """Put ``test`` back into the state saved as ``snapshot``; its URL."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def build(self) -> None:
        """Migrate a new ``test`` database to the newest schema and write the built-in roles and
        their permissions, as `portal setup` does; save that as the snapshot ``base``."""
        from flask_migrate import upgrade

        from portal import create_app
        from portal.models import db
        from portal.web.security import sync_permissions

        app = create_app({"SQLALCHEMY_DATABASE_URI": self.create_empty(TEST), "SECRET_KEY": SECRET})
        with app.app_context():
            upgrade()
            sync_permissions(app)
            db.session.remove()
            db.engine.dispose()
        self.save("base")


class SQLiteServer(Server):
    kind = "sqlite"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str) -> Path:
        return self.folder / f"{name}.db"

    def url(self, name: str = TEST) -> str:
        return f"sqlite:///{self._path(name)}"

    def create_empty(self, name: str) -> str:
        self.drop(name)
        return self.url(name)

    def drop(self, name: str) -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{self._path(name)}{suffix}").unlink(missing_ok=True)

    def save(self, snapshot: str) -> None:
        # SQLite's backup, not a file copy: the portal's databases write ahead (WAL), and what a
        # connection still open has written may not be in the main file yet
        self.drop(f"snapshot-{snapshot}")
        with closing(sqlite3.connect(self._path(TEST))) as source, \
                closing(sqlite3.connect(self._path(f"snapshot-{snapshot}"))) as target:
            source.backup(target)

    def restore(self, snapshot: str) -> str:
        self.drop(TEST)
        shutil.copyfile(self._path(f"snapshot-{snapshot}"), self._path(TEST))
        return self.url(TEST)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class PostgresServer(Server):
    """Databases ``portal_t<pid>_<name>`` beside the given one: each test process (an xdist
    worker, say) has its own, and those of a run that died are dropped by the next."""

    kind = "postgresql"
    PREFIX = "portal_t"

    def __init__(self, url: str) -> None:
        self.base = make_url(url)
        self.prefix = f"{self.PREFIX}{os.getpid()}_"
        self.admin = sa.create_engine(self.base, isolation_level="AUTOCOMMIT")
        self._engine: sa.Engine | None = None  # to ``test``, for saving and restoring
        self._snapshots: dict[str, list[str]] = {}  # snapshot -> the statements that restore it
        self._drop_leftovers()

    def _name(self, name: str) -> str:
        return self.prefix + name

    def url(self, name: str = TEST) -> str:
        return self.base.set(database=self._name(name)).render_as_string(hide_password=False)

    def _run(self, *statements: str) -> None:
        with self.admin.connect() as conn:
            for statement in statements:
                conn.execute(sa.text(statement))

    def create_empty(self, name: str) -> str:
        if name == TEST:
            self._forget_test()
        self._run(f'DROP DATABASE IF EXISTS "{self._name(name)}" WITH (FORCE)',
                  f'CREATE DATABASE "{self._name(name)}"')
        return self.url(name)

    def drop(self, name: str) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{self._name(name)}" WITH (FORCE)')

    def _test(self) -> sa.Engine:
        if self._engine is None:
            self._engine = sa.create_engine(self.url(TEST), poolclass=sa.pool.NullPool)
        return self._engine

    def _forget_test(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        self._snapshots.clear()

    def save(self, snapshot: str) -> None:
        schema = f"snapshot_{snapshot}"
        with self._test().begin() as conn:
            tables = _tables_in_order(conn)
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            restore = [f'DELETE FROM public."{t}"' for t, _ in reversed(tables)]
            for table, columns in tables:
                conn.execute(sa.text(f'CREATE TABLE "{schema}"."{table}" AS TABLE public."{table}"'))
                listed = ", ".join(f'"{c}"' for c in columns)
                restore.append(f'INSERT INTO public."{table}" ({listed}) '
                               f'SELECT {listed} FROM "{schema}"."{table}"')
            for name, last, called in conn.execute(sa.text(
                    "SELECT sequencename, coalesce(last_value, start_value), last_value IS NOT NULL "
                    "FROM pg_sequences WHERE schemaname = 'public'")):
                restore.append(f"SELECT setval('public.\"{name}\"', {last}, {str(called).lower()})")
        self._snapshots[snapshot] = restore

    def restore(self, snapshot: str) -> str:
        with self._test().begin() as conn:
            for statement in self._snapshots[snapshot]:
                conn.execute(sa.text(statement))
        return self.url(TEST)

    def _databases(self, prefix: str) -> list[str]:
        with self.admin.connect() as conn:
            return list(conn.scalars(sa.text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                     {"p": prefix.replace("_", r"\_") + "%"}))

    def _drop_leftovers(self) -> None:
        """Databases of test processes of this machine that are no longer running."""
        for name in self._databases(self.PREFIX):
            match = re.match(rf"{self.PREFIX}(\d+)_", name)
            if match and not _running(int(match.group(1))):
                self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self._forget_test()
        for name in self._databases(self.prefix):
            self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.dispose()


def _tables_in_order(conn: sa.Connection) -> list[tuple[str, list[str]]]:
    """The tables of the public schema, each after those its foreign keys point at, with
    their columns."""
    metadata = sa.MetaData()
    metadata.reflect(conn, schema=None)
    return [(t.name, [c.name for c in t.columns]) for t in metadata.sorted_tables]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
