"""Typed SQLAlchemy 2.0 models.  Every change here needs an Alembic migration.

Conventions: money columns are integer centimes (``*_cents``); quantities are integer
thousandths (``quantity_milli``); rates are basis points (``*_bp``) or whole VAT percents;
times are stored twice, in UTC (``*_utc``, naive UTC) and as the device's local time with
its offset (``*_local``, ISO 8601 text).
"""

from __future__ import annotations

import uuid as uuid_module
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_uuid() -> str:
    return uuid_module.uuid4().hex


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON


class Sequence(Base):
    """Gap-free counters (receipt numbers, outbox, Z numbers), bumped inside the
    transaction that uses the value, so a rolled-back sale leaves no hole."""

    __tablename__ = "sequences"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Fair(Base):
    __tablename__ = "fairs"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100), default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # open until closed after its end-of-fair count; counted_utc splits returns made
    # during the fair (in the reconciliation) from the closing return of what was counted
    status: Mapped[str] = mapped_column(String(16), default="open")
    counted_utc: Mapped[datetime | None] = mapped_column(DateTime)
    closed_utc: Mapped[datetime | None] = mapped_column(DateTime)


class Location(Base):
    __tablename__ = "locations"
    __table_args__ = (CheckConstraint("kind IN ('shop','warehouse','stand')", name="kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    fair_id: Mapped[int | None] = mapped_column(ForeignKey("fairs.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    fair: Mapped[Fair | None] = relationship()


class Cooperative(Base):
    __tablename__ = "cooperatives"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name_ar: Mapped[str | None] = mapped_column(String(200))
    name_fr: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    name_zgh: Mapped[str | None] = mapped_column(String(200))
    odco_number: Mapped[str] = mapped_column(String(64), default="")
    ice: Mapped[str] = mapped_column(String(32), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    commission_bp: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}

    @property
    def names(self) -> dict[str, str | None]:
        return {"ar": self.name_ar, "fr": self.name_fr, "en": self.name_en, "zgh": self.name_zgh}


class Category(Base):
    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_ar: Mapped[str | None] = mapped_column(String(100))
    name_fr: Mapped[str | None] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(100))
    name_zgh: Mapped[str | None] = mapped_column(String(100))

    @property
    def names(self) -> dict[str, str | None]:
        return {"ar": self.name_ar, "fr": self.name_fr, "en": self.name_en, "zgh": self.name_zgh}


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("vat_rate IN (0, 7, 10, 14, 20)", name="vat_rate"),
        CheckConstraint("unit IN ('piece','kg','g','l','ml')", name="unit"),
        CheckConstraint("price_cents >= 0", name="price"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uuid)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name_ar: Mapped[str | None] = mapped_column(String(200))
    name_fr: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    name_zgh: Mapped[str | None] = mapped_column(String(200))
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    unit: Mapped[str] = mapped_column(String(8), default="piece")
    sold_by_weight: Mapped[bool] = mapped_column(Boolean, default=False)
    price_cents: Mapped[int] = mapped_column(Integer)
    vat_rate: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_utc: Mapped[datetime | None] = mapped_column(DateTime)

    cooperative: Mapped[Cooperative] = relationship()
    category: Mapped[Category | None] = relationship()
    barcodes: Mapped[list[ProductBarcode]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductBarcode.barcode"
    )
    __mapper_args__ = {"version_id_col": version}

    @property
    def names(self) -> dict[str, str | None]:
        return {"ar": self.name_ar, "fr": self.name_fr, "en": self.name_en, "zgh": self.name_zgh}


class ProductBarcode(Base):
    __tablename__ = "product_barcodes"
    barcode: Mapped[str] = mapped_column(String(64), primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    product: Mapped[Product] = relationship(back_populates="barcodes")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('seller','manager','admin')", name="role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    pin_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # another user tried to take this PIN: its holder chooses a new one at the next login
    pin_change_required: Mapped[bool] = mapped_column(Boolean, default=False)


class PinFailure(Base):
    """Wrong PINs typed at this till (login, approval, CLI), and the lock they set off:
    what the increasing delay and the lockout count.  A wrong PIN names no user, so the
    count is the till's.  Cleared when a manager unlocks; each row is also audited."""

    __tablename__ = "pin_failures"
    __table_args__ = (CheckConstraint("kind IN ('failure','lock')", name="kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at_utc: Mapped[datetime] = mapped_column(DateTime, index=True)
    kind: Mapped[str] = mapped_column(String(8), default="failure")
    purpose: Mapped[str] = mapped_column(String(40), default="")


class Shift(Base):
    __tablename__ = "shifts"
    __table_args__ = (CheckConstraint("status IN ('open','closed')", name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uuid)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    status: Mapped[str] = mapped_column(String(8), default="open")
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_utc: Mapped[datetime] = mapped_column(DateTime)
    opened_local: Mapped[str] = mapped_column(String(40))
    float_cents: Mapped[int] = mapped_column(Integer, default=0)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_utc: Mapped[datetime | None] = mapped_column(DateTime)
    closed_local: Mapped[str | None] = mapped_column(String(40))
    z_number: Mapped[int | None] = mapped_column(Integer, unique=True)

    location: Mapped[Location] = relationship()
    opened_by: Mapped[User] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    counts: Mapped[list[ShiftCount]] = relationship(cascade="all, delete-orphan")


# Only one shift may be open at a time on a till.
Index(
    "uq_shifts_one_open",
    Shift.status,
    unique=True,
    sqlite_where=Shift.status == "open",
)


class ShiftCount(Base):
    """What was counted at close, per payment method (cash is counted by denomination)."""

    __tablename__ = "shift_counts"
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), primary_key=True)
    method: Mapped[str] = mapped_column(String(16), primary_key=True)
    counted_cents: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")  # JSON: denomination -> count


class CashMovement(Base):
    __tablename__ = "cash_movements"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uuid)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)  # + cash in, - cash out
    reason: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_utc: Mapped[datetime] = mapped_column(DateTime)
    created_local: Mapped[str] = mapped_column(String(40))


class Sale(Base):
    """A completed sale or refund.  Never edited or deleted once written."""

    __tablename__ = "sales"
    __table_args__ = (CheckConstraint("kind IN ('sale','refund')", name="kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uuid)
    receipt_no: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(8), default="sale")
    refund_of_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_utc: Mapped[datetime] = mapped_column(DateTime, index=True)
    created_local: Mapped[str] = mapped_column(String(40), index=True)  # reports by local day
    gross_cents: Mapped[int] = mapped_column(Integer)
    discount_cents: Mapped[int] = mapped_column(Integer, default=0)  # line + order
    order_discount_cents: Mapped[int] = mapped_column(Integer, default=0)
    total_cents: Mapped[int] = mapped_column(Integer)
    change_cents: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")

    lines: Mapped[list[SaleLine]] = relationship(
        back_populates="sale", order_by="SaleLine.line_no", foreign_keys="SaleLine.sale_id"
    )
    payments: Mapped[list[SalePayment]] = relationship(order_by="SalePayment.id")
    vat: Mapped[list[SaleVat]] = relationship(order_by="SaleVat.rate")
    seller: Mapped[User] = relationship()
    location: Mapped[Location] = relationship()
    refund_of: Mapped[Sale | None] = relationship(remote_side=[id])


class SaleLine(Base):
    """Snapshots everything that may change later: name, price, VAT, cooperative,
    commission.  Refund lines carry negative quantities and amounts."""

    __tablename__ = "sale_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"))
    # Copied from the sale (never edited): the X/Z report reads one shift's rows directly.
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(8))
    quantity_milli: Mapped[int] = mapped_column(Integer)
    list_price_cents: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    vat_rate: Mapped[int] = mapped_column(Integer)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"))
    cooperative_code: Mapped[str] = mapped_column(String(16))
    commission_bp: Mapped[int] = mapped_column(Integer)
    gross_cents: Mapped[int] = mapped_column(Integer)
    line_discount_cents: Mapped[int] = mapped_column(Integer, default=0)
    order_discount_cents: Mapped[int] = mapped_column(Integer, default=0)
    net_cents: Mapped[int] = mapped_column(Integer)
    commission_cents: Mapped[int] = mapped_column(Integer)
    refund_of_line_id: Mapped[int | None] = mapped_column(ForeignKey("sale_lines.id"), index=True)

    sale: Mapped[Sale] = relationship(back_populates="lines", foreign_keys=[sale_id])


