"""Answers to a request the portal cannot serve, in the page's language: what was wrong and a
way back — a page for the screens, ``{"message": …}`` for the REST API. A malformed address
parameter is a 400 that says which one (``query_int``); a body over the limits is a 413; a
record someone else changed in the meantime is a 409 (``StaleDataError``: twenty clerks
accepting one case at once — one wins, the others hear that it was handled); a record the user
sees but may not change (a bundle case seen through its branch) is a 403 that says whose it is
(``writable_or_403`` before any work; ``ForeignWrite`` from the scope's flush guard as the last
line)."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, current_app, g, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import BadRequest, HTTPException

from portal.access.scope import ForeignWrite, may_write
from portal.cases.places import home_of
from portal.core.errors import PortalError
from portal.models import Case, db


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


def answer(code: int, title: str, message: str) -> tuple[Any, int]:
    """The error page (or the API's JSON) for ``code``."""
    if request.path.startswith("/api/"):
        return jsonify(message=message), code
    page = {"code": code, "title": title, "message": message}
    if "user" not in g:  # refused before the signed-in user was loaded (a form without its token)
        return render_template("portal/error_plain.html", **page), code
    appbuilder = current_app.appbuilder
    return render_template("portal/error.html", appbuilder=appbuilder,
                           base_template=appbuilder.base_template, **page), code


def _bad_request(error: HTTPException) -> tuple[Any, int]:
    given = error.description if isinstance(error.description, str) and \
        error.description != BadRequest.description and not isinstance(error, CSRFError) else None
    return answer(400, gettext("The request could not be understood"),
                  given or gettext("Something in the address or the form was not understood."))


def _too_large(error: HTTPException) -> tuple[Any, int]:
    most = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return answer(413, gettext("Too much was sent"), gettext(
        "What was sent is too large (at most %(size)d MB in all, and no text field longer than "
        "its limit): nothing was saved.", size=most // (1024 * 1024)))


def _handled_meanwhile(error: StaleDataError) -> tuple[Any, int]:
    db.session.rollback()
    return answer(409, gettext("Handled by someone else"), gettext(
        "Someone else has just handled this record: nothing of yours was saved. Reload the page "
        "to see where it stands now."))


def not_yours(record: Any) -> str:
    if isinstance(record, Case):
        return gettext("Case %(number)s was taken by %(home)s: only they change it, act on it and "
                       "print its documents. Your department decides its own branch of the "
                       "parallel approval.", number=record.number, home=home_of(record))
    return gettext("This record belongs to another sub-center: you may see it, not change it.")


def writable_or_403(record: Any) -> None:
    """Refuse, saying whose it is, unless the user may change ``record`` (which they see)."""
    if not may_write(record):
        abort(403, description=not_yours(record))


def _forbidden(error: HTTPException) -> tuple[Any, int]:
    given = error.description if isinstance(error.description, str) and \
        error.description != type(error).description else None
    return answer(403, gettext("Not yours to change"),
                  given or gettext("You may not do this."))


def _foreign_write(error: ForeignWrite) -> tuple[Any, int]:
    message = not_yours(error.record)
    db.session.rollback()
    return answer(403, gettext("Not yours to change"), message)


def _not_found(error: HTTPException) -> tuple[Any, int]:
    return answer(404, gettext("Not found"), gettext(
        "There is no such page, or no such record among those you may see."))


def _wrong_method(error: HTTPException) -> tuple[Any, int]:
    return answer(405, gettext("Not this way"), gettext(
        "This address does not take this kind of request (for a record: its id is a number)."))


def error_text(error: Exception) -> str:
    """A domain error in the page's language (a date the browser sent malformed, too)."""
    if isinstance(error, PortalError):
        return error.render(gettext)
    if isinstance(error, ValueError):
        return gettext("A value was not understood: %(what)s", what=str(error)[:80])
    return str(error)


def _domain_error(error: PortalError) -> tuple[Any, int]:
    """A domain error no screen caught: refused, in the user's words (nothing was written:
    the request's transaction is rolled back)."""
    db.session.rollback()
    return answer(409, gettext("Not done"), error_text(error))


def _server_error(error: HTTPException) -> tuple[Any, int]:
    db.session.rollback()
    return answer(500, gettext("Something went wrong"), gettext(
        "The portal could not answer this request; what happened is in its log. Try again, and "
        "tell the center admin if it goes on."))


def init_app(app: Flask) -> None:
    app.register_error_handler(PortalError, _domain_error)
    app.register_error_handler(500, _server_error)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(405, _wrong_method)
    app.register_error_handler(403, _forbidden)
    app.register_error_handler(ForeignWrite, _foreign_write)
    app.register_error_handler(400, _bad_request)
    app.register_error_handler(413, _too_large)
    app.register_error_handler(StaleDataError, _handled_meanwhile)
