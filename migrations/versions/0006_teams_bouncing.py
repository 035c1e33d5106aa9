"""teams, bouncing and transfers: SOP deadlines on interactions, bounces, transfer requests

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 17:40:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organization', schema=None) as batch_op:  # hours of operation; empty: always open
        batch_op.add_column(sa.Column('opens_at', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('closes_at', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                      server_default='UTC'))
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_team_organization_id_name', ['organization_id', 'name'])
    with op.batch_alter_table('teammember', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teammember_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bounce_due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('arrived_by', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default=''))
        batch_op.create_index('ix_interaction_bounce_due', ['bounce_due_at'], unique=False)
    op.create_table('bounce',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=False),
    sa.Column('from_user_id', sa.Integer(), nullable=False),
    sa.Column('to_user_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['from_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], ),
    sa.ForeignKeyConstraint(['to_user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('bounce', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bounce_from_user_id'), ['from_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bounce_interaction_id'), ['interaction_id'], unique=False)
    op.create_table('transferrequest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_user_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('assigned_user_id', sa.Integer(), nullable=True),
    sa.Column('settled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['assigned_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['requested_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('transferrequest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transferrequest_interaction_id'), ['interaction_id'], unique=False)
        batch_op.create_index('ix_transferrequest_pending', ['status', 'requested_at'], unique=False)
    # Managers of an existing installation maintain teams as they maintain the organization settings.
    grant = sa.table('grant', sa.column('user_id', sa.Integer()), sa.column('name', sa.String()))
    op.execute(grant.insert().from_select(
        ['user_id', 'name'],
        sa.select(grant.c.user_id, sa.literal('manage_teams')).where(grant.c.name == 'manage_organization')))


def downgrade() -> None:
    grant = sa.table('grant', sa.column('name', sa.String()))
    op.execute(grant.delete().where(grant.c.name == 'manage_teams'))
    op.drop_table('transferrequest')
    op.drop_table('bounce')
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.drop_index('ix_interaction_bounce_due')
        batch_op.drop_column('arrived_by')
        batch_op.drop_column('bounce_due_at')
    with op.batch_alter_table('teammember', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teammember_user_id'))
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_constraint('uq_team_organization_id_name', type_='unique')
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('timezone')
        batch_op.drop_column('closes_at')
        batch_op.drop_column('opens_at')
