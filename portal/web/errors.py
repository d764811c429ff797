"""Answers to a request the portal cannot serve, in the page's language: what was wrong and a
way back. A malformed address parameter is a 400 that says which one (``query_int``)."""

from __future__ import annotations

from flask import Flask, abort, current_app, g, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
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
    given = error.description if isinstance(error.description, str) and \
        error.description != BadRequest.description and not isinstance(error, CSRFError) else None
    page = {"code": 400, "title": gettext("The request could not be understood"),
            "message": given or gettext("Something in the address or the form was not understood.")}
    if "user" not in g:  # refused before the signed-in user was loaded (a form without its token)
        return render_template("portal/error_plain.html", **page), 400
    appbuilder = current_app.appbuilder
    return render_template("portal/error.html", appbuilder=appbuilder,
                           base_template=appbuilder.base_template, **page), 400


def init_app(app: Flask) -> None:
    app.register_error_handler(400, _bad_request)


