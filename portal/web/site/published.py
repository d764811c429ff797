"""Screens that edit published declarations: a save publishes a new version (portal/site/edits.py).

The form is checked by the same two passes as `portal check` before anything is saved; each
problem is shown at the field it concerns, and the form keeps what was typed.
"""

from __future__ import annotations

import re
from typing import Any

from flask import flash
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import get_locale, gettext
from flask_login import current_user
from wtforms import Form, ValidationError
from wtforms.fields import Field

from portal.core.errors import PortalError
from portal.core.problems import CODES, Problem
from portal.models import db
from portal.site.edits import publish_change, try_change
from portal.site.publish import current_version
from portal.web.datamodel import SafeInterface


class DeclarationCheck:
    """A field validator running the declaration check on the whole edited record once."""

    def __init__(self, entity: Any) -> None:
        self.entity = entity

    def __call__(self, form: Form, field: Field) -> None:
        first = self.entity.edit_columns[0]
        if field.name == first:
            _refuse_if_stale(form)
        problems = getattr(form, "_portal_problems", None)
        if problems is None:
            record = db.session.get(self.entity.model, form._id)  # _edit found it in scope
            values = {c: form[c].data for c in self.entity.edit_columns}
            _, found = try_change(db.session, self.entity.declared(record, values))
            problems = form._portal_problems = [p for p in found if p.is_error]
        names = set(self.entity.edit_columns)
        mine = [p for p in problems if _field_of(p) == field.name
                or (field.name == first and _field_of(p) not in names)]
        if mine:
            raise ValidationError("；".join(problem_text(p) for p in mine))


BASE_VERSION = "base_version"  # hidden: the version the form was opened on


def _current_number() -> int:
    version = current_version(db.session)
    return version.number if version is not None else 0


def _refuse_if_stale(form: Form) -> None:
    """Someone published since this form was opened: show it rather than overwrite their edit."""
    sent, current = form[BASE_VERSION].data, _current_number()
    if str(sent) != str(current):
        form[BASE_VERSION].data = current  # saving again now means: on top of that version
        raise ValidationError(gettext(
            "Version %(number)s was published since you opened this form: check the values "
            "and save again.", number=current))


class PublishedScreen:
    """Mixin for the screen of a published entity: the form remembers its base version."""

    def prefill_form(self, form: Form, pk: Any) -> None:
        form[BASE_VERSION].data = _current_number()


def _field_of(problem: Problem) -> str:
    return problem.path.rsplit(".", 1)[-1].split("[", 1)[0]


def problem_text(problem: Problem) -> str:
    """A checker problem as a manager reads it in the browser: in English, the checker's own
    words (as `portal check` prints them); in another language, what the code means in it, with
    the code (stable, searchable in the README) and the place (the path in the declaration)."""
    locale = get_locale()
    if locale is None or locale.language == "en":
        text = f"{problem.code}: {problem.message}"
        return f"{text} ({problem.hint})" if problem.hint else text
    code = CODES.get(problem.code)
    meaning = gettext(code.title) if code is not None else problem.message
    where = f"{problem.path}：" if problem.path else ""
    # what the checker quotes (the value given, the unknown name) is the same in every language
    quoted = "、".join(dict.fromkeys(_QUOTED.findall(problem.message)))
    text = f"{where}{meaning}{'：' + quoted if quoted else ''}（{problem.code}）"
    suggested = _SUGGESTED.search(problem.hint or "")
    if suggested:
        text += gettext("did you mean %(name)s?", name=suggested.group(1))
    return text


_QUOTED = re.compile(r"'[^'\n]{1,80}'")
_SUGGESTED = re.compile(r"did you mean ('[^'\n]{1,80}')\?")


class PublishingInterface(SafeInterface):
    """Saves by publishing a new version instead of updating the row in place."""

    def __init__(self, obj: type, entity: Any) -> None:
        super().__init__(obj)
        self.entity = entity

    def get_related_interface(self, col_name: str) -> SQLAInterface:
        return SQLAInterface(self.get_related_model(col_name))  # related rows edit normally

    def edit(self, item: Any, commit: bool = True) -> None:
        values = {c: getattr(item, c) for c in self.entity.edit_columns}
        change = self.entity.declared(item, values)
        self.session.rollback()  # the row changes when the new version is materialised
        result, problems = publish_change(self.session, change, by=current_user.username)
        if result is None:  # changed since the form was checked
            raise PortalError("；".join(problem_text(p) for p in problems if p.is_error))
        flash(gettext("Published as version %(number)s.", number=result.version.number), "info")
