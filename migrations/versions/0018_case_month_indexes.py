"""cases: indexes on the acceptance and completion times, so a month's report reads that month

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 00:30:00

"""
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_cases_accepted_at', 'cases', ['accepted_at'])
    op.create_index('ix_cases_completed_at', 'cases', ['completed_at'])


def downgrade():
    op.drop_index('ix_cases_completed_at', table_name='cases')
    op.drop_index('ix_cases_accepted_at', table_name='cases')
