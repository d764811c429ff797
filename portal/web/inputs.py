"""What a request may carry, checked before any view reads it.

- **No NUL characters** anywhere: the path, the address's parameters, form fields and their
  names, uploaded files' names, JSON keys and values. PostgreSQL refuses NUL in text, SQLite
  keeps it and every later comparison goes wrong; no clerk types one. Refused with 400.
- **JSON bodies of the REST API** are objects whose values are text, numbers, yes/no, null or
  lists of those — the shape of a record. Anything else (an array, a bare string, nesting,
  thousands of brackets, text that is not JSON) is refused with 400 before FAB reads it.
- **Sizes**: Flask refuses a body over ``MAX_CONTENT_LENGTH``, a form field over
  ``MAX_FORM_MEMORY_SIZE`` and a form of more than ``MAX_FORM_PARTS`` fields with 413 while it
  reads them, before any view works; a form sent URL-encoded is held to ``MAX_FORM_PARTS`` here
  (Werkzeug counts multipart fields only). A text field's own limit is the form's
  (portal/forms/build.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import Flask, abort, current_app, request
from flask_babel import gettext

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
SCALARS = (str, int, float, bool, type(None))


def _texts() -> Iterator[str]:
    yield request.path
    for key, value in request.args.items(multi=True):
        yield key
        yield value
    if request.method in UNSAFE and request.mimetype in ("multipart/form-data",
                                                          "application/x-www-form-urlencoded"):
        for key, value in request.form.items(multi=True):
            yield key
            yield value
        for key, upload in request.files.items(multi=True):
            yield key
            yield upload.filename or ""


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


def _nul() -> None:
    abort(400, description=gettext(
        "The request contains an invisible control character (NUL), which no form takes: "
        "remove it and send again."))


def _json_body() -> Any:
    """The API's JSON body, or 400 when it is not a record's shape."""
    raw = request.get_data(cache=True, as_text=True)
    if not raw.strip():
        return None
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        abort(400, description=gettext("The body is not valid JSON."))
    if not isinstance(body, dict) or not all(
            isinstance(v, SCALARS) or (isinstance(v, list) and all(isinstance(i, SCALARS) for i in v))
            for v in body.values()):
        abort(400, description=gettext(
            "The body must be one JSON object whose values are text, numbers, true/false, null "
            "or lists of those."))
    return body


def _too_many_fields() -> bool:
    """More form fields than ``MAX_FORM_PARTS``: Werkzeug counts them in a multipart body only."""
    most = current_app.config.get("MAX_FORM_PARTS")
    return most is not None and sum(len(v) for v in request.form.listvalues()) > most


def _check() -> None:
    if request.method in UNSAFE and request.mimetype == "application/x-www-form-urlencoded" \
            and _too_many_fields():
        abort(413)
    if any("\x00" in text for text in _texts()):
        _nul()
    if request.method in UNSAFE and request.path.startswith("/api/") and request.is_json:
        body = _json_body()
        if any("\x00" in text for text in _strings(body)):
            _nul()


def init_app(app: Flask) -> None:
    app.before_request(_check)
