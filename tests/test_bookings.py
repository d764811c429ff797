"""网上预约, the logic: what may be booked (working days of the center's calendar, 调休 included,
holidays never, up to the declared days ahead, each period until it begins), never more bookings
than places — also with fifty applicants pressing at once —, a cancellation freeing its place,
and a booking shown only to the pair of its code and its applicant's secret.

The demo center declares its 2027 holidays itself (chinese-calendar does not know 2027):
春节 2027-02-05..02-12, and Saturday 2027-02-20 worked in exchange (调休). The demo's 民政
counter MZ01 books 上午 08:30—12:00 and 下午 13:30—17:30, six places each, seven days ahead;
MZ03 books hours on Tuesdays and Thursdays; 人社's RS01 ten places a half-day; 华阳街道's HY02
every working day.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select
from stdnum.cn import ric

from portal.cases import bookings
from portal.core import servertime
from portal.core.errors import PortalError
from portal.models import Booking, BookingState, db
from portal.web.current import current_site

CST = dt.timezone(dt.timedelta(hours=8))


def at(day: str, time: str = "09:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=CST).astimezone(dt.UTC)


def id_number(n: int, born: str = "19800101") -> str:
    body = f"321183{born}{n:03d}"
    return body + ric.calc_check_digit(body)


def person(n: int) -> dict[str, str]:
    return {"name": f"预约人{n}", "id_number": id_number(n), "phone": f"139{n:08d}"}


@pytest.fixture
def clock(monkeypatch):
    """Set the server's clock: ``clock("2027-02-03", "09:00")`` (China time)."""
    def setting(day: str, time: str = "09:00") -> dt.datetime:
        moment = at(day, time)
        monkeypatch.setattr(servertime, "now", lambda: moment)
        return moment
    return setting


def _days(offers) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for o in offers:
        out.setdefault(o.day.isoformat(), []).append(o.period.label)
    return out


def test_only_working_days_are_offered_holidays_never_and_the_adjusted_saturday_too(published, clock) -> None:
    with published.app_context():
        site = current_site()
        clock("2027-02-03", "09:00")  # a Wednesday, two days before 春节
        offered = _days(bookings.offers(db.session, site, "mz", "mz-dibao"))
        # today's morning has begun; the holiday week and its weekend are not offered
        assert offered == {"2027-02-03": ["下午 13:30—17:30"],
                           "2027-02-04": ["上午 08:30—12:00", "下午 13:30—17:30"]}
        clock("2027-02-15", "08:00")  # Monday after the holidays
        offered = _days(bookings.offers(db.session, site, "huayang", "rs-shbx"))
        assert sorted(offered) == ["2027-02-15", "2027-02-16", "2027-02-17", "2027-02-18",
                                   "2027-02-19", "2027-02-20"]  # Saturday 02-20 is worked (调休)
        # hours, on Tuesdays and Thursdays only (MZ03 lists 周二 and 周四; 14 days ahead)
        hours = _days(bookings.offers(db.session, site, "mz", "mz-lnyd"))
        assert sorted(hours) == ["2027-02-16", "2027-02-18", "2027-02-23", "2027-02-25"]
        assert hours["2027-02-16"] == ["09:00—10:00", "10:00—11:00", "14:00—15:00", "15:00—16:00"]
        # an item without appointments offers nothing
        assert bookings.offers(db.session, site, "mz", "mz-shzz") == []


def test_a_period_takes_as_many_bookings_as_places_and_a_cancellation_frees_one(published, clock) -> None:
    with published.app_context():
        site = current_site()
        clock("2027-02-03", "09:00")
        day = dt.date(2027, 2, 4)
        made = [bookings.book(db.session, site, "mz", "mz-dibao", "MZ01", day, "08:30-12:00", **person(n))
                for n in range(6)]
        assert sorted(b.seat for b in made) == [1, 2, 3, 4, 5, 6]
        assert len({b.code for b in made}) == 6
        assert all(len(b.code) == 8 and set(b.code) <= set(bookings.ALPHABET) for b in made)
        with pytest.raises(bookings.Full):
            bookings.book(db.session, site, "mz", "mz-dibao", "MZ01", day, "08:30-12:00", **person(7))
        left = {o.period.key: o.left for o in bookings.offers(db.session, site, "mz", "mz-dibao")
                if o.day == day}
        assert left == {"08:30-12:00": 0, "13:30-17:30": 6}
        # the places are the window's, shared by the items it books (低保 and 五保 at MZ01)
        with pytest.raises(bookings.Full):
            bookings.book(db.session, site, "mz", "mz-wubao", "MZ01", day, "08:30-12:00", **person(8))

        third = made[2]
        assert bookings.cancel(db.session, site, third.code, person(2)["id_number"][-6:]) is not None
        again = bookings.book(db.session, site, "mz", "mz-dibao", "MZ01", day, "08:30-12:00", **person(9))
        assert again.seat == 3  # the lowest free place: the one given back
        assert db.session.scalar(select(func.count()).select_from(Booking).where(
            Booking.seat.is_not(None))) == 6


