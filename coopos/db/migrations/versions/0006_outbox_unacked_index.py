"""outbox: a partial index of the events not acknowledged by the server yet

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_outbox_unacked",
        "outbox",
        ["seq"],
        sqlite_where=sa.text("acked_utc IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_unacked", "outbox")
