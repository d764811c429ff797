"""cases: a clerk's open cases by window and due date, read from one partial index (the page of
the worklist and its light counts)

Revision ID: 0034
Revises: 0033
Create Date: 2026-11-30 20:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None

OPEN = "state IN ('accepted', 'paused')"


def upgrade():
    op.create_index('ix_cases_open_window', 'cases', ['window_id', 'due_date', 'id', 'sub_center_id'],
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))


def downgrade():
    op.drop_index('ix_cases_open_window', table_name='cases')
