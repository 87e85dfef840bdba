"""Consignment (notes, fair counts and closings, payouts) and the cooperatives' portal

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 20:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("at_utc", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_failures")),
    )
    with op.batch_alter_table("portal_failures", schema=None) as batch_op:
        batch_op.create_index("ix_portal_failures_ip_at", ["ip", "at_utc"], unique=False)

    op.create_table(
        "server_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_server_settings")),
    )
    op.create_table(
        "portal_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.Column("last_login_utc", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_portal_access_cooperative_id_cooperatives"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_access")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_portal_access_code_hash")),
        sa.UniqueConstraint("cooperative_id", name=op.f("uq_portal_access_cooperative_id")),
    )
    op.create_table(
        "consignment_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("fair_code", sa.String(length=32), nullable=True),
        sa.Column("from_code", sa.String(length=40), nullable=False),
        sa.Column("to_code", sa.String(length=40), nullable=False),
        sa.Column("cooperative_code", sa.String(length=16), nullable=True),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.Column("created_local", sa.String(length=40), nullable=False),
        sa.CheckConstraint("kind IN ('dispatch','return')", name=op.f("ck_consignment_notes_kind")),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_consignment_notes_device_id_devices")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_consignment_notes_event_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consignment_notes")),
        sa.UniqueConstraint("uuid", name=op.f("uq_consignment_notes_uuid")),
    )
    with op.batch_alter_table("consignment_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consignment_notes_device_id"), ["device_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consignment_notes_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consignment_notes_fair_code"), ["fair_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consignment_notes_number"), ["number"], unique=False)

    op.create_table(
        "fair_closings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("fair_code", sa.String(length=32), nullable=False),
        sa.Column("closed_utc", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_fair_closings_device_id_devices")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_fair_closings_event_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fair_closings")),
    )
    with op.batch_alter_table("fair_closings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fair_closings_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fair_closings_fair_code"), ["fair_code"], unique=False)

    op.create_table(
        "fair_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("fair_code", sa.String(length=32), nullable=False),
        sa.Column("location_code", sa.String(length=32), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("counted_milli", sa.BigInteger(), nullable=False),
        sa.Column("counted_utc", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_fair_counts_device_id_devices")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_fair_counts_event_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fair_counts")),
        sa.UniqueConstraint("event_id", "sku", name="uq_fair_counts_event_sku"),
    )
    with op.batch_alter_table("fair_counts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fair_counts_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            "ix_fair_counts_fair_location", ["fair_code", "location_code"], unique=False
        )

    op.create_table(
        "payouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("cooperative_code", sa.String(length=16), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("fair_code", sa.String(length=32), nullable=True),
        sa.Column("paid_utc", sa.DateTime(), nullable=False),
        sa.Column("paid_local", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("received_utc", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_payouts_device_id_devices")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_payouts_event_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
        sa.UniqueConstraint("uuid", name=op.f("uq_payouts_uuid")),
    )
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payouts_cooperative_code"), ["cooperative_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_payouts_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payouts_fair_code"), ["fair_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payouts_fair_code"))
        batch_op.drop_index(batch_op.f("ix_payouts_event_id"))
        batch_op.drop_index(batch_op.f("ix_payouts_cooperative_code"))

    op.drop_table("payouts")
    with op.batch_alter_table("fair_counts", schema=None) as batch_op:
        batch_op.drop_index("ix_fair_counts_fair_location")
        batch_op.drop_index(batch_op.f("ix_fair_counts_event_id"))

    op.drop_table("fair_counts")
    with op.batch_alter_table("fair_closings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fair_closings_fair_code"))
        batch_op.drop_index(batch_op.f("ix_fair_closings_event_id"))

    op.drop_table("fair_closings")
    with op.batch_alter_table("consignment_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consignment_notes_number"))
        batch_op.drop_index(batch_op.f("ix_consignment_notes_fair_code"))
        batch_op.drop_index(batch_op.f("ix_consignment_notes_event_id"))
        batch_op.drop_index(batch_op.f("ix_consignment_notes_device_id"))

    op.drop_table("consignment_notes")
    op.drop_table("portal_access")
    op.drop_table("server_settings")
    with op.batch_alter_table("portal_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_portal_failures_ip_at")

    op.drop_table("portal_failures")
