"""forms: immutable form versions; offerings name their current one, cases pin theirs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 08:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade():
    op.create_table(
        'form_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('definition', JSON, nullable=False),
        sa.Column('site_version_id', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(['site_version_id'], ['site_version.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code', 'scope', 'digest'),
        sa.UniqueConstraint('code', 'scope', 'number'),
    )
    with op.batch_alter_table('offering') as batch:
        batch.add_column(sa.Column('form_version_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_offering_form_version', 'form_version', ['form_version_id'], ['id'])
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('form_code')
        batch.drop_column('form_version')
        batch.add_column(sa.Column('form_version_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_cases_form_version', 'form_version', ['form_version_id'], ['id'])
        batch.create_index('ix_cases_form_version_id', ['form_version_id'])


def downgrade():
    with op.batch_alter_table('cases') as batch:
        batch.drop_index('ix_cases_form_version_id')
        batch.drop_constraint('fk_cases_form_version', type_='foreignkey')
        batch.drop_column('form_version_id')
        batch.add_column(sa.Column('form_version', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('form_code', sa.String(length=40), nullable=True))
    with op.batch_alter_table('offering') as batch:
        batch.drop_constraint('fk_offering_form_version', type_='foreignkey')
        batch.drop_column('form_version_id')
    op.drop_table('form_version')
