"""cases: branches of a parallel approval (并联审批), one per department's item

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 11:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_branch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('sub_center_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('limit_days', sa.Integer(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.String(length=100), nullable=True),
        sa.Column('result', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.ForeignKeyConstraint(['item_id'], ['item.id']),
        sa.ForeignKeyConstraint(['sub_center_id'], ['sub_center.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_case_branch_case_id', 'case_branch', ['case_id'])
    op.create_index('ix_case_branch_sub_center_id', 'case_branch', ['sub_center_id'])


def downgrade():
    op.drop_index('ix_case_branch_sub_center_id', table_name='case_branch')
    op.drop_index('ix_case_branch_case_id', table_name='case_branch')
    op.drop_table('case_branch')
