"""cases: acceptance time, the limit in working days and the due date worked out at acceptance

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 09:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('limit_days', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('due_date', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('due_date')
        batch.drop_column('limit_days')
        batch.drop_column('accepted_at')
