"""好差评 in the public hall: ``/hall/rate/<token>``, the page a decided case's signed link opens
(the 办结通知书's second QR code, ``?via=qr``: channel 移动端; the progress query's answer:
政务服务网). The token is the authority — no login, no other case reachable from it — and
the case is rated once (portal/cases/ratings.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext
from flask_limiter import Limiter

from portal.access.scope import unscoped
from portal.cases import ratings
from portal.cases.progress import masked
from portal.core.errors import PortalError
from portal.models import db
from portal.models.assessment import LEVELS
from portal.web.current import published_site, rate_limit
from portal.web.errors import error_text

_rating = rate_limit("PORTAL_RATELIMIT_RATE")


def rate(token: str) -> Any:
    site = published_site()
    secret = current_app.config["SECRET_KEY"]
    via = request.values.get("via", "")
    with unscoped():  # the signed link is the authority here, not a session
        case = ratings.case_of(db.session, secret, token)
        if case is None:
            abort(404)
        done, problem, status = ratings.rated(db.session, case), None, 200
        level, text = request.form.get("level", ""), request.form.get("text", "")
        if request.method == "POST" and done is None:
            try:
                done = ratings.rate(db.session, site, case, level,
                                    ratings.MOBILE if via == "qr" else ratings.WEB, text).evaluation
            except PortalError as exc:
                db.session.rollback()
                problem, status = error_text(exc), 422
                done = ratings.rated(db.session, case)  # a second tab may have rated it meanwhile
        sub = site.subcenters.get(case.sub_center.code)
        return render_template(
            "portal/hall/rate.html", site=site, case=case, applicant=masked(case.applicant_name or ""),
            place=sub.unified_name if sub else case.sub_center.name, levels=LEVELS, done=done,
            chosen=level, text=text[:ratings.TEXT_MOST], problem=problem, via=via,
            most=ratings.TEXT_MOST, title=gettext("Rate the service")), status


def register(hall: Blueprint, limiter: Limiter) -> None:
    """Add the rating page to the hall (once: the blueprint is the module's)."""
    hall.add_url_rule("/rate/<token>", "rate", limiter.limit(_rating, methods=["POST"])(rate),
                      methods=["GET", "POST"])
