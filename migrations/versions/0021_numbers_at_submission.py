"""cases: the number is given at submission (a draft has none); the applicant's name and
identity number indexed for the search box (by their first characters on PostgreSQL)

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 10:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

OPEN = "state IN ('accepted', 'paused')"
PREFIX = {'number': 'ix_cases_number_prefix', 'applicant_name': 'ix_cases_applicant_name'}
PARTIAL = (('ix_cases_open_due', ['due_date', 'id']),
           ('ix_cases_open_sub', ['sub_center_id', 'due_date', 'window_id', 'id']))


def _number(nullable):
    # SQLite alters a column by copying the table: its partial indexes are made again by hand,
    # as the copy would not keep their WHERE clause
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        for name, _ in PARTIAL:
            op.drop_index(name, table_name='cases')
    with op.batch_alter_table('cases') as batch:
        batch.alter_column('number', existing_type=sa.String(length=40), nullable=nullable)
    if sqlite:
        for name, columns in PARTIAL:
            op.create_index(name, 'cases', columns, sqlite_where=sa.text(OPEN))


def upgrade():
    _number(True)
    op.create_index('ix_cases_applicant_id_number', 'cases', ['applicant_id_number'])
    for column in ('number', 'applicant_name'):  # their first characters (LIKE 'text%')
        op.create_index(PREFIX[column], 'cases', [column],
                        postgresql_ops={column: 'text_pattern_ops'})


def downgrade():
    for name in PREFIX.values():
        op.drop_index(name, table_name='cases')
    op.drop_index('ix_cases_applicant_id_number', table_name='cases')
    op.execute("UPDATE cases SET number = 'DRAFT-' || id WHERE number IS NULL")
    _number(False)
