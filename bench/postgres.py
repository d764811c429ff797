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
