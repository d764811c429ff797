"""The current published site, as seen by a running worker.

Each request asks the database one cheap question (the newest publication's id); the site
metadata is rebuilt only when that changes, so `portal sync` takes effect without a restart.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from flask import abort, current_app, g, has_request_context
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from portal import settings
from portal.access.stamps import BRANCH_STAMP, SECURITY_STAMP
from portal.core import servertime
from portal.core.servertime import DEFAULT_ZONE
from portal.models import SitePublication, SiteVersion, db
from portal.site import Site, site_from_documents

_lock = threading.Lock()


def published_site() -> Site:
    """The current site for a public page, which has nothing to show before the first
    publication: 404 then."""
    site = current_site()
    if site is None:
        abort(404)
    return site


def current_site() -> Site | None:
    """The site of the newest publication, or ``None`` before the first `portal sync`."""
    if "portal_site" in g:
        return g.portal_site
    if "portal_newest" in g:  # read with the signed-in user (``WITH_USER``)
        newest = g.portal_newest
    else:
        try:
            # on the connection: the scope rule, which reads the stamps, is not asked (nothing
            # here is scoped)
            newest = _newest(db.session.connection().execute(_NEWEST).one())
        except SQLAlchemyError:  # database not set up yet: the page says so instead of failing
            db.session.rollback()
            newest = None
    if newest is not None and newest.security is not None:
        # each app's stamps its own (a process may serve several databases: the tests do)
        token = current_app.extensions.setdefault("portal_stamps", next(_apps))
        g.portal_stamps = Stamps((token, newest.security), (token, newest.branch))
    else:
        g.portal_stamps = None
    site = None
    if newest is not None:
        cache = current_app.extensions.setdefault("portal_site", {})
        with _lock:
            if cache.get("publication") != newest.id:
                documents = db.session.connection().execute(
                    select(SiteVersion.documents).where(SiteVersion.id == newest.version_id)).scalar()
                cache["site"] = site_from_documents(documents)
                cache["publication"] = newest.id
            site = cache["site"]
    g.portal_site = site
    g.portal_publication = newest.id if newest is not None else None
    return site


_apps = itertools.count()


class Newest(NamedTuple):
    """What the page's first question answers (``WITH_USER``)."""

    id: int
    version_id: int
    security: int | None
    branch: int | None


def _newest_publication(column: Any) -> Any:
    return select(column).order_by(SitePublication.id.desc()).limit(1).scalar_subquery()


# the page's first question: the newest publication, and the stamps of what a worker keeps
# between page views (portal/access/stamps.py) — as columns, which a signed-in page reads with
# its user (one statement where there were two: a round trip of PostgreSQL's on every page),
# and any other page on their own (``_NEWEST``)
WITH_USER = (_newest_publication(SitePublication.id), _newest_publication(SitePublication.version_id),
             SECURITY_STAMP, BRANCH_STAMP)
_NEWEST = select(*WITH_USER)


def _newest(values: Sequence[Any]) -> Newest | None:
    """The answer to ``WITH_USER`` (``None`` before the first publication)."""
    return Newest(*values) if values[0] is not None else None


def read_with_user(values: Sequence[Any]) -> None:
    """Take the answer to ``WITH_USER``, read with the signed-in user, as this page's."""
    if has_request_context() and "portal_site" not in g:
        g.portal_newest = _newest(values)


class Stamps(NamedTuple):
    """The stamps read at the start of a page, each with its app's token: compared, never read."""

    security: tuple[int, int]
    branch: tuple[int, int | None]


def page_stamps() -> Stamps | None:
    """The stamps read at the start of this page (``None`` before the first publication or
    outside a request: nothing is kept then)."""
    if not has_request_context():
        return None
    if "portal_stamps" not in g:
        current_site()
    return g.get("portal_stamps")


def current_publication() -> int | None:
    """The id of the newest publication (what anything kept per publication is keyed by)."""
    current_site()
    return g.get("portal_publication")


def center_zone() -> ZoneInfo:
    """The center's time zone, from the published site (the default before the first)."""
    site = current_site()
    return site.zone if site is not None else ZoneInfo(DEFAULT_ZONE)


def center_today() -> dt.date:
    """Today in the center's time zone, by the server's clock."""
    return servertime.local_day(servertime.now(), center_zone())


def center_time(at: dt.datetime) -> str:
    """A stored moment as the center reads it: 2026-11-30 09:05 in its time zone (a time
    without a zone, as SQLite gives it back, is UTC)."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(center_zone()).strftime("%Y-%m-%d %H:%M")


def rate_limit(setting: str) -> Callable[[], str]:
    """The public hall's rate limit a setting names (``PORTAL_RATELIMIT_…``, Flask-Limiter's
    notation), read when a request is counted: the app's configuration, else its default in
    ``portal/settings.py``, the one place the defaults stand."""
    return lambda: current_app.config.get(setting) or getattr(settings, setting)
