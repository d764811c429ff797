"""Accounts in the browser: the password policy on every form that sets a password, the
password forms (one's own; the center admin's for anyone; a manager's for their clerks), unlocking,
a user name taken in another sub-center, and the server-side session of each sign-in.

The rules themselves (policy, sessions, the account log) are portal/access/accounts.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, has_request_context, session
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, user_logged_in, user_logged_out
from sqlalchemy import func, select
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from portal.access import accounts
from portal.access.scope import unscoped
from portal.models import PortalUser, db

SID = "portal_sid"  # the session cookie's key for its server-side session


def min_length() -> int:
    return int(current_app.config["PORTAL_PASSWORD_MIN_LENGTH"])


def weakness_messages(problems: list[str]) -> list[str]:
    texts = {
        accounts.SHORT: gettext("Use at least %(n)d characters.", n=min_length()),
        accounts.USERNAME: gettext("The password may not be the user name."),
        accounts.COMMON: gettext("This is one of the most common passwords, the first an "
                                 "attacker tries: choose another."),
    }
    return [texts[p] for p in problems]


def joined(sentences: list[str]) -> str:
    """Sentences one after the other: no space after a Chinese full stop."""
    return " ".join(sentences).replace("。 ", "。")


class StrongPassword:
    """The policy on a password field; ``username`` gives the account's user name."""

    def __init__(self, username: Callable[[Any], str | None]) -> None:
        self.username = username

    def __call__(self, form: Any, field: Any) -> None:
        problems = accounts.weaknesses(field.data or "", self.username(form), min_length())
        if problems:
            raise ValidationError(joined(weakness_messages(problems)))


def _typed_username(form: Any) -> str | None:
    return form.username.data if "username" in form else None


def _signed_in_username(form: Any) -> str | None:
    return current_user.username if current_user.is_authenticated else None


def password_field(username: Callable[[Any], str | None] = _typed_username) -> PasswordField:
    return PasswordField(
        _l("Password"), widget=BS3PasswordFieldWidget(),
        description=_l("At least %(n)s characters, not the user name, not a common password",
                       n=_MinLength()),
        validators=[DataRequired(), StrongPassword(username)])


class _MinLength:
    """The configured length, read when the form is shown (not when the module is imported)."""

    def __str__(self) -> str:
        return str(min_length())


def confirm_field() -> PasswordField:
    return PasswordField(_l("Confirm Password"), widget=BS3PasswordFieldWidget(),
                         description=_l("Type the password again"),
                         validators=[EqualTo("password", message=_l("Passwords must match"))])


def password_form(username: Callable[[Any], str | None]) -> type[DynamicForm]:
    """A set-password form (password and confirmation) checked against ``username``."""
    return type("PasswordForm", (DynamicForm,), {"password": password_field(username),
                                                 "conf_password": confirm_field()})


OwnPasswordForm = password_form(_signed_in_username)


class UniqueUsername:
    """A user name is unique across the whole center: checked without the scope (a duplicate
    in a sub-center the manager cannot see is still a duplicate), as a field error."""

    def __call__(self, form: Any, field: Any) -> None:
        name = (field.data or "").strip()
        own = getattr(form, "_id", None)
        with unscoped():
            taken = db.session.scalars(select(PortalUser.id).where(
                func.lower(PortalUser.username) == name.lower())).first()
        if taken is not None and taken != own:
            raise ValidationError(gettext("This user name is already taken."))


def by() -> str:
    """Who acts, for the account log."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.username
    return "cli"


def _signed_in(app: Flask, user: Any) -> None:
    lifetime = app.permanent_session_lifetime
    session[SID] = accounts.open_session(db.session, user.id, lifetime if isinstance(
        lifetime, dt.timedelta) else dt.timedelta(seconds=lifetime))
    db.session.commit()


def _signed_out(app: Flask, user: Any) -> None:
    accounts.end_session(db.session, session.pop(SID, None))
    db.session.commit()


def init_app(app: Flask) -> None:
    accounts.init_app(by)
    user_logged_in.connect(_signed_in, app)
    user_logged_out.connect(_signed_out, app)
