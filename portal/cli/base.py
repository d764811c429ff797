"""The ``portal`` command group, and the one place domain errors become click errors."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask.cli import FlaskGroup

from portal.core.errors import PortalError, Translate

SITE_DIR_HELP = "the site folder holding schema/, forms/ and print_templates/"


def default_site_dir() -> str:
    return os.environ.get("PORTAL_SITE_DIR", ".")


def cli_language() -> str:
    """The command line's language: ``--lang`` (``PORTAL_LANG``), else the locale's
    (``LC_ALL``, ``LC_MESSAGES``, ``LANG``): Chinese under a Chinese locale, else English."""
    for name in ("PORTAL_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def cli_translate() -> Translate:
    """The gettext of the command line's language (messages stay English in ``en``)."""
    if cli_language() != "zh":
        return str
    from babel.support import Translations

    catalog = Translations.load(str(Path(__file__).resolve().parent.parent / "translations"), ["zh"])
    return catalog.gettext


def domain_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PortalError as exc:
            raise click.ClickException(exc.render(cli_translate())) from exc

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
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, expose_value=True,
              help="the language of error messages (default: the locale's; English otherwise)")
def main(lang: str | None) -> None:
    """政务服务中心 portal engine."""
    if lang:
        os.environ["PORTAL_LANG"] = lang


if __name__ == "__main__":  # `python -m portal.cli`
    main()
