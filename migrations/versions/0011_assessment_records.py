"""assessment records: evaluations (好差评), complaints and inspections (巡查)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 15:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def _placed():
    """The window a record is about, and its sub-center (the scope rule's columns)."""
    return [sa.Column('sub_center_id', sa.Integer(), sa.ForeignKey('sub_center.id'), nullable=False),
            sa.Column('window_id', sa.Integer(), sa.ForeignKey('window.id'), nullable=False)]


def _recorded():
    return [sa.Column('recorded_by', sa.String(length=100), nullable=False),
            sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(),
                      nullable=False)]


def upgrade():
    op.create_table(
        'evaluation',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), nullable=False),
        *_placed(),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('text', sa.Text(), nullable=True),
        *_recorded(),
    )
    op.create_table(
        'complaint',
        sa.Column('id', sa.Integer(), primary_key=True),
        *_placed(),
        sa.Column('clerk', sa.String(length=100), nullable=True),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), nullable=True),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('handling', sa.Text(), nullable=True),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        *_recorded(),
    )
    op.create_table(
        'inspection',
        sa.Column('id', sa.Integer(), primary_key=True),
        *_placed(),
        sa.Column('clerk', sa.String(length=100), nullable=True),
        sa.Column('inspected_on', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('norm', sa.String(length=20), nullable=True),
        sa.Column('finding', sa.Text(), nullable=False),
        sa.Column('deduction', sa.Numeric(5, 1), nullable=False),
        sa.Column('evidence', sa.Text(), nullable=False),
        *_recorded(),
    )
    for table in ('evaluation', 'complaint', 'inspection'):
        op.create_index(f'ix_{table}_sub_center_id', table, ['sub_center_id'])
        op.create_index(f'ix_{table}_window_id', table, ['window_id'])
    op.create_index('ix_evaluation_case_id', 'evaluation', ['case_id'])


def downgrade():
    for table in ('inspection', 'complaint', 'evaluation'):
        op.drop_table(table)
