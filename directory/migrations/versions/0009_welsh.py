"""Welsh: listings' and organisations' Welsh text; the language of demand events and alerts.

Revision ID: 0009_welsh
Revises: 0008_alerts
Create Date: 2026-11-30 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009_welsh'
down_revision = '0008_alerts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_cy', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('description_cy', sa.Text(), nullable=True))
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_cy', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('summary_cy', sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column('description_cy', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('eligibility_cy', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('how_to_apply_cy', sa.Text(), nullable=True))
    # Everything recorded so far was recorded in English, the only language there was.
    with op.batch_alter_table('demand_event', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('language', sa.String(length=2), server_default='en', nullable=False)
        )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('language', sa.String(length=2), server_default='en', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('demand_event', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('listing', schema=None) as batch_op:
        for column in ('how_to_apply_cy', 'eligibility_cy', 'description_cy', 'summary_cy', 'name_cy'):
            batch_op.drop_column(column)
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('description_cy')
        batch_op.drop_column('name_cy')
