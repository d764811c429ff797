"""cases: sequence numbers per sub-center and period, for the declared case-number pattern

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_sequence',
        sa.Column('scope', sa.String(length=60), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('scope'),
    )


def downgrade():
    op.drop_table('case_sequence')
