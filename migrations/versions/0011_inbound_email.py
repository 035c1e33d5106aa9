"""inbound email: the organization's inbound address, emails by Message-ID, the IMAP cursor and lease, and the
unverified-sender flag of an interaction

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 02:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inbound_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True))
        batch_op.create_unique_constraint('uq_organization_inbound_email', ['inbound_email'])
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender_unverified', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table('emailrecord',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rfc_message_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('interaction_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('from_address', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('in_reply_to', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('full_text', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('rfc_message_id')
    )
    op.create_index('ix_emailrecord_message_id', 'emailrecord', ['message_id'], unique=False)
    op.create_index('ix_emailrecord_interaction_id', 'emailrecord', ['interaction_id'], unique=False)
    op.create_table('mailboxcursor',
    sa.Column('mailbox', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=False),
    sa.Column('last_uid', sa.BigInteger(), nullable=False),
    sa.Column('lease_owner', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('lease_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('mailbox')
    )


def downgrade() -> None:
    op.drop_table('mailboxcursor')
    op.drop_index('ix_emailrecord_interaction_id', table_name='emailrecord')
    op.drop_index('ix_emailrecord_message_id', table_name='emailrecord')
    op.drop_table('emailrecord')
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.drop_column('sender_unverified')
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_constraint('uq_organization_inbound_email', type_='unique')
        batch_op.drop_column('inbound_email')
