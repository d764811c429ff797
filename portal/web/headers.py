"""Response headers that keep the portal's pages where they belong (Flask-Talisman).

- **CSP**: scripts only from the portal itself, and inline ones only with the request's nonce
  (FAB's templates and ours carry it); styles from the portal (inline style attributes allowed:
  FAB's widgets use them); images and fonts from the portal or ``data:``; requests only back to
  the portal; no plugins; forms post only to the portal; no framing by another site
  (``frame-ancestors 'self'`` and ``X-Frame-Options: SAMEORIGIN``).
- An applicant's material opened in the case page's viewer (``file_policy``): nothing but
  itself — no script, no request elsewhere — framed only by the portal's own pages. Its
  ``object-src 'self'`` lets Chromium's PDF viewer show a PDF (it refuses under ``'none'``).
- ``X-Content-Type-Options: nosniff`` and a same-origin ``Referrer-Policy`` everywhere.
- ``Cache-Control: no-store`` on everything but the static files: the pages show applicants'
  names, ID numbers and phones, which must not stay in a shared counter PC's cache or a proxy.
- HTTPS: HSTS is sent on HTTPS requests; the redirect to HTTPS is the front proxy's
  (``PORTAL_SECURE_COOKIES=1`` marks the cookies ``Secure``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request
from flask_talisman import Talisman

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'self'",
}


FILE_POLICY = {
    "default-src": "'none'",
    "img-src": "'self'",
    "style-src": "'unsafe-inline'",
    "object-src": "'self'",
    "frame-ancestors": "'self'",
}


def file_policy(view: Any) -> Any:
    """The policy of a view that sends a material to be shown in the page's viewer frame.
    (Talisman's per-view decorator only marks the view; each app keeps its own instance.)"""
    return Talisman()(content_security_policy=FILE_POLICY, content_security_policy_nonce_in=[])(view)


def _no_store(response: Response) -> Response:
    if not request.path.startswith(("/static/", "/appbuilder/static/")) and \
            "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    Talisman(app, force_https=False, frame_options="SAMEORIGIN", content_security_policy=POLICY,
             content_security_policy_nonce_in=["script-src"], referrer_policy="same-origin",
             session_cookie_secure=bool(app.config.get("SESSION_COOKIE_SECURE")),
             session_cookie_http_only=True, session_cookie_samesite="Lax")
    app.after_request(_no_store)
