"""The ``portal`` command: check, sync and export declarations; set up the database.

Domain errors (:class:`PortalError`) become click errors here and nowhere else.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from portal.core import servertime
from portal.core.errors import PortalError
from portal.core.problems import Problem
from portal.site.metrics import SUBJECT_NAMES

SITE_DIR_HELP = "the site folder holding schema/, forms/ and print_templates/"


def _default_site_dir() -> str:
    return os.environ.get("PORTAL_SITE_DIR", ".")


def _domain_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PortalError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


def _create_app() -> Any:
    from portal.web.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """政务服务中心 portal engine."""


def _show(problems: list[Problem], root: Path) -> tuple[int, int]:
    """Print problems with file paths usable from the current directory."""
    base = "" if root.resolve() == Path.cwd().resolve() else os.path.relpath(root) + "/"
    errors = warnings = 0
    for problem in problems:
        line = str(problem)
        if base and problem.file:
            line = base + line
        click.echo(line)
        if problem.is_error:
            errors += 1
        else:
            warnings += 1
    return errors, warnings


def _load(directory: str) -> tuple[Any, list[Problem], Path]:
    from portal.site import load_site

    root = Path(directory)
    if not root.is_dir():
        raise PortalError(f"{directory} is not a folder", hint=SITE_DIR_HELP)
    site, problems = load_site(root)
    return site, problems, root


@main.command()
@click.argument("directory", required=False)
@click.option("--strict", is_flag=True, help="fail on warnings too")
@_domain_errors
def check(directory: str | None, strict: bool) -> None:
    """Check a declaration folder and print every problem at once."""
    site, problems, root = _load(directory or _default_site_dir())
    errors, warnings = _show(problems, root)
    summary = f"{errors} error(s), {warnings} warning(s)"
    if site is not None:
        summary += (f"; {len(site.subcenters)} sub-centers, {len(site.items)} items, "
                    f"content hash {site.content_hash[:12]}")
    click.echo(summary, err=True)
    if errors or (strict and warnings):
        sys.exit(1)


@main.command()
@click.argument("directory", required=False)
@click.option("--by", default=lambda: os.environ.get("USER", "cli"), show_default="$USER",
              help="who publishes (recorded on the version)")
@with_appcontext
@_domain_errors
def sync(directory: str | None, by: str) -> None:
    """Publish a declaration folder as a new immutable version (nothing, if it has errors)."""
    from portal.models import db
    from portal.site.publish import publish
    from portal.web.security import sync_permissions

    site, problems, root = _load(directory or current_app.config["PORTAL_SITE_DIR"])
    errors, _ = _show(problems, root)
    if site is None:
        raise PortalError(f"{errors} error(s): nothing was published",
                          hint="fix them and run `portal check` until it reports no error")
    result = publish(db.session, site, by=by)
    sync_permissions(current_app)
    version = result.version
    if not result.published:
        click.echo(f"unchanged: version {version.number} ({version.content_hash[:12]}) is current")
    elif result.created:
        click.echo(f"published version {version.number} ({version.content_hash[:12]})")
    else:
        click.echo(f"version {version.number} ({version.content_hash[:12]}) is current again")


@main.command()
@click.argument("version")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
@_domain_errors
def export(version: str, directory: Path) -> None:
    """Write published VERSION (number, hash prefix or 'current') as files into DIRECTORY."""
    from portal.models import db
    from portal.site.export import write_documents
    from portal.site.publish import find_version

    found = find_version(db.session, version)
    written = write_documents(found.documents, directory, found.number)
    click.echo(f"wrote {len(written)} files of version {found.number} "
               f"({found.content_hash[:12]}) to {directory}")


@main.command()
@with_appcontext
def versions() -> None:
    """List published versions, newest first."""
    from sqlalchemy import select

    from portal.models import SiteVersion, db
    from portal.site.publish import current_version

    current = current_version(db.session)
    for version in db.session.scalars(select(SiteVersion).order_by(SiteVersion.number.desc())):
        mark = "*" if current is not None and version.id == current.id else " "
        click.echo(f"{mark} {version.number:>4}  {version.content_hash[:12]}  "
                   f"{version.created_at:%Y-%m-%d %H:%M}  {version.source:<8} {version.created_by}")


@main.command()
@with_appcontext
@_domain_errors
def setup() -> None:
    """Bring the database to the newest schema and create the built-in roles."""
    from flask_migrate import upgrade

    from portal.web.security import sync_permissions

    upgrade()
    sync_permissions(current_app)
    click.echo("database is up to date")


@main.command("create-admin")
@click.option("--username", default="admin", show_default=True)
@click.option("--password", envvar="PORTAL_ADMIN_PASSWORD", default=None,
              help="default: $PORTAL_ADMIN_PASSWORD, else a random one that is printed")
@click.option("--remember", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="demo only: keep the generated password in this file (mode 600) to show it again")
@with_appcontext
@_domain_errors
def create_admin(username: str, password: str | None, remember: Path | None) -> None:
    """Create the center admin (中心管理员) unless it exists, and say how to log in."""
    from portal.cli.demo import read_remembered
    from portal.cli.demo import remember as keep
    from portal.web.security import ensure_center_admin

    created, password = ensure_center_admin(username, password)
    if created:
        keep(remember, username, password)
    else:
        password = read_remembered(remember).get(username)
    if password:
        click.echo(f"中心管理员 / center admin: {username} / {password}")
    else:
        click.echo(f"中心管理员 / center admin: {username} (exists; password unchanged)")


@main.command("demo-users")
@click.option("--remember", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="keep generated passwords in this file (mode 600) to show them again")
@click.option("--password", envvar="PORTAL_DEMO_PASSWORD", default=None,
              help="one password for every new demo account (default: a random one each)")
@with_appcontext
@_domain_errors
def demo_users(remember: Path | None, password: str | None) -> None:
    """Create a manager, a clerk and an auditor for every sub-center, and print the logins."""
    from portal.access.roles import ROLE_NAMES
    from portal.cli.demo import ensure_demo_users

    for login in ensure_demo_users(remember, password):
        password = login.password or "(exists; password unchanged)"
        click.echo(f"{ROLE_NAMES[login.role]:<8} {login.username:<18} {password:<14} {login.scope}")


@main.command("demo-cases")
@click.option("--count", default=300, show_default=True, help="how many cases to add")
@click.option("--if-empty", is_flag=True, help="only when there is no case yet")
@with_appcontext
@_domain_errors
def demo_cases(count: int, if_empty: bool) -> None:
    """Add demo cases spread over every window (demos and benchmarks only)."""
    from sqlalchemy import func, select

    from portal.cli.demo import seed_cases
    from portal.models import Case, db

    if if_empty and db.session.scalar(select(func.count()).select_from(Case)):
        click.echo("demo cases: there are cases already, none added")
        return
    click.echo(f"demo cases: added {seed_cases(count)}")


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
@_domain_errors
def print_batch(kind: str, day: Any, sub_center: str | None, by: str, out: Path | None) -> None:
    """Print every KIND document of a day's cases, with a progress bar (批量打印)."""

    from flask import current_app
    from sqlalchemy import select

    from portal.access.roles import ADMIN
    from portal.cases.actions import Actor
    from portal.cases.lifecycle import local_day
    from portal.documents import batches as batch
    from portal.models import SubCenter, db
    from portal.web.current import current_site

    public = current_app.config.get("PORTAL_PUBLIC_URL")
    if not public:
        raise PortalError("the documents' QR codes need the portal's public address",
                          hint="set PORTAL_PUBLIC_URL, e.g. https://zwfw.jurong.gov.cn")
    site = current_site()
    if site is None:
        raise PortalError("nothing is published yet", hint="run `portal sync` first")
    zone = site.zone
    sub_id = None
    if sub_center:
        sub_id = db.session.scalars(select(SubCenter.id).where(SubCenter.code == sub_center)).first()
        if sub_id is None:
            raise PortalError(f"no sub-center {sub_center!r}", hint="see `portal check` for the codes")
    actor = Actor(by, frozenset({ADMIN}))
    the_day = day.date() if day else local_day(site, servertime.now())
    job = batch.create(db.session, kind, the_day, zone, actor, sub_id)
    if not job.total:
        click.echo(f"{job.label}: none")
        return
    with click.progressbar(length=job.total, label=job.label, show_pos=True) as bar:
        batch.run(db.session, site, job.id, actor,
                  lambda token: public.rstrip("/") + "/verify/" + token,
                  current_app.config["SECRET_KEY"], progress=lambda done, total: bar.update(1))
    click.echo(f"{job.label}: {job.done} documents (job {job.id})")
    if out:
        out.write_bytes(batch.archive(db.session, job))
        click.echo(f"written to {out}")


