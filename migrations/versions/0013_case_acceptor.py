"""cases: who accepted each case (受理人), for the assessment by clerk

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('cases', sa.Column('accepted_by', sa.String(length=100), nullable=True))
    op.create_index('ix_cases_accepted_by', 'cases', ['accepted_by'])
    # the cases accepted before: their acceptor is in the event log (the latest acceptance)
    op.execute(
        "UPDATE cases SET accepted_by = (SELECT e.\"by\" FROM case_event e WHERE e.case_id = cases.id"
        " AND e.kind = 'accept' ORDER BY e.seq DESC LIMIT 1) WHERE accepted_at IS NOT NULL")


def downgrade():
    op.drop_index('ix_cases_accepted_by', table_name='cases')
    op.drop_column('cases', 'accepted_by')
