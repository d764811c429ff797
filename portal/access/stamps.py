"""Stamps: what a worker may keep between page views, and how it learns to forget it.

Every page's first question (the newest publication, portal/web/current.py) reads two stamps in
the same statement, and what a worker derived from the tables they stand for is kept while they
stay the same:

- ``security`` (the ``portal_stamp`` row): raised in the transaction of any change to a role, a
  permission, a group or their pairings, or to a user's roles, groups, sub-centers, windows,
  villages, center-wide flag or activity (a ``before_flush`` listener here). A user's
  permissions are kept by it (asking for them cost one statement and building a set of a few
  hundred pairs on every signed-in page), and their profile — role names, scope, identity
  strip — with the publication (portal/web/profile.py).
- the newest branch's key (并联审批): branches are only ever added, so a sub-center found
  without one stays without one while the newest key is the same. The scope rule's probe of
  the sub-centers one works in is kept by it (portal/access/scope.py).

A change written around the portal's models (SQL by hand in the database) raises no stamp:
restart the workers after one.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from flask_appbuilder.security.sqla.models import Group, Permission, PermissionView, Role, User, ViewMenu
from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.orm import Session

from portal.models import CaseBranch, Stamp, db

SECURITY = "security"
_SECURITY_RECORDS = (Role, Permission, ViewMenu, PermissionView, Group)
# a user's attributes their permissions, scope and identity strip follow
_USERS_GRANTS = ("roles", "groups", "sub_centers", "windows", "villages", "center_wide", "active")

# the stamps as scalar subqueries, for the page's first statement to read beside its own columns
SECURITY_STAMP = select(Stamp.value).where(Stamp.name == SECURITY).scalar_subquery()
BRANCH_STAMP = select(func.max(CaseBranch.id)).scalar_subquery()


def raise_stamp(session: Session, name: str) -> None:
    """Raise the stamp ``name`` in the session's transaction (made when missing)."""
    done = session.execute(update(Stamp).where(Stamp.name == name).values(value=Stamp.value + 1))
    if not done.rowcount:  # type: ignore[attr-defined]
        session.add(Stamp(name=name, value=1))


def _security_changes(session: Session, context: Any, instances: Any) -> None:
    dirty = session.dirty
    if any(_grants(record, record in dirty) for record in chain(session.new, dirty, session.deleted)):
        raise_stamp(session, SECURITY)


def _grants(record: Any, changed: bool) -> bool:
    """Whether writing ``record`` may change what someone is permitted (a user's sign-in
    count does not; their roles do)."""
    if isinstance(record, _SECURITY_RECORDS):
        return True
    if isinstance(record, User):
        attrs = inspect(record).attrs
        return not changed or any(attrs[name].history.has_changes() for name in _USERS_GRANTS)
    return False


def init_app() -> None:
    """Install the listener on the portal's session (idempotent)."""
    if not event.contains(db.session, "before_flush", _security_changes):
        event.listen(db.session, "before_flush", _security_changes)
