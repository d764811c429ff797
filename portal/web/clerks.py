"""A sub-center manager's screen for their clerks (managers manage their own clerks:
docs/architecture.md, roles).

The rows are the users the scope rule lets the manager see, narrowed to clerk-only accounts —
on the screen and over REST alike (the API takes the screen's ``base_filters``). Whatever the
form sends, a saved account has exactly the clerk role, is not center-wide and is bound to
windows the manager sees (the window choices come through the scope rule, so a foreign window
id is an invalid choice). The manager sets a clerk's new password here (重置密码), under the
password policy; the account log records it.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.sqla.models import Role
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.validators import DataRequired

from portal.access import accounts
from portal.access.roles import CLERK, ROLE_NAMES
from portal.core.errors import PortalError
from portal.models import PortalUser, db
from portal.web.accounts import UniqueUsername, by, confirm_field, password_field, password_form
from portal.web.csv_export import CsvExport, cell
from portal.web.errors import error_text
from portal.web.listing import LeanListWidget
from portal.web.routes import SafeRoutes

# What each field of a user form asks for (FAB's own texts speak of OID and LDAP).
# an account's values as people read them (是/否, names joined, local times), never "True" or
# "[<SubCenter object at 0x…>]"
USER_FORMATTERS = {column: cell for column in (
    "roles", "sub_centers", "windows", "active", "center_wide", "last_login", "locked_until",
    "created_on", "changed_on", "created_by", "changed_by", "login_count", "fail_login_count",
    "email", "first_name", "last_name")}

USER_DESCRIPTIONS = {
    "first_name": _l("Full name, as on the ID card"),
    "last_name": _l("Post, e.g. the window's work"),
    "username": _l("Used to sign in"),
    "email": _l("Contact email"),
    "active": _l("Untick instead of deleting: the account's history stays"),
    "password": _l("Password used to sign in"),
    "windows": _l("A clerk sees the cases of these windows"),
}


class AccountLog:
    """Mixin for the user screens: the account log records a new account (a deactivation is
    recorded however it happens: portal/access/accounts.py)."""

    def post_add(self, item: PortalUser) -> None:
        super().post_add(item)
        accounts.log(db.session, by(), item.username, accounts.CREATED)
        db.session.commit()


def _clerk_username(form: Any) -> str | None:
    return getattr(form, "_username", None)


class OnlyClerks(BaseFilter):
    """Accounts whose only role is the clerk role."""

    name = "only clerks"
    arg_name = "clerks"

    def apply(self, query: Any, value: Any) -> Any:
        clerk = ROLE_NAMES[CLERK]
        return query.filter(PortalUser.roles.any(Role.name == clerk),
                            ~PortalUser.roles.any(Role.name != clerk))


class ClerkScreen(AccountLog, SafeRoutes, CsvExport, UserDBModelView):
    list_template = "portal/list.html"
    list_widget = LeanListWidget
    show_template = "portal/user_show.html"
    # the entity's show columns, not FAB's user fieldsets (their English headings and audit
    # columns: a center admin opening a clerk's page read "Created On", "Roles", "Login Count")
    show_fieldsets: list = []
    extra_args = {"account_tools": "clerks"}
    base_filters = [["id", OnlyClerks, None]]
    validators_columns = {"windows": [DataRequired()], "username": [UniqueUsername()]}
    description_columns = USER_DESCRIPTIONS
    formatters_columns = USER_FORMATTERS
    add_form_extra_fields = {"password": password_field(), "conf_password": confirm_field()}
    password_form = password_form(_clerk_username)

    @expose("/password/<int:pk>", methods=["GET", "POST"])
    @has_access
    def password(self, pk: int) -> Any:
        """重置密码: the manager gives one of their clerks a new password (the clerk's sessions
        end; the account log records who set it)."""
        clerk = self.datamodel.get(pk, self._base_filters)  # the scope, and clerks only
        if clerk is None:
            abort(404)
        form = self.password_form(request.form if request.method == "POST" else None)
        form._username = clerk.username
        if request.method == "POST" and form.validate():
            try:
                current_app.appbuilder.sm.reset_password(clerk.id, form.password.data)
            except PortalError as exc:
                flash(error_text(exc), "danger")
            else:
                flash(gettext("New password set for %(user)s: their sessions have ended.",
                              user=clerk.username), "success")
                return redirect(url_for(f"{type(self).__name__}.show", pk=pk))
        return self.render_template("portal/password.html", form=form, user=clerk,
                                    title=gettext("Set a new password"))

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
