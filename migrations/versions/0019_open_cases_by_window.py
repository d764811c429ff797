"""cases: the open cases' light-count index holds the window and the key, so a clerk's counts
(their windows, or a branch at their sub-center) are read from the index alone

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 07:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

OPEN = "state IN ('accepted', 'paused')"


def _index(columns):
    op.create_index('ix_cases_open_sub', 'cases', columns, postgresql_where=sa.text(OPEN),
                    sqlite_where=sa.text(OPEN))


def upgrade():
    op.drop_index('ix_cases_open_sub', table_name='cases')
    _index(['sub_center_id', 'due_date', 'window_id', 'id'])


def downgrade():
    op.drop_index('ix_cases_open_sub', table_name='cases')
    _index(['sub_center_id', 'due_date'])