@main.command("assessment-export")
@click.option("--month", required=True, help="the month, e.g. 2026-11")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="the XLSX workbook to write")
@click.option("--subject", type=click.Choice(list(SUBJECT_NAMES)), default=None,
              help="rank windows, sub-centers or clerks (default: the rules' own subject)")
@with_appcontext
@_domain_errors
def assessment_export(month: str, out: Path, subject: str | None) -> None:
    """Write a month's assessment workbook (ranking, evidence, rule version), with progress."""


    from portal.assessment.exports import steps, workbook
    from portal.assessment.freezing import shown_ranking
    from portal.assessment.reports import Month
    from portal.cases.lifecycle import local_day
    from portal.models import db
    from portal.site.publish import current_version
    from portal.web.current import current_site

    site = current_site()
    rules = site.center.get("assessment") if site else None
    if not rules:
        raise PortalError("the center declares no assessment rules",
                          hint="add 'assessment:' to schema/center.yaml and run `portal sync`")
    try:
        period = Month.parse(month)
    except ValueError:
        raise PortalError(f"{month!r} is not a month", hint="e.g. 2026-11") from None
    zone = site.zone
    today = local_day(site, servertime.now())
    by = SUBJECT_NAMES[subject or rules.get("subject", "window")]
    rows, chosen, _, shown = shown_ranking(db.session, rules, period, today, zone, by)
    version = chosen.label if chosen else str(current_version(db.session))
    label = f"{rules['name']} {period}"
    with click.progressbar(length=steps(shown, rows), label=label, show_pos=True) as bar:
        data = workbook(shown, period, rows, version, db.session, today, zone,
                        progress=lambda done, total: bar.update(1), by=by)
    out.write_bytes(data)
    words = {"window": "windows", "sub_center": "sub-centers", "clerk": "clerks"}[by]
    click.echo(f"{len(rows)} {words} written to {out}"
               + (f" (frozen: {chosen.label})" if chosen else ""))


