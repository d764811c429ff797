"""Engine defaults. A site overrides them in its config.py (PORTAL_CONFIG) or the environment."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Run from its source checkout (`make run`, `pip install -e`), the engine keeps its instance
# folder and finds the demo site there; installed (`pip install .`), in the current folder.
SOURCE_CHECKOUT = (REPO / "pyproject.toml").is_file()
HOME = REPO if SOURCE_CHECKOUT else Path.cwd()
# The host's own files: the demo's database and keys, uploads (PORTAL_INSTANCE_DIR).
INSTANCE = Path(os.environ.get("PORTAL_INSTANCE_DIR") or HOME / "instance")

# Database: embedded SQLite by default, PostgreSQL in production (PORTAL_DATABASE_URL).
SQLALCHEMY_DATABASE_URI = os.environ.get(
    "PORTAL_DATABASE_URL", f"sqlite:///{INSTANCE / 'portal.db'}")
SQLALCHEMY_TRACK_MODIFICATIONS = False

# `production`: refuse to start without PORTAL_SECRET_KEY and PORTAL_AUDIT_KEY (the demo keeps
# random ones in instance/); anything else is the demo.
PORTAL_ENV = os.environ.get("PORTAL_ENV", "demo")
# Behind this many reverse proxies: trust their X-Forwarded-For/-Proto/-Host/-Port/-Prefix.
PORTAL_PROXY_COUNT = int(os.environ.get("PORTAL_PROXY_COUNT", "0") or 0)
# Logs as `text` or `json` lines, each naming its request (portal/web/ops.py).
PORTAL_LOG_FORMAT = os.environ.get("PORTAL_LOG_FORMAT", "text")
# Who may read /metrics: addresses or networks, comma-separated.
PORTAL_METRICS_ALLOW = os.environ.get("PORTAL_METRICS_ALLOW", "127.0.0.1/32,::1/128")

# Background jobs (portal/web/jobs.py): the queue `portal worker` takes them from — a SQLite
# file here by default (no server), redis://host:6379/0 in production; a job raising is retried
# this many times, this many seconds apart; a running job silent for this long (its worker
# died) is queued again and resumes.
PORTAL_QUEUE_URL = os.environ.get("PORTAL_QUEUE_URL") or f"sqlite:///{INSTANCE / 'queue.db'}"
PORTAL_QUEUE_NAME = os.environ.get("PORTAL_QUEUE_NAME", "portal")  # portals sharing a Redis: one each
PORTAL_JOB_RETRIES = int(os.environ.get("PORTAL_JOB_RETRIES", "3"))
PORTAL_JOB_RETRY_SECONDS = int(os.environ.get("PORTAL_JOB_RETRY_SECONDS", "10"))
PORTAL_JOB_STALE_SECONDS = float(os.environ.get("PORTAL_JOB_STALE_SECONDS", "60"))

# Where uploaded materials are kept (portal/cases/files.py): `folder` (PORTAL_UPLOAD_DIR, else
# instance/uploads: this host's disk) or `database` (the portal's database: shared by every host).
PORTAL_FILE_STORE = os.environ.get("PORTAL_FILE_STORE", "folder")
PORTAL_UPLOAD_DIR = os.environ.get("PORTAL_UPLOAD_DIR") or None

# The public hall's rate limits (Flask-Limiter): counted in this process by default; set
# redis://host:6379/1 so that every host counts together.
PORTAL_RATELIMIT_STORAGE_URL = os.environ.get("PORTAL_RATELIMIT_STORAGE_URL", "memory://")
# Per client, in Flask-Limiter's notation (read when a request is counted: the only defaults).
# The whole hall: a person browsing never comes near it; a scraper does.
PORTAL_RATELIMIT_HALL = os.environ.get("PORTAL_RATELIMIT_HALL", "120 per minute")
# The progress query and the complaint/question lookup: a few tries an hour is what an applicant
# needs; guessing pairs needs more.
PORTAL_RATELIMIT_QUERY = os.environ.get("PORTAL_RATELIMIT_QUERY", "10 per minute; 60 per day")
# 网上申报 and 好差评: filing is heavier than reading, and one applicant files a few times a day.
PORTAL_RATELIMIT_APPLY = os.environ.get("PORTAL_RATELIMIT_APPLY", "6 per minute; 30 per day")
PORTAL_RATELIMIT_RATE = os.environ.get("PORTAL_RATELIMIT_RATE", "6 per minute; 30 per day")
# 网上预约: booking, looking up and cancelling an appointment (each POST); a few an hour are what
# an applicant needs, a scalper needs more.
PORTAL_RATELIMIT_BOOKING = os.environ.get("PORTAL_RATELIMIT_BOOKING", "10 per minute; 60 per day")
# Complaints and questions filed, counted together: one with something to say files once or
# twice; a flood is not one.
PORTAL_RATELIMIT_FILING = os.environ.get("PORTAL_RATELIMIT_FILING", "5 per minute; 20 per day")

# The declaration folder `portal sync` reads by default.
PORTAL_SITE_DIR = os.environ.get("PORTAL_SITE_DIR", str(HOME))

APP_NAME = "政务服务中心"
APP_ICON = ""
BABEL_DEFAULT_LOCALE = "zh"
BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).resolve().parent / "translations")
LANGUAGES = {
    "zh": {"flag": "cn", "name": "简体中文"},
    "en": {"flag": "gb", "name": "English"},
}

# Flask-AppBuilder: tables come from Alembic, permissions from `portal setup`/`portal sync`.
FAB_CREATE_DB = False
FAB_UPDATE_PERMS = False
FAB_SECURITY_MANAGER_CLASS = "portal.web.security.PortalSecurityManager"
FAB_PASSWORD_HASH_METHOD = "scrypt"
FAB_ADD_SECURITY_API = False
AUTH_TYPE = 1  # AUTH_DB
AUTH_ROLE_ADMIN = "中心管理员"
AUTH_ROLE_PUBLIC = "公众"
AUTH_USER_REGISTRATION = False

WTF_CSRF_ENABLED = True
# Cookies: never readable by scripts, not sent on cross-site posts, and only over HTTPS when
# the site is served over HTTPS (PORTAL_SECURE_COOKIES=1; the demo runs on plain http://127.0.0.1).
_SECURE = os.environ.get("PORTAL_SECURE_COOKIES", "") not in ("", "0", "false")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _SECURE
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_SECURE = _SECURE
PERMANENT_SESSION_LIFETIME = 8 * 3600  # one working day at the counter

# Sizes, refused with 413 while the request is read, before any view works: the whole body
# (uploads included: the demo's forms take files of up to 20 MB), one text field of a form, the
# number of fields of a form (a table of rows counts each cell).
MAX_CONTENT_LENGTH = 32 * 1024 * 1024
MAX_FORM_MEMORY_SIZE = 500_000
MAX_FORM_PARTS = 1000

# Lock-out: after this many failed logins in a row the account refuses logins for a while.
PORTAL_LOCKOUT_ATTEMPTS = 5
PORTAL_LOCKOUT_SECONDS = 15 * 60
# Every password set (add, reset, change, CLI): at least this long, not the user name, not a
# common password (portal/access/accounts.py)
PORTAL_PASSWORD_MIN_LENGTH = 10

# REST API documentation: the OpenAPI document at /api/v1/_openapi (portal/web/generate.py);
# FAB's Swagger UI stays off: it loads its scripts from a CDN.
FAB_API_SWAGGER_UI = False
