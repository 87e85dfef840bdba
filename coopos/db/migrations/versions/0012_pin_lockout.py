"""PINs: the wrong PINs typed at this till and its lock; a PIN its holder must change

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pin_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at_utc", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.CheckConstraint("kind IN ('failure','lock')", name=op.f("ck_pin_failures_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pin_failures")),
    )
    with op.batch_alter_table("pin_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pin_failures_at_utc"), ["at_utc"], unique=False)
    # a plain ADD COLUMN: recreating the users table would trip the foreign keys to it
    op.add_column(
        "users",
        sa.Column("pin_change_required", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("pin_change_required")
    with op.batch_alter_table("pin_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pin_failures_at_utc"))
    op.drop_table("pin_failures")
