"""Answers to a request the portal cannot serve, in the page's language: what was wrong and a
way back. A malformed address parameter is a 400 that says which one (``query_int``)."""

from __future__ import annotations

from flask import Flask, abort, current_app, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import BadRequest, HTTPException


def query_int(name: str, default: int) -> int:
    """The whole number the address gives for ``name`` (``default`` when absent), else 400."""
    value = request.args.get(name, "")
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        abort(400, description=gettext("The address's %(name)s must be a whole number, not "
                                       "%(value)s.", name=name, value=value[:40]))


def _bad_request(error: HTTPException) -> tuple[str, int]:
    appbuilder = current_app.appbuilder
    given = error.description if error.description != BadRequest.description else None
    return render_template("portal/error.html", appbuilder=appbuilder,
                           base_template=appbuilder.base_template, code=400,
                           title=gettext("The request could not be understood"),
                           message=given or gettext("Something in the address or the form was "
                                                    "not understood.")), 400


def init_app(app: Flask) -> None:
    app.register_error_handler(400, _bad_request)


