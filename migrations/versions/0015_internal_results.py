"""assessment results: frozen results of a sub-center's internal rules beside the center's

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 11:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment_result') as batch:
        batch.add_column(sa.Column('rule_set', sa.String(length=40), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('assessment_result') as batch:
        batch.drop_column('rule_set')
