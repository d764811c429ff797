"""assessment: closed periods' scores, frozen with the rules that produced them

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 16:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade():
    op.create_table(
        'assessment_result',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('period', sa.String(length=10), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('rules_digest', sa.String(length=64), nullable=False),
        sa.Column('site_version_id', sa.Integer(), sa.ForeignKey('site_version.id'), nullable=False),
        sa.Column('rules', JSON, nullable=False),
        sa.Column('results', JSON, nullable=False),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    )
    op.create_index('ix_assessment_result_period', 'assessment_result', ['period'])


def downgrade():
    op.drop_index('ix_assessment_result_period', table_name='assessment_result')
    op.drop_table('assessment_result')
