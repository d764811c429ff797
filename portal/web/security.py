"""Security manager, built-in roles and accounts.

Permissions are written at deploy/sync time (``portal setup``, ``portal sync``), never on every
worker start (FAB_UPDATE_PERMS is off: docs/stack-notes.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_appbuilder import expose, has_access
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import Select2ManyWidget
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.manager import BaseSecurityManager
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import (
    Permission,
    PermissionView,
    ViewMenu,
    assoc_group_role,
    assoc_permissionview_role,
    assoc_user_group,
    assoc_user_role,
)
from flask_appbuilder.security.views import (
    AuthDBView,
    PermissionModelView,
    PermissionViewModelView,
    ResetMyPasswordView,
    ResetPasswordView,
    RoleModelView,
    UserDBModelView,
    UserGroupModelView,
    ViewMenuModelView,
)
from flask_appbuilder.widgets import ShowWidget
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import bindparam, select, union
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash
from wtforms import BooleanField

from portal.access import accounts
from portal.access.roles import ADMIN, ROLE_NAMES, permission
from portal.access.scope import Scope, unscoped
from portal.core.errors import N_, PortalError
from portal.core.recent import Recent
from portal.models import PortalUser, db
from portal.web.accounts import (
    SID,
    OwnPasswordForm,
    UniqueUsername,
    by,
    confirm_field,
    joined,
    password_field,
    password_form,
    weakness_messages,
)
from portal.web.clerks import USER_DESCRIPTIONS, USER_FORMATTERS, AccountLog
from portal.web.csv_export import CsvExport, cell
from portal.web.current import WITH_USER, page_stamps, read_with_user
from portal.web.datamodel import SafeInterface
from portal.web.entities import ENTITIES, ROLE_KEYS
from portal.web.listing import LeanListWidget
from portal.web.pages import OWN_MENUS, OWN_PERMISSIONS, PAGES
from portal.web.profile import user_profile
from portal.web.routes import SafeRoutes

log = logging.getLogger(__name__)

_USER_SCOPE = ["center_wide", "sub_centers", "windows"]


def request_scope() -> Scope | None:
    """The signed-in user's scope, worked out once per request (the scope rule asks for it:
    ``portal.access.scope.use_request_scope``); ``None`` outside a request."""
    if not has_request_context():
        return None
    scope = g.get("portal_scope")
    if scope is None:
        user = current_user._get_current_object()
        if user is None or not getattr(user, "is_authenticated", False):
            with unscoped():
                scope = Scope.of(user)
        else:
            scope = user_profile(user).scope
        g.portal_scope = scope
    return scope


def forget_scope() -> None:
    """Drop the request's scope and profile (after login, logout, or a change of the user's
    assignment): worked out again from the user's records for the rest of the request."""
    if has_request_context():
        g.pop("portal_scope", None)
        g.pop("portal_profile", None)
        g.portal_profile_changed = True


def _center_wide_field() -> BooleanField:
    # FAB would make a NOT NULL boolean a *required* checkbox: unticked could never be saved
    return BooleanField(_l("Center-wide"),
                        description=_l("Sees every sub-center (center admins, center auditors)"))


