"""cases: the cases waiting for the counter's decision, indexed apart by window and by
sub-center (the worklist and the clerk's start page read them oldest first; they are few
among the many cases of a window's history)

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30 15:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

WAITING = "state IN ('submitted', 'notice_missing')"


def upgrade():
    for name, column in (('ix_cases_waiting_window', 'window_id'), ('ix_cases_waiting_sub', 'sub_center_id')):
        op.create_index(name, 'cases', [column, 'updated_at', 'id'],
                        postgresql_where=sa.text(WAITING), sqlite_where=sa.text(WAITING))


def downgrade():
    op.drop_index('ix_cases_waiting_sub', table_name='cases')
    op.drop_index('ix_cases_waiting_window', table_name='cases')
