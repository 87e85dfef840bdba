"""The server's schema, on its own declarative base (never the till's).  Every change here
needs a migration in ``coopos/server/migrations``; a test checks that they agree.

Three groups of tables:

- the catalog owned by head office (fairs, locations, cooperatives, categories, products,
  users), each row with a ``version`` bumped on every update, and ``catalog_changes``: a
  snapshot of every committed change, numbered in commit order (the pull cursor);
- devices and admin tokens (only hashes of secrets are stored);
- what tills push: ``events`` stored raw, projected into sales, shifts, cash and stock
  movements, or held in ``quarantine`` when they cannot be (docs/sync.md).  The
  projection refers to locations, products and cooperatives by code, as the till printed
  them, so that a later catalog edit never rewrites history.  Fairs add consignment
  notes, end-of-fair counts and closings, and payouts to cooperatives;
- the cooperatives' portal: access codes (hashed), failed sign-ins, server settings.

Money is integer centimes (``*_cents``), quantities integer thousandths
(``quantity_milli``), times naive UTC (``*_utc``) plus the till's local time as text.
"""

from __future__ import annotations

import uuid as uuid_module
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
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


class ServerBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# -- catalog (head office owns it; tills pull it) -------------------------------------------


class Fair(ServerBase):
    __tablename__ = "fairs"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100), default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class Location(ServerBase):
    __tablename__ = "locations"
    __table_args__ = (CheckConstraint("kind IN ('shop','warehouse','stand')", name="kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    fair_id: Mapped[int | None] = mapped_column(ForeignKey("fairs.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    fair: Mapped[Fair | None] = relationship()
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class Cooperative(ServerBase):
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
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    @property
    def names(self) -> dict[str, str | None]:
        return {"ar": self.name_ar, "fr": self.name_fr, "en": self.name_en, "zgh": self.name_zgh}


class Category(ServerBase):
    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_ar: Mapped[str | None] = mapped_column(String(100))
    name_fr: Mapped[str | None] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(100))
    name_zgh: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    @property
    def names(self) -> dict[str, str | None]:
        return {"ar": self.name_ar, "fr": self.name_fr, "en": self.name_en, "zgh": self.name_zgh}


class Product(ServerBase):
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
    price_cents: Mapped[int] = mapped_column(BigInteger)
    vat_rate: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_utc: Mapped[datetime | None] = mapped_column(DateTime)

    cooperative: Mapped[Cooperative] = relationship()
    category: Mapped[Category | None] = relationship()
    barcodes: Mapped[list[ProductBarcode]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductBarcode.barcode"
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    @property
    def names(self) -> dict[str, str | None]:
        return {"ar": self.name_ar, "fr": self.name_fr, "en": self.name_en, "zgh": self.name_zgh}


class ProductBarcode(ServerBase):
    __tablename__ = "product_barcodes"
    barcode: Mapped[str] = mapped_column(String(64), primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    product: Mapped[Product] = relationship(back_populates="barcodes")


class UserLocation(ServerBase):
    """Where a user works: a till receives only the users of its own location (a stolen
    till holds the PIN hashes of its own shop, not of the whole network)."""

    __tablename__ = "user_locations"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), primary_key=True)


class User(ServerBase):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('seller','manager','admin')", name="role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    pin_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    locations: Mapped[list[Location]] = relationship(
        secondary="user_locations", order_by="Location.code"
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class ChangeClock(ServerBase):
    """One row.  Catalog writers bump it at the end of their transaction; on PostgreSQL
    the row lock is held until commit, so the numbers handed out follow commit order."""

    __tablename__ = "change_clock"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class CatalogChange(ServerBase):
    """The state of one catalog row as committed by one transaction (what pull serves).

    Snapshots rather than pointers to the live rows: replayed in cursor order, every
    reference (a product's cooperative, a location's fair) was delivered before."""

    __tablename__ = "catalog_changes"
    cursor: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entity: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text)  # JSON
    committed_utc: Mapped[datetime] = mapped_column(DateTime)


# -- devices and admin tokens --------------------------------------------------------------


class Device(ServerBase):
    """A till.  Created with a one-time enrollment code; enrolling swaps it for a token.
    Only SHA-256 hashes of the code and the token are stored."""

    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    receipt_prefix: Mapped[str] = mapped_column(String(8), unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_expires_utc: Mapped[datetime | None] = mapped_column(DateTime)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_utc: Mapped[datetime] = mapped_column(DateTime)
    enrolled_utc: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_utc: Mapped[datetime | None] = mapped_column(DateTime)
    last_seen_utc: Mapped[datetime | None] = mapped_column(DateTime)
    last_ip: Mapped[str | None] = mapped_column(String(64))
    # server time minus the device's clock, at its last contact
    clock_offset_ms: Mapped[int | None] = mapped_column(BigInteger)
    # every event with seq <= acked_seq is stored (sequences are gap-free from 1)
    acked_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # the latest event time the device sent that was not ahead of the server's clock
    # (and its seq): the reference for flagging an event whose clock went backwards
    clock_seq: Mapped[int | None] = mapped_column(BigInteger)
    clock_utc: Mapped[datetime | None] = mapped_column(DateTime)
    # the highest number of each document series received (JSON: {"receipt": 812, ...},
    # coopos.protocol.numbers): a restored or re-enrolled till continues above them
    numbers: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")

    location: Mapped[Location] = relationship()


class AdminToken(ServerBase):
    __tablename__ = "admin_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_utc: Mapped[datetime] = mapped_column(DateTime)
    revoked_utc: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_utc: Mapped[datetime | None] = mapped_column(DateTime)


class EnrollFailure(ServerBase):
    """Failed enrollment attempts, in the database so that every server process behind a
    load balancer counts the same ones."""

    __tablename__ = "enroll_failures"
    id: Mapped[int] = mapped_column(primary_key=True)
    ip: Mapped[str] = mapped_column(String(64))
    at_utc: Mapped[datetime] = mapped_column(DateTime)


Index("ix_enroll_failures_ip_at", EnrollFailure.ip, EnrollFailure.at_utc)


# -- what tills push -------------------------------------------------------------------------


class Event(ServerBase):
    """An outbox event exactly as the till sent it (canonical JSON), stored once."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("device_id", "seq", name="uq_events_device_seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    uuid: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    created_utc: Mapped[datetime] = mapped_column(DateTime)  # the till's clock
    received_utc: Mapped[datetime] = mapped_column(DateTime)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)


class EventFlag(ServerBase):
    """Something head office should look at: the event was stored anyway."""

    __tablename__ = "event_flags"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    created_utc: Mapped[datetime] = mapped_column(DateTime)


class Quarantine(ServerBase):
    """An event stored but not projected: it breaks a rule (``code``, ``message``,
    ``detail``) or waits for one that does (``waits_for_event_id``, a refund of a
    quarantined sale).  It counts nowhere until head office replays it after a fix
    (``replayed``) or sets it aside (``discarded``).  ``envelope`` keeps the kind and
    time exactly as received, in JSON, when the events row could not."""

    __tablename__ = "quarantine"
    __table_args__ = (CheckConstraint("status IN ('open','replayed','discarded')", name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), unique=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    envelope: Mapped[str] = mapped_column(Text, default="{}")  # JSON: kind, created_utc
    document_uuid: Mapped[str | None] = mapped_column(String(32), index=True)
    waits_for_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    created_utc: Mapped[datetime] = mapped_column(DateTime)
    updated_utc: Mapped[datetime] = mapped_column(DateTime)
    resolved_utc: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_by: Mapped[str] = mapped_column(String(100), default="")
    resolution: Mapped[str] = mapped_column(Text, default="")  # why, how (cleaned text)


class Sale(ServerBase):
    """A sale or refund from a till (refunds have negative amounts)."""

    __tablename__ = "sales"
    __table_args__ = (CheckConstraint("kind IN ('sale','refund')", name="kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    receipt_no: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    refund_of_uuid: Mapped[str | None] = mapped_column(String(32), index=True)
    refund_of_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), index=True)
    location_code: Mapped[str] = mapped_column(String(32))
    fair_code: Mapped[str | None] = mapped_column(String(32))  # the location's fair then
    shift_uuid: Mapped[str | None] = mapped_column(String(32), index=True)
    seller_uuid: Mapped[str | None] = mapped_column(String(32))
    created_utc: Mapped[datetime] = mapped_column(DateTime)
    created_local: Mapped[str] = mapped_column(String(40))
    local_day: Mapped[str] = mapped_column(String(10), index=True)  # reports by local day
    gross_cents: Mapped[int] = mapped_column(BigInteger)
    discount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    order_discount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    change_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    note: Mapped[str] = mapped_column(Text, default="")


Index("ix_sales_location_day", Sale.location_code, Sale.local_day)
Index("ix_sales_fair_day", Sale.fair_code, Sale.local_day)


class SaleLine(ServerBase):
    __tablename__ = "sale_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(8))
    quantity_milli: Mapped[int] = mapped_column(BigInteger)
    list_price_cents: Mapped[int] = mapped_column(BigInteger)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    vat_rate: Mapped[int] = mapped_column(Integer)
    cooperative_code: Mapped[str] = mapped_column(String(16))
    commission_bp: Mapped[int] = mapped_column(Integer)
    gross_cents: Mapped[int] = mapped_column(BigInteger)
    line_discount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    order_discount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    net_cents: Mapped[int] = mapped_column(BigInteger)
    commission_cents: Mapped[int] = mapped_column(BigInteger)
    refund_of_line_no: Mapped[int | None] = mapped_column(Integer)


Index("ix_sale_lines_coop_sale", SaleLine.cooperative_code, SaleLine.sale_id)


class SalePayment(ServerBase):
    __tablename__ = "sale_payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    tendered_cents: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(100), default="")


class SaleVat(ServerBase):
    __tablename__ = "sale_vat"
    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    rate: Mapped[int] = mapped_column(Integer)
    gross_cents: Mapped[int] = mapped_column(BigInteger)
    vat_cents: Mapped[int] = mapped_column(BigInteger)


class Shift(ServerBase):
    """A till's shift; the opening and the closing arrive as separate events."""

    __tablename__ = "shifts"
    __table_args__ = (CheckConstraint("status IN ('open','closed')", name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    location_code: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(8))
    opened_by_uuid: Mapped[str | None] = mapped_column(String(32))
    opened_utc: Mapped[datetime | None] = mapped_column(DateTime)
    opened_local: Mapped[str | None] = mapped_column(String(40))
    float_cents: Mapped[int | None] = mapped_column(BigInteger)
    closed_by_uuid: Mapped[str | None] = mapped_column(String(32))
    closed_utc: Mapped[datetime | None] = mapped_column(DateTime)
    closed_local: Mapped[str | None] = mapped_column(String(40))
    z_number: Mapped[int | None] = mapped_column(Integer)
    counts: Mapped[str] = mapped_column(Text, default="{}")  # JSON: method -> cents
    expected: Mapped[str] = mapped_column(Text, default="{}")  # JSON: method -> cents
    net_total_cents: Mapped[int | None] = mapped_column(BigInteger)


class CashMovement(ServerBase):
    __tablename__ = "cash_movements"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    shift_uuid: Mapped[str] = mapped_column(String(32), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)  # + cash in, - cash out
    reason: Mapped[str] = mapped_column(String(200))
    created_utc: Mapped[datetime] = mapped_column(DateTime)
    created_local: Mapped[str] = mapped_column(String(40))


class StockMovement(ServerBase):
    """Append-only.  Stock at a location = SUM(quantity_milli) of every movement there,
    from every till (``device_id``) and head office (``device_id`` NULL)."""

    __tablename__ = "stock_movements"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    sale_uuid: Mapped[str | None] = mapped_column(String(32))
    sku: Mapped[str] = mapped_column(String(64))
    location_code: Mapped[str] = mapped_column(String(32))
    quantity_milli: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_utc: Mapped[datetime] = mapped_column(DateTime)
    created_local: Mapped[str] = mapped_column(String(40))


# Stock per location reads this index alone.
Index(
    "ix_stock_location_sku_qty",
    StockMovement.location_code,
    StockMovement.sku,
    StockMovement.quantity_milli,
)


# -- consignment: notes, fair counts and closings, payouts (issue 7) -----------------------------


class ConsignmentNote(ServerBase):
    """A delivery note (goods to a fair's stand) or a return note, as a till pushed it in
    a ``stock.movements`` event; its lines are that event's movements."""

    __tablename__ = "consignment_notes"
    __table_args__ = (CheckConstraint("kind IN ('dispatch','return')", name="kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    number: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    fair_code: Mapped[str | None] = mapped_column(String(32), index=True)
    from_code: Mapped[str] = mapped_column(String(40))  # a location, or COOP:CODE
    to_code: Mapped[str] = mapped_column(String(40))
    cooperative_code: Mapped[str | None] = mapped_column(String(16))  # for COOP:CODE ends
    created_utc: Mapped[datetime] = mapped_column(DateTime)
    created_local: Mapped[str] = mapped_column(String(40))


class FairCount(ServerBase):
    """One product of a fair's end-of-fair count (``fair.counted``), at one location."""

    __tablename__ = "fair_counts"
    __table_args__ = (UniqueConstraint("event_id", "sku", name="uq_fair_counts_event_sku"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    fair_code: Mapped[str] = mapped_column(String(32))
    location_code: Mapped[str] = mapped_column(String(32))
    sku: Mapped[str] = mapped_column(String(64))
    counted_milli: Mapped[int] = mapped_column(BigInteger)
    counted_utc: Mapped[datetime] = mapped_column(DateTime)


Index("ix_fair_counts_fair_location", FairCount.fair_code, FairCount.location_code)


class FairClosing(ServerBase):
    """A till closed a fair (``fair.closed``)."""

    __tablename__ = "fair_closings"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    fair_code: Mapped[str] = mapped_column(String(32), index=True)
    closed_utc: Mapped[datetime] = mapped_column(DateTime)


class Payout(ServerBase):
    """Money paid to a cooperative: pushed by a till (``payout.recorded``) or recorded by
    head office (``event_id`` NULL).  One row per uuid, whoever sends it again."""

    __tablename__ = "payouts"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    cooperative_code: Mapped[str] = mapped_column(String(16), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(100), default="")
    fair_code: Mapped[str | None] = mapped_column(String(32), index=True)
    paid_utc: Mapped[datetime] = mapped_column(DateTime)
    paid_local: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    received_utc: Mapped[datetime] = mapped_column(DateTime)


# -- the cooperatives' portal ------------------------------------------------------------------


class PortalAccess(ServerBase):
    """A cooperative's portal access code (only its SHA-256).  A new code replaces the old
    one and bumps ``generation``, which signs every session: old sessions end with it."""

    __tablename__ = "portal_access"
    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    generation: Mapped[int] = mapped_column(Integer, default=1)
    created_utc: Mapped[datetime] = mapped_column(DateTime)
    last_login_utc: Mapped[datetime | None] = mapped_column(DateTime)
    cooperative: Mapped[Cooperative] = relationship()


class PortalFailure(ServerBase):
    """Failed portal sign-ins per client address (rate limit, shared by every process)."""

    __tablename__ = "portal_failures"
    id: Mapped[int] = mapped_column(primary_key=True)
    ip: Mapped[str] = mapped_column(String(64))
    at_utc: Mapped[datetime] = mapped_column(DateTime)


Index("ix_portal_failures_ip_at", PortalFailure.ip, PortalFailure.at_utc)


class PortalSession(ServerBase):
    """A signed-in cooperative's session.  The cookie holds a random token; only its
    SHA-256 is here.  Signing out deletes the row, so a copied cookie stops working."""

    __tablename__ = "portal_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    generation: Mapped[int] = mapped_column(Integer)
    created_utc: Mapped[datetime] = mapped_column(DateTime)
    expires_utc: Mapped[datetime] = mapped_column(DateTime, index=True)


class RateHit(ServerBase):
    """One request counted against a rate limit (``kind`` per client address ``key``):
    in the database, so that every server process shares the count."""

    __tablename__ = "rate_hits"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    at_utc: Mapped[datetime] = mapped_column(DateTime)


Index("ix_rate_hits_kind_key_at", RateHit.kind, RateHit.key, RateHit.at_utc)


class ServerSetting(ServerBase):
    """Head office's settings (JSON values): the shop printed on statements."""

    __tablename__ = "server_settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


__all__ = [
    "AdminToken",
    "CashMovement",
    "CatalogChange",
    "Category",
    "ChangeClock",
    "ConsignmentNote",
    "Cooperative",
    "Device",
    "EnrollFailure",
    "Event",
    "EventFlag",
    "Fair",
    "FairClosing",
    "FairCount",
    "Location",
    "Payout",
    "PortalAccess",
    "PortalFailure",
    "PortalSession",
    "Product",
    "ProductBarcode",
    "Quarantine",
    "RateHit",
    "Sale",
    "SaleLine",
    "SalePayment",
    "SaleVat",
    "ServerBase",
    "ServerSetting",
    "Shift",
    "StockMovement",
    "User",
    "UserLocation",
]
