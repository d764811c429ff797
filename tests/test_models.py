"""The database: migrations match the models; cases keep server time and refuse stale saves."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal.core import servertime
from portal.models import Case, Item, SubCenter, Window, db


def _differences() -> list:
    """What the migrated database lacks or has beyond the models (Alembic's autogenerate)."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadatas[None])


def _bare_app(database_url: str):
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "m" * 40})


def test_migrations_create_exactly_the_models(empty_database_url: str) -> None:
    from flask_migrate import upgrade

    app = _bare_app(empty_database_url)
    with app.app_context():
        upgrade()
        assert _differences() == []
        db.session.remove()
        db.engine.dispose()


def test_the_whole_history_goes_down_to_nothing_and_up_again(empty_database_url: str) -> None:
    from flask_migrate import downgrade, upgrade

    app = _bare_app(empty_database_url)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert _differences() == []
        db.session.remove()
        db.engine.dispose()


def _new_case(number: str) -> Case:
    item = db.session.scalar(select(Item).where(Item.code == "mz-dibao"))
    sub = db.session.scalar(select(SubCenter).where(SubCenter.code == "mz"))
    window = db.session.scalar(select(Window).where(Window.code == "MZ01"))
    return Case(number=number, item=item, sub_center=sub, window=window,
                site_version_id=item.version_id, applicant_name="王秀英",
                applicant_id_type="居民身份证", applicant_id_number="32118319550312002X",
                data={"household_size": 2}, state="accepted")


def test_case_times_are_taken_by_the_database(published) -> None:
    with published.app_context():
        case = _new_case("MZ-20261122-0001")
        db.session.add(case)
        db.session.commit()
        db.session.refresh(case)
        database_now = db.session.scalar(select(func.now()))
        if database_now.tzinfo is None:  # SQLite's CURRENT_TIMESTAMP is UTC without a zone
            database_now = database_now.replace(tzinfo=dt.UTC)
        created = case.created_at
        if created.tzinfo is None:
            created = created.replace(tzinfo=dt.UTC)
        assert abs(database_now - created) < dt.timedelta(minutes=1)
        assert case.updated_at is not None
        assert case.data == {"household_size": 2}
        assert case.row_version == 1


def test_a_stale_copy_of_a_case_cannot_overwrite(published) -> None:
    with published.app_context():
        db.session.add(_new_case("MZ-20261122-0003"))
        db.session.commit()
        engine = db.engine
    with Session(engine) as first, Session(engine) as second:
        mine = first.scalar(select(Case).where(Case.number == "MZ-20261122-0003"))
        theirs = second.scalar(select(Case).where(Case.number == "MZ-20261122-0003"))
        mine.applicant_phone = "13905110001"
        first.commit()
        theirs.applicant_phone = "13905110002"
        with pytest.raises(StaleDataError):
            second.commit()
    with published.app_context():
        kept = db.session.scalar(select(Case).where(Case.number == "MZ-20261122-0003"))
        assert kept.applicant_phone == "13905110001"


def test_the_acceptor_of_a_case_accepted_before_0013_is_read_from_the_event_log(published) -> None:
    from flask_migrate import downgrade, upgrade

    from portal.cases import audit

    with published.app_context():
        case = _new_case("M-0013")
        case.accepted_at = servertime.now()
        db.session.add(case)
        db.session.flush()
        audit.append(db.session, case, "accept", "mz-clerk", {"limit_days": 15})
        db.session.commit()
        case_id = case.id
        db.session.remove()
        downgrade(revision="0012")  # the column is gone; the event log keeps who accepted
        upgrade()
        assert db.session.get(Case, case_id).accepted_by == "mz-clerk"


def test_a_record_named_in_a_list_cell_reads_only_what_its_name_is_made_of(published) -> None:
    """A list loads the records it names in its cells with only their ``named_by`` columns:
    their names must come from those alone (another column read would be a statement per
    row, or a name that silently changed)."""
    from sqlalchemy import event
    from sqlalchemy.orm import load_only

    named = [mapper.class_ for mapper in db.Model.registry.mappers if "named_by" in vars(mapper.class_)]
    assert {SubCenter, Window, Item} <= set(named)
    sent: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    with published.app_context():
        for model in named:
            expected = str(db.session.scalars(select(model).order_by(model.id).limit(1)).one())
            db.session.expunge_all()
            record = db.session.scalars(select(model).order_by(model.id).options(
                load_only(*(getattr(model, c) for c in model.named_by))).limit(1)).one()
            sent.clear()
            event.listen(db.engine, "before_cursor_execute", note)
            try:
                assert str(record) == expected
            finally:
                event.remove(db.engine, "before_cursor_execute", note)
            assert sent == [], (model, sent)
