"""The kinds of outbox event and the shape of their payloads: the one definition the till
writes with (``UnitOfWork.outbox`` checks every payload against it) and the server
validates with (its pydantic models in ``coopos/server/schemas.py`` are keyed by
:class:`EventKind` and a unit test holds their fields to the shapes here).

A payload is a plain dict as it travels in JSON: money in integer centimes, quantities
as decimal strings ("2.000"), times as ISO 8601 text.  The shapes are ``TypedDict``\\ s,
so that ``SaleLine(line_no=1, ...)`` builds one and a type checker reads one; what each
value may be (ranges, known methods, totals that add up) is :mod:`coopos.protocol.rules`.

``VERSIONS`` gives each kind's payload version.  All are 1: the version is not sent yet
(every till and server speaks version 1); a change that an older reader would misread
raises it here first, and the envelope gets it then.
"""

# No "from __future__ import annotations": TypedDict must see NotRequired itself.
import functools
import types
import typing
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, NotRequired, TypedDict, Union


class EventKind(StrEnum):
    SALE_COMPLETED = "sale.completed"
    REFUND_COMPLETED = "refund.completed"
    SHIFT_OPENED = "shift.opened"
    SHIFT_CLOSED = "shift.closed"
    SHIFT_CASH_MOVEMENT = "shift.cash_movement"
    STOCK_MOVEMENTS = "stock.movements"
    FAIR_COUNTED = "fair.counted"
    FAIR_CLOSED = "fair.closed"
    PAYOUT_RECORDED = "payout.recorded"


DOCUMENT_KINDS = frozenset({EventKind.SALE_COMPLETED, EventKind.REFUND_COMPLETED})


class Movement(TypedDict):
    uuid: str
    sku: str
    location: str
    quantity: str
    reason: str  # a coopos.domain.stock.MovementReason value
    reference: NotRequired[str]
    note: NotRequired[str]
    created_utc: str
    created_local: str


class SaleLine(TypedDict):
    line_no: int
    sku: str
    name: str
    unit: str
    quantity: str
    list_price: int
    unit_price: int
    vat_rate: int
    cooperative: str
    commission_bp: int
    gross: int
    line_discount: NotRequired[int]
    order_discount: NotRequired[int]
    net: int
    commission: int
    refund_of_line_no: NotRequired[int | None]


class Payment(TypedDict):
    method: str
    amount: int
    tendered: int
    reference: NotRequired[str]


class VatLine(TypedDict):
    rate: int
    gross: int
    vat: int


class Document(TypedDict):
    """``sale.completed`` and ``refund.completed`` (``kind`` says which)."""

    uuid: str
    receipt_no: str
    kind: str  # "sale" or "refund"
    refund_of: NotRequired[str | None]
    location: str
    shift: NotRequired[str | None]
    seller: NotRequired[str | None]
    created_utc: str
    created_local: str
    gross: int
    discount: NotRequired[int]
    order_discount: NotRequired[int]
    total: int
    change: NotRequired[int]
    note: NotRequired[str]
    lines: list[SaleLine]
    payments: list[Payment]
    vat: NotRequired[list[VatLine]]
    stock_movements: NotRequired[list[Movement]]


class ShiftOpened(TypedDict):
    uuid: str
    location: str
    opened_by: NotRequired[str | None]
    opened_utc: str
    opened_local: str
    float: NotRequired[int]


class ShiftClosed(TypedDict):
    uuid: str
    closed_by: NotRequired[str | None]
    closed_utc: str
    closed_local: str
    counts: NotRequired[dict[str, int]]
    expected: NotRequired[dict[str, int]]
    net_total: NotRequired[int | None]
    z_number: NotRequired[int | None]


class CashMovement(TypedDict):
    uuid: str
    shift: str
    amount: int
    reason: str
    created_utc: str
    created_local: str


# "from" is a Python keyword: the functional form.
ConsignmentNote = TypedDict(
    "ConsignmentNote",
    {
        "uuid": str,
        "number": str,
        "kind": str,  # "dispatch" or "return"
        "fair": NotRequired[str | None],
        "from": str,  # a location code, or COOP:<code>
        "to": str,
    },
)
ConsignmentNote.__doc__ = "The delivery or return note a stock event's movements belong to."


class StockMovements(TypedDict):
    movements: list[Movement]
    note: NotRequired[ConsignmentNote | None]
    fair: NotRequired[str | None]  # movements of a fair without a note


class FairCounted(TypedDict):
    fair: str
    location: str
    counted_utc: str
    counts: dict[str, str]  # SKU -> counted quantity
    movements: NotRequired[list[Movement]]


