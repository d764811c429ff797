"""网上预约 in the public hall (portal/cases/bookings.py has the rules):

- ``/hall/<sub>/<item>/book``: the next bookable days and periods of an item at its windows, with
  the places left, and the form — name, identity number (checked like every identity number of
  the portal), phone; a refused form comes back with what was typed and each error at its field.
- ``/hall/booked``: the answer — booking code, day, period, window and address (after a
  redirect: reloading it books nothing twice).
- ``/hall/appointments``: a booking looked up by its code and the last six characters of the
  identity number (or the phone number), and cancelled there; a wrong pair and an unknown code
  answer alike.

Every POST is rate-limited per client like the progress query (``PORTAL_RATELIMIT_BOOKING``).
The routes join the ``hall`` blueprint through :func:`register`, called once by
portal/web/hall.py.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from itertools import groupby
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_limiter import Limiter

from portal.cases import bookings
from portal.core.errors import PortalError
from portal.forms.identifiers import InvalidIdentifier, check_id_card, normalised
from portal.models import db
from portal.site.tables import WEEKDAYS
from portal.web.current import published_site, rate_limit
from portal.web.errors import error_text

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}")
_SLOT = re.compile(r"([A-Z][A-Z0-9-]*)\|(\d{4}-\d{2}-\d{2})\|(\d{2}:\d{2}-\d{2}:\d{2})")
MOST = {"name": 50, "id_number": 40, "phone": 20}

_booking_limit = rate_limit("PORTAL_RATELIMIT_BOOKING")



def _offering(site: Any, sub: str, item: str) -> Any:
    if sub not in site.subcenters or item not in site.subcenters[sub].offerings \
            or site.guidance_only(sub, item):  # 咨办类: guidance only, nothing to book
        abort(404)
    return site.subcenters[sub]


def _checked(form: Any) -> tuple[dict[str, str], dict[str, str]]:
    """The applicant's values as stored, and an error per field that is wrong."""
    values = {key: (form.get(key) or "")[:most] for key, most in MOST.items()}
    errors: dict[str, str] = {}
    name = values["name"].strip()
    if not name:
        errors["name"] = gettext("Enter the applicant's name.")
    try:
        id_number = check_id_card(values["id_number"]) if values["id_number"].strip() else ""
    except InvalidIdentifier as exc:
        errors["id_number"] = str(exc.args[0])
        id_number = ""
    if not values["id_number"].strip():
        errors["id_number"] = gettext("Enter the applicant's ID number.")
    phone = normalised(values["phone"])
    if not (_MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone)):
        errors["phone"] = gettext("Enter a mobile number of 11 digits, or a landline with its area "
                                  "code (0511-87280000).")
    return {"name": name, "id_number": id_number, "phone": phone}, errors


def book(sub: str, item: str) -> Any:
    site = published_site()
    subcenter = _offering(site, sub, item)
    offering = subcenter.offerings[item]
    values = {key: (request.form.get(key) or "")[:most] for key, most in MOST.items()}
    chosen, errors, status = request.form.get("slot", "")[:40], {}, 200
    if request.method == "POST":
        checked, errors = _checked(request.form)
        slot = _SLOT.fullmatch(chosen)
        if slot is None:
            errors["slot"] = gettext("Choose a day and a period.")
        if not errors:
            assert slot is not None
            window, day, period = slot.group(1), dt.date.fromisoformat(slot.group(2)), slot.group(3)
            try:
                made = bookings.book(db.session, site, sub, item, window, day, period, **checked)
            except PortalError as exc:
                errors["slot"] = error_text(exc)
            else:
                session["portal_booked"] = made.code
                return redirect(url_for("hall.booked"))
        status = 422
    offers = bookings.offers(db.session, site, sub, item)
    windows = {w.code: w for w in subcenter.windows}
    days = [(day, WEEKDAYS[day.weekday()], list(group))
            for day, group in groupby(offers, key=lambda o: o.day)]
    return render_template("portal/hall/book.html", site=site, sub=subcenter, code=item,
                           item=offering.item, days=days, windows=windows, values=values,
                           chosen=chosen, errors=errors,
                           title=gettext("Book an appointment: %(item)s", item=offering.item.name)), status


def booked() -> Any:
    """The answer after booking: the code and where to go (from the applicant's own session)."""
    site = published_site()
    code = session.get("portal_booked")
    found = bookings.just_booked(db.session, site, code) if isinstance(code, str) else None
    if found is None:
        return redirect(url_for("hall.appointments"))
    return render_template("portal/hall/booked.html", site=site, found=found,
                           title=gettext("Appointment booked"))


def appointments() -> Any:
    """Look a booking up by its code and the applicant's secret; cancel it."""
    site = published_site()
    asked = request.method == "POST"
    code, secret = request.form.get("code", "")[:40], request.form.get("secret", "")[:40]
    found, problem, done = None, None, False
    if asked:
        try:
            if request.form.get("action") == "cancel":
                found = bookings.cancel(db.session, site, code, secret)
                done = found is not None
            else:
                found = bookings.lookup(db.session, site, code, secret)
        except PortalError as exc:
            problem = error_text(exc)
            found = bookings.lookup(db.session, site, code, secret)
    return render_template("portal/hall/appointments.html", site=site, asked=asked, found=found,
                           code=code, secret=secret if found is not None else "", problem=problem,
                           cancelled=done, title=gettext("My appointment"))


def register(hall: Blueprint, limiter: Limiter) -> None:
    """Add the appointment pages to the hall (once: the blueprint is the module's)."""
    limited: Callable[[Any], Any] = limiter.limit(_booking_limit, methods=["POST"])
    hall.add_url_rule("/<sub>/<item>/book", "book", limited(book), methods=["GET", "POST"])
    hall.add_url_rule("/booked", "booked", booked)
    hall.add_url_rule("/appointments", "appointments", limited(appointments), methods=["GET", "POST"])

