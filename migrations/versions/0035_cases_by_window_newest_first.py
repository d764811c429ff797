"""cases: the window's index holds the key too, so a clerk's cases are read newest first from it
(the list's page and its capped count) instead of walking the key's index past other windows'

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-01 05:30:00

"""
from alembic import op

revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_cases_window_id', table_name='cases')
    op.create_index('ix_cases_window_id', 'cases', ['window_id', 'id'])


def downgrade():
    op.drop_index('ix_cases_window_id', table_name='cases')
    op.create_index('ix_cases_window_id', 'cases', ['window_id'])
