"""cases: the extensions waiting for approval, indexed apart (a manager's home page lists them)

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 11:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

WAITING = "extension_asked IS NOT NULL"


def upgrade():
    op.create_index('ix_cases_extension_asked', 'cases', ['due_date', 'id'],
                    postgresql_where=sa.text(WAITING), sqlite_where=sa.text(WAITING))


def downgrade():
    op.drop_index('ix_cases_extension_asked', table_name='cases')
