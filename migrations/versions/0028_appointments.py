"""网上预约: the bookings applicants make in the public hall, one seat of a period each

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'booking',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('code', sa.String(8), nullable=False, unique=True),
        sa.Column('sub_center_id', sa.Integer(), sa.ForeignKey('sub_center.id'), nullable=False, index=True),
        sa.Column('window_id', sa.Integer(), sa.ForeignKey('window.id'), nullable=False, index=True),
        sa.Column('item_id', sa.Integer(), sa.ForeignKey('item.id'), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('period', sa.String(11), nullable=False),
        sa.Column('period_name', sa.String(40), nullable=False),
        sa.Column('seat', sa.Integer()),
        sa.Column('applicant_name', sa.String(200), nullable=False),
        sa.Column('applicant_id_number', sa.String(40), nullable=False),
        sa.Column('applicant_phone', sa.String(40), nullable=False),
        sa.Column('state', sa.String(20), nullable=False),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id')),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column('cancelled_at', sa.DateTime(timezone=True)),
        # no two bookings hold the same seat of a period: never more bookings than places
        sa.UniqueConstraint('window_id', 'day', 'period', 'seat', name='uq_booking_seat'),
    )
    op.create_index('ix_booking_day_window', 'booking', ['day', 'window_id'])


def downgrade():
    op.drop_index('ix_booking_day_window', table_name='booking')
    op.drop_table('booking')
