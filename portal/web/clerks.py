"""A sub-center manager's screen for their clerks (managers manage their own clerks:
docs/architecture.md, roles).

The rows are the users the scope rule lets the manager see, narrowed to clerk-only accounts.
Whatever the form sends, a saved account has exactly the clerk role, is not center-wide and
is bound to windows the manager sees (the window choices come through the scope rule, so a
foreign window id is an invalid choice).
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.sqla.models import Role
from flask_appbuilder.security.views import UserDBModelView
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import PasswordField
from wtforms.validators import DataRequired

from portal.access.roles import CLERK, ROLE_NAMES
from portal.models import PortalUser, db
from portal.web.csv_export import CsvExport
from portal.web.routes import SafeRoutes

# What each field of a user form asks for (FAB's own texts speak of OID and LDAP).
USER_DESCRIPTIONS = {
    "first_name": _l("Full name, as on the ID card"),
    "last_name": _l("Post, e.g. the window's work"),
    "username": _l("Used to sign in"),
    "email": _l("Contact email"),
    "active": _l("Untick instead of deleting: the account's history stays"),
    "password": _l("Password used to sign in"),
    "windows": _l("A clerk sees the cases of these windows"),
}


def password_fields() -> dict[str, Any]:
    """FAB's password fields, with our description (its own is left untranslated)."""
    fields = dict(UserDBModelView.add_form_extra_fields)
    fields["password"] = PasswordField(
        _l("Password"), description=USER_DESCRIPTIONS["password"],
        validators=[DataRequired(), PasswordComplexityValidator()],
        widget=BS3PasswordFieldWidget())
    return fields


class OnlyClerks(BaseFilter):
    """Accounts whose only role is the clerk role."""

    name = "only clerks"
    arg_name = "clerks"

    def apply(self, query: Any, value: Any) -> Any:
        clerk = ROLE_NAMES[CLERK]
        return query.filter(PortalUser.roles.any(Role.name == clerk),
                            ~PortalUser.roles.any(Role.name != clerk))


class ClerkScreen(SafeRoutes, CsvExport, UserDBModelView):
    list_template = "portal/list.html"
    base_filters = [["id", OnlyClerks, None]]
    validators_columns = {"windows": [DataRequired()]}
    description_columns = USER_DESCRIPTIONS
    add_form_extra_fields = password_fields()

    def _enforce(self, item: PortalUser) -> None:
        item.roles = [db.session.scalars(select(Role).where(Role.name == ROLE_NAMES[CLERK])).one()]
        item.center_wide = False
        item.sub_centers = []

    def pre_add(self, item: PortalUser) -> None:
        super().pre_add(item)  # hashes the password
        self._enforce(item)

    def pre_update(self, item: PortalUser) -> None:
        super().pre_update(item)
        self._enforce(item)
