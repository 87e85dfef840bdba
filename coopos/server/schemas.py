"""Pydantic models of the API (docs/sync.md): requests, answers, and the payloads of the
event kinds the server projects.

Every string and number is bounded here, so that what passes validation always fits the
columns: a bad payload is a 422 with a reason, never a database error (a 500).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from coopos.protocol.events import EventKind
from coopos.protocol.limits import MAX_BATCH_EVENTS

MAX_CENTS = 10**12  # ten billion dirhams: far above any sale, far below a 64-bit integer
MAX_SEQ = 2**62
MAX_EVENTS = MAX_BATCH_EVENTS

Cents = Annotated[int, Field(strict=True, ge=-MAX_CENTS, le=MAX_CENTS)]
SmallInt = Annotated[int, Field(strict=True, ge=-1_000_000, le=1_000_000)]
Hex32 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Code = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Sku = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Stamp = Annotated[str, StringConstraints(min_length=1, max_length=40)]
Uuidish = Annotated[str, StringConstraints(max_length=32)]  # a till's user uuid
Text100 = Annotated[str, StringConstraints(max_length=100)]
Text200 = Annotated[str, StringConstraints(max_length=200)]
Note = Annotated[str, StringConstraints(max_length=2000)]
Method = Annotated[str, StringConstraints(min_length=1, max_length=16)]
_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _quantity_milli(value: Any) -> int:
    """A quantity as the till sends it ("2.000", "-0.350", or an integer) to thousandths."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError('a quantity is a decimal string such as "2.000"')
    shown = repr(str(value)[:40])  # errors go back to the till: keep them short
    try:
        dec = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{shown} is not a quantity") from None
    if not dec.is_finite() or abs(dec) >= 10**9:
        raise ValueError(f"{shown} is out of range")
    milli = dec * 1000
    if milli != milli.to_integral_value():
        raise ValueError(f"{shown} has more than three decimals")
    return int(milli)


def _local_time(value: str) -> str:
    if not _LOCAL.match(value):
        raise ValueError("a local time starts with its date, YYYY-MM-DD")
    return value


QuantityMilli = Annotated[int, BeforeValidator(_quantity_milli)]
LocalStamp = Annotated[Stamp, AfterValidator(_local_time)]


class _Payload(BaseModel):
    # Fields the server does not know stay in the raw event; they are not an error.
    model_config = ConfigDict(extra="ignore")


# -- payloads of the known event kinds (what the till's outbox holds) ------------------------


class MovementIn(_Payload):
    uuid: Hex32
    sku: Sku
    location: Code
    quantity: QuantityMilli
    reason: Annotated[str, StringConstraints(min_length=1, max_length=16)]
    reference: Text100 = ""
    note: Note = ""
    created_utc: Stamp
    created_local: LocalStamp


class LineIn(_Payload):
    line_no: SmallInt
    sku: Sku
    name: Text200
    unit: Annotated[str, StringConstraints(min_length=1, max_length=8)]
    quantity: QuantityMilli
    list_price: Cents
    unit_price: Cents
    vat_rate: Annotated[int, Field(strict=True, ge=0, le=100)]
    cooperative: Annotated[str, StringConstraints(max_length=16)]
    commission_bp: Annotated[int, Field(strict=True, ge=-100_000, le=100_000)]
    gross: Cents
    line_discount: Cents = 0
    order_discount: Cents = 0
    net: Cents
    commission: Cents
    refund_of_line_no: SmallInt | None = None


class PaymentIn(_Payload):
    method: Method
    amount: Cents
    tendered: Cents
    reference: Text100 = ""


class VatIn(_Payload):
    rate: Annotated[int, Field(strict=True, ge=0, le=100)]
    gross: Cents
    vat: Cents


class DocumentIn(_Payload):
    """``sale.completed`` and ``refund.completed``."""

    uuid: Hex32
    receipt_no: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    kind: Literal["sale", "refund"]
    refund_of: Hex32 | None = None
    location: Code
    shift: Hex32 | None = None
    seller: Uuidish | None = None
    created_utc: Stamp
    created_local: LocalStamp
    gross: Cents
    discount: Cents = 0
    order_discount: Cents = 0
    total: Cents
    change: Cents = 0
    note: Note = ""
    lines: Annotated[list[LineIn], Field(max_length=10_000)]
    payments: Annotated[list[PaymentIn], Field(max_length=100)]
    vat: Annotated[list[VatIn], Field(max_length=100)] = []
    stock_movements: Annotated[list[MovementIn], Field(max_length=10_000)] = []


class ShiftOpenedIn(_Payload):
    uuid: Hex32
    location: Code
    opened_by: Uuidish | None = None
    opened_utc: Stamp
    opened_local: LocalStamp
    float: Cents = 0


