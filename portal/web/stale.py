"""Two people editing one record: the second save is refused, and nothing is overwritten.

For every model with a SQLAlchemy version column (``cases.row_version``): the edit form carries
the version it was opened on; a save on top of a newer one is refused with a message, the typed
values kept, and saving again then means "on top of the version now shown".
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from sqlalchemy import inspect as sa_inspect
from wtforms import Form, ValidationError
from wtforms.fields import Field

from portal.models import db

SEEN = "row_version_seen"  # hidden: the record's version when the form was opened


def versioned(model: type) -> str | None:
    """The name of the model's version column, if it has one."""
    column = sa_inspect(model).version_id_col
    return column.key if column is not None else None


class NotStale:
    """A validator on the first edited field: the record is still as the form showed it."""

    def __init__(self, model: type) -> None:
        self.model, self.column = model, versioned(model)

    def __call__(self, form: Form, field: Field) -> None:
        record = db.session.get(self.model, form._id)  # FAB's _edit found it through the scope
        now = getattr(record, self.column)
        if str(form[SEEN].data) != str(now):
            form[SEEN].data = now
            raise ValidationError(gettext(
                "Someone saved this record since you opened it: check the values and save again."))


class OptimisticScreen:
    """Mixin: the edit form remembers the version it was opened on."""

    def prefill_form(self, form: Form, pk: Any) -> None:
        super_prefill = getattr(super(), "prefill_form", None)
        if super_prefill is not None:
            super_prefill(form, pk)
        record = db.session.get(self.datamodel.obj, pk)
        form[SEEN].data = getattr(record, versioned(self.datamodel.obj))


