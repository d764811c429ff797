"""代办: the carrying of a case taken at a village point or a town center for the sub-center
deciding it — where its materials are, each hand-over's time and hand, the last 催办

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-03 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_agency',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), nullable=False, unique=True),
        sa.Column('sub_center_id', sa.Integer(), sa.ForeignKey('sub_center.id'), nullable=False, index=True),
        sa.Column('village_id', sa.Integer(), sa.ForeignKey('village.id'), nullable=True, index=True),
        sa.Column('taken_by', sa.String(100), nullable=False),
        sa.Column('taken_by_id', sa.Integer(), sa.ForeignKey('ab_user.id'), nullable=False, index=True),
        sa.Column('stage', sa.String(20), nullable=False),
        sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('to_town_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('to_town_by', sa.String(100), nullable=True),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('delivered_by', sa.String(100), nullable=True),
        sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('returned_by', sa.String(100), nullable=True),
        sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('replied_by', sa.String(100), nullable=True),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True, index=True),
        sa.Column('reminded_by', sa.String(100), nullable=True),
        sa.Column('reminders', sa.Integer(), nullable=False, server_default='0'),
    )


def downgrade():
    op.drop_table('case_agency')
