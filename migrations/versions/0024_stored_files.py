"""stored files: uploaded materials kept in the database, shared by every host
(PORTAL_FILE_STORE=database)

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 14:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stored_file',
        sa.Column('sha256', sa.String(64), primary_key=True),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('stored_at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table('stored_file')
