"""`portal print-batch` and `portal audit verify`: documents of a day, the event log's chain."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.cli.base import domain_errors, main
from portal.core import servertime
from portal.core.errors import N_, PortalError


@main.command("print-batch")
@click.argument("kind", type=click.Choice(["certificate", "completion", "acceptance"]))
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="the day the cases were completed (accepted, for acceptance); default today")
@click.option("--sub-center", default=None, help="only this sub-center's cases (its code)")
@click.option("--by", default=lambda: os.environ.get("USER", "cli"), show_default="$USER",
              help="recorded as the issuer on each document's event")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="also write the documents into this ZIP file")
@with_appcontext
@domain_errors
def print_batch(kind: str, day: Any, sub_center: str | None, by: str, out: Path | None) -> None:
    """Print every KIND document of a day's cases, with a progress bar (批量打印)."""

    from sqlalchemy import select

    from portal.access.roles import ADMIN
    from portal.cases.actions import Actor
    from portal.cases.lifecycle import local_day
    from portal.documents import batches as batch
    from portal.models import SubCenter, db
    from portal.web.current import current_site

    public = current_app.config.get("PORTAL_PUBLIC_URL")
    if not public:
        raise PortalError(N_("the documents' QR codes need the portal's public address"),
                          hint=N_("set PORTAL_PUBLIC_URL, e.g. https://zwfw.jurong.gov.cn"))
    site = current_site()
    if site is None:
        raise PortalError(N_("nothing is published yet"), hint=N_("run `portal sync` first"))
    zone = site.zone
    sub_id = None
    if sub_center:
        sub_id = db.session.scalars(select(SubCenter.id).where(SubCenter.code == sub_center)).first()
        if sub_id is None:
            raise PortalError(N_("no sub-center %(code)s"), hint=N_("see `portal check` for the codes"),
                              code=sub_center)
    actor = Actor(by, frozenset({ADMIN}))
    the_day = day.date() if day else local_day(site, servertime.now())
    job = batch.create(db.session, kind, the_day, zone, actor, sub_id)
    if not job.total:
        click.echo(f"{job.label}: none")
        return
    with click.progressbar(length=job.total, label=job.label, show_pos=True) as bar:
        try:
            batch.run(db.session, site, job.id, actor,
                      lambda token: public.rstrip("/") + "/verify/" + token,
                      current_app.config["SECRET_KEY"], progress=lambda done, total: bar.update(1))
        except Exception as exc:  # the job says what stopped it
            db.session.rollback()
            failed = db.session.get(type(job), job.id)
            failed.fail(str(exc) or type(exc).__name__)
            db.session.commit()
            raise
    click.echo(f"{job.label}: {job.done} documents (job {job.id})")
    if out:
        out.write_bytes(batch.archive(db.session, job))
        click.echo(f"written to {out}")


@main.group()
def audit() -> None:
    """The case event log (电子监察)."""


def _anchors_file(given: Path | None) -> Path:
    return given or Path(current_app.config["PORTAL_AUDIT_ANCHORS"])


@audit.command("verify")
@click.option("--anchors", type=click.Path(path_type=Path), default=None,
              help="the anchors file to check against (default: PORTAL_AUDIT_ANCHORS)")
@with_appcontext
def audit_verify(anchors: Path | None) -> None:
    """Check that no case event was edited, deleted, inserted or moved since it was recorded,
    and that the chain still reaches and agrees with every anchor written outside the database."""
    from portal.cases.audit import read_anchors, verify
    from portal.models import db

    path = _anchors_file(anchors)
    kept, bad = read_anchors(path)
    count, findings = verify(db.session, kept)
    findings = bad + findings
    for finding in findings:
        click.echo(str(finding))
    if findings:
        raise click.ClickException(f"{len(findings)} problem(s) in the event log of {count} events")
    latest = max(kept, key=lambda a: a.at, default=None)
    against = (f"; agrees with {len(kept)} anchor(s) of {path}, the latest of {latest.at}"
               if latest else f"; no anchor yet in {path}: run `portal audit anchor`")
    click.echo(f"{count} events, chains intact{against}")


@audit.command("anchor")
@click.option("--to", "to", type=click.Path(path_type=Path), default=None,
              help="the anchors file to append to (default: PORTAL_AUDIT_ANCHORS)")
@with_appcontext
def audit_anchor(to: Path | None) -> None:
    """Append each chain's count and newest link to the anchors file (run it from cron, e.g.
    hourly; the month's close writes one too). Keep the file where the database's
    administrators cannot write."""
    from portal.cases.audit import write_anchor
    from portal.models import db

    for made in write_anchor(db.session, _anchors_file(to)):
        click.echo(made.line())


@audit.command("rekey")
@with_appcontext
@domain_errors
def audit_rekey() -> None:
    """Once, after upgrading: link a chain written before the audit key again, with the key
    (only if it verifies as it was written), and anchor it."""
    from portal.cases.audit import rekey, write_anchor
    from portal.models import db

    count = rekey(db.session)
    write_anchor(db.session, _anchors_file(None))
    click.echo(f"{count} events linked with the audit key and anchored")


@main.group()
def uploads() -> None:
    """Uploaded application materials."""


@uploads.command("clean")
@click.option("--older-than-hours", type=float, default=24.0, show_default=True,
              help="keep files written more recently (a clerk may still finish a refused form)")
@with_appcontext
def uploads_clean(older_than_hours: float) -> None:
    """Remove stored files that no case, draft or 十个有 finding keeps (those of forms never
    saved). Run it daily from cron."""
    from sqlalchemy import select

    from portal.cases.files import unnamed
    from portal.cases.uploads import referenced
    from portal.models import Case, TownInspectionItem, db
    from portal.web.cases.intake import uploads

    kept = {sha for data in db.session.scalars(select(Case.data)).yield_per(2000)
            for sha in referenced(data)}
    # the photos of 十个有 findings
    kept |= {sha for photos in db.session.scalars(select(TownInspectionItem.photos)
                                                  .where(TownInspectionItem.present.is_(False)))
             for sha in referenced(photos)}
    store = uploads()
    gone = unnamed(store.files, kept, older_than_hours * 3600)
    for sha in gone:
        store.files.remove(sha)
    click.echo(f"{len(gone)} file(s) no case keeps removed; {len(kept)} kept")
