"""Configuration of the demo site in this repository.

The engine's defaults are in portal/settings.py. A real center copies this file beside its own
declaration folder and points PORTAL_CONFIG at it; every value can also come from the
environment (PORTAL_DATABASE_URL, PORTAL_SITE_DIR, PORTAL_SECRET_KEY).
"""

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The folder holding schema/, forms/ and print_templates/.
PORTAL_SITE_DIR = os.environ.get("PORTAL_SITE_DIR", str(HERE))

# Embedded SQLite for the demo; set PORTAL_DATABASE_URL=postgresql+psycopg://… in production.
SQLALCHEMY_DATABASE_URI = os.environ.get(
    "PORTAL_DATABASE_URL", f"sqlite:///{HERE / 'instance' / 'portal.db'}")

# Sessions and CSRF tokens are signed with this key: set PORTAL_SECRET_KEY in production.
# The demo keeps a random key in instance/secret_key so logins survive a restart.
SECRET_KEY = os.environ.get("PORTAL_SECRET_KEY")

# The case event log is chained with an HMAC under this key, which must NOT live in the
# database (whoever can write the database without it cannot forge the chain). Keep it like the
# secret key, in the environment or a vault; the demo keeps a random one in instance/audit_key.
PORTAL_AUDIT_KEY = os.environ.get("PORTAL_AUDIT_KEY")
# Anchors of the chain (its count and newest link) are appended to this file by
# `portal audit anchor` and at every month's close: keep it, or a copy, where the database
# administrator cannot write (another host, WORM storage, the auditor's own copy).
PORTAL_AUDIT_ANCHORS = os.environ.get("PORTAL_AUDIT_ANCHORS", str(HERE / "instance" / "audit-anchors.jsonl"))

# The public address printed in every document's QR code (the check page /verify/<token>);
# unset: the address the clerk's browser used.
PORTAL_PUBLIC_URL = os.environ.get("PORTAL_PUBLIC_URL")
