"""A request that only read ends its transaction with COMMIT; one that wrote, or failed, with
ROLLBACK as before.

For a transaction that only read, COMMIT and ROLLBACK do the same thing. They differ in what the
PostgreSQL driver keeps: psycopg 3 prepares a statement on a connection once it has run five
times there — PostgreSQL then stops planning it afresh — and forgets every prepared statement at
each ``rollback()``. The session ends every request with a rollback, so no statement ever reached
the threshold and every page paid for planning its statements again (0.3–0.5 ms each for the
signed-in user, their permissions and a list's rows). Ending the reads with a commit keeps them
prepared; on SQLite it changes nothing.

"Only read" is decided from what was sent, not from the session: every statement of the
transaction began with SELECT. Anything else (an INSERT, UPDATE or DELETE from a flush or from
Core, a SAVEPOINT, a SET, DDL), objects still waiting in the session, or an exception leaves the
transaction to the session's rollback.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from portal.models import db

WROTE = "portal_wrote"  # in the connection's info: this transaction sent something else than a read


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any,
                 executemany: bool) -> None:
    if statement.lstrip()[:6].upper() != "SELECT":
        conn.info[WROTE] = True


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _transaction_over(conn: Connection) -> None:
    conn.info.pop(WROTE, None)


def init_app(app: Flask) -> None:
    """Call after ``db.init_app``: teardowns run last-registered first, so this one runs before
    Flask-SQLAlchemy closes the session."""

    @app.teardown_appcontext
    def _commit_reads(error: BaseException | None) -> None:
        if error is not None or not db.session.registry.has():
            return
        session = db.session()
        if not session.in_transaction() or session.new or session.dirty or session.deleted:
            return
        # as the rollback did, leave the loaded objects as they are: a user kept past the request
        # (a streamed export, a test client keeping its context) still reads its attributes
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            if not session.connection().info.get(WROTE):
                session.commit()
        except Exception:  # Flask-SQLAlchemy's teardown, next, must still run
            app.logger.warning("ending a read-only request with COMMIT failed; rolled back instead",
                               exc_info=True)
        finally:
            session.expire_on_commit = expire
