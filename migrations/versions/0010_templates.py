"""response templates: unique names per agent and organization, the organization's template generation, and
the `manage_templates` grant for existing managers

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template_generation', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('responsetemplate', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_responsetemplate_org_owner_name',
                                          ['organization_id', 'owner_user_id', 'name'])
    # Managers of an existing installation maintain templates as they maintain the organization settings.
    grant = sa.table('grant', sa.column('user_id', sa.Integer()), sa.column('name', sa.String()))
    op.execute(grant.insert().from_select(
        ['user_id', 'name'],
        sa.select(grant.c.user_id, sa.literal('manage_templates')).where(grant.c.name == 'manage_organization')))


def downgrade() -> None:
    grant = sa.table('grant', sa.column('name', sa.String()))
    op.execute(grant.delete().where(grant.c.name == 'manage_templates'))
    with op.batch_alter_table('responsetemplate', schema=None) as batch_op:
        batch_op.drop_constraint('uq_responsetemplate_org_owner_name', type_='unique')
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('template_generation')