class PortalUserView(AccountLog, SafeRoutes, CsvExport, UserDBModelView):
    """FAB's user screen with the scope: center-wide, sub-centers, windows; CSV export; the
    password policy; unlocking a locked account."""

    list_template = "portal/list.html"
    list_widget = LeanListWidget
    show_template = "portal/user_show.html"
    extra_args = {"account_tools": "users"}
    formatters_columns = USER_FORMATTERS
    method_permission_name = {"export": "list"}  # reading the list is enough to export it

    add_form_extra_fields = {"password": password_field(), "conf_password": confirm_field(),
                             "center_wide": _center_wide_field()}
    edit_form_extra_fields = {"center_wide": _center_wide_field()}
    validators_columns = {"username": [UniqueUsername()]}

    @expose("/unlock/<int:pk>", methods=["POST"])
    @has_access
    def unlock(self, pk: int) -> Any:
        """解锁: the center admin lets a locked-out user try again now (logged)."""
        user = self.datamodel.get(pk, self._base_filters)
        if user is None:
            abort(404)
        user.locked_until, user.fail_login_count = None, 0
        accounts.log(db.session, by(), user.username, accounts.UNLOCKED)
        db.session.commit()
        flash(gettext("%(user)s may sign in again.", user=user.username), "success")
        return redirect(url_for(f"{type(self).__name__}.show", pk=pk))

    list_columns = ["first_name", "username", "roles", "center_wide", "sub_centers", "windows",
                    "active"]
    add_columns = [*UserDBModelView.add_columns[:6], *_USER_SCOPE, "password", "conf_password"]
    edit_columns = [*UserDBModelView.edit_columns[:6], *_USER_SCOPE]
    show_fieldsets = [
        (_l("User info"), {"fields": ["username", "active", "roles", "login_count"]}),
        (_l("Scope"), {"fields": _USER_SCOPE, "expanded": True}),
        (_l("Personal Info"), {"fields": ["first_name", "last_name", "email"],
                               "expanded": True}),
        (_l("Audit Info"), {"fields": ["last_login", "fail_login_count", "locked_until",
                                       "created_on", "changed_on"], "expanded": False}),
    ]
    label_columns = {
        **UserDBModelView.label_columns,
        "center_wide": _l("Center-wide"),
        "sub_centers": _l("Sub-centers"),
        "windows": _l("Windows"),
        "locked_until": _l("Locked until"),
        "first_name": _l("Full name"),
        "last_name": _l("Post"),
    }
    description_columns = {
        **UserDBModelView.description_columns,
        **USER_DESCRIPTIONS,
        "center_wide": _l("Sees every sub-center (center admins, center auditors)"),
        "sub_centers": _l("Sees these sub-centers and all their cases"),
    }


# what each FAB permission lets a role do, in the user's words (FAB names them can_read, …)
PERMISSION_LABELS = {
    "can_read": _l("read"), "can_write": _l("change"), "can_list": _l("list"),
    "can_show": _l("view"), "can_add": _l("add"), "can_edit": _l("edit"),
    "can_delete": _l("delete"), "menu_access": _l("menu entry"), "can_get": _l("read"),
    "can_post": _l("submit"), "can_put": _l("change"), "can_info": _l("field list"),
    "can_this_form_get": _l("open the form"), "can_this_form_post": _l("submit the form"),
    "can_userinfo": _l("own account"), "can_export": _l("export"), "can_copyrole": _l("copy"),
    "can_unlock": _l("unlock"), "can_password": _l("set password"),
    "can_download": _l("download"), "can_action": _l("act on selected"),
    "can_action_post": _l("act on selected"), "resetmypassword": _l("change own password"),
    "resetpasswords": _l("reset passwords"), "userinfoedit": _l("edit own information"),
    "copyrole": _l("copy"),
}
# the screens that are not the portal's generated ones, by the name their permissions are on
VIEW_LABELS = {
    "PortalUserView": _l("List Users"), "RoleModelView": _l("List Roles"),
    "UserGroupModelView": _l("List Groups"), "PermissionModelView": _l("Base Permissions"),
    "ViewMenuModelView": _l("Views/Menus"), "PermissionViewModelView": _l("Permission on Views/Menus"),
    "UserInfoEditView": _l("Edit User Information"), "ResetPasswordView": _l("Reset Password"),
    "ResetMyPasswordView": _l("Reset my password"), "MenuApi": _l("Menu (API)"),
    "OpenApi": _l("API description"), "casework": _l("Casework"), "agency": _l("Agency cases"),
    "templates": _l("Print templates"), "assessment": _l("Assessment"),
    "HomeView": _l("Home"), "LocaleView": _l("Language"), "NoTokenApi": _l("Sign-in (API)"),
    "PortalAuthDBView": _l("Sign in"), "UtilView": _l("Back"),
    "UserStatsChartView": _l("User's Statistics"),
}


def _what(name: str) -> str:
    """A permission by what it lets one do."""
    label = PERMISSION_LABELS.get(name)
    return str(label) if label is not None else name


_SCREENS = {e.name: e.menu for e in ENTITIES}  # the generated screens' menu msgids


def _where(name: str) -> str:
    """A screen or menu by its menu name."""
    if name in VIEW_LABELS:
        return str(VIEW_LABELS[name])
    return gettext(_SCREENS.get(name, name))


