"""embedding: the sites that may frame each organization's Live Chat

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 17:10:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organization', schema=None) as batch_op:
        # Organizations that exist today were framed by anyone: they keep `*` until a manager lists their sites.
        # New organizations start with no site (the model's default).
        batch_op.add_column(sa.Column('allowed_chat_origins', sqlmodel.sql.sqltypes.AutoString(length=4000),
                                      nullable=False, server_default='*'))


def downgrade() -> None:
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('allowed_chat_origins')
