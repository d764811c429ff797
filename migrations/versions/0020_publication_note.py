"""site_publication: a note of what a publication did beyond its version (the browser work a
forced `portal sync` dropped)

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('site_publication') as batch:
        batch.add_column(sa.Column('note', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('site_publication') as batch:
        batch.drop_column('note')