def permission_label(pv: Any) -> str:
    """「列表：办件」 for FAB's ``can list on cases``: the permission, then where it applies."""
    return f"{_what(pv.permission.name)}：{_where(pv.view_menu.name)}"


def _permission_field() -> QuerySelectMultipleField:
    return QuerySelectMultipleField(
        _l("Permissions"), query_func=lambda: db.session.query(PermissionView).options(
            joinedload(PermissionView.permission), joinedload(PermissionView.view_menu)),
        get_pk_func=lambda pv: pv.id, get_label=permission_label, widget=Select2ManyWidget())


class PortalRoleView(RoleModelView):
    """FAB's role screen, its permissions named in the user's language (FAB's own list and
    show widgets print them as they are stored)."""

    class_permission_name = "RoleModelView"  # FAB's name: the roles' permissions stay as stored

    list_widget = LeanListWidget
    show_widget = ShowWidget

    label_columns = {**RoleModelView.label_columns, "user": _l("Users"), "groups": _l("Groups")}
    formatters_columns = {
        "permissions": lambda pvs: "、".join(sorted(permission_label(pv) for pv in pvs)),
        "user": cell, "groups": cell}
    add_form_extra_fields = {"permissions": _permission_field()}
    edit_form_extra_fields = {"permissions": _permission_field()}


class PortalPermissionViewView(PermissionViewModelView):
    """FAB's list of permissions on screens, in the user's words."""

    class_permission_name = "PermissionViewModelView"  # FAB's name: the roles' permissions stay as stored

    label_columns = {**PermissionViewModelView.label_columns, "role": _l("Roles")}
    formatters_columns = {"permission": lambda p: _what(p.name), "view_menu": lambda v: _where(v.name)}


class PortalPermissionView(PermissionModelView):
    class_permission_name = "PermissionModelView"  # FAB's name: the roles' permissions stay as stored
    formatters_columns = {"name": _what}


class PortalViewMenuView(ViewMenuModelView):
    class_permission_name = "ViewMenuModelView"  # FAB's name: the roles' permissions stay as stored
    formatters_columns = {"name": _where}


class PortalGroupView(UserGroupModelView):
    """FAB's group screen, its columns labelled."""

    class_permission_name = "UserGroupModelView"  # FAB's name: the roles' permissions stay as stored

    label_columns = {"name": _l("Name"), "label": _l("Label"), "description": _l("Description"),
                     "users": _l("Users"), "roles": _l("Roles")}
    formatters_columns = {"users": cell, "roles": cell, "description": cell}


class PortalAuthDBView(AuthDBView):
    """Sign-in: an unknown user name, a wrong password and a locked account read the same from
    outside. Signing out is a POST (a link or an image on another page cannot sign anyone out)
    and ends the session on the server."""

    invalid_login_message = _l("Wrong user name or password, or the account is locked for a "
                               "while after repeated failed sign-ins.")

    @expose("/logout/", methods=["GET", "POST"])
    def logout(self) -> Any:
        if request.method == "GET":  # an old bookmark: ask, change nothing
            return self.render_template("portal/logout.html", appbuilder=self.appbuilder,
                                        title=gettext("Sign out"))
        return super().logout()


class PortalResetMyPasswordView(ResetMyPasswordView):
    class_permission_name = "ResetMyPasswordView"  # FAB's permission, granted to every role
    form = OwnPasswordForm


def _username_of_pk(form: Any) -> str | None:
    pk = request.args.get("pk", "")
    with unscoped():
        user = db.session.get(PortalUser, int(pk)) if pk.isdigit() else None
    return user.username if user else None


class PortalResetPasswordView(ResetPasswordView):
    class_permission_name = "ResetPasswordView"
    form = password_form(_username_of_pk)


class NoTokenApi(SecurityApi):
    """FAB's JWT login (/api/v1/security/login) is off: the REST API uses the browser session
    (scope, CSRF, server-side sessions); a token would carry none of that, and the route would
    only be a place to guess passwords. Without exposed methods the API registers no route."""

    def login(self) -> Any:  # not exposed
        abort(404)

    def refresh(self) -> Any:  # not exposed
        abort(404)


