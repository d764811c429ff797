"""documents: issued once per case and kind, numbered, stored with their SHA-256

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 13:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'issued_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=60), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('sub_center_id', sa.Integer(), nullable=False),
        sa.Column('template', sa.String(length=100), nullable=False),
        sa.Column('site_version_id', sa.Integer(), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('issued_by', sa.String(length=100), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.ForeignKeyConstraint(['site_version_id'], ['site_version.id']),
        sa.ForeignKeyConstraint(['sub_center_id'], ['sub_center.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('number'),
        sa.UniqueConstraint('case_id', 'kind', name='uq_issued_document_case_kind'),
    )
    op.create_index('ix_issued_document_case_id', 'issued_document', ['case_id'])


def downgrade():
    op.drop_index('ix_issued_document_case_id', table_name='issued_document')
    op.drop_table('issued_document')
