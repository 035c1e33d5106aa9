"""an inbound email's message knows it has an original to open, and whether its sender failed authentication

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 04:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('message') as batch:
        batch.add_column(sa.Column('original_email', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('sender_unverified', sa.Boolean(), nullable=False, server_default=sa.false()))
    # Mail stored before this revision: its message has an email record, and a failed sender check left the
    # record's outcome "unverified".
    op.execute("UPDATE message SET original_email = "
               "EXISTS (SELECT 1 FROM emailrecord WHERE emailrecord.message_id = message.id)")
    op.execute("UPDATE message SET sender_unverified = EXISTS (SELECT 1 FROM emailrecord WHERE "
               "emailrecord.message_id = message.id AND emailrecord.outcome = 'unverified')")


def downgrade() -> None:
    with op.batch_alter_table('message') as batch:
        batch.drop_column('sender_unverified')
        batch.drop_column('original_email')
