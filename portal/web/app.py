"""Application factory."""

from __future__ import annotations

import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_app_context
from flask_appbuilder import AppBuilder
from flask_babel import get_babel
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect, generate_csrf
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.access import scope, stamps
from portal.cases import audit
from portal.core.canonical import stored_json
from portal.core.errors import N_, PortalError
from portal.models import db
from portal.settings import HOME, INSTANCE, REPO
from portal.web import (
    accounts,
    documents,
    errors,
    generate,
    hall,
    headers,
    i18n,
    identity,
    inputs,
    listing,
    menu,
    ops,
    reads,
    security,
)
from portal.web.cases import case_page, worklist
from portal.web.current import current_site
from portal.web.site import form_versions, sections
from portal.web.views import HomeView


def migrations_folder() -> Path:
    """The Alembic history: the checkout's ``migrations/``, or, installed from a wheel, the copy
    in ``<prefix>/share/portal/migrations`` (pyproject.toml's data files)."""
    source = REPO / "migrations"
    return source if source.is_dir() else Path(sys.prefix) / "share" / "portal" / "migrations"


MIGRATIONS = migrations_folder()


class PortalAppBuilder(AppBuilder):
    @property
    def app_name(self) -> str:

        site = current_site()
        return site.name if site is not None else super().app_name


def create_app(config: dict[str, Any] | object | None = None) -> Flask:
    """Build the portal. ``config`` (a mapping or object) overrides settings and config.py."""
    app = Flask("portal", instance_path=str(INSTANCE),
                template_folder=str(Path(__file__).parent / "templates"),
                static_folder=str(Path(__file__).parent / "static"))
    app.config.from_object("portal.settings")
    site_config = os.environ.get("PORTAL_CONFIG") or str(HOME / "config.py")
    if Path(site_config).is_file():
        app.config.from_pyfile(site_config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    for key, variable, stored in (("SECRET_KEY", "PORTAL_SECRET_KEY", "secret_key"),
                                  ("PORTAL_AUDIT_KEY", "PORTAL_AUDIT_KEY", "audit_key")):
        if app.config.get(key):
            continue
        if app.config.get("PORTAL_ENV") == "production":  # every host must sign alike
            raise PortalError(N_("%(variable)s is not set: a production portal does not make up its "
                                 "own key"),
                              hint=N_("set it to the same long random value on every host (e.g. "
                                      "`python3 -c 'import secrets; print(secrets.token_hex(32))'`)"),
                              variable=variable)
        app.config[key] = _instance_secret(Path(app.instance_path), stored)  # the demo's
    if app.config.get("PORTAL_FILE_STORE") not in ("folder", "database"):
        raise PortalError(N_("PORTAL_FILE_STORE is %(value)s: it is folder or database"),
                          hint=N_("folder: this host's PORTAL_UPLOAD_DIR; database: shared by every host"),
                          value=repr(app.config.get("PORTAL_FILE_STORE")))
    app.config.setdefault("PORTAL_AUDIT_ANCHORS", str(Path(app.instance_path) / "audit-anchors.jsonl"))
    audit.use_key(_audit_key)

    _engine_options(app)
    db.init_app(app)
    reads.init_app(app)  # after db: its commit runs before the session is closed
    Migrate(app, db, directory=str(MIGRATIONS))
    CSRFProtect(app)  # before AppBuilder: its login API needs it (docs/stack-notes.md)
    app.jinja_env.globals["csrf_token"] = _csrf_token


    ops.init_app(app)  # first: the request id names everything the request logs
    if app.config.get("PORTAL_PROXY_COUNT"):  # behind this many reverse proxies
        hops = int(app.config["PORTAL_PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,  # type: ignore[method-assign]
                                x_port=hops, x_prefix=hops)
    scope.init_app()
    stamps.init_app()  # a change of a role's permissions raises the security stamp
    scope.use_request_scope(security.request_scope)
    identity.init_app(app)
    menu.init_app(app)
    errors.init_app(app)
    inputs.init_app(app)
    accounts.init_app(app)
    headers.init_app(app)
    sections.init_app(app)
    form_versions.init_app(app)
    case_page.init_app(app)
    worklist.init_app(app)
    app.register_blueprint(documents.public)  # the public check page: no login, no menu
    hall.init_app(app)  # the public hall (网上办事大厅): no login
    with app.app_context():
        appbuilder = PortalAppBuilder(indexview=HomeView, base_template="portal/layout.html")
        appbuilder.init_app(app, db.session)
        generate.register(appbuilder)
    listing.init_app(app)  # after AppBuilder: its list links replaced
    # FAB prepends its own folder: "…/flask_appbuilder/translations;…/portal/translations"
    ours = app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")[-1]
    catalog = Path(ours) / "zh" / "LC_MESSAGES" / "messages.mo"
    if not catalog.is_file():  # every page would be in English, and nothing else would say so
        app.logger.warning("the Chinese catalog %s is not compiled: pages will be in English "
                           "(`make setup` compiles it)", catalog)
    # times on every page in the center's declared zone (BABEL_DEFAULT_TIMEZONE until the first
    # publication), the zone its due dates and months are counted in
    get_babel(app).timezone_selector = _page_zone
    i18n.init_app(app)  # after AppBuilder's Babel: each request finds its translations once
    return app


def _csrf_token() -> str:
    """The templates' ``csrf_token()``: the token Flask-WTF keeps for the request in ``g``
    (under its field's name), else Flask-WTF's ``generate_csrf``, which reads its settings
    again on every call to find it there (7 µs; a case's page has a form per action)."""
    return g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")) or generate_csrf()


def _engine_options(app: Flask) -> None:
    """Per database: PostgreSQL tests a pooled connection before lending it (a database restart
    or a firewall's idle cut is not a failed request); SQLite writes ahead (readers do not wait
    for a writer) and waits up to 15 s for the write lock instead of failing at once. JSON
    columns are written through their canonical text when it is known (published documents)."""
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    options.setdefault("json_serializer", stored_json)
    if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "postgresql":
        options.setdefault("pool_pre_ping", True)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(connection: Any, record: Any) -> None:
    if type(connection).__module__.startswith("sqlite3"):
        cursor = connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 15000")
        database = cursor.execute("PRAGMA database_list").fetchone()
        if database and database[2]:  # a file, not an in-memory database
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()


def _audit_key() -> str | None:
    return current_app.config.get("PORTAL_AUDIT_KEY") if has_app_context() else None


def _page_zone() -> str | None:

    site = current_site()
    return site.zone.key if site is not None else None


def _instance_secret(instance: Path, name: str = "secret_key") -> str:
    """A random key kept in instance/<name> (the demo); production sets PORTAL_SECRET_KEY and
    PORTAL_AUDIT_KEY.

    Created exclusively, so workers starting together all end up with the same key.
    """
    path = instance / name
    instance.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another worker may be writing it right now
            key = path.read_text(encoding="utf-8").strip()
            if key:
                return key
            time.sleep(0.02)
        raise
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key
