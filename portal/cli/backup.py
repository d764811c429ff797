"""`portal backup DIR` and `portal restore DIR`: the database and the uploaded files, together.

A backup is a folder: ``database.dump`` (PostgreSQL, ``pg_dump --format=custom``) or
``database.sqlite`` (SQLite's online backup: consistent while the portal writes, unlike a file
copy of a database in WAL mode), ``uploads/`` (the stored materials, by SHA-256) and
``manifest.json`` (when, which migration, how many cases and events, the chain's head). The
keys are not in it: ``PORTAL_SECRET_KEY`` and ``PORTAL_AUDIT_KEY`` are kept apart (a vault), and
a restored event log verifies only under the audit key it was written with.

`portal restore` writes into a new, empty database (it refuses one with tables), copies the
files back, and runs `portal audit verify`'s check: the restore fails unless every event is
there and the chain is intact.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from portal.cli.base import domain_errors, main
from portal.core.errors import N_, PortalError

MANIFEST = "manifest.json"


def _upload_folder() -> Path | None:
    """The folder of the uploaded files; ``None`` when they are kept in the database
    (``PORTAL_FILE_STORE=database``: the dump holds them)."""
    from flask import current_app

    from portal.web.cases.intake import upload_folder

    return None if current_app.config.get("PORTAL_FILE_STORE") == "database" else upload_folder()


def _libpq(url: Any) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore take it."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise PortalError(N_("%(tool)s failed: %(error)s"), hint=N_("see the tool's message"),
                          tool=command[0], error=(done.stderr or done.stdout).strip()[-2000:])


def _state(session: Any) -> dict[str, Any]:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import func, select

    from portal.models import AuditHead, Case, CaseEvent

    heads = session.execute(select(AuditHead.chain, AuditHead.seq)).all()
    return {"revision": ", ".join(sorted(MigrationContext.configure(session.connection())
                                         .get_current_heads())),
            "cases": session.scalar(select(func.count()).select_from(Case)),
            "events": session.scalar(select(func.count()).select_from(CaseEvent)),
            "audit_heads": {str(chain): seq for chain, seq in heads}}


@main.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
@domain_errors
def backup(dest: Path) -> None:
    """Write the database and the uploaded files into the new folder DEST."""
    from portal.models import db

    if dest.exists() and any(dest.iterdir()):
        raise PortalError(N_("%(folder)s is not empty"), hint=N_("name a new folder"), folder=str(dest))
    dest.mkdir(parents=True, exist_ok=True)
    url = db.engine.url
    state = _state(db.session)
    db.session.rollback()
    if url.get_backend_name() == "sqlite":
        with closing(sqlite3.connect(url.database)) as source, \
                closing(sqlite3.connect(dest / "database.sqlite")) as target:
            source.backup(target)
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--file={dest / 'database.dump'}", _libpq(url)])
    folder = _upload_folder()
    if folder is None:
        from sqlalchemy import func, select

        from portal.models import StoredFile

        files = db.session.scalar(select(func.count()).select_from(StoredFile))
        db.session.rollback()
    else:
        files = 0
        if folder.is_dir():
            shutil.copytree(folder, dest / "uploads")
            files = sum(1 for p in (dest / "uploads").glob("*/*") if p.is_file())
    manifest = {"made_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "database": url.get_backend_name(), "files": files, **state}
    (dest / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    click.echo(f"backup of {state['cases']} cases, {state['events']} events and {files} files "
               f"written to {dest}")


@main.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
@domain_errors
def restore(source: Path) -> None:
    """Restore the backup folder SOURCE into this (new, empty) database and upload folder, then
    check the event log."""
    from sqlalchemy import inspect

    from portal.cases.audit import verify
    from portal.models import db

    manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    url = db.engine.url
    if manifest["database"] != url.get_backend_name():
        raise PortalError(N_("the backup is of a %(kind)s database, this one is %(this)s"),
                          hint=N_("restore into the same kind of database"),
                          kind=manifest["database"], this=url.get_backend_name())
    if inspect(db.engine).get_table_names():
        raise PortalError(N_("the database already has tables: nothing was restored"),
                          hint=N_("restore into a new, empty database"))
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        with closing(sqlite3.connect(source / "database.sqlite")) as backup_file, \
                closing(sqlite3.connect(url.database)) as target:
            backup_file.backup(target)
    else:
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
              f"--dbname={_libpq(url)}", str(source / "database.dump")])
    folder = _upload_folder()
    if folder is not None and (source / "uploads").is_dir():
        shutil.copytree(source / "uploads", folder, dirs_exist_ok=True)
    state = _state(db.session)
    count, findings = verify(db.session)
    for finding in findings:
        click.echo(str(finding))
    if findings or state["events"] != manifest["events"] or state["cases"] != manifest["cases"]:
        raise PortalError(N_("the restored database does not check: %(problems)s problem(s), "
                             "%(events)s of %(expected)s events"),
                          hint=N_("is PORTAL_AUDIT_KEY the key the backup was written under?"),
                          problems=len(findings), events=count, expected=manifest["events"])
    click.echo(f"restored {state['cases']} cases and {count} events (chain intact) and "
               f"{manifest['files']} files from {source}")
