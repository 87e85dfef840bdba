"""Quarantine (events stored and acknowledged but not projected) and each device's clock
reference (the latest plausible event time)

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clock_seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("clock_utc", sa.DateTime(), nullable=True))
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.Column("document_uuid", sa.String(length=32), nullable=True),
        sa.Column("waits_for_event_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.Column("updated_utc", sa.DateTime(), nullable=False),
        sa.Column("resolved_utc", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open','replayed','discarded')", name=op.f("ck_quarantine_status")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_quarantine_device_id_devices")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_quarantine_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["waits_for_event_id"],
            ["events.id"],
            name=op.f("fk_quarantine_waits_for_event_id_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine")),
        sa.UniqueConstraint("event_id", name=op.f("uq_quarantine_event_id")),
    )
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quarantine_code"), ["code"], unique=False)
        batch_op.create_index(batch_op.f("ix_quarantine_device_id"), ["device_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_quarantine_document_uuid"), ["document_uuid"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_quarantine_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_quarantine_waits_for_event_id"), ["waits_for_event_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("quarantine")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("clock_utc")
        batch_op.drop_column("clock_seq")