def _user_permissions() -> Any:
    """(permission, view) of every role a user has, directly or through a group."""
    user = bindparam("user")
    roles = union(
        select(assoc_user_role.c.role_id).where(assoc_user_role.c.user_id == user),
        select(assoc_group_role.c.role_id)
        .join(assoc_user_group, assoc_user_group.c.group_id == assoc_group_role.c.group_id)
        .where(assoc_user_group.c.user_id == user))
    link = assoc_permissionview_role
    return (select(Permission.__table__.c.name, ViewMenu.__table__.c.name)
            .select_from(PermissionView.__table__)
            .join(Permission.__table__, Permission.__table__.c.id == PermissionView.__table__.c.permission_id)
            .join(ViewMenu.__table__, ViewMenu.__table__.c.id == PermissionView.__table__.c.view_menu_id)
            .join(link, link.c.permission_view_id == PermissionView.__table__.c.id)
            .where(link.c.role_id.in_(roles)).distinct())


_USER_PERMISSIONS = _user_permissions()
# (permission, view) pairs by (user id, security stamp with its app's token): a worker's users
_kept_permissions = Recent(keep=2048)


class _SignInWithoutNext(logging.Filter):
    """FAB warns "Invalid redirect detected" on every sign-in that names no page to go back to
    (``next`` empty: the sign-in page opened directly), drowning the warnings that matter."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.getMessage().startswith("Invalid redirect detected")
                    and has_request_context() and not request.args.get("next"))


logging.getLogger("flask_appbuilder.utils.base").addFilter(_SignInWithoutNext())


class PortalSecurityManager(SecurityManager):
    user_model = PortalUser
    userdbmodelview = PortalUserView
    authdbview = PortalAuthDBView
    resetmypasswordview = PortalResetMyPasswordView
    resetpasswordview = PortalResetPasswordView
    security_api = NoTokenApi
    # FAB's user statistics chart loads its script from gstatic.com (an outside server a
    # government network blocks, and a leak of who looks at it): not offered
    userstatschartview = None
    rolemodelview = PortalRoleView
    groupmodelview = PortalGroupView
    permissionviewmodelview = PortalPermissionViewView
    permissionmodelview = PortalPermissionView
    viewmenumodelview = PortalViewMenuView

    def __init__(self, appbuilder: Any) -> None:
        super().__init__(appbuilder)
        # the security screens read through the portal's data interface: counts bounded,
        # related lists through Session.get, a database error in the user's words
        for view in (self.userdbmodelview, self.rolemodelview, self.groupmodelview,
                     self.permissionmodelview, self.viewmenumodelview,
                     self.permissionviewmodelview):
            view.datamodel = SafeInterface(view.datamodel.obj)

    def load_user(self, pk: Any) -> Any:
        """The session's user — while its server-side session lives (logout, a password change
        or a deactivation ends it, whatever copies of the cookie exist)."""
        if not has_request_context():
            return super().load_user(pk)
        with unscoped():
            user, newest = accounts.live_user(self.session, session.get(SID), int(pk), WITH_USER)
        if user is not None:
            read_with_user(newest)
        return user if user is not None and user.is_active else None

    def add_user(self, username: str, first_name: str, last_name: str, email: str, role: Any,
                 password: str = "", hashed_password: str = "", **kwargs: Any) -> Any:
        """FAB's, with the password policy (the CLI's and the demo's accounts come this way)."""
        if password:
            _check_policy(password, username)
        return super().add_user(username, first_name, last_name, email, role, password=password,
                                hashed_password=hashed_password, **kwargs)

    def reset_password(self, userid: Any, password: str) -> None:
        """Every password change: the policy, then the user's other sessions end (all of them
        when someone else set it), and the account log says who did it."""
        user = self.get_user_by_id(int(userid))
        if user is None:
            raise PortalError(N_("no user with id %(id)s"), id=userid)
        _check_policy(password, user.username)
        super().reset_password(user.id, password)
        own = has_request_context() and current_user.is_authenticated and current_user.id == user.id
        accounts.end_sessions(self.session, user.id, keep=session.get(SID) if own else None)
        accounts.log(self.session, by(), user.username,
                     accounts.PASSWORD_CHANGED if own else accounts.PASSWORD_SET)
        self.session.commit()

    # Users are scoped data (portal/access/scope.py); finding the user who signs in is not.
    def find_user(self, username: str | None = None, email: str | None = None) -> Any:
        with unscoped():
            return super().find_user(username=username, email=email)

    def get_user_by_id(self, pk: Any) -> Any:
        with unscoped():
            return super().get_user_by_id(pk)

    def get_first_user(self) -> Any:
        with unscoped():
            return super().get_first_user()

    def _has_view_access(self, user: Any, permission_name: str, view_name: str) -> bool:
        """FAB asks the database once per menu entry and button; ask once per request."""
        if not has_request_context():
            return super()._has_view_access(user, permission_name, view_name)
        return (permission_name, view_name) in self.permission_set(user)

    def is_item_public(self, permission_name: str, view_name: str) -> bool:
        """FAB reads the public role's permissions once per menu entry; read them once per request."""
        if not has_request_context():
            return super().is_item_public(permission_name, view_name)
        return (permission_name, view_name) in self.public_permission_set()

    def public_permission_set(self) -> frozenset[tuple[str, str]]:
        """The public role's (permission, view) pairs, read once per request — and kept by the
        worker while the security stamp stays the same, as a user's are: FAB reads the role,
        then each permission's name and view one lazy load at a time, a third of the sign-in
        page and of every anonymous REST call."""
        public = g.get("portal_public_permissions")
        if public is None:
            public = g.portal_public_permissions = self._kept_pairs("public", lambda: (
                (p.permission.name, p.view_menu.name) for p in self.get_public_permissions()))
        return public

    def permission_set(self, user: Any) -> frozenset[tuple[str, str]]:
        """The user's (permission, view) pairs, read once per request — and kept by the
        worker while the security stamp read at the start of the page stays the same
        (portal/access/stamps.py: a change of a role's permissions, or of the user's roles or
        groups, raises it)."""
        cached = g.get("portal_permissions")
        if cached is not None and cached[0] == user.id:
            return cached[1]
        signed_in = getattr(user, "is_authenticated", False)
        pairs = self._kept_pairs(user.id if signed_in else None, lambda: self.get_user_permissions(user))
        g.portal_permissions = (user.id, pairs)
        return pairs

    def _kept_pairs(self, owner: Any,
                    read: Callable[[], Iterable[tuple[str, str]]]) -> frozenset[tuple[str, str]]:
        """``owner``'s (permission, view) pairs as ``read`` finds them, kept by the security
        stamp read at the start of the page (``owner`` ``None``: read each time)."""
        stamps = page_stamps()
        keep = owner is not None and stamps is not None and not self.builtin_roles
        key = (owner, stamps.security) if keep else None
        pairs = _kept_permissions.get(key) if key is not None else None
        if pairs is None:
            pairs = frozenset(read())
            if key is not None:
                _kept_permissions.put(key, pairs)
        return pairs

    def get_user_permissions(self, user: Any) -> set[tuple[str, str]]:
        """FAB's answer in one statement: FAB loads the user's roles, their groups' roles and
        each role's permissions as objects (four queries and the ORM's work, on every page).
        The statement runs on the connection, beneath the scope rule (nothing here is scoped)."""
        if self.builtin_roles or not getattr(user, "is_authenticated", False):
            return super().get_user_permissions(user)
        rows = self.session.connection().execute(_USER_PERMISSIONS, {"user": user.id})
        return {(permission, view) for permission, view in rows}

    def auth_user_db(self, username: str, password: str) -> PortalUser | None:
        """FAB's password check, refused while the account is locked after failed attempts."""
        user = self.find_user(username=username) if username else None
        now = dt.datetime.now(dt.UTC)
        if user is not None and _locked(user, now):
            # same work and the same answer as a wrong password: the outside cannot tell a
            # locked account from an unknown name (the log and the admin's screen can)
            check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], "x")
            log.warning("login refused for %s: locked until %s", username, user.locked_until)
            return None
        result = super().auth_user_db(username, password)
        if result is None and user is not None:
            limit = current_app.config["PORTAL_LOCKOUT_ATTEMPTS"]
            if (user.fail_login_count or 0) >= limit:
                seconds = current_app.config["PORTAL_LOCKOUT_SECONDS"]
                user.locked_until = now + dt.timedelta(seconds=seconds)
                user.fail_login_count = 0
                self.session.commit()
                log.warning("account %s locked for %s s", username, seconds)
        forget_scope()
        return result


