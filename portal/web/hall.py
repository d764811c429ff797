"""The public hall (网上办事大厅): what an applicant does without a login, from the same
declarations, in the same process.

- ``/`` (signed out) and ``/hall/``: the center — its name, address, phone — and every
  sub-center and town center with address, hours and phone.
- ``/hall/items``: the items as the sub-centers offer them, searched by name or keyword,
  narrowed by sub-center, 事项类型 and 即办件/承诺件.
- ``/hall/<sub>/<item>``: one item as one sub-center offers it: the seven disclosures (七公开),
  its windows and hours, the consultation and supervision phones, and its 办事指南 and blank
  form as PDFs. A town center's 代办类 item says who decides it; a 咨办类 one (guidance only)
  says where it is decided instead of offering an application or a booking.
- ``/hall/town/<code>``: a town center's village points (村级便民服务代办点) and their 代办员 —
  name, 职务, phone and 当前去向 with since when; nothing else about them is public.
- ``/hall/progress``: 办件查询 by case number and the last six characters of the applicant's
  identity number (or their phone number): portal/cases/progress.py.

The other parts add their pages to this blueprint, each from its own module (``register``):
网上申报 (hall_apply.py), 好差评 (hall_rate.py), 网上预约 (hall_bookings.py), 网上投诉、网上咨询
(hall_messages.py).

Everything here is rate-limited per client (Flask-Limiter: in memory by default,
``PORTAL_RATELIMIT_STORAGE_URL=redis://…`` shared by every host in production), answered in
Chinese when a client asks too often, and loads nothing from outside the portal.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, current_app, render_template, request, url_for
from flask_babel import gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from sqlalchemy import select

from portal.access.scope import unscoped
from portal.cases import ratings
from portal.cases.bookings import lines_for
from portal.cases.progress import progress
from portal.cases.whereabouts import current
from portal.models import WHEREABOUTS_NAMES, FormVersion, SubCenter, Village, db
from portal.web import hall_apply, hall_bookings, hall_messages, hall_rate
from portal.web.cases.casework import thresholds
from portal.web.current import center_time, current_site, published_site, rate_limit

hall = Blueprint("hall", __name__, url_prefix="/hall")
limiter = Limiter(get_remote_address, default_limits=[], headers_enabled=True)


_browsing = rate_limit("PORTAL_RATELIMIT_HALL")
_querying = rate_limit("PORTAL_RATELIMIT_QUERY")


limiter.limit(_browsing)(hall)  # once, here: an app made again must not count a request twice
# each part of the hall adds its pages (and their limits) here, once
hall_apply.register(hall, limiter)  # 网上申报
hall_rate.register(hall, limiter)  # 好差评
hall_bookings.register(hall, limiter)  # 网上预约
hall_messages.register(hall, limiter)  # 网上投诉、网上咨询


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("PORTAL_RATELIMIT_STORAGE_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config.get("PORTAL_QUEUE_NAME", "portal"))
    limiter.init_app(app)
    app.register_blueprint(hall)
    app.register_error_handler(429, _too_many)


def _too_many(error: Any) -> Any:
    return render_template("portal/hall/limited.html", title=gettext("Too many requests"),
                           site=current_site()), 429



def landing() -> str:
    """The center and its sub-centers (``/`` for a visitor who is not signed in)."""
    site = published_site()
    subs = sorted(site.subcenters.values(), key=lambda s: (s.kind != "subcenter", s.code))
    return render_template("portal/hall/landing.html", site=site, subs=subs,
                           title=gettext("Online service hall"))


@hall.route("/")
def index() -> str:
    return landing()


CASE_TYPES = ("即办件", "承诺件")


@hall.route("/town/<code>")
def town(code: str) -> str:
    """A town center's village points and their 代办员, each with where they are now."""
    site = published_site()
    sub = site.subcenters.get(code)
    if sub is None or sub.kind != "town_center":
        abort(404)
    with unscoped():  # public: what is shown below, of the published agents
        villages = db.session.scalars(
            select(Village).join(SubCenter).where(SubCenter.code == code, Village.active)
            .order_by(Village.code)).all()
        agents = {v.id: [a for a in v.agents if a.active] for v in villages}
        statuses = current(db.session, [a.id for people in agents.values() for a in people])
    shown = [(v, [(a, statuses.get(a.id)) for a in agents[v.id]]) for v in villages]
    return render_template("portal/hall/town.html", site=site, sub=sub, villages=shown,
                           names={k: gettext(v) for k, v in WHEREABOUTS_NAMES.items()}, since=center_time,
                           title=gettext("Village service points of %(town)s", town=sub.unified_name))


@hall.route("/items")
def items() -> str:
    site = published_site()
    words = request.args.get("q", "").strip()
    sub, kind, case_type = (request.args.get(k, "") for k in ("sub", "type", "case_type"))
    found = []
    for s in sorted(site.subcenters.values(), key=lambda s: s.code):
        if sub and s.code != sub:
            continue
        for code, offering in sorted(s.offerings.items()):
            item = offering.item
            if kind and item.type != kind or case_type and item.case_type != case_type:
                continue
            keywords = item.data.get("keywords") or ()
            if words and words not in item.name and not any(words in k for k in keywords) \
                    and words != code:
                continue
            found.append((s, code, item))
    types = sorted({o.item.type for s in site.subcenters.values() for o in s.offerings.values()})
    return render_template("portal/hall/items.html", site=site, found=found, words=words, sub=sub,
                           kind=kind, case_type=case_type, types=types, case_types=CASE_TYPES,
                           subs=sorted(site.subcenters.values(), key=lambda s: s.code),
                           title=gettext("Service items"))


@hall.route("/<sub>/<item>")
def item(sub: str, item: str) -> str:
    site = published_site()
    if sub not in site.subcenters or item not in site.subcenters[sub].offerings:
        abort(404)
    subcenter = site.subcenters[sub]
    offering = subcenter.offerings[item]
    windows = [w for w in subcenter.windows if w.code in offering.windows]
    form = None  # the PDFs are linked only where the site has their templates
    if offering.form is not None and "blank-form.html" in site.templates:
        form = db.session.scalar(select(FormVersion.id).where(FormVersion.digest == offering.form.digest))
    return render_template("portal/hall/item.html", site=site, sub=subcenter, code=item,
                           item=offering.item, data=offering.item.data, windows=windows, form=form,
                           bookable=bool(lines_for(site, sub, item)), offering=offering,
                           deciders=site.deciders(sub, item),
                           guide="guide.html" in site.templates,
                           online=offering.form is not None and not offering.guidance_only,
                           title=offering.item.name)


@hall.route("/progress", methods=["GET", "POST"])
@limiter.limit(_querying, methods=["POST"])
def progress_query() -> str:
    site = published_site()
    found, asked = None, request.method == "POST"
    number, secret = request.form.get("number", ""), request.form.get("secret", "")
    rate_link = None
    if asked:
        found = progress(db.session, number[:60], secret[:40], thresholds(site))
        if found is not None and found.state in ratings.RATEABLE:  # 好差评: the case's own link
            rate_link = url_for("hall.rate", token=ratings.token(current_app.config["SECRET_KEY"],
                                                                  found.case_id))
    return render_template("portal/hall/progress.html", site=site, asked=asked, found=found,
                           number=number[:60], rate_link=rate_link, title=gettext("Case progress"))


