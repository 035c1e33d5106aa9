"""the delivery loop finds a recipient's unsent messages by recipient, to send them in order

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 10:50:00
"""
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_outbound_recipient', 'outboundmessage', ['recipient', 'status'])


def downgrade() -> None:
    op.drop_index('ix_outbound_recipient', table_name='outboundmessage')
