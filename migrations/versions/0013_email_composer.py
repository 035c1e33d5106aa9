"""email composer and formatted messages: the Cc and HTML part of an outbound email (To stays in `recipient`),
and how a message's or a template's body is read (text | html)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 01:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outboundmessage') as batch:
        batch.add_column(sa.Column('cc', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('html', sa.Text(), nullable=False, server_default=''))
    for table in ('message', 'responsetemplate'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('body_format', sa.String(length=8), nullable=False, server_default='text'))


def downgrade() -> None:
    for table in ('message', 'responsetemplate'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('body_format')
    with op.batch_alter_table('outboundmessage') as batch:
        batch.drop_column('html')
        batch.drop_column('cc')
