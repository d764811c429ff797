"""村级便民服务代办点: a town center's villages, their 代办员, the logins bound to a village and
each agent's 当前去向 (kept as a history)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02 09:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'village',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('code', sa.String(40), nullable=False, unique=True),
        sa.Column('sub_center_id', sa.Integer(), sa.ForeignKey('sub_center.id'), nullable=False, index=True),
        sa.Column('name', sa.String(50), nullable=False),
        sa.Column('address', sa.String(200), nullable=False),
        sa.Column('version_id', sa.Integer(), sa.ForeignKey('site_version.id'), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    )
    op.create_table(
        'village_agent',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('username', sa.String(64), nullable=False, unique=True),
        sa.Column('village_id', sa.Integer(), sa.ForeignKey('village.id'), nullable=False, index=True),
        sa.Column('sub_center_id', sa.Integer(), sa.ForeignKey('sub_center.id'), nullable=False, index=True),
        sa.Column('name', sa.String(50), nullable=False),
        sa.Column('title', sa.String(50), nullable=False),
        sa.Column('phone', sa.String(40), nullable=False),
        sa.Column('version_id', sa.Integer(), sa.ForeignKey('site_version.id'), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    )
    op.create_table(
        'agent_status',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('agent_id', sa.Integer(), sa.ForeignKey('village_agent.id'), nullable=False),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('by', sa.String(256), nullable=False),
    )
    op.create_index('ix_agent_status_agent_at', 'agent_status', ['agent_id', 'id'])
    op.create_table(
        'user_village',
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('ab_user.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('village_id', sa.Integer(), sa.ForeignKey('village.id'), primary_key=True),
    )


def downgrade():
    op.drop_table('user_village')
    op.drop_index('ix_agent_status_agent_at', table_name='agent_status')
    op.drop_table('agent_status')
    op.drop_table('village_agent')
    op.drop_table('village')
