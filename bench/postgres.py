"""A private PostgreSQL schema for one benchmark run (PORTAL_TEST_POSTGRES_URL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def private_schema(base: str) -> Iterator[str]:
    """Yield a URL whose connections use a fresh schema; the schema is dropped afterwards."""
    schema = f"bench_{os.getpid()}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        sep = "&" if "?" in base else "?"
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


DATABASES = ("sqlite", "postgresql")


def on_both_databases(run, *args, databases: tuple[str, ...] = DATABASES) -> None:
    """``run(label, url, *args)`` on a fresh SQLite file, then on a private PostgreSQL schema
    (when PORTAL_TEST_POSTGRES_URL is set; said so when it is not); ``databases`` may name one."""
    import tempfile
    from pathlib import Path

    if "sqlite" in databases:
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", *args)
    if "postgresql" not in databases:
        return
    pg = os.environ.get("PORTAL_TEST_POSTGRES_URL")
    if not pg:
        print("PostgreSQL: skipped (PORTAL_TEST_POSTGRES_URL is not set)")
        return
    with private_schema(pg) as url:
        run("PostgreSQL", url, *args)


def main(doc: str | None, run, **defaults: int) -> None:
    """A database benchmark's command line: one integer option per default (``cases=100_000``
    → ``--cases``), then ``run(label, url, *values)`` on both databases, quietly."""
    import argparse
    import logging

    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawTextHelpFormatter)
    for name, default in defaults.items():
        parser.add_argument(f"--{name}", type=int, default=default)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    os.environ.setdefault("PORTAL_CACHE_DIR", "")
    on_both_databases(run, *(getattr(args, name) for name in defaults))


def analyze(db, table: str = "") -> None:
    """The planner's statistics brought up to date after seeding (``table``, else every table):
    on PostgreSQL outside the session's transaction, on SQLite in it. PostgreSQL's tables are
    vacuumed too, as autovacuum leaves a table that has settled: without the visibility map a
    fresh bulk load has no index-only scan (a clerk's capped count: 1.7 ms against 0.15)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"VACUUM ANALYZE {table}".strip())
    else:
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
