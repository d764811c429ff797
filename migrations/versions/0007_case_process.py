"""cases: the process at acceptance, the open step, pauses, extensions and completion

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 09:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade():
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('plan', JSON, nullable=True))
        batch.add_column(sa.Column('step', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('pauses', JSON, nullable=True))
        batch.add_column(sa.Column('extended_days', sa.Integer(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('extension_asked', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('outcome', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('on_time', sa.Boolean(), nullable=True))
        batch.add_column(sa.Column('used_days', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('legal_days', sa.Integer(), nullable=True))
    # worklists: open cases by due date, and by sub-center and due date (light counts);
    # partial indexes on both databases
    for name, columns in (('ix_cases_open_due', ['due_date', 'id']),
                          ('ix_cases_open_sub', ['sub_center_id', 'due_date'])):
        op.create_index(name, 'cases', columns,
                        postgresql_where=sa.text("state IN ('accepted', 'paused')"),
                        sqlite_where=sa.text("state IN ('accepted', 'paused')"))


def downgrade():
    op.drop_index('ix_cases_open_sub', table_name='cases')
    op.drop_index('ix_cases_open_due', table_name='cases')
    with op.batch_alter_table('cases') as batch:
        for name in ('legal_days', 'used_days', 'on_time', 'outcome', 'completed_at', 'extension_asked',
                     'extended_days', 'pauses', 'step', 'plan'):
            batch.drop_column(name)
