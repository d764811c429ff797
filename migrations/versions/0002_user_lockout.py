"""users: locked_until, set after repeated failed logins

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 01:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ab_user') as batch:
        batch.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('ab_user') as batch:
        batch.drop_column('locked_until')
