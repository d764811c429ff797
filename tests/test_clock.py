"""Due dates in working days, worked out by hand around the 2025–2027 holidays."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from portal.core.workdays import CENTER, LIBRARY, WEEKDAYS, Calendar
from portal.site import load_site
from tests.support.sites import REPO

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def jurong() -> Calendar:
    site, problems = load_site(REPO)
    assert site is not None, problems
    return Calendar.of_center(site.center)


# (accepted, working days, due, how it was worked out)
HAND_WORKED = [
    ("2025-09-30", 5, "2025-10-14", "10-01..08 off; 10-09, 10-10, Sat 10-11, 10-13, 10-14"),
    ("2025-09-26", 3, "2025-09-30", "Sat 09-27 is 调休: 09-27, 09-29, 09-30"),
    ("2026-02-13", 3, "2026-02-25", "Sat 02-14 worked; 02-15..23 Spring Festival; 02-24, 02-25"),
    ("2026-02-27", 1, "2026-02-28", "Sat 02-28 is 调休"),
    ("2025-12-31", 2, "2026-01-05", "01-01..03 New Year; Sun 01-04 worked: 01-04, 01-05"),
    ("2026-09-24", 4, "2026-10-08", "09-25 Mid-autumn off; 09-28, 09-29, 09-30; 10-01..07 off; 10-08"),
    ("2026-10-09", 1, "2026-10-10", "Sat 10-10 is 调休"),
    ("2026-12-24", 10, "2027-01-08", "center's 2027: 01-01..03 off; 12-25..31 (5), 01-04..08 (5)"),
    ("2027-02-04", 2, "2027-02-16", "center 2027: 02-05..12 off, 02-13/14 weekend; 02-15, 02-16"),
    ("2027-02-19", 1, "2027-02-20", "center 2027: Sat 02-20 is declared a working day"),
    ("2026-11-23", 0, "2026-11-23", "即办件: the same day"),
]


@pytest.mark.parametrize(("accepted", "days", "due", "how"), HAND_WORKED)
def test_due_dates_worked_out_by_hand(jurong: Calendar, accepted: str, days: int, due: str,
                                      how: str) -> None:
    assert jurong.due(D(accepted), days).day == D(due), how


def test_a_year_no_one_knows_counts_weekdays_and_says_so() -> None:
    bare = Calendar()  # a center that declared no 2027 schedule
    due = bare.due(D("2026-12-24"), 10)
    assert due.day == D("2027-01-07")  # Fri 2027-01-01 counted as a weekday
    assert due.guessed == (2027,)
    assert (bare.source(2026), bare.source(2027)) == (LIBRARY, WEEKDAYS)


def test_the_centers_schedule_is_used_where_the_library_stops(jurong: Calendar) -> None:
    assert (jurong.source(2026), jurong.source(2027), jurong.source(2028)) == (LIBRARY, CENTER, WEEKDAYS)
    assert jurong.due(D("2026-12-24"), 10).guessed == ()
    assert jurong.due(D("2027-12-20"), 20).guessed == (2028,)


def test_time_in_correction_is_not_counted(jurong: Calendar) -> None:
    # accepted 09-30, 5 days: 10-09 (1) counts, the clock stops that day; restarted Mon 10-13,
    # which does not count either; then 10-14 (2), 10-15 (3), 10-16 (4), 10-17 (5)
    pauses = [(D("2025-10-09"), D("2025-10-13"))]
    assert jurong.due(D("2025-09-30"), 5, pauses).day == D("2025-10-17")
    assert jurong.due(D("2025-09-30"), 5, [(D("2025-10-09"), None)]).day is None  # stopped
    # two pauses: the second also moves the date; one after the time ran out moves nothing
    twice = [(D("2025-10-09"), D("2025-10-13")), (D("2025-10-15"), D("2025-10-16"))]
    assert jurong.due(D("2025-09-30"), 5, twice).day == D("2025-10-20")
    assert jurong.due(D("2025-09-30"), 5, [(D("2025-10-20"), D("2025-10-22"))]).day == D("2025-10-14")
    assert jurong.used(D("2025-09-30"), D("2025-10-16"), pauses) == 4  # 10-09, 10-14, 10-15, 10-16


def test_the_index_agrees_with_walking_the_calendar_day_by_day(jurong: Calendar) -> None:
    rng = random.Random(20261123)
    for _ in range(300):
        accepted = D("2025-01-01") + dt.timedelta(days=rng.randrange(1000))
        days = rng.randrange(0, 40)
        walked, left = accepted, days
        while left:
            walked += dt.timedelta(days=1)
            left -= jurong.is_workday(walked)
        assert jurong.due(accepted, days).day == walked, (accepted, days)


def test_one_calendar_shared_by_threads_gives_every_thread_the_right_due_date() -> None:
    """A worker's threads (requests, background jobs) share one calendar per site; one thread
    keeping an earlier year while another counts must not shift the other's due date."""
    import sys
    import threading

    expected = Calendar().due(dt.date(2026, 9, 28), 15).day  # National Day 2026 counted
    assert expected == dt.date(2026, 10, 23)
    for _ in range(5):
        calendar, wrong = Calendar(), []

        def count(calendar: Calendar = calendar, wrong: list = wrong) -> None:
            for _ in range(200):
                day = calendar.due(dt.date(2026, 9, 28), 15).day
                if day != expected:
                    wrong.append(day)

        def keep_earlier_years(calendar: Calendar = calendar) -> None:
            for year in range(2025, 2004, -1):
                calendar.add_workdays(dt.date(year, 6, 1), 3)

        before = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)
        try:
            threads = [threading.Thread(target=count) for _ in range(3)] + [
                threading.Thread(target=keep_earlier_years)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            sys.setswitchinterval(before)
        assert wrong == []
