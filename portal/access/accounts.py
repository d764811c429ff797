"""Accounts: the password policy, server-side sessions and the account log.

- **Password policy** (``weaknesses``): every path that sets a password — the user and clerk
  add forms, a reset by the center admin or a manager, one's own change, the CLI — refuses one
  shorter than the configured length (10 by default), equal to the user name, or on the list of
  common passwords shipped with the portal (``common-passwords.txt.gz``: the 20,000 most common
  passwords, and ``common-passwords-cn.txt``: ones common in China). Case is ignored.
- **Sessions** (``open_session`` …): a session cookie counts only while its row exists.
  Logging out ends it; a password change ends the user's other sessions, a reset by someone else
  and a deactivation end all of them — a copied cookie stops working.
- **The account log** (``log``): who created an account, set or changed its password, unlocked
  or deactivated it, and when.
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import secrets
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, event, inspect, select
from sqlalchemy.orm import Session

from portal.core import servertime
from portal.models import AccountEvent, PortalUser, UserSession, db

HERE = Path(__file__).parent

# the weaknesses a password can have (their messages are the web layer's and the CLI's)
SHORT, USERNAME, COMMON = "short", "username", "common"


@functools.cache
def common_passwords() -> frozenset[str]:
    with gzip.open(HERE / "common-passwords.txt.gz", "rt", encoding="utf-8") as handle:
        general = {line.strip().lower() for line in handle if line.strip()}
    own = (HERE / "common-passwords-cn.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(general | {line.strip().lower() for line in own
                                if line.strip() and not line.startswith("#")})


def weaknesses(password: str, username: str | None, min_length: int) -> list[str]:
    """What makes ``password`` unfit for ``username`` (empty: it may be used)."""
    out = []
    if len(password) < min_length:
        out.append(SHORT)
    typed = _plain(password)  # full-width １２３４５６ (an input method's) is 123456
    if username and typed == _plain(username):
        out.append(USERNAME)
    if typed in common_passwords():
        out.append(COMMON)
    return out


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


def open_session(session: Session, user_id: int, lifetime: dt.timedelta) -> str:
    """A new server-side session for ``user_id`` (its id goes into the cookie); sessions older
    than ``lifetime`` are removed on the way."""
    now = servertime.now()
    session.execute(delete(UserSession).where(UserSession.created_at < now - lifetime))
    sid = secrets.token_urlsafe(32)
    session.add(UserSession(id=sid, user_id=user_id, created_at=now))
    return sid


def live_user(session: Session, sid: str | None, user_id: int,
              also: tuple[Any, ...] = ()) -> tuple[PortalUser | None, tuple[Any, ...]]:
    """The user ``user_id`` while ``sid`` is a live session of theirs, in one statement, and
    the values of the columns ``also`` read with them (the page's other first questions).
    Their roles and assignments are read when first asked: the web layer keeps what the pages
    ask of them between pages (portal/web/profile.py), where loading them with the user on
    every page cost 0.7 ms."""
    if not sid:
        return None, ()
    row = session.execute(_live_user_statement(also), {"user_id": user_id, "sid": sid}).one_or_none()
    return (None, ()) if row is None else (row[0], tuple(row[1:]))


@functools.cache
def _live_user_statement(also: tuple[Any, ...]) -> Any:
    """Built once (on first use: FAB maps its models when the app starts), its values bound:
    SQLAlchemy keeps a statement's cache key on the statement, where building it and working
    the key out again cost 0.16 ms of every signed-in page."""
    return (select(PortalUser, *also).join(UserSession, UserSession.user_id == PortalUser.id)
            .where(PortalUser.id == bindparam("user_id"), UserSession.id == bindparam("sid")))


def end_session(session: Session, sid: str | None) -> None:
    if sid:
        session.execute(delete(UserSession).where(UserSession.id == sid))


def end_sessions(session: Session, user_id: int, keep: str | None = None) -> None:
    """End every session of ``user_id`` but ``keep``."""
    query = delete(UserSession).where(UserSession.user_id == user_id)
    if keep:
        query = query.where(UserSession.id != keep)
    session.execute(query)


# kinds of the account log
CREATED, PASSWORD_SET, PASSWORD_CHANGED, UNLOCKED, DEACTIVATED = (
    "created", "password_set", "password_changed", "unlocked", "deactivated")


def log(session: Session, by: str, username: str, kind: str) -> None:
    session.add(AccountEvent(at=servertime.now(), by=by, username=username, kind=kind))


def _nobody() -> str:
    return "cli"


_actor: Callable[[], str] = _nobody


def _deactivated(db_session: Session, context: object, instances: object) -> None:
    """A user deactivated (``active`` set to false, however it happens) loses every session,
    and the account log says by whom."""
    for record in list(db_session.dirty):
        if isinstance(record, PortalUser) and record.id is not None:
            history = inspect(record).attrs.active.history
            if history.deleted and history.deleted[0] and not record.active:
                with db_session.no_autoflush:
                    end_sessions(db_session, record.id)
                    log(db_session, _actor(), record.username, DEACTIVATED)


def init_app(actor: Callable[[], str]) -> None:
    """Install the listener; ``actor`` names who acts (the signed-in user, else "cli")."""
    global _actor
    _actor = actor
    if not event.contains(db.session, "before_flush", _deactivated):
        event.listen(db.session, "before_flush", _deactivated)