class ShiftClosedIn(_Payload):
    uuid: Hex32
    closed_by: Uuidish | None = None
    closed_utc: Stamp
    closed_local: LocalStamp
    counts: Annotated[dict[Method, Cents], Field(max_length=50)] = {}
    expected: Annotated[dict[Method, Cents], Field(max_length=50)] = {}
    net_total: Cents | None = None
    z_number: Annotated[int, Field(strict=True, ge=0, le=2**31 - 1)] | None = None


class CashMovementIn(_Payload):
    uuid: Hex32
    shift: Hex32
    amount: Cents
    reason: Text200
    created_utc: Stamp
    created_local: LocalStamp


Place = Annotated[str, StringConstraints(min_length=1, max_length=40)]  # a location or COOP:X


class NoteIn(_Payload):
    """The delivery or return note a ``stock.movements`` event's movements belong to."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    uuid: Hex32
    number: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    kind: Literal["dispatch", "return"]
    fair: Code | None = None
    from_: Annotated[Place, Field(alias="from")]
    to: Place


class StockMovementsIn(_Payload):
    movements: Annotated[list[MovementIn], Field(max_length=100_000)]
    note: NoteIn | None = None  # a fair's delivery or return note
    fair: Code | None = None  # movements that belong to a fair without a note


class FairCountedIn(_Payload):
    """The end-of-fair count at a stand, and the movements that set its stock to it."""

    fair: Code
    location: Code
    counted_utc: Stamp
    counts: Annotated[dict[Sku, QuantityMilli], Field(max_length=100_000)]
    movements: Annotated[list[MovementIn], Field(max_length=100_000)] = []


class FairClosedIn(_Payload):
    fair: Code
    closed_utc: Stamp


class PayoutIn(_Payload):
    """Money paid to a cooperative (``payout.recorded``)."""

    uuid: Hex32
    cooperative: Annotated[str, StringConstraints(min_length=1, max_length=16)]
    amount: Cents
    method: Method
    reference: Text100 = ""
    fair: Code | None = None
    paid_utc: Stamp
    paid_local: LocalStamp
    note: Note = ""


# One model per kind of coopos.protocol.events, keyed by the same constants; a unit test
# (tests/unit/test_protocol_events.py) holds each model's fields to the protocol's shape.
PAYLOADS: dict[EventKind, type[_Payload]] = {
    EventKind.SALE_COMPLETED: DocumentIn,
    EventKind.REFUND_COMPLETED: DocumentIn,
    EventKind.SHIFT_OPENED: ShiftOpenedIn,
    EventKind.SHIFT_CLOSED: ShiftClosedIn,
    EventKind.SHIFT_CASH_MOVEMENT: CashMovementIn,
    EventKind.STOCK_MOVEMENTS: StockMovementsIn,
    EventKind.FAIR_COUNTED: FairCountedIn,
    EventKind.FAIR_CLOSED: FairClosedIn,
    EventKind.PAYOUT_RECORDED: PayoutIn,
}


# -- requests -----------------------------------------------------------------------------------


class EnrollRequest(BaseModel):
    code: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    device_name: Text100 = ""
    device_time: Annotated[str, StringConstraints(max_length=40)] | None = None
    # the prefix the till already numbers receipts with (a code for another is refused)
    receipt_prefix: Annotated[str, StringConstraints(min_length=1, max_length=8)] | None = None


MAX_STATE_UUIDS = 1000


class StateRequest(BaseModel):
    """The uuids of the till's unsent events: which does the server already hold?"""

    uuids: Annotated[list[Hex32], Field(max_length=MAX_STATE_UUIDS)] = []


class EventIn(BaseModel):
    seq: Annotated[int, Field(strict=True, ge=1, le=MAX_SEQ)]
    uuid: Hex32
    kind: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    payload: dict[str, Any]
    created_utc: Stamp


class PushRequest(BaseModel):
    device_time: Annotated[str, StringConstraints(max_length=40)] | None = None
    # The 500-event bound is checked by the endpoint (413, not 422).
    events: list[EventIn]


Names = Annotated[str, StringConstraints(max_length=200)] | None


class ProductUpdate(BaseModel):
    """``PUT /v1/catalog/products/{sku}``: ``version`` is the one the editor read; fields
    left out are unchanged."""

    model_config = ConfigDict(extra="forbid")
    version: Annotated[int, Field(strict=True, ge=1, le=2**31 - 1)]
    name_ar: Names = None
    name_fr: Names = None
    name_en: Names = None
    name_zgh: Names = None
    price_cents: Annotated[int, Field(strict=True, ge=0, le=MAX_CENTS)] | None = None
    vat_rate: Literal[0, 7, 10, 14, 20] | None = None
    unit: Literal["piece", "kg", "g", "l", "ml"] | None = None
    cooperative: Annotated[str, StringConstraints(min_length=1, max_length=16)] | None = None
    category: Annotated[str, StringConstraints(max_length=32)] | None = None  # "" for none
    barcodes: (
        Annotated[
            list[Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z\-.]{1,64}$")]],
            Field(max_length=20),
        ]
        | None
    ) = None
    active: bool | None = None


