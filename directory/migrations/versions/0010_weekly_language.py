"""Weekly demand totals keep the interface language of the events they fold.

Revision ID: 0010_weekly_language
Revises: 0009_welsh
Create Date: 2026-11-30 23:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_weekly_language'
down_revision = '0009_welsh'
branch_labels = None
depends_on = None


def upgrade():
    # Totals folded so far hold events older than the retention period, all recorded before
    # the service had Welsh (0009): English, as 0009 says of the events it found.
    with op.batch_alter_table('demand_weekly', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('language', sa.String(length=2), server_default='en', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('demand_weekly', schema=None) as batch_op:
        batch_op.drop_column('language')
