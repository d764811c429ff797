"""网上投诉、网上咨询: what the public files in the hall without a login, and how they look it up.

- A **complaint** is filed with a sub-center, and names — when the complainant knows it — a
  window of it, an item it offers, or a case number. It lands in the 投诉 screen of that
  sub-center (channel 政务服务网) like one supervision records, with no window when it names
  none. A case number is linked only when it is a case of that sub-center; what was typed is
  kept either way, and the answer is the same, so the form tells nobody which numbers exist.
- A **consultation** is a question to a sub-center about one of its items or in general; its
  clerks and manager answer it.

Each gets a **tracking number**: a kind prefix (TS 投诉, ZX 咨询) and ten random characters of an
alphabet without look-alikes (0/O, 1/I) — 32¹⁰ numbers, not guessed by counting. Looking one
up takes the number *and* the phone given with it; a wrong phone and an unknown number answer
alike, the same ``None`` after the same comparison (as the progress query does:
portal/cases/progress.py). The lookup shows the state and the public reply, never the internal
handling or outcome of a complaint.

Phones are read as an input method types them (full-width digits, spaces) and checked as the
declarations' phones are (portal/site/fields.py): a mobile, a landline with its area code, a
12xxx hotline.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access.scope import unscoped
from portal.cases.progress import holds
from portal.forms.identifiers import normalised
from portal.models import Case, Complaint, Consultation, Item, Offering, SubCenter, Window
from portal.models.assessment import OPEN
from portal.site.fields import is_phone

COMPLAINT, CONSULTATION = "TS", "ZX"  # the tracking numbers' prefixes
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 characters, none mistaken for another
RANDOM = 10
CHANNEL = "政务服务网"  # the complaint channel of the public hall (models/assessment.py CHANNELS)
FILED_BY = "网上办事大厅"  # recorded_by of what the public files

# the sizes a form takes (characters); the database holds them
TEXT_MOST = 1000  # a complaint's content, a question
NAME_MOST = 50
PHONE_MOST = 40
NUMBER_MOST = 60  # a case number as typed



def phone(text: str) -> str | None:
    """The phone number as stored (half-width, no spaces), or ``None`` when it is none."""
    number = normalised(text or "")
    return number if number and len(number) <= PHONE_MOST and is_phone(number) else None


def tracking_number(prefix: str) -> str:
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(RANDOM))


@dataclass(frozen=True)
class Place:
    """What a message is about, as rows of the database."""

    sub_center: SubCenter
    window: Window | None = None
    item: Item | None = None


def place(session: Session, sub: str, window: str = "", item: str = "") -> Place | None:
    """The active sub-center ``sub`` and, when given, its window and an item it offers;
    ``None`` when any of them is not so (the form offers only those)."""
    with unscoped():  # published records: public, whoever asks
        found = session.scalars(select(SubCenter).where(SubCenter.code == sub, SubCenter.active)
                                ).one_or_none() if sub else None
        if found is None:
            return None
        w = i = None
        if window:
            w = session.scalars(select(Window).where(Window.code == window, Window.active,
                                                     Window.sub_center_id == found.id)).one_or_none()
            if w is None:
                return None
        if item:
            i = session.scalars(select(Item).join(Offering, Offering.item_id == Item.id).where(
                Item.code == item, Offering.sub_center_id == found.id, Offering.active)).first()
            if i is None:
                return None
        return Place(found, w, i)


def _unique(session: Session, model: type, prefix: str) -> str:
    while True:  # a repeat is a one-in-10¹⁵ event: ask again rather than fail on the constraint
        number = tracking_number(prefix)
        if session.scalar(select(model.id).where(model.tracking_number == number)) is None:
            return number


def file_complaint(session: Session, where: Place, content: str, contact: str, phone_number: str,
                   case_number: str = "") -> str:
    """Record a complaint from the public; its tracking number."""
    typed = normalised(case_number)[:NUMBER_MOST] or None
    with unscoped():  # an anonymous visitor files it: the sub-center's record, not theirs
        case = session.scalars(select(Case).where(Case.number == typed,
                                                  Case.sub_center_id == where.sub_center.id)
                               ).one_or_none() if typed else None
        window = where.window or (case.window if case is not None else None)
        number = _unique(session, Complaint, COMPLAINT)
        session.add(Complaint(
            sub_center_id=where.sub_center.id, window_id=window.id if window else None,
            item_id=where.item.id if where.item else (case.item_id if case is not None else None),
            case_id=case.id if case is not None else None, case_number=typed, channel=CHANNEL,
            content=content.strip()[:TEXT_MOST], contact_name=contact.strip()[:NAME_MOST] or None,
            contact_phone=phone_number, tracking_number=number, recorded_by=FILED_BY))
        session.commit()
    return number


def ask(session: Session, where: Place, question: str, contact: str, phone_number: str) -> str:
    """Record a question from the public; its tracking number."""
    with unscoped():
        number = _unique(session, Consultation, CONSULTATION)
        session.add(Consultation(
            sub_center_id=where.sub_center.id, item_id=where.item.id if where.item else None,
            question=question.strip()[:TEXT_MOST], contact_name=contact.strip()[:NAME_MOST] or None,
            contact_phone=phone_number, tracking_number=number, state=OPEN))
        session.commit()
    return number


@dataclass(frozen=True)
class Answer:
    """What the holder of a tracking number and its phone learns."""

    kind: str  # COMPLAINT or CONSULTATION
    number: str
    sub_center: str
    about: str | None  # the window or item named
    text: str  # what they wrote
    filed_at: dt.datetime
    answered: bool  # the reply is there (a complaint's outcome stays internal)
    reply: str | None
    replied_at: dt.datetime | None


def lookup(session: Session, number: str, secret: str) -> Answer | None:
    """The message ``number`` if ``secret`` is the phone given with it; ``None`` otherwise
    (unknown number, wrong phone: alike)."""
    number, given = normalised(number)[:NUMBER_MOST], normalised(secret)[:PHONE_MOST]
    model = {COMPLAINT: Complaint, CONSULTATION: Consultation}.get(number[:2], Complaint)
    with unscoped():  # the pair is the authority here, not a session
        record = session.scalars(select(model).where(model.tracking_number == number)
                                 ).one_or_none() if number else None
        if not holds(record, record.contact_phone if record is not None else None, given):
            return None
        window = getattr(record, "window", None)
        about = f"{window.code} {window.name}" if window is not None else None
        if record.item is not None:
            about = f"{about}，{record.item.name}" if about else record.item.name
        text = record.content if isinstance(record, Complaint) else record.question
        return Answer(kind=number[:2], number=number, sub_center=record.sub_center.unified_name,
                      about=about, text=text, filed_at=record.created_at,
                      answered=bool(record.reply), reply=record.reply, replied_at=record.replied_at)