# -- answers ----------------------------------------------------------------------------------


class LocationOut(BaseModel):
    code: str
    kind: str
    name: str


class EnrollResponse(BaseModel):
    device_id: int
    token: str
    receipt_prefix: str
    location: LocationOut
    server_time: str
    acked_through: int = 0
    numbers: dict[str, int] = {}


class StateResponse(BaseModel):
    device_id: int
    receipt_prefix: str
    location: LocationOut
    acked_through: int
    numbers: dict[str, int]
    held: dict[str, int]


class FlagOut(BaseModel):
    seq: int
    uuid: str
    code: str
    detail: dict[str, Any]


class QuarantinedOut(BaseModel):
    """An event stored and acknowledged but not projected (docs/sync.md, Quarantine)."""

    seq: int
    uuid: str
    code: str
    message: str
    detail: dict[str, Any]


class PushResponse(BaseModel):
    acked_through: int
    duplicates: int
    stored: int
    flagged: list[FlagOut]
    quarantined: list[QuarantinedOut]


class ChangeOut(BaseModel):
    cursor: int
    entity: Literal["fair", "location", "cooperative", "category", "product", "user"]
    key: str
    data: dict[str, Any]


class PullResponse(BaseModel):
    changes: list[ChangeOut]
    cursor: int
    more: bool


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str
    message: str


class ErrorResponse(BaseModel):
    detail: ErrorDetail


class ProductOut(BaseModel):
    sku: str
    uuid: str
    version: int
    name_ar: str | None
    name_fr: str | None
    name_en: str | None
    name_zgh: str | None
    cooperative: str
    category: str | None
    unit: str
    sold_by_weight: bool
    price_cents: int
    vat_rate: int
    barcodes: list[str]
    active: bool


class StockRow(BaseModel):
    location: str
    sku: str
    quantity: str  # decimal, 3 places
    quantity_milli: int
    negative: bool


class StockResponse(BaseModel):
    rows: list[StockRow]


class SaleLineOut(BaseModel):
    line_no: int
    sku: str
    name: str
    quantity: str
    unit_price_cents: int
    vat_rate: int
    cooperative: str
    net_cents: int
    commission_cents: int
    refund_of_line_no: int | None


class PaymentOut(BaseModel):
    method: str
    amount_cents: int
    tendered_cents: int


class SaleOut(BaseModel):
    uuid: str
    receipt_no: str
    kind: str
    refund_of: str | None
    refund_linked: bool
    device_id: int
    location: str
    fair: str | None
    day: str
    created_utc: str
    created_local: str
    total_cents: int
    lines: list[SaleLineOut]
    payments: list[PaymentOut]


class SalesResponse(BaseModel):
    sales: list[SaleOut]
    more: bool


class SummaryRow(BaseModel):
    day: str
    location: str
    fair: str | None
    cooperative: str
    documents: int
    quantity_milli: int
    net_cents: int
    commission_cents: int


class SummaryResponse(BaseModel):
    rows: list[SummaryRow]


class ShiftOut(BaseModel):
    uuid: str
    device_id: int
    location: str
    status: str
    opened_local: str | None
    closed_local: str | None
    float_cents: int | None
    z_number: int | None
    counts: dict[str, int]
    expected: dict[str, int]
    net_total_cents: int | None
    cash_movements_cents: int


class ShiftsResponse(BaseModel):
    shifts: list[ShiftOut]


class FlagRow(BaseModel):
    device_id: int
    seq: int
    uuid: str
    kind: str
    code: str
    detail: dict[str, Any]
    received_utc: str


class FlagsResponse(BaseModel):
    flags: list[FlagRow]


# -- quarantine and flags per device (head office) ---------------------------------------------


class QuarantineEntryOut(BaseModel):
    id: int
    device_id: int
    receipt_prefix: str
    seq: int
    uuid: str
    kind: str
    code: str
    message: str
    detail: dict[str, Any]
    status: Literal["open", "replayed", "discarded"]
    attempts: int
    received_utc: str
    updated_utc: str
    resolved_utc: str | None
    resolved_by: str
    resolution: str
    waits_for_seq: int | None


class QuarantineResponse(BaseModel):
    entries: list[QuarantineEntryOut]


class QuarantineDetailOut(QuarantineEntryOut):
    payload: Any  # the event's payload as received
    envelope: dict[str, Any]  # its kind and time as received
    created_utc: str
    flags: list[dict[str, Any]]
    waiting: list[QuarantineEntryOut]  # entries replayed with this one


class ReplayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    clean: bool = False  # remove control and direction characters from its text first


class ReplayOut(QuarantineEntryOut):
    flagged: list[FlagOut]
    dependents: list[ReplayOut]


class DiscardRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, StringConstraints(max_length=2000)]


class FlagCountRow(BaseModel):
    device_id: int
    receipt_prefix: str
    code: str
    events: int
    last_received_utc: str


class FlagSummaryResponse(BaseModel):
    rows: list[FlagCountRow]
