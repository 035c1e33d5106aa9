"""attachments: staged until sent, kinds decided by content, thumbnails; media fetch jobs for Twilio media;
Twilio status callbacks that arrive before their message's id is recorded

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 22:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachment_count', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.alter_column('message_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('interaction_id', sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default='agent'))
        batch_op.add_column(sa.Column('uploader_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('thumbnail_path', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('thumbnail_width', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('thumbnail_height', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False))
        batch_op.create_foreign_key('fk_attachment_interaction_id_interaction', 'interaction', ['interaction_id'],
                                    ['id'])
        batch_op.create_foreign_key('fk_attachment_uploader_user_id_user', 'user', ['uploader_user_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_attachment_interaction_id'), ['interaction_id'], unique=False)
    op.create_table('mediafetch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('claimed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id', 'position')
    )
    with op.batch_alter_table('mediafetch', schema=None) as batch_op:
        batch_op.create_index('ix_mediafetch_due', ['status', 'next_attempt_at'], unique=False)
    op.create_table('earlydeliverystatus',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sid', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('error_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sid', 'status')
    )
    with op.batch_alter_table('earlydeliverystatus', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_earlydeliverystatus_sid'), ['sid'], unique=False)


def downgrade() -> None:
    op.drop_table('earlydeliverystatus')
    op.drop_table('mediafetch')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_interaction_id'))
        batch_op.drop_constraint('fk_attachment_uploader_user_id_user', type_='foreignkey')
        batch_op.drop_constraint('fk_attachment_interaction_id_interaction', type_='foreignkey')
        for column in ('created_at', 'thumbnail_height', 'thumbnail_width', 'thumbnail_path', 'kind',
                       'uploader_user_id', 'author', 'interaction_id'):
            batch_op.drop_column(column)
        batch_op.alter_column('message_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('attachment_count')
