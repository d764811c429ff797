"""audit: one event chain per sub-center, each with its own head (an event locks its
sub-center's head, not the center's one row); the events before stay in chain 0

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30 15:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

# the unnamed UNIQUE (seq) of 0004, named as PostgreSQL names it (SQLite reflects it by this)
NAMES = {"uq": "%(table_name)s_%(column_0_name)s_key"}


def upgrade():
    with op.batch_alter_table('case_event', naming_convention=NAMES) as batch:
        batch.add_column(sa.Column('chain', sa.Integer(), nullable=False, server_default='0'))
        batch.drop_constraint('case_event_seq_key', type_='unique')
        batch.create_unique_constraint('uq_case_event_chain_seq', ['chain', 'seq'])
    with op.batch_alter_table('audit_head') as batch:
        batch.add_column(sa.Column('chain', sa.Integer(), nullable=False, server_default='0'))
        batch.create_unique_constraint('uq_audit_head_chain', ['chain'])
    if op.get_bind().dialect.name == 'postgresql':  # 0004 wrote row 1 by hand: its sequence is behind
        op.execute("SELECT setval(pg_get_serial_sequence('audit_head', 'id'), "
                   "(SELECT max(id) FROM audit_head))")


def downgrade():
    # one head again: the sub-centers' chains cannot be merged into the center's (their events
    # stay, and no longer verify as one chain)
    op.execute("DELETE FROM audit_head WHERE chain <> 0")
    with op.batch_alter_table('audit_head') as batch:
        batch.drop_constraint('uq_audit_head_chain', type_='unique')
        batch.drop_column('chain')
    with op.batch_alter_table('case_event', naming_convention=NAMES) as batch:
        batch.drop_constraint('uq_case_event_chain_seq', type_='unique')
        batch.drop_column('chain')
        batch.create_unique_constraint('case_event_seq_key', ['seq'])
