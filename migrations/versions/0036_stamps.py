"""portal_stamp: counters raised when what they stand for changes (``security``: the roles'
permissions), read with each page's first question so a worker's caches know when to forget

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-01 10:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade():
    stamp = op.create_table(
        'portal_stamp',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    op.bulk_insert(stamp, [{'name': 'security', 'value': 0}])


def downgrade():
    op.drop_table('portal_stamp')
