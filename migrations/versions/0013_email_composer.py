"""email composer: the Cc of an outbound email (To stays in `recipient`)

Revision ID: 0013
Revises: 0010
Create Date: 2026-11-27 01:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outboundmessage') as batch:
        batch.add_column(sa.Column('cc', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('outboundmessage') as batch:
        batch.drop_column('cc')
