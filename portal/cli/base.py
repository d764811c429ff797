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


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """政务服务中心 portal engine."""


if __name__ == "__main__":  # `python -m portal.cli`
    main()
