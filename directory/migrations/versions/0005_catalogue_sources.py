"""Catalogue: sources on every record, ways to act, rounds and endings, how a check was made.

Revision ID: 0005_catalogue_sources
Revises: 0004_hardening
Create Date: 2026-11-30 11:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005_catalogue_sources'
down_revision = '0004_hardening'
branch_labels = None
depends_on = None


def upgrade():
    # A sentence of provenance cannot be re-checked; sources (address, date read, fields
    # supported) replace it. Existing rows start with none, until the catalogue is loaded again.
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sources', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.drop_column('provenance')
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('contact_form', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('next_round', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('last_checked_how', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('sources', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.drop_column('provenance')
    op.create_table('link_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('final_url', sa.String(length=2000), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_check')),
    sa.UniqueConstraint('url', name=op.f('uq_link_check_url'))
    )
    # Checks recorded so far were made by people through the service.
    op.execute(
        "UPDATE listing SET last_checked_how = CASE WHEN last_checked_by = 'a moderator' "
        "THEN 'moderator' ELSE 'owner' END WHERE last_checked_on IS NOT NULL"
    )


def downgrade():
    op.drop_table('link_check')
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provenance', sa.Text(), nullable=False, server_default=''))
        batch_op.drop_column('sources')
        batch_op.drop_column('last_checked_how')
        batch_op.drop_column('closed_on')
        batch_op.drop_column('next_round')
        batch_op.drop_column('contact_form')
        batch_op.drop_column('contact_phone')
        batch_op.drop_column('contact_email')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provenance', sa.Text(), nullable=False, server_default=''))
        batch_op.drop_column('sources')
