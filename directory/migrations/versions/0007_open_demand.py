"""Open demand releases: monthly figures with differential privacy, drawn once and kept.

Revision ID: 0007_open_demand
Revises: 0006_feedback
Create Date: 2026-11-30 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0007_open_demand'
down_revision = '0006_feedback'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('open_demand_release',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('epsilon', sa.String(length=20), nullable=False),
    sa.Column('cells_per_table', sa.Integer(), nullable=False),
    sa.Column('tables', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_demand_release')),
    sa.UniqueConstraint('month', name=op.f('uq_open_demand_release_month'))
    )
    op.create_table('open_demand_figure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=60), nullable=False),
    sa.Column('visitor_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['open_demand_release.id'], name=op.f('fk_open_demand_figure_release_id_open_demand_release'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_demand_figure')),
    sa.UniqueConstraint('release_id', 'dimension', 'value', name=op.f('uq_open_demand_figure_release_id'))
    )
    with op.batch_alter_table('open_demand_figure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open_demand_figure_release_id'), ['release_id'], unique=False)


def downgrade():
    with op.batch_alter_table('open_demand_figure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open_demand_figure_release_id'))
    op.drop_table('open_demand_figure')
    op.drop_table('open_demand_release')
