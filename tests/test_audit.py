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
    """Six events over three cases of one window — one sub-center's chain — committed."""
    global CHAIN
    with published.app_context():
        cases = add_cases(per_window=3)[:3]
        from portal.models import Case

        for kind in ("submit", "accept"):
            for row in cases:
                append(db.session, db.session.get(Case, row.id), kind, "mz-clerk", {"note": kind})
                db.session.commit()
    CHAIN = cases[0].sub_center  # the sub-center's code names its chain in every finding
    return published


CHAIN = ""


def at(finding: str) -> str:
    """A finding as verify words it in the log's chain."""
    return f"chain {CHAIN}, {finding}"


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
    assert result.exit_code == 0 and "6 events, chains intact" in result.output


def tamper(app, *statements: str) -> list[str]:
    with app.app_context():
        with db.engine.begin() as conn:
            for sql in statements:
                conn.execute(sa.text(sql))
        db.session.expire_all()
        return [str(f) for f in verify(db.session)[1]]


def test_an_event_edited_in_the_database_is_found(log) -> None:
    found = tamper(log, "UPDATE case_event SET by = 'someone' WHERE seq = 3")
    assert found == [at("event 3: was changed after it was recorded")]


def test_a_time_moved_back_in_the_database_is_found(log) -> None:
    found = tamper(log, "UPDATE case_event SET at = '2020-01-01 09:00:00' WHERE seq = 5")
    assert found == [at("event 5: was changed after it was recorded")]


def test_a_deleted_event_is_found_in_the_middle_and_at_the_end(log) -> None:
    found = tamper(log, "DELETE FROM case_event WHERE seq = 2")
    assert at("event 3: events 2–2 are missing") in found
    found = tamper(log, "DELETE FROM case_event WHERE seq = 6")
    assert any("the chain ends at event 5" in f for f in found)


def test_two_events_swapped_in_the_database_are_found(log) -> None:
    found = tamper(log, "UPDATE case_event SET seq = -2 WHERE seq = 2",
                   "UPDATE case_event SET seq = 2 WHERE seq = 4",
                   "UPDATE case_event SET seq = 4 WHERE seq = -2")
    assert at("event 2: was changed after it was recorded") in found
    assert any(f.startswith(at("event 3: does not follow")) for f in found)
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


# -- someone with the database, or with the database and the key --------------------------------

def _anchor(app) -> list:
    from pathlib import Path

    from portal.cases.audit import write_anchor

    with app.app_context():
        write_anchor(db.session, Path(app.config["PORTAL_AUDIT_ANCHORS"]))
    return run_cli(app, "audit", "verify")


def _anchored_findings(app) -> list[str]:
    from pathlib import Path

    from portal.cases.audit import read_anchors

    with app.app_context():
        db.session.expire_all()
        anchors, bad = read_anchors(Path(app.config["PORTAL_AUDIT_ANCHORS"]))
        return [str(f) for f in bad + verify(db.session, anchors)[1]]


def test_the_last_event_deleted_and_the_head_rewound_is_found_by_the_anchor(log) -> None:
    assert "agrees with 2 anchor(s)" in _anchor(log).output  # the center's chain and the log's
    with log.app_context():
        before_last = db.session.scalars(select(CaseEvent).where(CaseEvent.seq == 5)).one().hash
    found = tamper(log, "DELETE FROM case_event WHERE seq = 6",
                   f"UPDATE audit_head SET seq = 5, hash = '{before_last}' WHERE chain <> 0")
    assert found == []  # the chain alone looks whole ...
    assert _anchored_findings(log) == [  # ... the anchor written outside the database does not
        at(f"the anchor of {_anchors(log)[0].at} saw 6 events, the chain ends at event 5: events were "
           "removed")]
    result = run_cli(log, "audit", "verify")
    assert result.exit_code == 1 and "events were removed" in result.output


def _anchors(app):
    from pathlib import Path

    from portal.cases.audit import read_anchors

    with app.app_context():
        return read_anchors(Path(app.config["PORTAL_AUDIT_ANCHORS"]))[0]


def _rewrite(app, seq: int, by: str, key: bytes | None) -> None:
    """Edit event ``seq`` and recompute every link after it as an attacker would: with the
    published recipe (no key, or a guessed one), or with the real key."""
    from portal.cases.audit import link, unkeyed_link

    with app.app_context():
        events = db.session.scalars(select(CaseEvent).order_by(CaseEvent.seq)).all()
        rows = [(e.id, e.chain, e.seq, e.case_id, e.kind, e.at, by if e.seq == seq else e.by, e.data)
                for e in events]

    def relink(chain, *args):
        return link(*args, key=key, chain=chain) if key else unkeyed_link(*args)

    prev = "0" * 64
    with app.app_context(), db.engine.begin() as conn:
        for pk, chain, s, case_id, kind, when, who, data in rows:
            digest = relink(chain, prev, s, case_id, kind, when, who, data)
            conn.execute(sa.text("UPDATE case_event SET by = :by, prev_hash = :prev, hash = :h "
                                 "WHERE id = :id"), {"by": who, "prev": prev, "h": digest, "id": pk})
            prev = digest
        conn.execute(sa.text("UPDATE audit_head SET hash = :h WHERE chain = :c"),
                     {"h": prev, "c": rows[0][1]})


