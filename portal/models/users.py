"""Users: FAB's user, extended with the scope the one scope rule reads (sub-centers, windows)."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import BigInteger, Boolean, Column, DateTime, ForeignKey, String, Table, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.site import SubCenter, Window
from portal.models.villages import Village, user_village

user_sub_center = Table(
    "user_sub_center",
    Model.metadata,
    Column("user_id", ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True),
    Column("sub_center_id", ForeignKey("sub_center.id"), primary_key=True),
)

user_window = Table(
    "user_window",
    Model.metadata,
    Column("user_id", ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True),
    Column("window_id", ForeignKey("window.id"), primary_key=True),
)


class PortalUser(User):
    """A user with a scope. Without ``center_wide`` and without sub-centers a user sees nothing."""

    __tablename__ = "ab_user"
    __table_args__ = {"extend_existing": True}

    center_wide: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                              server_default=false())
    # set after repeated failed logins (PORTAL_LOCKOUT_ATTEMPTS); logins are refused until then
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    sub_centers: Mapped[list[SubCenter]] = relationship(secondary=user_sub_center)
    windows: Mapped[list[Window]] = relationship(secondary=user_window)
    # a 代办员's village: they belong to its town center (portal/access/scope.py)
    villages: Mapped[list[Village]] = relationship(secondary=user_village)


class UserSession(Model):
    """A signed-in session, known to the server: the cookie names it, and it counts only while
    this row exists. Logging out deletes it; a password change or a deactivation deletes every
    other one of the user (portal/access/accounts.py)."""

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # random, in the cookie
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class AccountEvent(Model):
    """What was done to an account and by whom: created, password set or changed, unlocked,
    deactivated. Kept by user name, so it outlives the account."""

    __tablename__ = "account_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    by: Mapped[str] = mapped_column(String(256), nullable=False)
    username: Mapped[str] = mapped_column(String(256), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)


class Stamp(Model):
    """A counter raised whenever what it stands for changes: a worker keeps what it derived
    from that (a role's permissions) for as long as the counter it read with the page's first
    question stays the same. ``security``: the roles' permissions (portal/access/stamps.py)."""

    __tablename__ = "portal_stamp"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
