"""secondary screens: payments and shipments of orders (Order Status), and the grants order_edit and case_edit
for every inbox user

New agents get them with the working set (services/auth.py AGENT_GRANTS); this gives them to the users of an
existing database who can already work the inbox, as a new demo database has them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 01:58:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# customer_profile_edit is not handed out here: passcodes go to the contacts it edits, so an administrator
# grants it on purpose (new demo agents hold it).
_GRANTS = ('order_edit', 'case_edit')


def upgrade() -> None:
    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_payment_order_id'), 'payment', ['order_id'], unique=False)
    op.create_table('shipment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('carrier', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('tracking_number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('shipped_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_shipment_order_id'), 'shipment', ['order_id'], unique=False)
    grant = sa.table('grant', sa.column('user_id', sa.Integer()), sa.column('name', sa.String()))
    for name in _GRANTS:
        held = grant.alias('held')
        already = sa.select(held.c.user_id).where(held.c.name == name)
        op.execute(grant.insert().from_select(
            ['user_id', 'name'],
            sa.select(grant.c.user_id, sa.literal(name)).where(grant.c.name == 'inbox',
                                                               grant.c.user_id.not_in(already))))


def downgrade() -> None:
    grant = sa.table('grant', sa.column('name', sa.String()))
    op.execute(grant.delete().where(grant.c.name.in_(_GRANTS)))
    op.drop_index(op.f('ix_shipment_order_id'), table_name='shipment')
    op.drop_table('shipment')
    op.drop_index(op.f('ix_payment_order_id'), table_name='payment')
    op.drop_table('payment')