def _check_policy(password: str, username: str) -> None:
    problems = accounts.weaknesses(password, username, int(current_app.config["PORTAL_PASSWORD_MIN_LENGTH"]))
    if problems:
        raise PortalError(joined(weakness_messages(problems)))


def _locked(user: PortalUser, now: dt.datetime) -> bool:
    until = user.locked_until
    if until is None:
        return False
    if until.tzinfo is None:  # SQLite returns naive datetimes
        until = until.replace(tzinfo=dt.UTC)
    return until > now


class _NoUserYetFilter(logging.Filter):
    """FAB advises `flask fab create-admin` when no user exists; ours is `portal create-admin`."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "No user yet created" not in record.getMessage()


def sync_permissions(app: Flask) -> None:
    """Create the built-in roles and every view's permissions; grant them by the role table."""
    appbuilder = app.appbuilder
    quiet = _NoUserYetFilter()
    fab_log = logging.getLogger("flask_appbuilder.security.manager")
    fab_log.addFilter(quiet)
    try:
        BaseSecurityManager.create_db(appbuilder.sm)  # roles only: tables belong to Alembic
    finally:
        fab_log.removeFilter(quiet)
    appbuilder.add_permissions(update_perms=True)
    sm = appbuilder.sm
    for key, wanted in role_permissions().items():
        role = sm.find_role(ROLE_NAMES[key]) or sm.add_role(ROLE_NAMES[key])
        have = {(p.permission.name, p.view_menu.name): p for p in role.permissions}
        for pair in wanted - have.keys():
            pv = sm.find_permission_view_menu(*pair)
            if pv is None:
                raise PortalError(N_("permission %(pair)s does not exist"),
                                  hint=N_("the role table names a view that is not registered"),
                                  pair=" ".join(pair))
            sm.add_permission_role(role, pv)
        for pair in have.keys() - wanted:
            sm.del_permission_role(role, have[pair])
    sm.session.commit()


