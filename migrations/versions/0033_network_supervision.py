"""The supervision of the three-level network: a month's 代办 hand-overs read through time
indexes, today's agencies under way through a partial index, a month's 催办 through a partial
index of the event log

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-04 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None

UNDERWAY = "stage != 'replied'"
REMIND = "kind = 'agency_remind'"


def upgrade():
    for column in ('taken_at', 'delivered_at', 'replied_at'):
        op.create_index(f'ix_case_agency_{column}', 'case_agency', [column])
    op.create_index('ix_case_agency_underway', 'case_agency', ['sub_center_id', 'village_id'],
                    postgresql_where=sa.text(UNDERWAY), sqlite_where=sa.text(UNDERWAY))
    op.create_index('ix_case_event_agency_remind', 'case_event', ['at'],
                    postgresql_where=sa.text(REMIND), sqlite_where=sa.text(REMIND))


def downgrade():
    op.drop_index('ix_case_event_agency_remind', table_name='case_event')
    op.drop_index('ix_case_agency_underway', table_name='case_agency')
    for column in ('replied_at', 'delivered_at', 'taken_at'):
        op.drop_index(f'ix_case_agency_{column}', table_name='case_agency')
