"""The database object and column helpers shared by all models."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_appbuilder import Model
from flask_appbuilder.models.sqla.base import SQLA
from sqlalchemy import JSON, DateTime, event, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import mapped_column

from portal.core.errors import PortalError

# FAB's Model carries its own declarative base; Flask-SQLAlchemy and Alembic must see that
# metadata, or autogenerate would drop every table (docs/stack-notes.md).
db = SQLA(model_class=Model)

# JSON everywhere, JSONB on PostgreSQL (indexable, compact).
JSONType = JSON().with_variant(JSONB(), "postgresql")


def created_at():
    """Set by the database when the row is written; never by a client."""
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


def updated_at():
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now(),
                         onupdate=func.now())


def refuse_changes(model: type, message: str, params: Callable[[Any], dict[str, Any]],
                   hint: str) -> None:
    """Rows of ``model`` are written once: the ORM refuses to update or delete them, saying
    ``message`` (a message id, filled with ``params`` of the row)."""

    def refuse(mapper: Any, connection: Any, target: Any) -> None:
        raise PortalError(message, hint=hint, **params(target))

    event.listen(model, "before_update", refuse)
    event.listen(model, "before_delete", refuse)
