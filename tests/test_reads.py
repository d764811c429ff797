"""The end of a request: what only read is committed (PostgreSQL keeps the statements it has
prepared), what wrote without committing or failed is rolled back as before."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update

from portal.models import Item, SubCenter, db


def _name(app, sub_center_id: int) -> str:
    with app.app_context():
        return db.session.get(SubCenter, sub_center_id).name


def _first(app) -> int:
    with app.app_context():
        return db.session.scalar(select(SubCenter.id).order_by(SubCenter.id).limit(1))


def test_a_change_flushed_but_not_committed_is_lost_at_the_end(published) -> None:
    sub_center = _first(published)
    before = _name(published, sub_center)
    with published.app_context():
        db.session.get(SubCenter, sub_center).name = "改了没存"
        db.session.flush()  # sent to the database, never committed
    assert _name(published, sub_center) == before


def test_a_core_update_not_committed_is_lost_at_the_end(published) -> None:
    sub_center = _first(published)
    before = _name(published, sub_center)
    with published.app_context():
        db.session.execute(update(SubCenter).where(SubCenter.id == sub_center).values(name="改了没存"))
        db.session.scalar(select(func.count()).select_from(Item))  # a read after the write
    assert _name(published, sub_center) == before


def test_a_failed_request_is_rolled_back_even_when_it_only_read(published) -> None:
    sub_center = _first(published)
    before = _name(published, sub_center)
    with pytest.raises(RuntimeError), published.app_context():
        db.session.get(SubCenter, sub_center).name = "改了没存"
        db.session.flush()
        raise RuntimeError("the view failed")
    assert _name(published, sub_center) == before


def test_a_change_waiting_in_the_session_is_not_committed_by_the_end(published) -> None:
    sub_center = _first(published)
    before = _name(published, sub_center)
    with published.app_context():
        db.session.get(SubCenter, sub_center).name = "改了没存"  # not even flushed
    assert _name(published, sub_center) == before


def test_postgresql_keeps_what_it_prepared_across_read_only_requests(published, testbed) -> None:
    if testbed.server.kind != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    probe = "SELECT count(*) FROM item WHERE item.id > :id"
    for _ in range(40):  # psycopg prepares on the sixth run on a connection; the pool lends several
        with published.app_context():
            db.session.execute(text(probe), {"id": 0})
    with published.app_context():
        db.session.execute(text(probe), {"id": 0})
        kept = db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
    assert any("FROM item WHERE item.id >" in statement for statement in kept), kept


def test_a_commit_that_fails_leaves_the_session_to_be_closed(published, monkeypatch, caplog) -> None:
    def refused() -> None:
        raise RuntimeError("the database went away")

    with published.app_context():
        lent = db.engine.pool.checkedout()
    with published.app_context():
        db.session.scalar(select(func.count()).select_from(Item))
        monkeypatch.setattr(db.session(), "commit", refused)
    assert "ending a read-only request with COMMIT failed" in caplog.text
    with published.app_context():
        assert db.engine.pool.checkedout() == lent  # its connection went back to the pool
