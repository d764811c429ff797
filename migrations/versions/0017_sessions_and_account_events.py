"""users: server-side sessions (logout and password changes end them) and the account log

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 21:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_session',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_user_session_user_id', 'user_session', ['user_id'])
    op.create_table(
        'account_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('by', sa.String(length=256), nullable=False),
        sa.Column('username', sa.String(length=256), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_account_event_at', 'account_event', ['at'])
    op.create_index('ix_account_event_username', 'account_event', ['username'])


def downgrade():
    op.drop_index('ix_account_event_username', 'account_event')
    op.drop_index('ix_account_event_at', 'account_event')
    op.drop_table('account_event')
    op.drop_index('ix_user_session_user_id', 'user_session')
    op.drop_table('user_session')
