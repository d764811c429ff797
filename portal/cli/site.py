"""`portal check`, `sync`, `export`, `versions`, `form-export`, `form-import`: the declarations."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.cli.base import default_site_dir, domain_errors, main
from portal.core.errors import N_, PortalError
from portal.core.problems import Problem


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
        raise PortalError(N_("%(path)s is not a folder"),
                          hint=N_("give the site folder holding schema/, forms/ and print_templates/"),
                          path=str(directory))
    site, problems = load_site(root)
    return site, problems, root


@main.command()
@click.argument("directory", required=False)
@click.option("--strict", is_flag=True, help="fail on warnings too")
@domain_errors
def check(directory: str | None, strict: bool) -> None:
    """Check a declaration folder and print every problem at once."""
    site, problems, root = _load(directory or default_site_dir())
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
@click.option("--force", is_flag=True,
              help="publish even if it undoes work published in the browser (recorded as dropped)")
@with_appcontext
@domain_errors
def sync(directory: str | None, by: str, force: bool) -> None:
    """Publish a declaration folder as a new immutable version (nothing, if it has errors, or
    if it would undo what was published in the browser since the folder was last synced)."""
    from portal.cases.lifecycle import changed_years, rebase_due_dates
    from portal.models import db
    from portal.site import site_from_documents
    from portal.site.publish import browser_work_undone, current_version, publish
    from portal.web.security import sync_permissions

    site, problems, root = _load(directory or current_app.config["PORTAL_SITE_DIR"])
    errors, _ = _show(problems, root)
    if site is None:
        raise PortalError(N_("%(errors)s error(s): nothing was published"),
                          hint=N_("fix them and run `portal check` until it reports no error"),
                          errors=errors)
    undone = browser_work_undone(db.session, site)
    if undone and not force:
        for lost in undone:
            click.echo(f"would undo {lost}", err=True)
        raise PortalError(
            N_("the folder would undo %(count)s declaration(s) changed in the browser since it "
               "was last synced: nothing was published"),
            hint=N_("keep them: `portal export current NEW_FOLDER`, bring your edits there and "
                    "sync that folder (commit it); or `portal sync --force` drops them, recorded "
                    "on the publication"), count=len(undone))
    note = ("dropped browser work: " + "; ".join(str(u) for u in undone)) if undone else None
    before = current_version(db.session)
    result = publish(db.session, site, by=by, note=note)
    if undone:
        click.echo(f"dropped what the browser had published: {len(undone)} declaration(s)", err=True)
    sync_permissions(current_app)
    version = result.version
    if not result.published:
        click.echo(f"unchanged: version {version.number} ({version.content_hash[:12]}) is current")
    elif result.created:
        click.echo(f"published version {version.number} ({version.content_hash[:12]})")
    else:
        click.echo(f"version {version.number} ({version.content_hash[:12]}) is current again")
    if result.published and before is not None:  # a year's holidays declared: due dates move
        old = site_from_documents(before.documents)
        years = sorted(changed_years(old, site))
        moved = rebase_due_dates(db.session, old, site, by)
        db.session.commit()
        if moved:
            click.echo(f"{len(moved)} open case(s) have new due dates: the holiday schedule of "
                       f"{', '.join(str(y) for y in years)} changed")


@main.command()
@click.argument("version")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
@domain_errors
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


@main.command("form-export")
@click.argument("code")
@click.option("--scope", default="",
              help="a sub-center's code: its version of the form (default: the center's)")
@click.option("--number", type=int, default=None, help="the version number (default: the newest)")
@with_appcontext
@domain_errors
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
        raise PortalError(N_("no published version of form %(code)s%(where)s"),
                          hint=N_("see the form versions screen"), code=repr(code), where=where)
    click.echo(to_yaml(version.definition, header=f"{version} · exported by `portal form-export`"),
               nl=False)


@main.command("form-import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("directory", required=False)
@domain_errors
def form_import(file: Path, directory: str | None) -> None:
    """Put the form in FILE into the site folder as forms/<code>.yaml, if the site still checks.

    Nothing changes when the file or the site it makes has an error. Publish with `portal sync`.
    """
    from portal.site.form_versions import from_yaml

    data = from_yaml(file.read_text(encoding="utf-8"), file.name)
    root = Path(directory or default_site_dir())
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
