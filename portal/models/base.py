"""The database object and column helpers shared by all models."""

from __future__ import annotations

from flask_appbuilder import Model
from flask_appbuilder.models.sqla.base import SQLA
from sqlalchemy import JSON, DateTime, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import mapped_column

# FAB's Model carries its own declarative base; Flask-SQLAlchemy and Alembic must see that
# metadata, or autogenerate would drop every table (TRAPS.md).
db = SQLA(model_class=Model)

# JSON everywhere, JSONB on PostgreSQL (indexable, compact).
JSONType = JSON().with_variant(JSONB(), "postgresql")


def created_at():
    """Set by the database when the row is written; never by a client."""
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


def updated_at():
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now(),
                         onupdate=func.now())
