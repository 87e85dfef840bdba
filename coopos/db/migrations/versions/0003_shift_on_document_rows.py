"""shift id on sale lines, payments and VAT rows, with covering indexes for X/Z

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = ("sale_lines", "sale_payments", "sale_vat")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("shift_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                f"fk_{table}_shift_id_shifts", "shifts", ["shift_id"], ["id"]
            )
        # Existing rows take their sale's shift (documents are never edited afterwards).
        op.execute(
            f"UPDATE {table} SET shift_id = "
            f"(SELECT sales.shift_id FROM sales WHERE sales.id = {table}.sale_id)"
        )
    # Covering indexes replace the plain ones: reports read the index alone.
    op.drop_index("ix_sale_lines_sale_id", "sale_lines")
    op.drop_index("ix_sale_lines_cooperative_id", "sale_lines")
    op.create_index(
        "ix_sale_lines_sale_cover",
        "sale_lines",
        ["sale_id", "cooperative_id", "quantity_milli", "net_cents", "commission_cents"],
    )
    op.create_index(
        "ix_sale_lines_coop_cover",
        "sale_lines",
        ["cooperative_id", "quantity_milli", "net_cents", "commission_cents"],
    )
    op.create_index(
        "ix_sale_lines_shift_coop",
        "sale_lines",
        ["shift_id", "cooperative_id", "net_cents", "commission_cents"],
    )
    op.create_index(
        "ix_sale_payments_shift_method", "sale_payments", ["shift_id", "method", "amount_cents"]
    )
    op.create_index(
        "ix_sale_vat_shift_rate", "sale_vat", ["shift_id", "rate", "gross_cents", "vat_cents"]
    )


def downgrade() -> None:
    op.drop_index("ix_sale_vat_shift_rate", "sale_vat")
    op.drop_index("ix_sale_payments_shift_method", "sale_payments")
    op.drop_index("ix_sale_lines_shift_coop", "sale_lines")
    op.drop_index("ix_sale_lines_coop_cover", "sale_lines")
    op.drop_index("ix_sale_lines_sale_cover", "sale_lines")
    op.create_index("ix_sale_lines_cooperative_id", "sale_lines", ["cooperative_id"])
    op.create_index("ix_sale_lines_sale_id", "sale_lines", ["sale_id"])
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_shift_id_shifts", type_="foreignkey")
            batch.drop_column("shift_id")
