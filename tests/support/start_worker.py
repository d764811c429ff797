"""One worker's start, run as its own process: create the app, serve the first pages.

Prints, as JSON, every SQL statement the process sent. Used by tests/test_startup.py, which
starts several of these at once, as gunicorn starts its workers (processes, not threads).
"""

from __future__ import annotations

import json
import sys

from sqlalchemy import event
from sqlalchemy.engine import Engine


def main(database_url: str) -> None:
    statements: list[str] = []
    event.listen(Engine, "before_cursor_execute",
                 lambda conn, cursor, sql, *args: statements.append(sql))
    from portal import create_app
    from portal.models import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url,
                      "SECRET_KEY": "start-" + "s" * 40, "TESTING": True})
    client = app.test_client()
    codes = {path: client.get(path).status_code for path in ("/login/", "/", "/api/v1/cases/")}
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    json.dump({"codes": codes, "statements": statements}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
