"""The event log: the server's time on every event, and tampering found by `portal audit verify`."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from portal.cases.audit import append, verify
from portal.core.errors import PortalError
from portal.models import CaseEvent, db
from tests.support.world import add_cases


@pytest.fixture
def log(published):
    """Six events over three cases, committed."""
    with published.app_context():
        cases = add_cases(per_window=1)[:3]
        from portal.models import Case

        for kind in ("submit", "accept"):
            for row in cases:
                append(db.session, db.session.get(Case, row.id), kind, "mz-clerk", {"note": kind})
                db.session.commit()
    return published


def run_cli(app, *args):
    from tests.test_publish import run

    return run(app, *args)


def test_events_carry_the_servers_time_and_the_chain_is_intact(log) -> None:
    with log.app_context():
        events = db.session.scalars(select(CaseEvent).order_by(CaseEvent.seq)).all()
        assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        for e in events:
            at = e.at.astimezone(dt.UTC).replace(tzinfo=None) if e.at.tzinfo else e.at
            assert abs((now - at).total_seconds()) < 60
        assert verify(db.session) == (6, [])
    result = run_cli(log, "audit", "verify")
    assert result.exit_code == 0 and "6 events, chain intact" in result.output


def tamper(app, *statements: str) -> list[str]:
    with app.app_context():
        with db.engine.begin() as conn:
            for sql in statements:
                conn.execute(sa.text(sql))
        db.session.expire_all()
        return [str(f) for f in verify(db.session)[1]]


def test_an_event_edited_in_the_database_is_found(log) -> None:
    found = tamper(log, "UPDATE case_event SET by = 'someone' WHERE seq = 3")
    assert found == ["event 3: was changed after it was recorded"]


def test_a_time_moved_back_in_the_database_is_found(log) -> None:
    found = tamper(log, "UPDATE case_event SET at = '2020-01-01 09:00:00' WHERE seq = 5")
    assert found == ["event 5: was changed after it was recorded"]


def test_a_deleted_event_is_found_in_the_middle_and_at_the_end(log) -> None:
    found = tamper(log, "DELETE FROM case_event WHERE seq = 2")
    assert "event 3: events 2–2 are missing" in found
    found = tamper(log, "DELETE FROM case_event WHERE seq = 6")
    assert any("the chain ends at event 5" in f for f in found)


def test_two_events_swapped_in_the_database_are_found(log) -> None:
    found = tamper(log, "UPDATE case_event SET seq = -2 WHERE seq = 2",
                   "UPDATE case_event SET seq = 2 WHERE seq = 4",
                   "UPDATE case_event SET seq = 4 WHERE seq = -2")
    assert "event 2: was changed after it was recorded" in found
    assert any(f.startswith("event 3: does not follow") for f in found)
    result = run_cli(log, "audit", "verify")
    assert result.exit_code == 1 and "problem(s) in the event log of 6 events" in result.output


def test_the_orm_refuses_to_change_or_delete_an_event(log) -> None:
    with log.app_context():
        event = db.session.scalars(select(CaseEvent)).first()
        event.by = "someone"
        with pytest.raises(PortalError):
            db.session.flush()
        db.session.rollback()


def test_clerks_appending_at_once_make_one_unbroken_chain(log, database_url: str) -> None:
    from portal.models import Case

    with log.app_context():
        case_id = db.session.scalars(select(Case.id)).first()
    failures: list[BaseException] = []

    def clerk(n: int) -> None:
        try:
            with log.app_context():
                append(db.session, db.session.get(Case, case_id), "note", f"clerk-{n}", {"n": n})
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=clerk, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    with log.app_context():
        assert verify(db.session) == (18, [])
