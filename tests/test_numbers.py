"""Case numbers follow the center's pattern and stay unique when clerks submit at once."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal.cases.intake import save_application, spec_of
from portal.cases.lifecycle import local_day
from portal.cases.numbering import case_number
from portal.core import servertime
from portal.forms.build import check_submission
from portal.models import Case, Item, Offering, SubCenter, db
from portal.web.current import current_site
from tests.test_intake import GOOD


def _place():
    return db.session.scalars(select(Offering).join(SubCenter).join(Item).where(
        SubCenter.code == "mz", Item.code == "mz-dibao")).one()


def test_numbers_follow_the_declared_pattern_and_restart_each_day(published) -> None:
    rule = {"pattern": "{subcenter}{date}{seq}", "digits": 4, "reset": "day"}
    with published.app_context():
        day = dt.date(2026, 11, 23)
        assert case_number(db.session, rule, "mz", "MZ01", day) == "MZ202611230001"
        assert case_number(db.session, rule, "mz", "MZ02", day) == "MZ202611230002"
        assert case_number(db.session, rule, "ws", "WS01", day) == "WS202611230001"
        assert case_number(db.session, rule, "mz", "MZ01", day + dt.timedelta(days=1)) == "MZ202611240001"
        yearly = {"pattern": "{year}-{subcenter}-{window}-{seq}", "digits": 6, "reset": "year"}
        assert case_number(db.session, yearly, "mz", "MZ01", day) == "2026-MZ-MZ01-000001"
        db.session.rollback()


def test_fifty_clerks_submitting_at_once_get_fifty_numbers(published) -> None:
    with published.app_context():
        spec = spec_of(_place().form_version)
    numbers: list[str] = []
    failures: list[BaseException] = []
    start = threading.Barrier(50, timeout=60)

    def clerk(n: int) -> None:
        try:
            with published.app_context():
                checked = check_submission(spec, MultiDict({**GOOD, "applicant_name": f"申请人{n}"}))
                start.wait()  # all at once (the pool lends its 15 connections in turn)
                place = _place()
                case = save_application(db.session, current_site(), place, place.windows[0], checked,
                                        submit=True, by=f"clerk-{n}")
                numbers.append(case.number)
                db.session.remove()
        except BaseException as exc:  # reported below: a thread's exception is otherwise lost
            failures.append(exc)

    threads = [threading.Thread(target=clerk, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(set(numbers)) == 50
    with published.app_context():  # (no request: no user scope on the count)
        prefix = "MZ" + local_day(current_site(), servertime.now()).strftime("%Y%m%d")  # the center's day
        assert sorted(numbers) == [f"{prefix}{n:04d}" for n in range(1, 51)]
        assert db.session.scalar(select(db.func.count()).select_from(Case)) == 50
        assert current_site().center["case_number"]["pattern"] == "{subcenter}{date}{seq}"


def test_demo_cases_are_numbered_as_intake_numbers_them_and_intake_continues_after(published) -> None:
    """Seeded demo cases take the center's pattern on the day each was taken, from the same
    sequences: a case submitted afterwards takes the next number, never one a demo case has."""
    import re

    from portal.cli.demo import ensure_demo_users, seed_cases
    from tests.support.world import PASSWORD

    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        seed_cases(120)
        seed_cases(40)  # seeding again continues the sequences
        numbers = list(db.session.scalars(select(Case.number)))
        assert len(numbers) == len(set(numbers)) == 160
        assert all(re.fullmatch(r"[A-Z]+\d{12}", n) for n in numbers), numbers[:5]  # e.g. BAOHUA202611300001
        today = local_day(current_site(), servertime.now()).strftime("%Y%m%d")
        seeded_today = sorted(n for n in numbers if n.startswith(f"MZ{today}"))
        place = _place()
        spec = spec_of(place.form_version)
        checked = check_submission(spec, MultiDict(GOOD))
        case = save_application(db.session, current_site(), place, place.windows[0], checked, submit=True)
        last = int(seeded_today[-1][-4:]) if seeded_today else 0
        assert case.number == f"MZ{today}{last + 1:04d}"
