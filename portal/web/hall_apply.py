"""网上申报: an applicant files an application from the public hall, without a login.

``/hall/<sub>/<item>/apply`` shows the item's generated form as the sub-center publishes it —
the same form version a clerk fills at the counter, without the fields the form marks
``staff_only`` — with its materials as uploads. A refused submission comes back with what was
typed and the files already sent (as at the counter). An accepted one is a case *submitted*
at the offering's first window, channel 网上: it waits in that window's worklist and on the
clerk's start page, and the window decides it as a counter case (受理 / 不予受理 / 一次性告知).
The answer page gives the case number; the applicant follows the case with the progress query.
Nothing is kept for an anonymous visitor between requests but the uploaded files (as at the
counter, by their signed tokens); a draft is a clerk's thing.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_limiter import Limiter
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import CombinedMultiDict

from portal.access.scope import unscoped
from portal.cases.intake import save_application, spec_of
from portal.cases.uploads import KEPT_SUFFIX
from portal.core.errors import PortalError
from portal.forms.build import blank, check_submission
from portal.models import Case, Item, Offering, SubCenter, db
from portal.models.case import ONLINE
from portal.web.cases.intake import flat, kept_uploads, row_templates, rules_json, store_uploads, uploads
from portal.web.current import published_site, rate_limit
from portal.web.errors import error_text

ONLINE_ACTOR = "网上申报"  # the event log's "by" of a case the applicant filed themselves
RECEIPT_HOURS = 24  # the answer page's link works this long (it names the case)

_filing = rate_limit("PORTAL_RATELIMIT_APPLY")


def _receipts() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="portal-hall-applied")


def _offering(sub: str, item: str) -> Offering:
    """The active offering of ``item`` at ``sub`` with a form, or 404; read unscoped: the
    published declarations are public."""
    with unscoped():
        offering = db.session.scalars(
            select(Offering).join(SubCenter, SubCenter.id == Offering.sub_center_id)
            .join(Item, Item.id == Offering.item_id)
            .where(SubCenter.code == sub, Item.code == item, Offering.active,
                   Offering.form_version_id.is_not(None))
            # loaded here, unscoped: the page reads them after (a visitor's scope sees no
            # sub-center, and a lazy load would find none)
            .options(selectinload(Offering.windows), joinedload(Offering.sub_center),
                     joinedload(Offering.item))).one_or_none()
        if offering is None or not offering.windows:
            abort(404)
        return offering


def _page(site: Any, offering: Offering, spec: Any, form: Any, kept: dict[str, list[dict[str, Any]]],
          problem: str | None = None, status: int = 200) -> Any:
    tokens = {name: [(m, uploads().token(m)) for m in files] for name, files in kept.items()}
    body = render_template(
        "portal/hall/apply.html", site=site, offering=offering, spec=spec, form=form, kept=tokens,
        rules=rules_json(spec, online=True), kept_suffix=KEPT_SUFFIX, row_templates=row_templates(spec, form),
        flat=flat, skip=spec.staff_only, problem=problem, title=gettext("Apply online: %(item)s",
                                                                        item=offering.item.name))
    return body, status


def apply(sub: str, item: str) -> Any:
    site = published_site()
    if site.guidance_only(sub, item):
        abort(404)  # 咨办类: guidance only, applied for where it is decided
    declared = site.subcenters.get(sub)
    if declared is not None and item in declared.offerings and declared.offerings[item].forwarded:
        # 代办类: a town center carries paper to the deciding sub-center; an application made
        # online needs no carrying, and goes where the item is decided
        return redirect(url_for("hall.apply", sub=site.deciders(sub, item)[0].code, item=item), 303)
    offering = _offering(sub, item)
    spec = spec_of(offering.form_version)
    if request.method != "POST":
        return _page(site, offering, spec, blank(spec, online=True), {})
    kept = kept_uploads(spec, None)
    checked = check_submission(spec, CombinedMultiDict([request.files, request.form]), kept=kept,
                               online=True)
    store_uploads(spec, checked, kept)
    if not checked.ok:
        return _page(site, offering, spec, checked.form, kept,
                     gettext("The application was not sent: see the fields marked in red."), 422)
    window = offering.windows[0]  # the first window the sub-center names for the item
    try:
        with unscoped():  # no session: the published offering is the authority
            case = save_application(db.session, site, offering, window, checked, submit=True,
                                    by=ONLINE_ACTOR, channel=ONLINE)
    except PortalError as exc:
        db.session.rollback()
        return _page(site, offering, spec, checked.form, kept, error_text(exc), 409)
    return redirect(url_for("hall.applied", token=_receipts().dumps(case.id)), 303)


def applied(token: str) -> str:
    """The answer to a filed application: its number, where it waits, how to follow it."""
    site = published_site()
    try:
        case_id = _receipts().loads(token, max_age=RECEIPT_HOURS * 3600)
    except BadSignature:
        abort(404)
    with unscoped():
        case = db.session.get(Case, case_id)
        if case is None:
            abort(404)
        return render_template("portal/hall/applied.html", site=site, case=case, window=case.window,
                               sub=site.subcenters.get(case.sub_center.code),
                               title=gettext("Application received"))


def register(hall: Blueprint, limiter: Limiter) -> None:
    """Add the online application's pages to the hall (once: the blueprint is the module's)."""
    hall.add_url_rule("/<sub>/<item>/apply", "apply", limiter.limit(_filing, methods=["POST"])(apply),
                      methods=["GET", "POST"])
    hall.add_url_rule("/applied/<token>", "applied", applied)