class SalePayment(Base):
    __tablename__ = "sale_payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"))
    method: Mapped[str] = mapped_column(String(16))
    # What the payment settles: payments of a sale add up exactly to its total.
    amount_cents: Mapped[int] = mapped_column(Integer)
    # What the customer handed over: more than amount for cash that got change.
    tendered_cents: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(100), default="")


class SaleVat(Base):
    """VAT extracted per rate from the sale's VAT-inclusive totals, as printed."""

    __tablename__ = "sale_vat"
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), primary_key=True)
    rate: Mapped[int] = mapped_column(Integer, primary_key=True)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"))
    gross_cents: Mapped[int] = mapped_column(Integer)
    vat_cents: Mapped[int] = mapped_column(Integer)


class StockMovement(Base):
    """Append-only.  On-hand stock = SUM(quantity_milli) per product and location."""

    __tablename__ = "stock_movements"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uuid)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    quantity_milli: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_utc: Mapped[datetime] = mapped_column(DateTime)
    created_local: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(100), default="")
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"))
    note: Mapped[str] = mapped_column(Text, default="")


# Covering indexes: reports read the index alone, never the table rows.
Index(
    "ix_sale_lines_sale_cover",
    SaleLine.sale_id,
    SaleLine.cooperative_id,
    SaleLine.quantity_milli,
    SaleLine.net_cents,
    SaleLine.commission_cents,
)
Index(
    "ix_sale_lines_coop_cover",
    SaleLine.cooperative_id,
    SaleLine.quantity_milli,
    SaleLine.net_cents,
    SaleLine.commission_cents,
)
Index(
    "ix_sale_lines_shift_coop",
    SaleLine.shift_id,
    SaleLine.cooperative_id,
    SaleLine.net_cents,
    SaleLine.commission_cents,
)
Index(
    "ix_sale_payments_shift_method",
    SalePayment.shift_id,
    SalePayment.method,
    SalePayment.amount_cents,
)
Index(
    "ix_sale_vat_shift_rate",
    SaleVat.shift_id,
    SaleVat.rate,
    SaleVat.gross_cents,
    SaleVat.vat_cents,
)

