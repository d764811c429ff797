"""网上预约: booking a period at a window from the public hall, looking a booking up, cancelling
it, and the clerk's side — today's appointments, and the booking marked arrived when its intake
is saved.

What may be booked is declared (a sub-center's ``appointments:``): per window, its periods and
their places, on the working days of the center's calendar (``calendar_of``: a public holiday
never, a 调休 weekend workday like any working day), from today up to ``days_ahead`` days ahead,
each period until it begins.

**Never more bookings than places.** A period's places are seats 1…capacity; a booking holds one,
and the table's unique constraint on (window, day, period, seat) lets no two bookings hold the
same seat. Booking reads the seats taken, inserts the lowest free one and commits; when someone
else took that seat in between, the database refuses the insert (PostgreSQL makes the second
insert wait for the first to commit, SQLite writes one at a time), and booking reads again and
tries the next free seat, until there is none: "full". Each refusal means another booking was
committed, so the tries end. No lock is held while the applicant types, and a cancelled booking
gives its seat back (``seat`` NULL), which the next booking takes.

**Nothing to enumerate.** The public side runs ``unscoped`` — the booking code and the
applicant's secret (the last six characters of the identity number, or the phone number) are
the authority — and a wrong pair and an unknown code give the same ``None`` after the same
comparison, like the progress query (portal/cases/progress.py).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from portal.access.scope import unscoped
from portal.cases.lifecycle import calendar_of, local_day
from portal.cases.progress import applicants_secret, holds, masked
from portal.core import servertime
from portal.core.errors import N_, PortalError
from portal.forms.identifiers import normalised
from portal.models import Booking, BookingState, Case, Item, SubCenter, Window
from portal.site import Site
from portal.site.tables import WEEKDAYS

# 预约码: read aloud at the counter and typed on a phone — no 0/O, 1/I/L; 31^8 ≈ 8.5·10^11 codes
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


class Full(PortalError):
    """Every place of the period is taken."""


@dataclass(frozen=True)
class Period:
    name: str | None
    start: str  # HH:MM
    end: str
    capacity: int

    @property
    def key(self) -> str:
        """How a booking names its period: ``08:30-12:00``."""
        return f"{self.start}-{self.end}"

    @property
    def label(self) -> str:
        times = f"{self.start}—{self.end}"
        return f"{self.name} {times}" if self.name else times


@dataclass(frozen=True)
class Line:
    """The declared appointments of one window, for the items it lists."""

    window: str
    items: tuple[str, ...]
    weekdays: frozenset[int] | None  # 0 = Monday; None: every working day
    days_ahead: int
    periods: tuple[Period, ...]

    def period(self, key: str) -> Period | None:
        return next((p for p in self.periods if p.key == key), None)


def lines_of(site: Site, sub: str) -> list[Line]:
    """The appointment lines of a sub-center, each with the items it books (declared, else every
    item its window handles), never a 咨办类 one."""
    spec = site.subcenters.get(sub)
    if spec is None:
        return []
    out = []
    for line in spec.appointments:
        items = tuple(code for code in line.get("items") or (
            code for code, o in spec.offerings.items() if line["window"] in o.windows)
            # a 咨办类 item is guidance only: nothing to book for it
            if code in spec.offerings and not spec.offerings[code].guidance_only)
        weekdays = line.get("weekdays")
        periods = sorted((Period(p.get("name"), p["start"], p["end"], p["capacity"])
                          for p in line["periods"]), key=lambda p: p.start)
        out.append(Line(line["window"], items,
                        frozenset(WEEKDAYS.index(d) for d in weekdays) if weekdays else None,
                        line["days_ahead"], tuple(periods)))
    return out


def lines_for(site: Site, sub: str, item: str) -> list[Line]:
    """The lines where ``item`` of sub-center ``sub`` may be booked."""
    return [line for line in lines_of(site, sub) if item in line.items]


def bookable_days(site: Site, line: Line, now: dt.datetime) -> list[dt.date]:
    """The days of a line open for booking now: from today, ``days_ahead`` days, working days of
    the center's calendar only (on the line's weekdays, when it names them)."""
    today, calendar = local_day(site, now), calendar_of(site)
    days = (today + dt.timedelta(days=i) for i in range(line.days_ahead))
    return [d for d in days if calendar.is_workday(d)
            and (line.weekdays is None or d.weekday() in line.weekdays)]


def begins(site: Site, day: dt.date, period: Period) -> dt.datetime:
    hours, minutes = map(int, period.start.split(":"))
    return dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=site.zone)


@dataclass(frozen=True)
class Offer:
    """One period of one day at one window, and its places left."""

    window: str
    day: dt.date
    period: Period
    left: int


def offers(session: Session, site: Site, sub: str, item: str,
           now: dt.datetime | None = None) -> list[Offer]:
    """Every period that may be booked now for ``item`` at ``sub``, with its places left, by day,
    then time, then window. A full period is listed too (0 left): the applicant sees it is full."""
    now = now or servertime.now()
    wanted = []
    for line in lines_for(site, sub, item):
        for day in bookable_days(site, line, now):
            wanted += [(line.window, day, p) for p in line.periods if begins(site, day, p) > now]
    if not wanted:
        return []
    with unscoped():  # a visitor sees no booking: counting them is the hall's business
        taken = {(w, d, p): n for w, d, p, n in session.execute(
            select(Window.code, Booking.day, Booking.period, func.count())
            .join(Window, Window.id == Booking.window_id)
            .where(Window.code.in_({w for w, _, _ in wanted}),
                   Booking.day.in_({d for _, d, _ in wanted}), Booking.seat.is_not(None))
            .group_by(Window.code, Booking.day, Booking.period))}
    out = [Offer(w, d, p, max(p.capacity - taken.get((w, d, p.key), 0), 0)) for w, d, p in wanted]
    return sorted(out, key=lambda o: (o.day, o.period.start, o.window))


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def book(session: Session, site: Site, sub: str, item: str, window: str, day: dt.date,
         period_key: str, name: str, id_number: str, phone: str,
         now: dt.datetime | None = None) -> Booking:
    """Book the lowest free place of a period; commits. ``Full`` when none is left; a
    ``PortalError`` saying why when the period cannot be booked (not declared, a holiday, past,
    beyond the days ahead). The applicant's values are expected checked (the hall's form)."""
    now = now or servertime.now()
    line = next((x for x in lines_for(site, sub, item) if x.window == window), None)
    period = line.period(period_key) if line is not None else None
    if line is None or period is None:
        raise PortalError(N_("this period cannot be booked for this item"),
                          hint=N_("choose one of the periods listed"))
    if day not in bookable_days(site, line, now) or begins(site, day, period) <= now:
        raise PortalError(N_("%(day)s %(period)s cannot be booked"),
                          hint=N_("bookings are taken for the working days listed, until the "
                                  "period begins"), day=day.isoformat(), period=period.label)
    with unscoped():  # the applicant has no login: the declared slot is the authority
        window_id = session.scalars(select(Window.id).where(Window.code == window)).one()
        item_id = session.scalars(select(Item.id).where(Item.code == item)).one()
        sub_center_id = session.scalars(select(SubCenter.id).where(SubCenter.code == sub)).one()
        while True:  # each try reads what is committed now (READ COMMITTED; SQLite: one writer)
            taken = set(session.scalars(select(Booking.seat).where(
                Booking.window_id == window_id, Booking.day == day, Booking.period == period.key,
                Booking.seat.is_not(None))))
            free = [seat for seat in range(1, period.capacity + 1) if seat not in taken]
            if not free:
                session.rollback()
                raise Full(N_("%(day)s %(period)s is fully booked"),
                           hint=N_("choose another period or another day"),
                           day=day.isoformat(), period=period.label)
            booking = Booking(code=new_code(), sub_center_id=sub_center_id, window_id=window_id,
                              item_id=item_id, day=day, period=period.key,
                              period_name=(period.name or period.label)[:40], seat=free[0],
                              applicant_name=name.strip()[:200],
                              applicant_id_number=normalised(id_number)[:40],
                              applicant_phone=normalised(phone)[:40], state=BookingState.BOOKED)
            session.add(booking)
            try:
                session.commit()
            except IntegrityError:  # the seat was taken since we read (or, rarely, the code)
                session.rollback()
                continue
            return booking


def _matching(session: Session, code: str, secret: str) -> Booking | None:
    code, given = normalised(code)[:CODE_LENGTH * 2], normalised(secret)[:40]
    booking = session.scalars(select(Booking).where(Booking.code == code)
                              .options(selectinload(Booking.window), selectinload(Booking.item),
                                       selectinload(Booking.sub_center))).one_or_none() \
        if code else None
    expected = applicants_secret(booking.applicant_id_number, booking.applicant_phone, given) \
        if booking is not None else None
    return booking if holds(booking, expected, given) else None


@dataclass(frozen=True)
class Found:
    """What the lookup page shows of a booking: nothing the applicant did not type but their
    name, masked."""

    code: str
    state: str
    day: dt.date
    period: str
    item: str
    sub_center: str
    window: str
    address: str
    applicant: str
    cancellable: bool

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.day.weekday()]


def _found(site: Site, booking: Booking, now: dt.datetime) -> Found:
    sub = site.subcenters.get(booking.sub_center.code)
    period = _period_of(site, booking)
    starts = begins(site, booking.day, period) if period is not None else \
        dt.datetime.combine(booking.day, dt.time(0), tzinfo=site.zone)
    return Found(code=booking.code, state=booking.state, day=booking.day,
                 period=period.label if period is not None else booking.period_name,
                 item=booking.item.name, sub_center=booking.sub_center.unified_name,
                 window=f"{booking.window.code} {booking.window.name}",
                 address=sub.address if sub is not None else booking.sub_center.address,
                 applicant=masked(booking.applicant_name),
                 cancellable=booking.state == BookingState.BOOKED and starts > now)


def _period_of(site: Site, booking: Booking) -> Period | None:
    for line in lines_of(site, booking.sub_center.code):
        if line.window == booking.window.code:
            return line.period(booking.period)
    start, _, end = booking.period.partition("-")
    return Period(booking.period_name, start, end, 0) if end else None


def just_booked(session: Session, site: Site, code: str, now: dt.datetime | None = None) -> Found | None:
    """The booking the applicant has just made (its code kept in their own signed session)."""
    with unscoped():
        booking = session.scalars(select(Booking).where(Booking.code == code)).one_or_none()
        return _found(site, booking, now or servertime.now()) if booking is not None else None


def lookup(session: Session, site: Site, code: str, secret: str,
           now: dt.datetime | None = None) -> Found | None:
    """The booking ``code`` if ``secret`` is its applicant's; ``None`` otherwise (an unknown code
    and a wrong secret alike)."""
    with unscoped():
        booking = _matching(session, code, secret)
        return _found(site, booking, now or servertime.now()) if booking is not None else None


def cancel(session: Session, site: Site, code: str, secret: str,
           now: dt.datetime | None = None) -> Found | None:
    """Cancel the booking ``code`` for the holder of ``secret``: its place is free again;
    commits. ``None`` like ``lookup``; a ``PortalError`` when it can no longer be cancelled
    (cancelled already, arrived, or its period has begun)."""
    now = now or servertime.now()
    with unscoped():
        booking = _matching(session, code, secret)
        if booking is None:
            return None
        if not _found(site, booking, now).cancellable:
            raise PortalError(N_("booking %(code)s can no longer be cancelled"),
                              hint=N_("only a booking whose period has not begun can be cancelled"),
                              code=booking.code)
        booking.state, booking.seat, booking.cancelled_at = BookingState.CANCELLED, None, now
        session.commit()
        return _found(site, booking, now)


# --- the clerk's side (through the scope rule: a clerk sees their windows' bookings) --------

def todays(session: Session, day: dt.date, limit: int = 50) -> Sequence[Booking]:
    """The day's bookings the user sees, not cancelled, by time and window."""
    return session.scalars(
        select(Booking).where(Booking.day == day, Booking.state != BookingState.CANCELLED)
        .options(selectinload(Booking.window), selectinload(Booking.item))
        .order_by(Booking.period, Booking.window_id, Booking.seat).limit(limit)).all()


def prefill(booking: Booking, applicant_fields: Mapping[str, str]) -> dict[str, Any]:
    """The values an intake form starts with for a booking: ``applicant_fields`` maps the
    applicant part (name, id_number, phone) to the form's field for it."""
    values = {"name": booking.applicant_name, "id_number": booking.applicant_id_number,
              "phone": booking.applicant_phone}
    return {field: values[part] for part, field in applicant_fields.items() if part in values}


def arrived(session: Session, booking: Booking, case: Case) -> None:
    """The applicant came: the booking now names the case started for it; commits."""
    if booking.state != BookingState.BOOKED:
        return
    booking.state, booking.case_id = BookingState.ARRIVED, case.id
    session.commit()
