"""verification and customer header

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 18:36:56.496799
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('appeasement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], ),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('appeasement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeasement_order_id'), ['order_id'], unique=False)

    with op.batch_alter_table('message', schema=None) as batch_op:
        # Existing messages were all visible to the customer.
        batch_op.add_column(sa.Column('internal', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('outboundmessage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))

    with op.batch_alter_table('otpchallenge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_by_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_otpchallenge_sent_by_user_id', 'user', ['sent_by_user_id'], ['id'])



    # Customer notes became a grant of their own: everyone who works the inbox keeps them.
    op.execute("INSERT INTO \"grant\" (user_id, name) SELECT user_id, 'customer_notes' FROM \"grant\" "
               "WHERE name = 'inbox'")
    # Organization settings (SMS OTP, appeasement limit) are the managers': they hold manage_wrap_up.
    op.execute("INSERT INTO \"grant\" (user_id, name) SELECT user_id, 'manage_organization' FROM \"grant\" "
               "WHERE name = 'manage_wrap_up'")


def downgrade() -> None:
    op.execute("DELETE FROM \"grant\" WHERE name IN ('customer_notes', 'manage_organization')")
    with op.batch_alter_table('otpchallenge', schema=None) as batch_op:
        batch_op.drop_constraint('fk_otpchallenge_sent_by_user_id', type_='foreignkey')
        batch_op.drop_column('sent_by_user_id')

    with op.batch_alter_table('outboundmessage', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('internal')

    with op.batch_alter_table('appeasement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeasement_order_id'))

    op.drop_table('appeasement')
