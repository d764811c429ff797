"""Engine defaults. A site overrides them in its config.py (PORTAL_CONFIG) or the environment."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Database: embedded SQLite by default, PostgreSQL in production (PORTAL_DATABASE_URL).
SQLALCHEMY_DATABASE_URI = os.environ.get(
    "PORTAL_DATABASE_URL", f"sqlite:///{REPO / 'instance' / 'portal.db'}")
SQLALCHEMY_TRACK_MODIFICATIONS = False

# The declaration folder `portal sync` reads by default.
PORTAL_SITE_DIR = os.environ.get("PORTAL_SITE_DIR", str(REPO))

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
FAB_SECURITY_MANAGER_CLASS = "portal.security.PortalSecurityManager"
FAB_PASSWORD_HASH_METHOD = "scrypt"
FAB_ADD_SECURITY_API = False
AUTH_TYPE = 1  # AUTH_DB
AUTH_ROLE_ADMIN = "中心管理员"
AUTH_ROLE_PUBLIC = "公众"
AUTH_USER_REGISTRATION = False

WTF_CSRF_ENABLED = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