@pytest.mark.parametrize(("day", "period", "why"), [
    ("2027-02-02", "13:30-17:30", "past day"),
    ("2027-02-03", "08:30-12:00", "the period has begun"),
    ("2027-02-08", "08:30-12:00", "春节 holiday"),
    ("2027-02-06", "08:30-12:00", "a weekend"),
    ("2027-02-15", "08:30-12:00", "beyond the seven days ahead"),
    ("2027-02-04", "08:00-12:00", "no such period"),
])
def test_what_is_not_offered_cannot_be_booked(published, clock, day: str, period: str, why: str) -> None:
    with published.app_context():
        clock("2027-02-03", "09:00")
        with pytest.raises(PortalError):
            bookings.book(db.session, current_site(), "mz", "mz-dibao", "MZ01",
                          dt.date.fromisoformat(day), period, **person(1))
        with pytest.raises(PortalError):  # nor at a window that does not book the item
            bookings.book(db.session, current_site(), "mz", "mz-dibao", "MZ02",
                          dt.date(2027, 2, 4), "08:30-12:00", **person(1))
        assert db.session.scalar(select(func.count()).select_from(Booking)) == 0


def test_a_booking_shows_to_its_pair_only_and_a_wrong_pair_answers_like_an_unknown_code(published,
                                                                                        clock) -> None:
    with published.app_context():
        site = current_site()
        clock("2027-02-03", "09:00")
        who = person(4)
        made = bookings.book(db.session, site, "mz", "mz-dibao", "MZ01", dt.date(2027, 2, 4),
                             "13:30-17:30", **who)
        wide = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
        for code, secret in ((made.code, who["id_number"][-6:]), (made.code.lower(), who["phone"]),
                             (" " + made.code.translate(wide), who["phone"].translate(wide))):
            found = bookings.lookup(db.session, site, code, secret)
            assert found is not None and found.code == made.code, (code, secret)
        assert found.applicant == "预**4" and found.period == "下午 13:30—17:30"
        assert found.window == "MZ01 社会救助窗口" and "华阳北路56号" in found.address
        assert found.state == BookingState.BOOKED and found.cancellable
        assert bookings.lookup(db.session, site, made.code, "000000") is None
        assert bookings.lookup(db.session, site, "ZZZZZZZZ", who["id_number"][-6:]) is None
        assert bookings.cancel(db.session, site, made.code, "13900000000") is None
        assert db.session.get(Booking, made.id).state == BookingState.BOOKED
        cancelled = bookings.cancel(db.session, site, made.code, who["phone"])
        assert cancelled.state == BookingState.CANCELLED and not cancelled.cancellable
        with pytest.raises(PortalError):  # twice: it says so, to the holder only
            bookings.cancel(db.session, site, made.code, who["phone"])


def test_a_booking_cannot_be_cancelled_once_its_period_has_begun(published, clock) -> None:
    with published.app_context():
        site = current_site()
        clock("2027-02-04", "08:00")
        made = bookings.book(db.session, site, "mz", "mz-dibao", "MZ01", dt.date(2027, 2, 4),
                             "08:30-12:00", **person(5))
        clock("2027-02-04", "08:45")
        found = bookings.lookup(db.session, site, made.code, person(5)["phone"])
        assert found is not None and not found.cancellable
        with pytest.raises(PortalError):
            bookings.cancel(db.session, site, made.code, person(5)["phone"])


def test_fifty_applicants_pressing_at_once_get_exactly_the_ten_places(published, clock) -> None:
    """人社's RS01 has ten places a half-day; fifty applicants book the same morning at once,
    each in a thread with a session (and connection) of its own."""
    clock("2027-02-03", "09:00")
    with published.app_context():
        site = current_site()
    start = threading.Barrier(50, timeout=60)
    booked: list[str] = []
    full: list[str] = []
    failures: list[BaseException] = []

    def applicant(n: int) -> None:
        try:
            with published.app_context():
                start.wait()  # all at once
                try:
                    made = bookings.book(db.session, site, "rs", "rs-shbx", "RS01", dt.date(2027, 2, 4),
                                         "08:30-12:00", **person(n))
                    booked.append(made.code)
                except bookings.Full as exc:
                    full.append(exc.render())
                finally:
                    db.session.remove()
        except BaseException as exc:  # reported below: a thread's exception is otherwise lost
            failures.append(exc)

    threads = [threading.Thread(target=applicant, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(booked) == len(set(booked)) == 10 and len(full) == 40
    with published.app_context():
        seats = db.session.scalars(select(Booking.seat).order_by(Booking.seat)).all()
        assert seats == list(range(1, 11))
