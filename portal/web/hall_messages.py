"""网上投诉、网上咨询 in the public hall (portal/cases/messages.py has the rules):

- ``/hall/complaint``: choose the sub-center, then say what about — a window, an item, a case
  number, or none of them — what happened, and a phone; the answer is a tracking number.
- ``/hall/consultation``: a question to a sub-center, about one of its items or in general.
- ``/hall/received``: the tracking number just given (after the form's redirect, so that
  reloading the page files nothing twice).
- ``/hall/messages``: tracking number and phone → the state and the public reply.

Filing is rate-limited per client (``PORTAL_RATELIMIT_FILING``, complaints and questions
counted together), the lookup like the progress query (``PORTAL_RATELIMIT_QUERY``). A rejected
form keeps what was typed, cut at each field's limit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from wtforms import Form, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.cases import messages
from portal.models import db
from portal.web.current import center_zone, published_site, rate_limit

FILED = "portal_hall_filed"  # the session key of the tracking number just given

_filing = rate_limit("PORTAL_RATELIMIT_FILING")
_querying = rate_limit("PORTAL_RATELIMIT_QUERY")



class PhoneNumber:
    """A phone as the declarations' phones are checked, typed as an input method types it."""

    def __call__(self, form: Any, field: Any) -> None:
        number = messages.phone(field.data or "")
        if number is None:
            raise ValidationError(_l("Give a mobile number such as 13812345678, or a landline "
                                     "with its area code such as 0511-87280000."))
        field.data = number


class Offered:
    """One of the choices the page offered (a window or an item of the sub-center chosen)."""

    def __call__(self, form: Any, field: Any) -> None:
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError(_l("Choose one of the list."))


def _text(label: Any, most: int, required: bool = False, area: bool = False) -> Any:
    kind = TextAreaField if area else StringField
    first = DataRequired(message=_l("Please fill this in.")) if required else Optional()
    return kind(label, [first, Length(max=most, message=_l("At most %(max)d characters.", max=most))],
                render_kw={"maxlength": most})


class _Message(Form):
    contact_name = _text(_l("Your name (optional)"), messages.NAME_MOST)
    phone = StringField(_l("Mobile or phone number"), [DataRequired(message=_l("Please fill this in.")),
                                                      Length(max=messages.PHONE_MOST), PhoneNumber()],
                        render_kw={"maxlength": messages.PHONE_MOST, "type": "tel",
                                   "autocomplete": "tel"})


class ComplaintForm(_Message):
    window = SelectField(_l("Window (if you know it)"), [Offered()], validate_choice=False)
    item = SelectField(_l("Service item (if it is about one)"), [Offered()], validate_choice=False)
    case_number = _text(_l("Case number (if it is about a case)"), messages.NUMBER_MOST)
    content = _text(_l("What happened"), messages.TEXT_MOST, required=True, area=True)


class ConsultationForm(_Message):
    item = SelectField(_l("Service item (if it is about one)"), [Offered()], validate_choice=False)
    question = _text(_l("Your question"), messages.TEXT_MOST, required=True, area=True)


def _choices(form: Form, sub: Any) -> None:
    offered = [(code, o.item.name) for code, o in sorted(sub.offerings.items())]
    form.item.choices = [("", gettext("Not about a particular item")), *offered]
    if "window" in form:
        form.window.choices = [("", gettext("Not a particular window, or I do not know")),
                               *((w.code, f"{w.code} {w.name}") for w in sub.windows)]


def _kept(form: Form) -> None:
    """What a rejected form shows back: what was typed, cut at each field's limit."""
    for field in form:
        most = (field.render_kw or {}).get("maxlength")
        if most and isinstance(field.data, str):
            field.data = field.data[:most]


def _sub(site: Any) -> Any:
    """The sub-center chosen (``?sub=`` or the form's), or ``None``."""
    return site.subcenters.get(request.values.get("sub", ""))


def _file(kind: str, form_class: type[Form], template: str, title: Any) -> Any:
    site = published_site()
    sub = _sub(site)
    subs = sorted(site.subcenters.values(), key=lambda s: (s.kind != "subcenter", s.code))
    if sub is None:  # first the sub-center: what can be named depends on it
        return render_template("portal/hall/choose.html", site=site, subs=subs, kind=kind,
                               title=title)
    form = form_class(request.form if request.method == "POST" else None,
                      item=request.args.get("item", ""), window=request.args.get("window", ""))
    _choices(form, sub)
    if request.method == "POST":
        if form.validate():
            where = messages.place(db.session, sub.code, getattr(getattr(form, "window", None), "data", ""),
                                   form.item.data)
            if where is None:  # retired since the form was shown
                abort(404)
            if kind == messages.COMPLAINT:
                number = messages.file_complaint(db.session, where, form.content.data,
                                                 form.contact_name.data or "", form.phone.data,
                                                 form.case_number.data or "")
            else:
                number = messages.ask(db.session, where, form.question.data,
                                      form.contact_name.data or "", form.phone.data)
            session[FILED] = number
            return redirect(url_for("hall.received"))
        _kept(form)
    return render_template(template, site=site, sub=sub, form=form, kind=kind, title=title)


def complaint() -> Any:
    return _file(messages.COMPLAINT, ComplaintForm, "portal/hall/complaint.html", gettext("Online complaint"))


def consultation() -> Any:
    return _file(messages.CONSULTATION, ConsultationForm, "portal/hall/consultation.html",
                 gettext("Online consultation"))


def received() -> Any:
    number = session.get(FILED)
    if not number:
        return redirect(url_for("hall.message_lookup"))
    return render_template("portal/hall/received.html", site=published_site(), number=number,
                           complaint=number.startswith(messages.COMPLAINT),
                           title=gettext("Received"))


def _local(at: dt.datetime | None) -> str:
    if at is None:
        return ""
    if at.tzinfo is None:  # SQLite gives stored times back without their zone: they are UTC
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(center_zone()).strftime("%Y-%m-%d %H:%M")


def message_lookup() -> Any:
    site = published_site()
    found, asked = None, request.method == "POST"
    number = request.form.get("number", "")[:messages.NUMBER_MOST]
    if asked:
        found = messages.lookup(db.session, number, request.form.get("phone", "")[:messages.PHONE_MOST])
    return render_template("portal/hall/messages.html", site=site, asked=asked, found=found,
                           number=number, when=_local, complaint=messages.COMPLAINT,
                           title=gettext("Complaint and question lookup"))


def register(hall: Blueprint, limiter: Limiter) -> None:
    """Add the pages to the hall's blueprint (before it is registered with the app)."""
    # what is filed counts (a form sent back for a typo does not: the hall's own limit holds those)
    filing = limiter.shared_limit(_filing, scope="hall-filing", methods=["POST"],
                                  deduct_when=lambda response: response.status_code == 302)
    querying = limiter.limit(_querying, methods=["POST"])
    hall.add_url_rule("/complaint", "complaint", filing(complaint), methods=["GET", "POST"])
    hall.add_url_rule("/consultation", "consultation", filing(consultation), methods=["GET", "POST"])
    hall.add_url_rule("/received", "received", received)
    hall.add_url_rule("/messages", "message_lookup", querying(message_lookup), methods=["GET", "POST"])
