"""the public hall: how a case reached the window (窗口 / 网上), the applicant's own rating once
per case, and the 回访整改 task a bad rating opens

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-30 16:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('channel', sa.String(20), nullable=False, server_default='窗口'))
    with op.batch_alter_table('evaluation') as batch:
        batch.add_column(sa.Column('by_applicant', sa.Boolean(), nullable=False,
                                   server_default=sa.text('false')))
    op.create_index('ux_evaluation_applicant_case', 'evaluation', ['case_id'], unique=True,
                    postgresql_where=sa.text('by_applicant'), sqlite_where=sa.text('by_applicant'))
    op.create_table(
        'follow_up',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('evaluation_id', sa.Integer(), sa.ForeignKey('evaluation.id'), nullable=False, unique=True),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), nullable=False, index=True),
        sa.Column('sub_center_id', sa.Integer(), sa.ForeignKey('sub_center.id'), nullable=False, index=True),
        sa.Column('window_id', sa.Integer(), sa.ForeignKey('window.id'), nullable=False, index=True),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('callback', sa.Text()),
        sa.Column('called_at', sa.DateTime(timezone=True)),
        sa.Column('called_by', sa.String(100)),
        sa.Column('rectification', sa.Text()),
        sa.Column('closed_at', sa.DateTime(timezone=True)),
        sa.Column('closed_by', sa.String(100)),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index('ix_follow_up_open', 'follow_up', ['sub_center_id', 'due_date', 'id'],
                    postgresql_where=sa.text('closed_at IS NULL'), sqlite_where=sa.text('closed_at IS NULL'))


def downgrade():
    op.drop_index('ix_follow_up_open', table_name='follow_up')
    op.drop_table('follow_up')
    op.drop_index('ux_evaluation_applicant_case', table_name='evaluation')
    with op.batch_alter_table('evaluation') as batch:
        batch.drop_column('by_applicant')
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('channel')
