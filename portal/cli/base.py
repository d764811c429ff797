"""The ``portal`` command group, and the one place domain errors become click errors."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

import click
from flask.cli import FlaskGroup

from portal.core.errors import PortalError

SITE_DIR_HELP = "the site folder holding schema/, forms/ and print_templates/"


def default_site_dir() -> str:
    return os.environ.get("PORTAL_SITE_DIR", ".")


def domain_errors(command: Callable[..., Any]) -> Callable[..., Any]:
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


class PortalGroup(FlaskGroup):
    """Flask's command group, except that listing or finding the portal's own commands builds
    nothing: Flask-Migrate's ``portal db …`` (and other plugins) are looked up only when called.
    FlaskGroup builds the whole app to list the app's commands (2 s), and loads every
    ``flask.commands`` plugin to find any command — FAB's imports FAB and SQLAlchemy (1.4 s)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.commands)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self.commands.get(name) or super().get_command(ctx, name)


@click.group(cls=PortalGroup, create_app=_create_app, add_version_option=False,
             epilog="Also: portal db … (Flask-Migrate's Alembic commands).")
def main() -> None:
    """政务服务中心 portal engine."""


if __name__ == "__main__":  # `python -m portal.cli`
    main()
