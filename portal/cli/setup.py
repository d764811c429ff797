"""`portal setup`, `create-admin`, `demo-users`, `demo-cases`: the database and its first accounts."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.cli.base import domain_errors, main


@main.command()
@with_appcontext
@domain_errors
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
@domain_errors
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
@domain_errors
def demo_users(remember: Path | None, password: str | None) -> None:
    """Create a manager, a clerk and an auditor for every sub-center and a login for every
    declared 代办员 (bound to their village), and print the logins."""
    from portal.access.roles import ROLE_NAMES
    from portal.cli.demo import ensure_demo_users

    for login in ensure_demo_users(remember, password):
        password = login.password or "(exists; password unchanged)"
        click.echo(f"{ROLE_NAMES[login.role]:<8} {login.username:<18} {password:<14} {login.scope}")


@main.command("demo-cases")
@click.option("--count", default=300, show_default=True, help="how many cases to add")
@click.option("--if-empty", is_flag=True, help="only when there is no case yet")
@with_appcontext
@domain_errors
def demo_cases(count: int, if_empty: bool) -> None:
    """Add demo cases spread over every window, and 代办 cases of the town centers at every
    stage (demos and benchmarks only)."""
    from sqlalchemy import func, select

    from portal.cli.demo import seed_agency_cases, seed_cases
    from portal.models import Case, db

    if if_empty and db.session.scalar(select(func.count()).select_from(Case)):
        click.echo("demo cases: there are cases already, none added")
        return
    click.echo(f"demo cases: added {seed_cases(count)}")
    click.echo(f"demo cases: added {seed_agency_cases()} 代办 cases, at every stage of their carrying")
