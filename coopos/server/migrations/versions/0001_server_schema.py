"""The server schema: catalog, devices, events and their projection

Revision ID: 0001
Revises:
Create Date: 2026-11-22 19:28:33.302094
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.Column("revoked_utc", sa.DateTime(), nullable=True),
        sa.Column("last_used_utc", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_admin_tokens_token_hash")),
    )
    op.create_table(
        "catalog_changes",
        sa.Column("cursor", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("committed_utc", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("cursor", name=op.f("pk_catalog_changes")),
    )
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_ar", sa.String(length=100), nullable=True),
        sa.Column("name_fr", sa.String(length=100), nullable=True),
        sa.Column("name_en", sa.String(length=100), nullable=True),
        sa.Column("name_zgh", sa.String(length=100), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("code", name=op.f("uq_categories_code")),
    )
    op.create_table(
        "change_clock",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_clock")),
    )
    op.create_table(
        "cooperatives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name_ar", sa.String(length=200), nullable=True),
        sa.Column("name_fr", sa.String(length=200), nullable=True),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("name_zgh", sa.String(length=200), nullable=True),
        sa.Column("odco_number", sa.String(length=64), nullable=False),
        sa.Column("ice", sa.String(length=32), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("commission_bp", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cooperatives")),
        sa.UniqueConstraint("code", name=op.f("uq_cooperatives_code")),
    )
    op.create_table(
        "enroll_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("at_utc", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enroll_failures")),
    )
    with op.batch_alter_table("enroll_failures", schema=None) as batch_op:
        batch_op.create_index("ix_enroll_failures_ip_at", ["ip", "at_utc"], unique=False)

    op.create_table(
        "fairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fairs")),
        sa.UniqueConstraint("code", name=op.f("uq_fairs_code")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("role IN ('seller','manager','admin')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
        sa.UniqueConstraint("uuid", name=op.f("uq_users_uuid")),
    )
    op.create_table(
        "locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("fair_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('shop','warehouse','stand')", name=op.f("ck_locations_kind")),
        sa.ForeignKeyConstraint(["fair_id"], ["fairs.id"], name=op.f("fk_locations_fair_id_fairs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        sa.UniqueConstraint("code", name=op.f("uq_locations_code")),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=32), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name_ar", sa.String(length=200), nullable=True),
        sa.Column("name_fr", sa.String(length=200), nullable=True),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("name_zgh", sa.String(length=200), nullable=True),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("sold_by_weight", sa.Boolean(), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("vat_rate", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_utc", sa.DateTime(), nullable=True),
        sa.CheckConstraint("unit IN ('piece','kg','g','l','ml')", name=op.f("ck_products_unit")),
        sa.CheckConstraint("price_cents >= 0", name=op.f("ck_products_price")),
        sa.CheckConstraint("vat_rate IN (0, 7, 10, 14, 20)", name=op.f("ck_products_vat_rate")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_products_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_products_cooperative_id_cooperatives"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("sku", name=op.f("uq_products_sku")),
        sa.UniqueConstraint("uuid", name=op.f("uq_products_uuid")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_products_category_id"), ["category_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_products_cooperative_id"), ["cooperative_id"], unique=False
        )

    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("receipt_prefix", sa.String(length=8), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("code_expires_utc", sa.DateTime(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.Column("enrolled_utc", sa.DateTime(), nullable=True),
        sa.Column("revoked_utc", sa.DateTime(), nullable=True),
        sa.Column("last_seen_utc", sa.DateTime(), nullable=True),
        sa.Column("last_ip", sa.String(length=64), nullable=True),
        sa.Column("clock_offset_ms", sa.BigInteger(), nullable=True),
        sa.Column("acked_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_devices_location_id_locations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_devices_code_hash")),
        sa.UniqueConstraint("receipt_prefix", name=op.f("uq_devices_receipt_prefix")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_devices_token_hash")),
    )
    op.create_table(
        "product_barcodes",
        sa.Column("barcode", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_barcodes_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("barcode", name=op.f("pk_product_barcodes")),
    )
    with op.batch_alter_table("product_barcodes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_barcodes_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "cash_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("shift_uuid", sa.String(length=32), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.Column("created_local", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_cash_movements_device_id_devices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_movements")),
        sa.UniqueConstraint("uuid", name=op.f("uq_cash_movements_uuid")),
    )
    with op.batch_alter_table("cash_movements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cash_movements_device_id"), ["device_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cash_movements_shift_uuid"), ["shift_uuid"], unique=False
        )

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("uuid", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.Column("received_utc", sa.DateTime(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_events_device_id_devices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("device_id", "seq", name="uq_events_device_seq"),
        sa.UniqueConstraint("uuid", name=op.f("uq_events_uuid")),
    )
    op.create_table(
        "shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("location_code", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("opened_by_uuid", sa.String(length=32), nullable=True),
        sa.Column("opened_utc", sa.DateTime(), nullable=True),
        sa.Column("opened_local", sa.String(length=40), nullable=True),
        sa.Column("float_cents", sa.BigInteger(), nullable=True),
        sa.Column("closed_by_uuid", sa.String(length=32), nullable=True),
        sa.Column("closed_utc", sa.DateTime(), nullable=True),
        sa.Column("closed_local", sa.String(length=40), nullable=True),
        sa.Column("z_number", sa.Integer(), nullable=True),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("expected", sa.Text(), nullable=False),
        sa.Column("net_total_cents", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("status IN ('open','closed')", name=op.f("ck_shifts_status")),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_shifts_device_id_devices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shifts")),
        sa.UniqueConstraint("uuid", name=op.f("uq_shifts_uuid")),
    )
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shifts_device_id"), ["device_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_shifts_location_code"), ["location_code"], unique=False
        )

    op.create_table(
        "event_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_flags_event_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_flags")),
    )
    with op.batch_alter_table("event_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_flags_code"), ["code"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_flags_event_id"), ["event_id"], unique=False)

    op.create_table(
        "sales",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("receipt_no", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("refund_of_uuid", sa.String(length=32), nullable=True),
        sa.Column("refund_of_id", sa.Integer(), nullable=True),
        sa.Column("location_code", sa.String(length=32), nullable=False),
        sa.Column("fair_code", sa.String(length=32), nullable=True),
        sa.Column("shift_uuid", sa.String(length=32), nullable=True),
        sa.Column("seller_uuid", sa.String(length=32), nullable=True),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.Column("created_local", sa.String(length=40), nullable=False),
        sa.Column("local_day", sa.String(length=10), nullable=False),
        sa.Column("gross_cents", sa.BigInteger(), nullable=False),
        sa.Column("discount_cents", sa.BigInteger(), nullable=False),
        sa.Column("order_discount_cents", sa.BigInteger(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("change_cents", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('sale','refund')", name=op.f("ck_sales_kind")),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_sales_device_id_devices")
        ),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_sales_event_id_events")),
        sa.ForeignKeyConstraint(
            ["refund_of_id"], ["sales.id"], name=op.f("fk_sales_refund_of_id_sales")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales")),
        sa.UniqueConstraint("receipt_no", name=op.f("uq_sales_receipt_no")),
        sa.UniqueConstraint("uuid", name=op.f("uq_sales_uuid")),
    )
    with op.batch_alter_table("sales", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sales_device_id"), ["device_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sales_event_id"), ["event_id"], unique=False)
        batch_op.create_index("ix_sales_fair_day", ["fair_code", "local_day"], unique=False)
        batch_op.create_index(batch_op.f("ix_sales_local_day"), ["local_day"], unique=False)
        batch_op.create_index("ix_sales_location_day", ["location_code", "local_day"], unique=False)
        batch_op.create_index(batch_op.f("ix_sales_refund_of_id"), ["refund_of_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sales_refund_of_uuid"), ["refund_of_uuid"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sales_shift_uuid"), ["shift_uuid"], unique=False)

    op.create_table(
        "stock_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("sale_uuid", sa.String(length=32), nullable=True),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("location_code", sa.String(length=32), nullable=False),
        sa.Column("quantity_milli", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.Column("created_local", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_stock_movements_device_id_devices")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_stock_movements_event_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movements")),
        sa.UniqueConstraint("uuid", name=op.f("uq_stock_movements_uuid")),
    )
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stock_location_sku_qty", ["location_code", "sku", "quantity_milli"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_stock_movements_device_id"), ["device_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_stock_movements_event_id"), ["event_id"], unique=False)

    op.create_table(
        "sale_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("quantity_milli", sa.BigInteger(), nullable=False),
        sa.Column("list_price_cents", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_cents", sa.BigInteger(), nullable=False),
        sa.Column("vat_rate", sa.Integer(), nullable=False),
        sa.Column("cooperative_code", sa.String(length=16), nullable=False),
        sa.Column("commission_bp", sa.Integer(), nullable=False),
        sa.Column("gross_cents", sa.BigInteger(), nullable=False),
        sa.Column("line_discount_cents", sa.BigInteger(), nullable=False),
        sa.Column("order_discount_cents", sa.BigInteger(), nullable=False),
        sa.Column("net_cents", sa.BigInteger(), nullable=False),
        sa.Column("commission_cents", sa.BigInteger(), nullable=False),
        sa.Column("refund_of_line_no", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["sale_id"], ["sales.id"], name=op.f("fk_sale_lines_sale_id_sales")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sale_lines")),
    )
    with op.batch_alter_table("sale_lines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sale_lines_coop_sale", ["cooperative_code", "sale_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sale_lines_sale_id"), ["sale_id"], unique=False)

    op.create_table(
        "sale_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("tendered_cents", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["sale_id"], ["sales.id"], name=op.f("fk_sale_payments_sale_id_sales")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sale_payments")),
    )
    with op.batch_alter_table("sale_payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sale_payments_sale_id"), ["sale_id"], unique=False)

    op.create_table(
        "sale_vat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("rate", sa.Integer(), nullable=False),
        sa.Column("gross_cents", sa.BigInteger(), nullable=False),
        sa.Column("vat_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"], name=op.f("fk_sale_vat_sale_id_sales")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sale_vat")),
    )
    with op.batch_alter_table("sale_vat", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sale_vat_sale_id"), ["sale_id"], unique=False)

    # The change clock's one row: catalog writers only ever UPDATE it (a row lock).
    op.bulk_insert(
        sa.table("change_clock", sa.column("id", sa.Integer), sa.column("value", sa.BigInteger)),
        [{"id": 1, "value": 0}],
    )


def downgrade() -> None:
    with op.batch_alter_table("sale_vat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sale_vat_sale_id"))

    op.drop_table("sale_vat")
    with op.batch_alter_table("sale_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sale_payments_sale_id"))

    op.drop_table("sale_payments")
    with op.batch_alter_table("sale_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sale_lines_sale_id"))
        batch_op.drop_index("ix_sale_lines_coop_sale")

    op.drop_table("sale_lines")
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_movements_event_id"))
        batch_op.drop_index(batch_op.f("ix_stock_movements_device_id"))
        batch_op.drop_index("ix_stock_location_sku_qty")

    op.drop_table("stock_movements")
    with op.batch_alter_table("sales", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sales_shift_uuid"))
        batch_op.drop_index(batch_op.f("ix_sales_refund_of_uuid"))
        batch_op.drop_index(batch_op.f("ix_sales_refund_of_id"))
        batch_op.drop_index("ix_sales_location_day")
        batch_op.drop_index(batch_op.f("ix_sales_local_day"))
        batch_op.drop_index("ix_sales_fair_day")
        batch_op.drop_index(batch_op.f("ix_sales_event_id"))
        batch_op.drop_index(batch_op.f("ix_sales_device_id"))

    op.drop_table("sales")
    with op.batch_alter_table("event_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_flags_event_id"))
        batch_op.drop_index(batch_op.f("ix_event_flags_code"))

    op.drop_table("event_flags")
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shifts_location_code"))
        batch_op.drop_index(batch_op.f("ix_shifts_device_id"))

    op.drop_table("shifts")
    op.drop_table("events")
    with op.batch_alter_table("cash_movements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cash_movements_shift_uuid"))
        batch_op.drop_index(batch_op.f("ix_cash_movements_device_id"))

    op.drop_table("cash_movements")
    with op.batch_alter_table("product_barcodes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_barcodes_product_id"))

    op.drop_table("product_barcodes")
    op.drop_table("devices")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_cooperative_id"))
        batch_op.drop_index(batch_op.f("ix_products_category_id"))

    op.drop_table("products")
    op.drop_table("locations")
    op.drop_table("users")
    op.drop_table("fairs")
    with op.batch_alter_table("enroll_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_enroll_failures_ip_at")

    op.drop_table("enroll_failures")
    op.drop_table("cooperatives")
    op.drop_table("change_clock")
    op.drop_table("categories")
    op.drop_table("catalog_changes")
    op.drop_table("admin_tokens")
