"""consignment: commission rules, notes, fair counts, payouts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('commission_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('rate_bp', sa.Integer(), nullable=False),
    sa.Column('tiers', sa.Text(), nullable=False),
    sa.Column('updated_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_commission_rules_category_id_categories')),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperatives.id'], name=op.f('fk_commission_rules_cooperative_id_cooperatives')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commission_rules')),
    sa.UniqueConstraint('cooperative_id', 'category_id', name=op.f('uq_commission_rules_cooperative_id'))
    )
    op.create_table('consignment_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=32), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('fair_id', sa.Integer(), nullable=True),
    sa.Column('from_code', sa.String(length=40), nullable=False),
    sa.Column('to_code', sa.String(length=40), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_utc', sa.DateTime(), nullable=False),
    sa.Column('created_local', sa.String(length=40), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperatives.id'], name=op.f('fk_consignment_notes_cooperative_id_cooperatives')),
    sa.ForeignKeyConstraint(['fair_id'], ['fairs.id'], name=op.f('fk_consignment_notes_fair_id_fairs')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_consignment_notes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consignment_notes')),
    sa.UniqueConstraint('number', name=op.f('uq_consignment_notes_number')),
    sa.UniqueConstraint('uuid', name=op.f('uq_consignment_notes_uuid'))
    )
    with op.batch_alter_table('consignment_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consignment_notes_fair_id'), ['fair_id'], unique=False)

    op.create_table('payouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=32), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('fair_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('paid_utc', sa.DateTime(), nullable=False),
    sa.Column('paid_local', sa.String(length=40), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint("method IN ('cash','transfer','cheque')", name=op.f('ck_payouts_method')),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_payouts_amount')),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperatives.id'], name=op.f('fk_payouts_cooperative_id_cooperatives')),
    sa.ForeignKeyConstraint(['fair_id'], ['fairs.id'], name=op.f('fk_payouts_fair_id_fairs')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_payouts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payouts')),
    sa.UniqueConstraint('uuid', name=op.f('uq_payouts_uuid'))
    )
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payouts_cooperative_id'), ['cooperative_id'], unique=False)

    op.create_table('fair_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fair_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('counted_milli', sa.Integer(), nullable=False),
    sa.Column('expected_milli', sa.Integer(), nullable=False),
    sa.Column('counted_utc', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['fair_id'], ['fairs.id'], name=op.f('fk_fair_counts_fair_id_fairs')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_fair_counts_location_id_locations')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_fair_counts_product_id_products')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_fair_counts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fair_counts'))
    )
    with op.batch_alter_table('fair_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fair_counts_fair_id'), ['fair_id'], unique=False)

    with op.batch_alter_table('fairs', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('status', sa.String(length=16), nullable=False, server_default='open')
        )
        batch_op.add_column(sa.Column('counted_utc', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('closed_utc', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('fairs', schema=None) as batch_op:
        batch_op.drop_column('closed_utc')
        batch_op.drop_column('counted_utc')
        batch_op.drop_column('status')
    for table in ('fair_counts', 'payouts', 'consignment_notes', 'commission_rules'):
        op.drop_table(table)
