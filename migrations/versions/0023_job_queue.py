"""jobs: each job's arguments kept with it (a worker on another host, or a retry, reads them
there) and how many times it was started

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 14:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade():
    with op.batch_alter_table('print_job') as batch:
        batch.add_column(sa.Column('params', JSON, nullable=True))
        batch.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('export_job') as batch:
        batch.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('export_job') as batch:
        batch.drop_column('attempts')
    with op.batch_alter_table('print_job') as batch:
        batch.drop_column('attempts')
        batch.drop_column('params')
