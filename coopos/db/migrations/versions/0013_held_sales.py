"""held sales: sales put on hold at this till, recalled later (never synced)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "held_sales",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=32), nullable=False),
        sa.Column("cart", sa.Text(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.Column("created_local", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["users.id"], name=op.f("fk_held_sales_seller_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_sales")),
        sa.UniqueConstraint("uuid", name=op.f("uq_held_sales_uuid")),
    )
    with op.batch_alter_table("held_sales", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_held_sales_created_utc"), ["created_utc"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("held_sales", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_held_sales_created_utc"))
    op.drop_table("held_sales")
