"""The data interface of the generated screens and APIs: FAB's, except that a database error
never reaches a page. FAB flashes ``str(error)`` of a failed add (the SQL statement, its
parameters — a new password's hash among them) and answers REST with the driver's text; here the
error is logged and the user reads what happened in their words."""

from __future__ import annotations

import logging
from typing import Any

from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

log = logging.getLogger(__name__)


class Refused(Exception):
    """What the user is told instead of the database's text (FAB shows ``str`` of it)."""


def _said(error: Exception) -> tuple[DatabaseException, Refused]:
    if isinstance(error, IntegrityError) or isinstance(error.__cause__, IntegrityError):
        text = gettext("Not saved: another record already has this value (a name or number must "
                       "be unique), or the record is still referred to.")
    else:
        text = gettext("Not saved: the database refused the change. Nothing was written; try "
                       "again, and tell the center admin if it goes on.")
    return DatabaseException(text), Refused(text)  # FAB's REST answer prints the cause


class SafeInterface(SQLAInterface):
    def add(self, item: Any, commit: bool = True) -> None:
        self._said_if_refused(super().add, item, commit, SQLAlchemyError)

    def edit(self, item: Any, commit: bool = True) -> None:
        self._said_if_refused(super().edit, item, commit, DatabaseException)

    def delete(self, item: Any, commit: bool = True) -> None:
        self._said_if_refused(super().delete, item, commit, DatabaseException)

    @staticmethod
    def _said_if_refused(write: Any, item: Any, commit: bool, raised: type[Exception]) -> None:
        """FAB's write; what it raises (it has logged it and rolled back) in the user's words."""
        try:
            write(item, commit)
        except raised as error:
            said, cause = _said(error)
            raise said from cause