if __name__ == "__main__":  # `python -m portal.cli`
    main()


@main.command("form-export")
@click.argument("code")
@click.option("--scope", default="",
              help="a sub-center's code: its version of the form (default: the center's)")
@click.option("--number", type=int, default=None, help="the version number (default: the newest)")
@with_appcontext
@_domain_errors
def form_export(code: str, scope: str, number: int | None) -> None:
    """Print a published form version as a YAML declaration (forms/<code>.yaml)."""
    from sqlalchemy import select

    from portal.models import FormVersion, db
    from portal.site.form_versions import to_yaml

    query = select(FormVersion).where(FormVersion.code == code, FormVersion.scope == scope)
    if number is not None:
        query = query.where(FormVersion.number == number)
    version = db.session.scalars(query.order_by(FormVersion.number.desc()).limit(1)).first()
    if version is None:
        where = f" for {scope!r}" if scope else ""
        raise PortalError(f"no published version of form {code!r}{where}",
                          hint="see the form versions screen")
    click.echo(to_yaml(version.definition, header=f"{version} · exported by `portal form-export`"),
               nl=False)


@main.command("form-import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("directory", required=False)
@_domain_errors
def form_import(file: Path, directory: str | None) -> None:
    """Put the form in FILE into the site folder as forms/<code>.yaml, if the site still checks.

    Nothing changes when the file or the site it makes has an error. Publish with `portal sync`.
    """
    from portal.site.form_versions import from_yaml

    data = from_yaml(file.read_text(encoding="utf-8"), file.name)
    root = Path(directory or _default_site_dir())
    target = root / "forms" / f"{data['code']}.yaml"
    before = target.read_bytes() if target.exists() else None
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(file.read_bytes())
    site, problems, _ = _load(str(root))
    if site is None:
        if before is None:
            target.unlink()
        else:
            target.write_bytes(before)
        _show([p for p in problems if p.is_error], root)
        raise click.ClickException(f"{file} was not imported: the site would have errors (listed above)")
    click.echo(f"imported {file} as {target.relative_to(root)}; publish it with `portal sync`")


@main.group()
def audit() -> None:
    """The case event log (电子监察)."""


@audit.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Check that no case event was edited, deleted, inserted or moved since it was recorded."""
    from portal.cases.audit import verify
    from portal.models import db

    count, findings = verify(db.session)
    for finding in findings:
        click.echo(str(finding))
    if findings:
        raise click.ClickException(f"{len(findings)} problem(s) in the event log of {count} events")
    click.echo(f"{count} events, chain intact")
