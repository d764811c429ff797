"""jobs: their last sign of life, so a job whose worker has gone is known to have stalled

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('print_job', 'export_job'):
        op.add_column(table, sa.Column('touched_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    for table in ('print_job', 'export_job'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('touched_at')
