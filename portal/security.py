"""Security manager, built-in roles and accounts.

Permissions are written at deploy/sync time (``portal setup``, ``portal sync``), never on every
worker start (FAB_UPDATE_PERMS is off; TRAPS.md).
"""

from __future__ import annotations

import logging
import secrets

from flask import Flask, current_app
from flask_appbuilder.security.manager import BaseSecurityManager
from flask_appbuilder.security.sqla.manager import SecurityManager

from portal.errors import PortalError
from portal.models import PortalUser


class PortalSecurityManager(SecurityManager):
    user_model = PortalUser


class _NoUserYetFilter(logging.Filter):
    """FAB advises `flask fab create-admin` when no user exists; ours is `portal create-admin`."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "No user yet created" not in record.getMessage()


def sync_permissions(app: Flask) -> None:
    """Create the built-in roles and every view's permissions; give them to the center admin."""
    appbuilder = app.appbuilder
    quiet = _NoUserYetFilter()
    log = logging.getLogger("flask_appbuilder.security.manager")
    log.addFilter(quiet)
    try:
        BaseSecurityManager.create_db(appbuilder.sm)  # roles only: tables belong to Alembic
    finally:
        log.removeFilter(quiet)
    appbuilder.add_permissions(update_perms=True)
    appbuilder.sm.session.commit()


def ensure_center_admin(username: str, password: str | None) -> tuple[bool, str | None]:
    """Create the center admin if missing. Returns (created, the password when created)."""
    sm = current_app.appbuilder.sm
    if sm.find_user(username=username) is not None:
        return False, None
    password = password or secrets.token_urlsafe(12)
    role = sm.find_role(sm.auth_role_admin)
    if role is None:
        raise PortalError("the admin role does not exist yet", hint="run `portal setup` first")
    user = sm.add_user(username, "中心管理员", username, f"{username}@portal.invalid", role,
                       password=password)
    if not user:
        raise PortalError(f"could not create user {username!r}", hint="see the log above")
    user.center_wide = True
    sm.session.commit()
    return True, password
