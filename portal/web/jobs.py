"""Background jobs seen from the browser (batch printing, long exports): started in a thread of
their own, watched on a progress page that polls their status, each visible to its requester."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import abort, current_app
from flask_babel import gettext
from flask_login import current_user

from portal.access.scope import current_scope
from portal.core import servertime
from portal.models import db


def start(name: str, work: Callable[..., Any], *args: Any) -> None:
    """Run ``work(*args)`` in its own thread, with its own app context and session. ``work``
    records its failure on its job; the log gets the rest."""
    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            try:
                work(*args)
            except Exception:
                app.logger.exception("%s failed", name)
            finally:
                db.session.remove()

    threading.Thread(target=run, name=name, daemon=True).start()


def own(model: type, pk: int, center_wide_too: bool = False) -> Any:
    """The job ``pk`` if the signed-in user asked for it (or, with ``center_wide_too``, is a
    center-wide user); 404 otherwise."""

    job = db.session.get(model, pk)
    scope = current_scope()
    if job is None or (job.requested_by != current_user.username
                       and not (center_wide_too and scope is not None and scope.everything)):
        abort(404)
    return _settled(job)


def _settled(job: Any) -> Any:
    """A job that has stalled (``JobProgress.stalled``) is marked failed when it is looked at,
    so its page stops waiting and says to ask again."""


    if job.stalled(servertime.now()):
        job.state, job.finished_at = "failed", servertime.now()
        job.error = gettext("The job stopped without finishing (the server was restarted?). "
                            "Ask for it again.")
        db.session.commit()
    return job
