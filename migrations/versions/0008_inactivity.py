"""chat inactivity: the organization's timeout, the deadline the loop claims, and when a chat went inactive

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-28 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chat_inactivity_minutes', sa.Integer(), nullable=False, server_default='15'))
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inactivity_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('inactive_due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('inactive_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_interaction_inactive_due', ['inactive_due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.drop_index('ix_interaction_inactive_due')
        batch_op.drop_column('inactive_at')
        batch_op.drop_column('inactive_due_at')
        batch_op.drop_column('inactivity_minutes')
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('chat_inactivity_minutes')