def role_permissions() -> dict[str, set[tuple[str, str]]]:
    """The permissions of each built-in role except the admin's (FAB gives it all)."""

    out: dict[str, set[tuple[str, str]]] = {k: set() for k in ROLE_KEYS if k != ADMIN}
    for entity in ENTITIES:
        for role, actions in entity.grants.items():
            for action in actions & entity.actions:
                out[role].add((permission(action), entity.name))
            if actions and entity.screen:
                out[role].add(("menu_access", entity.menu))
                out[role].add(("menu_access", entity.category))

    for name, grants in OWN_PERMISSIONS.items():
        for role, actions in grants.items():
            out[role] |= {(permission(action), name) for action in actions}
            out[role] |= {("menu_access", menu) for menu, _, owner, _ in OWN_MENUS if owner == name}

    categories = {e.name: e.category for e in ENTITIES}
    for _, menu, entity_name, action in PAGES:
        entity = next(e for e in ENTITIES if e.name == entity_name)
        for role, actions in entity.grants.items():
            if action in actions:
                out[role] |= {("menu_access", menu), ("menu_access", categories[entity_name])}
    for role in out:  # everyone signed in: their own password, the API document
        out[role] |= {("can_userinfo", "PortalUserView"), ("resetmypassword", "PortalUserView"),
                      ("can_this_form_get", "ResetMyPasswordView"),
                      ("can_this_form_post", "ResetMyPasswordView"), ("can_get", "OpenApi")}
    return out


def ensure_center_admin(username: str, password: str | None) -> tuple[bool, str | None]:
    """Create the center admin if missing. Returns (created, the password when created)."""
    sm = current_app.appbuilder.sm
    if sm.find_user(username=username) is not None:
        return False, None
    password = password or secrets.token_urlsafe(12)
    role = sm.find_role(sm.auth_role_admin)
    if role is None:
        raise PortalError(N_("the admin role does not exist yet"), hint=N_("run `portal setup` first"))
    user = sm.add_user(username, "中心管理员", username, f"{username}@portal.invalid", role,
                       password=password)
    if not user:
        raise PortalError(N_("could not create user %(name)s"), hint=N_("see the log above"), name=username)
    user.center_wide = True
    sm.session.commit()
    return True, password
