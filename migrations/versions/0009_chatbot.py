"""chatbot transcripts: one row per posted conversation (unique per organization), the organization's chatbot
secret, optional descriptions and examples on wrap-up categories for the classifier

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 22:39:04
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chatbottranscript',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('interaction_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('ended_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('turns', sa.Integer(), nullable=False),
    sa.Column('valid', sa.Boolean(), nullable=False),
    sa.Column('invalid_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('sentiment', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('sentiment_score', sa.Float(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('subcategory', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('category_confidence', sa.Float(), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('interaction_id'),
    sa.UniqueConstraint('organization_id', 'conversation_id')
    )
    with op.batch_alter_table('chatbottranscript', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chatbottranscript_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chatbottranscript_customer_id'), ['customer_id'], unique=False)

    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chatbot_secret', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False,
                                      server_default=''))

    with op.batch_alter_table('wrapupcategory', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('examples', sa.Text(), nullable=False, server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('wrapupcategory', schema=None) as batch_op:
        batch_op.drop_column('examples')
        batch_op.drop_column('description')

    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('chatbot_secret')

    with op.batch_alter_table('chatbottranscript', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chatbottranscript_customer_id'))
        batch_op.drop_index(batch_op.f('ix_chatbottranscript_case_id'))

    op.drop_table('chatbottranscript')
