"""inbound staging: the Twilio webhook stages each message in one statement (unique MessageSid) and answers;
the inbound loop stores staged messages in batches

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 04:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inboundmessage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_sid', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('from_address', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('to_address', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('media', sa.Text(), nullable=False),
    sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('processed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_sid')
    )
    op.create_index('ix_inboundmessage_status_id', 'inboundmessage', ['status', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_inboundmessage_status_id', table_name='inboundmessage')
    op.drop_table('inboundmessage')
