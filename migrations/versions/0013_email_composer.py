"""email composer and profile editing: the Cc of an outbound email (To stays in `recipient`); every holder of
`customer_notes` gets `customer_profile_edit`, as new agents do

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
    grant = sa.table('grant', sa.column('user_id', sa.Integer()), sa.column('name', sa.String()))
    op.execute(grant.insert().from_select(
        ['user_id', 'name'],
        sa.select(grant.c.user_id, sa.literal('customer_profile_edit')).where(grant.c.name == 'customer_notes')))


def downgrade() -> None:
    grant = sa.table('grant', sa.column('name', sa.String()))
    op.execute(grant.delete().where(grant.c.name == 'customer_profile_edit'))
    with op.batch_alter_table('outboundmessage') as batch:
        batch.drop_column('cc')