Index(
    "ix_stock_product_location_qty",
    StockMovement.product_id,
    StockMovement.location_id,
    StockMovement.quantity_milli,
)


class AuditEntry(Base):
    """Hash-chained, append-only (see coopos.domain.audit)."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at_utc: Mapped[str] = mapped_column(String(32))
    at_local: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32), index=True)
    details: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class OutboxEvent(Base):
    """Every business write that must reach the server, in the same transaction.

    ``seq`` is a gap-free, per-device monotonic sequence; the sync issue ships rows in
    ``seq`` order and records the acknowledgement."""

    __tablename__ = "outbox"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    uuid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uuid)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON
    created_utc: Mapped[datetime] = mapped_column(DateTime)
    acked_utc: Mapped[datetime | None] = mapped_column(DateTime)


# What sync still has to send: the status bar counts it after each sale, and a round
# starts from it; acknowledged events are the bulk of the table and are skipped.
Index("ix_outbox_unacked", OutboxEvent.seq, sqlite_where=OutboxEvent.acked_utc.is_(None))


class CommissionRule(Base):
    """The shop's share of a cooperative's goods, for all of them or one category; flat
    (``rate_bp``) or tiered by unit price (``tiers``: JSON [[from_cents, rate_bp], ...])."""

    __tablename__ = "commission_rules"
    __table_args__ = (UniqueConstraint("cooperative_id", "category_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    rate_bp: Mapped[int] = mapped_column(Integer)
    tiers: Mapped[str] = mapped_column(Text, default="[]")
    updated_utc: Mapped[datetime] = mapped_column(DateTime)
    cooperative: Mapped[Cooperative] = relationship()
    category: Mapped[Category | None] = relationship()


class ConsignmentNote(Base):
    """A delivery note (goods to a stand) or a return note (back to the warehouse or the
    cooperative); its lines are the stock movements whose ``reference`` is its number."""

    __tablename__ = "consignment_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uuid)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # dispatch, return
    fair_id: Mapped[int | None] = mapped_column(ForeignKey("fairs.id"), index=True)
    from_code: Mapped[str] = mapped_column(String(40))  # a location, or COOP:CODE
    to_code: Mapped[str] = mapped_column(String(40))
    cooperative_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_utc: Mapped[datetime] = mapped_column(DateTime)
    created_local: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    fair: Mapped[Fair | None] = relationship()


class FairCount(Base):
    """What the end-of-fair count found, product by product."""

    __tablename__ = "fair_counts"
    id: Mapped[int] = mapped_column(primary_key=True)
    fair_id: Mapped[int] = mapped_column(ForeignKey("fairs.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    counted_milli: Mapped[int] = mapped_column(Integer)
    expected_milli: Mapped[int] = mapped_column(Integer)
    counted_utc: Mapped[datetime] = mapped_column(DateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Payout(Base):
    """Money paid to a cooperative for its consigned goods."""

    __tablename__ = "payouts"
    __table_args__ = (
        CheckConstraint("method IN ('cash','transfer','cheque')", name="method"),
        CheckConstraint("amount_cents > 0", name="amount"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uuid)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(100), default="")
    fair_id: Mapped[int | None] = mapped_column(ForeignKey("fairs.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_utc: Mapped[datetime] = mapped_column(DateTime)
    paid_local: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    cooperative: Mapped[Cooperative] = relationship()
    fair: Mapped[Fair | None] = relationship()


class PrintJob(Base):
    """A receipt, shift report, test page or drawer kick waiting for the printer.  Local to the till
    (never synced): the sale is saved whatever happens here."""

    __tablename__ = "print_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # receipt, drawer, test, shift
    receipt_no: Mapped[str | None] = mapped_column(String(32))
    shift_id: Mapped[int | None] = mapped_column(Integer)  # an X or Z report to print
    status: Mapped[str] = mapped_column(String(16), index=True)  # waiting, failed, done
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_utc: Mapped[datetime] = mapped_column(DateTime)
    updated_utc: Mapped[datetime] = mapped_column(DateTime)


class HeldSale(Base):
    """A sale put on hold to serve the next customer, recalled later.  Not a business fact
    until sold: it reserves no stock and is never sent to the server.  ``cart`` is the
    checkout's own snapshot (the one that survives a crash)."""

    __tablename__ = "held_sales"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uuid)
    cart: Mapped[str] = mapped_column(Text)  # JSON: Checkout.snapshot()
    seller_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    line_count: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Integer)
    created_utc: Mapped[datetime] = mapped_column(DateTime, index=True)
    created_local: Mapped[str] = mapped_column(String(40))
    seller: Mapped[User] = relationship()


__all__ = [
    "AuditEntry",
    "Base",
    "CashMovement",
    "Category",
    "CommissionRule",
    "ConsignmentNote",
    "Cooperative",
    "Fair",
    "FairCount",
    "HeldSale",
    "Location",
    "OutboxEvent",
    "Payout",
    "PrintJob",
    "Product",
    "ProductBarcode",
    "Sale",
    "SaleLine",
    "SalePayment",
    "SaleVat",
    "Sequence",
    "Setting",
    "Shift",
    "ShiftCount",
    "StockMovement",
    "User",
]
