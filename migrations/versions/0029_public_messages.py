"""the public hall's complaints and consultation (网上投诉、网上咨询): a complaint may name no
window (it is about an item or the whole sub-center) and carries its tracking number, the
complainant's contact and the public reply; consultations are a table of their own

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaint') as batch:
        batch.alter_column('window_id', existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column('item_id', sa.Integer(), sa.ForeignKey('item.id', name='fk_complaint_item')))
        batch.add_column(sa.Column('case_number', sa.String(60)))
        batch.add_column(sa.Column('tracking_number', sa.String(20)))
        batch.add_column(sa.Column('contact_name', sa.String(50)))
        batch.add_column(sa.Column('contact_phone', sa.String(40)))
        batch.add_column(sa.Column('reply', sa.Text()))
        batch.add_column(sa.Column('replied_at', sa.DateTime(timezone=True)))
        batch.add_column(sa.Column('replied_by', sa.String(100)))
        batch.create_unique_constraint('uq_complaint_tracking_number', ['tracking_number'])
    op.create_table(
        'consultation',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('tracking_number', sa.String(20), nullable=False, unique=True),
        sa.Column('sub_center_id', sa.Integer(), sa.ForeignKey('sub_center.id'), nullable=False, index=True),
        sa.Column('item_id', sa.Integer(), sa.ForeignKey('item.id')),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('contact_name', sa.String(50)),
        sa.Column('contact_phone', sa.String(40), nullable=False),
        sa.Column('state', sa.String(20), nullable=False, server_default='待答复'),
        sa.Column('reply', sa.Text()),
        sa.Column('replied_at', sa.DateTime(timezone=True)),
        sa.Column('replied_by', sa.String(100)),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index('ix_consultation_open', 'consultation', ['sub_center_id', 'created_at'],
                    postgresql_where=sa.text("state = '待答复'"), sqlite_where=sa.text("state = '待答复'"))


def downgrade():
    op.drop_index('ix_consultation_open', table_name='consultation')
    op.drop_table('consultation')
    # a complaint about an item or a whole sub-center has no place in the older table
    op.execute("DELETE FROM complaint WHERE window_id IS NULL")
    with op.batch_alter_table('complaint') as batch:
        batch.drop_constraint('uq_complaint_tracking_number', type_='unique')
        batch.drop_constraint('fk_complaint_item', type_='foreignkey')
        for column in ('replied_by', 'replied_at', 'reply', 'contact_phone', 'contact_name',
                       'tracking_number', 'case_number', 'item_id'):
            batch.drop_column(column)
        batch.alter_column('window_id', existing_type=sa.Integer(), nullable=False)
