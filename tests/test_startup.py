"""Starting a worker writes nothing: roles and permissions belong to `portal setup`/`sync`."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal import create_app
from portal.models import db
from tests.support.sites import REPO

WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "DROP")


def test_worker_start_and_first_pages_write_nothing(published, database_url: str) -> None:
    # Four worker processes at once, as gunicorn starts them (threads would share one
    # interpreter, which is not how workers run; CPython 3.11.7 also races in its AST
    # recursion counter when threads import at once: see the issue-3 note).
    workers = [subprocess.Popen([sys.executable, "-m", "tests.support.start_worker", database_url],
                                cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(4)]
    reports = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        reports.append(json.loads(out))
    for report in reports:
        assert report["codes"] == {"/login/": 200, "/": 200, "/api/v1/cases/": 401}
        statements = report["statements"]
        assert any("site_publication" in s for s in statements), "the first pages were served"
        written = [s for s in statements if s.lstrip().upper().startswith(WRITES)]
        assert written == []


def test_creating_the_app_opens_no_connection(published, database_url: str) -> None:
    """So `gunicorn --preload` (make run) forks workers that share no database socket."""
    connects: list[object] = []

    def record(*args) -> None:
        connects.append(args)

    event.listen(Engine, "connect", record)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "p" * 40})
    finally:
        event.remove(Engine, "connect", record)
    assert connects == []
    assert app.test_client().get("/login/").status_code == 200  # it connects when serving
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
