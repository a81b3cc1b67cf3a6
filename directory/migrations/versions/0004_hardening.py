"""Hardening: registrations hold no password until confirmed; daily salts leave the database.

Revision ID: 0004_hardening
Revises: 0003_demand_data
Create Date: 2026-11-30 09:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004_hardening'
down_revision = '0003_demand_data'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('password_hash', existing_type=sa.String(length=200), nullable=True)
    # Accounts in use count as confirmed from their creation. A registration nobody confirmed
    # loses the password its registrant chose: whoever confirms the address sets a new one.
    op.execute(
        "UPDATE user_account SET confirmed_at = created_at "
        "WHERE is_active_account OR last_login_at IS NOT NULL"
    )
    op.execute("UPDATE user_account SET password_hash = NULL WHERE confirmed_at IS NULL")
    # Salts now live outside the database (DEMAND_SALT_STORAGE); old ones can only link keys.
    op.drop_table('demand_salt')


def downgrade():
    op.create_table('demand_salt',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_demand_salt'))
    )
    op.execute("UPDATE user_account SET password_hash = '!' WHERE password_hash IS NULL")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('password_hash', existing_type=sa.String(length=200), nullable=False)
        batch_op.drop_column('confirmed_at')
