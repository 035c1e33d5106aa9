"""sms and whatsapp: per-organization numbers, the number an interaction was written to, the sender and
WhatsApp template of an outbound message, the channel a message was replied by, and the organizations'
approved WhatsApp templates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 17:40:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('whatsapptemplate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('content_sid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organization_id', 'name')
    )
    with op.batch_alter_table('whatsapptemplate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_whatsapptemplate_organization_id'), ['organization_id'], unique=False)

    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel_number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.create_index('ix_interaction_phone_channel', ['organization_id', 'channel', 'given_phone', 'state'],
                              unique=False)

    with op.batch_alter_table('organization', schema=None) as batch_op:
        # No organization has a number until one is configured: inbound messages to an unknown number are logged.
        batch_op.add_column(sa.Column('sms_number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('whatsapp_number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.create_unique_constraint('uq_organization_sms_number', ['sms_number'])
        batch_op.create_unique_constraint('uq_organization_whatsapp_number', ['whatsapp_number'])

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('via', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))

    with op.batch_alter_table('outboundmessage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('content_sid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('content_variables', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('outboundmessage', schema=None) as batch_op:
        batch_op.drop_column('content_variables')
        batch_op.drop_column('content_sid')
        batch_op.drop_column('sender')

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('via')

    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_constraint('uq_organization_whatsapp_number', type_='unique')
        batch_op.drop_constraint('uq_organization_sms_number', type_='unique')
        batch_op.drop_column('whatsapp_number')
        batch_op.drop_column('sms_number')

    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.drop_index('ix_interaction_phone_channel')
        batch_op.drop_column('channel_number')

    with op.batch_alter_table('whatsapptemplate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_whatsapptemplate_organization_id'))

    op.drop_table('whatsapptemplate')
