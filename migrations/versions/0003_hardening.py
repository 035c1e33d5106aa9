"""hardening: outbox backoff, expiring chat links, shared rate limits, cheap identity checks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 14:18:10.881276
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ratelimitwindow',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('window_start', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', 'window_start')
    )
    with op.batch_alter_table('ratelimitwindow', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ratelimitwindow_window_start'), ['window_start'], unique=False)

    with op.batch_alter_table('organization', schema=None) as batch_op:
        # Existing organizations keep accepting links without `expires` until a manager requires them.
        batch_op.add_column(sa.Column('require_expiring_chat_links', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access_version', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('outboundmessage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_outbound_due', ['status', 'next_attempt_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('access_version')

    with op.batch_alter_table('outboundmessage', schema=None) as batch_op:
        batch_op.drop_index('ix_outbound_due')
        batch_op.drop_column('next_attempt_at')

    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('require_expiring_chat_links')

    with op.batch_alter_table('ratelimitwindow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ratelimitwindow_window_start'))

    op.drop_table('ratelimitwindow')
