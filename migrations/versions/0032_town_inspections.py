"""十个有: the center's checklist inspections of town centers and their items (有/缺, evidence)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-04 09:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'town_inspection',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('sub_center_id', sa.Integer(), sa.ForeignKey('sub_center.id'), nullable=False),
        sa.Column('inspected_on', sa.Date(), nullable=False),
        sa.Column('checked', sa.Integer(), nullable=False),
        sa.Column('missing', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('recorded_by', sa.String(100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index('ix_town_inspection_sub_day', 'town_inspection',
                    ['sub_center_id', 'inspected_on', 'id'])
    op.create_table(
        'town_inspection_item',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('inspection_id', sa.Integer(), sa.ForeignKey('town_inspection.id'), nullable=False, index=True),
        sa.Column('sub_center_id', sa.Integer(), sa.ForeignKey('sub_center.id'), nullable=False, index=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(20), nullable=False),
        sa.Column('name', sa.String(50), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('present', sa.Boolean(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('photos', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                  nullable=False),
    )


def downgrade():
    op.drop_table('town_inspection_item')
    op.drop_index('ix_town_inspection_sub_day', table_name='town_inspection')
    op.drop_table('town_inspection')