def test_an_edit_with_every_link_recomputed_without_the_key_is_found(log) -> None:
    _rewrite(log, 3, "someone", key=None)  # the recipe is public; the key is not
    _rewrite(log, 4, "someone", key=b"a guessed key")
    found = _anchored_findings(log)
    assert at("event 1: was changed after it was recorded") in found and len(found) == 6


def test_an_edit_with_every_link_recomputed_with_the_key_is_found_by_the_anchor(log) -> None:
    _anchor(log)
    key = log.config["PORTAL_AUDIT_KEY"].encode()
    _rewrite(log, 3, "someone", key=key)  # an insider with the database and the key
    with log.app_context():
        assert verify(db.session)[1] == []  # the chain alone cannot tell
    assert _anchored_findings(log) == [
        at(f"event 6: is not the event anchored on {_anchors(log)[1].at}: the chain was rewritten")]


def test_an_edited_anchor_line_is_not_believed(log) -> None:
    from pathlib import Path

    _anchor(log)
    path = Path(log.config["PORTAL_AUDIT_ANCHORS"])
    path.write_text(path.read_text(encoding="utf-8").replace('"seq": 6', '"seq": 5'), encoding="utf-8")
    assert _anchored_findings(log) == [
        "audit-anchors.jsonl line 2 was not written with this portal's audit key (or was edited)"]


def test_a_chain_from_before_the_key_is_linked_again_once_if_it_verifies(log) -> None:
    # as a database from before the audit key looks: one chain, the center's, plain SHA-256
    tamper(log, "UPDATE case_event SET chain = 0", "DELETE FROM audit_head WHERE chain <> 0",
           "UPDATE audit_head SET seq = 6")
    _rewrite(log, 0, "", key=None)
    assert len(_anchored_findings(log)) == 6
    result = run_cli(log, "audit", "rekey")
    assert result.exit_code == 0 and "6 events linked with the audit key and anchored" in result.output
    assert _anchored_findings(log) == []
    assert run_cli(log, "audit", "rekey").exit_code == 1  # already keyed: refused, nothing changed
    assert _anchored_findings(log) == []


def test_the_monthly_report_prints_the_chains_fingerprint(log) -> None:
    import re

    from portal.cli.demo import ensure_demo_users
    from tests.support.world import PASSWORD, signed_in

    with log.app_context():
        ensure_demo_users(password=PASSWORD)
        before_last = db.session.scalars(select(CaseEvent).where(CaseEvent.seq == 5)).one().hash
    auditor = signed_in(log, "center-auditor")

    def printed() -> tuple[str, str]:
        page = auditor.get("/reports/monthly", headers={"Accept-Language": "zh"}).get_data(as_text=True)
        found = re.search(r"共 (\d+) 条，各链最新链值指纹 ([0-9a-f]{16})", page)
        assert found, page[-3000:]
        return found.group(1), found.group(2)

    count, fingerprint = printed()
    assert count == "6" and printed() == (count, fingerprint)  # the same log prints the same
    tamper(log, "DELETE FROM case_event WHERE seq = 6",
           f"UPDATE audit_head SET seq = 5, hash = '{before_last}' WHERE chain <> 0")
    count, rewound = printed()
    assert count == "5" and rewound != fingerprint  # a kept report no longer agrees


def test_each_sub_center_has_its_own_chain_and_their_clerks_do_not_wait_for_each_other(
        published, database_url: str) -> None:
    from portal.models import Case

    with published.app_context():
        first = {}
        for row in add_cases(per_window=1):
            first.setdefault(row.sub_center, row)
        (code_a, a), (code_b, b) = list(first.items())[:2]
    holding, release, failures = threading.Event(), threading.Event(), []

    def clerk_of_a() -> None:  # appends, and keeps the transaction open
        try:
            with published.app_context():
                append(db.session, db.session.get(Case, a.id), "note", "clerk-a", {})
                holding.set()
                release.wait(20)
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported below
            failures.append(exc)
            holding.set()

    thread = threading.Thread(target=clerk_of_a)
    thread.start()
    try:
        assert holding.wait(20)
        if database_url.startswith("sqlite"):
            pytest.skip("SQLite lets one writer at a time into the whole file, whatever the rows")
        with published.app_context():  # sub-center B's clerk meanwhile: not held by A's head
            db.session.execute(sa.text("SET LOCAL lock_timeout = '3s'"))
            append(db.session, db.session.get(Case, b.id), "note", "clerk-b", {})
            db.session.commit()
            db.session.remove()
    finally:
        release.set()
        thread.join()
    assert failures == []
    with published.app_context():
        chains = dict(db.session.execute(select(CaseEvent.by, CaseEvent.chain)).all())
        assert chains["clerk-a"] != chains["clerk-b"] and 0 not in chains.values()
        assert db.session.scalars(select(CaseEvent.seq)).all() == [1, 1]  # each its chain's first
        assert verify(db.session) == (2, [])