class FairClosed(TypedDict):
    fair: str
    closed_utc: str


class Payout(TypedDict):
    uuid: str
    cooperative: str
    amount: int
    method: str  # one of coopos.domain.consignment.PAYOUT_METHODS
    reference: NotRequired[str]
    fair: NotRequired[str | None]
    paid_utc: str
    paid_local: str
    note: NotRequired[str]


PAYLOADS: dict[EventKind, type] = {
    EventKind.SALE_COMPLETED: Document,
    EventKind.REFUND_COMPLETED: Document,
    EventKind.SHIFT_OPENED: ShiftOpened,
    EventKind.SHIFT_CLOSED: ShiftClosed,
    EventKind.SHIFT_CASH_MOVEMENT: CashMovement,
    EventKind.STOCK_MOVEMENTS: StockMovements,
    EventKind.FAIR_COUNTED: FairCounted,
    EventKind.FAIR_CLOSED: FairClosed,
    EventKind.PAYOUT_RECORDED: Payout,
}
VERSIONS: dict[EventKind, int] = dict.fromkeys(EventKind, 1)


class ShapeError(ValueError):
    """A payload that does not have its kind's shape: a programming error on the till
    (caught by its tests), a quarantined event on the server."""


def is_shape(tp: Any) -> bool:
    """Whether ``tp`` is one of the payload shapes (a TypedDict)."""
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__")


@functools.cache
def fields(shape: type) -> dict[str, tuple[Any, bool]]:
    """Each field of a shape: its type and whether it is required."""
    hints = typing.get_type_hints(shape)
    return {name: (hints[name], name in shape.__required_keys__) for name in hints}


def _check(tp: Any, value: Any, path: str, strict: bool) -> None:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in typing.get_args(tp):
            return
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        _check(inner, value, path, strict)
    elif is_shape(tp):
        check_shape(tp, value, path, strict)
    elif origin is list:
        if not isinstance(value, list):
            raise ShapeError(f"{path} is a list")
        for i, item in enumerate(value):
            _check(typing.get_args(tp)[0], item, f"{path}[{i}]", strict)
    elif origin is dict or tp is dict:
        if not isinstance(value, Mapping):
            raise ShapeError(f"{path} is an object")
    elif tp is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ShapeError(f"{path} is a whole number")
    elif tp is str and not isinstance(value, str):
        raise ShapeError(f"{path} is text")


def check_shape(shape: type, payload: Any, path: str = "payload", strict: bool = True) -> None:
    """Raise :class:`ShapeError` unless ``payload`` has the fields of ``shape`` (the
    required ones, perhaps some optional ones, and with ``strict`` none other) with
    values of their type (the rules on the values themselves are
    :mod:`coopos.protocol.rules`)."""
    if not isinstance(payload, Mapping):
        raise ShapeError(f"{path} is an object")
    known = fields(shape)
    unknown = sorted(set(payload) - set(known))
    if unknown and strict:
        raise ShapeError(f"{path} has fields {shape.__name__} does not know: {unknown}")
    missing = sorted(k for k, (_tp, required) in known.items() if required and k not in payload)
    if missing:
        raise ShapeError(f"{path} lacks the fields of {shape.__name__}: {missing}")
    for name, value in payload.items():
        if name in known:
            _check(known[name][0], value, f"{path}.{name}", strict)


def build(kind: EventKind | str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload of an event of ``kind``, checked against its shape (the till writes
    through this: ``UnitOfWork.outbox``)."""
    kind = EventKind(kind)
    check_shape(PAYLOADS[kind], payload, kind.value)
    return dict(payload)


def read(kind: EventKind | str, payload: Any) -> Any:
    """An event's payload read back as its kind's shape; extra fields (from a newer
    till) are left out.  Raises :class:`ShapeError` when a required field is missing or
    a value has the wrong type, ``ValueError`` for an unknown kind."""
    kind = EventKind(kind)
    shape = PAYLOADS[kind]
    if not isinstance(payload, Mapping):
        raise ShapeError(f"{kind.value} is an object")
    check_shape(shape, payload, kind.value, strict=False)
    return shape(**{k: v for k, v in payload.items() if k in fields(shape)})


__all__ = [
    "DOCUMENT_KINDS",
    "PAYLOADS",
    "VERSIONS",
    "CashMovement",
    "ConsignmentNote",
    "Document",
    "EventKind",
    "FairClosed",
    "FairCounted",
    "Movement",
    "Payment",
    "Payout",
    "SaleLine",
    "ShapeError",
    "ShiftClosed",
    "ShiftOpened",
    "StockMovements",
    "VatLine",
    "build",
    "check_shape",
    "read",
]
