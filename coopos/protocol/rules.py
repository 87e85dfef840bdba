"""The rules an outbox event must follow, whoever checks it: the server before projecting
an event (one that breaks them is quarantined, see docs/sync.md), and the till's tests,
which run every kind of event the till writes through them.

``check_event(kind, payload)`` takes the payload as it travels (quantities as decimal
strings, money as integer centimes) and returns the problems found, each with a stable
``code``, the ``path`` of the field and a message for head office (not translated: the
server's messages are for logs and machines).  It knows nothing of the server's
database: what depends on head office's data (the device's location, known fairs and
cooperatives) is checked by the server itself.

Every value list comes from the one place the till also uses when it writes: payment
methods (:class:`coopos.domain.sale.PaymentMethod`), VAT rates
(:data:`coopos.domain.vat.VAT_RATES`), units, stock reasons and their signs
(:class:`coopos.domain.stock.MovementReason`), payout methods, the largest amount and
quantity the till accepts (:mod:`coopos.domain.money`, :mod:`coopos.domain.quantity`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from coopos.domain.catalog import Unit
from coopos.domain.consignment import PAYOUT_METHODS
from coopos.domain.money import MAX_AMOUNT
from coopos.domain.quantity import MAX_QUANTITY
from coopos.domain.sale import PaymentMethod
from coopos.domain.stock import MovementReason
from coopos.domain.vat import VAT_RATES, vat_included
from coopos.protocol.events import DOCUMENT_KINDS, EventKind
from coopos.protocol.text import code_problem, free_text_problem, name_problem

PAYMENT_METHODS = frozenset(m.value for m in PaymentMethod)
UNITS = frozenset(u.value for u in Unit)
REASONS = {r.value: r for r in MovementReason}
MAX_AMOUNT_CENTS = int(MAX_AMOUNT) * 100  # the till refuses to type more (parse_amount)
MAX_QUANTITY_MILLI = int(MAX_QUANTITY) * 1000
MAX_COMMISSION_BP = 10_000
# Times outside these years are a broken clock or a forged event, never a sale.
EARLIEST = datetime(2000, 1, 1)
LATEST = datetime(2100, 1, 1)
COOP_PREFIX = "COOP:"

# Problem codes (docs/sync.md, "Validation rules")
INVALID_TEXT = "invalid_text"
INVALID_TIME = "invalid_time"
OUT_OF_RANGE = "out_of_range"
WRONG_SIGN = "wrong_sign"
UNKNOWN_METHOD = "unknown_method"
UNKNOWN_VAT_RATE = "unknown_vat_rate"
UNKNOWN_UNIT = "unknown_unit"
UNKNOWN_REASON = "unknown_reason"
KIND_MISMATCH = "kind_mismatch"
EMPTY_DOCUMENT = "empty_document"
TOTALS_MISMATCH = "totals_mismatch"
STOCK_MISMATCH = "stock_mismatch"
UNMATCHED_TRANSFER = "unmatched_transfer"
NOTE_MISMATCH = "note_mismatch"


@dataclass(frozen=True)
class Problem:
    code: str
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "path": self.path, "message": self.message}


class _Checker:
    """Collects the problems of one payload."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, code: str, path: str, message: str) -> None:
        self.problems.append(Problem(code, path, message))

    # -- text -----------------------------------------------------------------------------
    def _text(self, finder, value: Any, path: str, what: str) -> None:
        if isinstance(value, str):
            found = finder(value)
            if found is not None:
                problem, char = found
                self.add(INVALID_TEXT, path, f"{what} holds U+{ord(char):04X} ({problem.value})")

    def code(self, value: Any, path: str) -> None:
        self._text(code_problem, value, path, "a code")

    def name(self, value: Any, path: str) -> None:
        self._text(name_problem, value, path, "a name")

    def free(self, value: Any, path: str) -> None:
        self._text(free_text_problem, value, path, "a text")

    # -- numbers and times ------------------------------------------------------------------
    def cents(self, value: Any, path: str, sign: int = 0) -> int:
        """An amount within bounds; with ``sign`` +1 (or -1) it may not be below (above) 0."""
        if not isinstance(value, int) or isinstance(value, bool):
            return 0  # the server's schema reports the type
        if abs(value) > MAX_AMOUNT_CENTS:
            self.add(OUT_OF_RANGE, path, f"{value} centimes is beyond {MAX_AMOUNT_CENTS}")
        elif value * sign < 0:
            self.add(WRONG_SIGN, path, f"{value} must be {'>=' if sign > 0 else '<='} 0")
        return value

    def milli(self, value: Any, path: str) -> int | None:
        """A quantity ("2.000") in thousandths, or None (reported) if it is not one."""
        try:
            milli = Decimal(str(value).strip()) * 1000
        except (InvalidOperation, ValueError):
            self.add(OUT_OF_RANGE, path, "not a quantity")
            return None
        if not milli.is_finite() or milli != milli.to_integral_value():
            self.add(OUT_OF_RANGE, path, "not a quantity with at most 3 decimals")
            return None
        if abs(milli) >= MAX_QUANTITY_MILLI:
            self.add(OUT_OF_RANGE, path, f"{value} is beyond {MAX_QUANTITY}")
            return None
        return int(milli)

    def time(self, value: Any, path: str) -> None:
        """An ISO 8601 time (with or without an offset) in a plausible year."""
        if value is None:
            return
        if not isinstance(value, str):
            self.add(INVALID_TIME, path, "not a time")
            return
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            self.add(INVALID_TIME, path, f"{value[:40]!r} is not an ISO 8601 time")
            return
        naive = parsed.replace(tzinfo=None)
        if not EARLIEST <= naive < LATEST:
            self.add(INVALID_TIME, path, f"{value[:40]!r} is outside {EARLIEST.year}-2099")

    def one_of(self, value: Any, allowed, code: str, path: str) -> bool:
        try:
            if value in allowed and not isinstance(value, bool):
                return True
        except TypeError:  # unhashable: not one of them either
            pass
        names = ", ".join(str(a) for a in sorted(allowed, key=str))
        self.add(code, path, f"{str(value)[:40]!r} is not one of {names}")
        return False

    # -- shared pieces ------------------------------------------------------------------------
    def movement(self, move: dict[str, Any], path: str) -> int | None:
        """One stock movement; returns its quantity in thousandths (None if unreadable)."""
        self.code(move.get("sku"), f"{path}.sku")
        self.code(move.get("location"), f"{path}.location")
        self.free(move.get("reference", ""), f"{path}.reference")
        self.free(move.get("note", ""), f"{path}.note")
        self.time(move.get("created_utc"), f"{path}.created_utc")
        self.time(move.get("created_local"), f"{path}.created_local")
        qty = self.milli(move.get("quantity"), f"{path}.quantity")
        reason = move.get("reason")
        if not self.one_of(reason, REASONS, UNKNOWN_REASON, f"{path}.reason") or qty is None:
            return qty
        sign = REASONS[reason].sign
        if qty == 0 or qty * sign < 0:
            wanted = {1: "> 0", -1: "< 0", 0: "not 0"}[sign]
            self.add(WRONG_SIGN, f"{path}.quantity", f"a {reason} movement's quantity is {wanted}")
        return qty

    def transfers(self, moves: list[dict[str, Any]], path: str) -> None:
        """Each transfer in has its transfer out in the same event: same reference and
        SKU, the same quantity (a transfer moves goods, it never makes them)."""
        halves: dict[tuple[str, str], list[int]] = {}
        for move in moves:
            reason = move.get("reason")
            if reason in ("transfer_in", "transfer_out"):
                key = (str(move.get("reference", "")), str(move.get("sku")))
                qty = _milli_or_none(move.get("quantity"))
                if qty is not None:
                    sides = halves.setdefault(key, [0, 0])
                    sides[reason == "transfer_in"] += qty
        for (reference, sku), (out, into) in sorted(halves.items()):
            if out + into != 0 or out == 0:
                self.add(
                    UNMATCHED_TRANSFER,
                    path,
                    f"transfer {reference[:40]!r} of {sku[:64]!r}: {-out / 1000:g} out, "
                    f"{into / 1000:g} in",
                )


def _milli_or_none(value: Any) -> int | None:
    try:
        milli = Decimal(str(value).strip()) * 1000
        return int(milli) if milli.is_finite() and milli == milli.to_integral_value() else None
    except (InvalidOperation, ValueError):
        return None


def _items(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, item in enumerate(value if isinstance(value, list) else []):
        if isinstance(item, dict):
            yield i, item


# -- event kinds -----------------------------------------------------------------------------


def _document(c: _Checker, kind: str, p: dict[str, Any]) -> None:
    """``sale.completed`` / ``refund.completed``: a sale's amounts are >= 0, a refund's
    <= 0; quantities > 0 (< 0); known units, VAT rates and payment methods; the lines,
    payments and VAT rows add up to the total; one stock movement per line."""
    expected = "sale" if kind == EventKind.SALE_COMPLETED else "refund"
    if p.get("kind") != expected:
        c.add(KIND_MISMATCH, "kind", f"a {kind} event carries a {p.get('kind')!r}")
        return
    sign = 1 if expected == "sale" else -1
    for key in ("receipt_no", "location", "seller"):
        c.code(p.get(key), key)
    c.free(p.get("note", ""), "note")
    c.time(p.get("created_utc"), "created_utc")
    c.time(p.get("created_local"), "created_local")
    for key in ("gross", "discount", "order_discount", "total"):
        c.cents(p.get(key, 0), key, sign)
    c.cents(p.get("change", 0), "change", 1)
    lines = list(_items(p.get("lines")))
    if not lines:
        c.add(EMPTY_DOCUMENT, "lines", f"a {expected} without lines")
    sold: dict[str, int] = {}
    net_total = 0
    for i, line in lines:
        at = f"lines.{i}"
        c.code(line.get("sku"), f"{at}.sku")
        c.code(line.get("cooperative"), f"{at}.cooperative")
        c.name(line.get("name"), f"{at}.name")
        c.one_of(line.get("unit"), UNITS, UNKNOWN_UNIT, f"{at}.unit")
        c.one_of(line.get("vat_rate"), VAT_RATES, UNKNOWN_VAT_RATE, f"{at}.vat_rate")
        bp = line.get("commission_bp")
        if isinstance(bp, int) and not 0 <= bp <= MAX_COMMISSION_BP:
            c.add(OUT_OF_RANGE, f"{at}.commission_bp", f"{bp} is not 0 to {MAX_COMMISSION_BP}")
        qty = c.milli(line.get("quantity"), f"{at}.quantity")
        if qty is not None:
            if qty * sign <= 0:
                wanted = "> 0" if sign > 0 else "< 0"
                c.add(WRONG_SIGN, f"{at}.quantity", f"a {expected}'s quantity is {wanted}")
            sold[str(line.get("sku"))] = sold.get(str(line.get("sku")), 0) + qty
        for key in ("list_price", "unit_price"):
            c.cents(line.get(key), f"{at}.{key}", 1)
        amounts = {
            key: c.cents(line.get(key, 0), f"{at}.{key}", sign)
            for key in ("gross", "line_discount", "order_discount", "net", "commission")
        }
        discounts = amounts["line_discount"] + amounts["order_discount"]
        if amounts["gross"] - discounts != amounts["net"]:
            c.add(TOTALS_MISMATCH, at, "gross - discounts is not the net")
        net_total += amounts["net"]
    total = p.get("total")
    if isinstance(total, int) and lines and net_total != total:
        c.add(TOTALS_MISMATCH, "total", f"the lines' net {net_total} is not the total {total}")
    paid = 0
    for i, pay in _items(p.get("payments")):
        at = f"payments.{i}"
        c.one_of(pay.get("method"), PAYMENT_METHODS, UNKNOWN_METHOD, f"{at}.method")
        paid += c.cents(pay.get("amount"), f"{at}.amount", sign)
        c.cents(pay.get("tendered"), f"{at}.tendered", sign)
        c.free(pay.get("reference", ""), f"{at}.reference")
    if isinstance(total, int) and paid != total:
        c.add(TOTALS_MISMATCH, "payments", f"the payments {paid} are not the total {total}")
    vat_rows = list(_items(p.get("vat")))
    for i, row in vat_rows:
        at = f"vat.{i}"
        if c.one_of(row.get("rate"), VAT_RATES, UNKNOWN_VAT_RATE, f"{at}.rate"):
            gross = c.cents(row.get("gross"), f"{at}.gross", sign)
            if row.get("vat") != vat_included(gross, row["rate"]):
                c.add(TOTALS_MISMATCH, f"{at}.vat", "the VAT is not what the rate gives")
    vat_gross = sum(row.get("gross") for _i, row in vat_rows if isinstance(row.get("gross"), int))
    if vat_rows and isinstance(total, int) and vat_gross != total:
        c.add(TOTALS_MISMATCH, "vat", f"the VAT rows' {vat_gross} are not the total {total}")
    moved: dict[str, int] = {}
    reason = "sale" if expected == "sale" else "refund"
    for i, move in _items(p.get("stock_movements")):
        at = f"stock_movements.{i}"
        qty = c.movement(move, at)
        if move.get("reason") != reason:
            c.add(UNKNOWN_REASON, f"{at}.reason", f"a {expected}'s movements are {reason}s")
        if qty is not None:
            moved[str(move.get("sku"))] = moved.get(str(move.get("sku")), 0) + qty
    if {k: -v for k, v in moved.items() if v} != {k: v for k, v in sold.items() if v}:
        c.add(STOCK_MISMATCH, "stock_movements", "the movements do not take what the lines sell")


def _shift_opened(c: _Checker, p: dict[str, Any]) -> None:
    c.code(p.get("location"), "location")
    c.code(p.get("opened_by"), "opened_by")
    c.time(p.get("opened_utc"), "opened_utc")
    c.time(p.get("opened_local"), "opened_local")
    c.cents(p.get("float", 0), "float", 1)


def _shift_closed(c: _Checker, p: dict[str, Any]) -> None:
    c.code(p.get("closed_by"), "closed_by")
    c.time(p.get("closed_utc"), "closed_utc")
    c.time(p.get("closed_local"), "closed_local")
    for key in ("counts", "expected"):
        amounts = p.get(key) or {}
        for method, amount in amounts.items() if isinstance(amounts, dict) else ():
            c.one_of(method, PAYMENT_METHODS, UNKNOWN_METHOD, f"{key}.{method}")
            c.cents(amount, f"{key}.{method}")
    if p.get("net_total") is not None:
        c.cents(p.get("net_total"), "net_total")


def _cash_movement(c: _Checker, p: dict[str, Any]) -> None:
    c.time(p.get("created_utc"), "created_utc")
    c.time(p.get("created_local"), "created_local")
    c.free(p.get("reason", ""), "reason")
    if c.cents(p.get("amount"), "amount") == 0:
        c.add(WRONG_SIGN, "amount", "a cash movement of 0")


def _stock(c: _Checker, p: dict[str, Any]) -> None:
    moves = [move for _i, move in _items(p.get("movements"))]
    for i, move in _items(p.get("movements")):
        c.movement(move, f"movements.{i}")
    c.transfers(moves, "movements")
    if p.get("fair") is not None:
        c.code(p.get("fair"), "fair")
    note = p.get("note")
    if isinstance(note, dict):
        for key in ("number", "fair", "from", "to"):
            if note.get(key) is not None:
                c.code(note.get(key), f"note.{key}")
        ends = {note.get("from"), note.get("to")}
        for i, move in _items(p.get("movements")):
            if move.get("location") not in ends:
                c.add(
                    NOTE_MISMATCH,
                    f"movements.{i}.location",
                    f"{str(move.get('location'))[:40]!r} is neither end of the note",
                )


def _fair_counted(c: _Checker, p: dict[str, Any]) -> None:
    c.code(p.get("fair"), "fair")
    c.code(p.get("location"), "location")
    c.time(p.get("counted_utc"), "counted_utc")
    counts = p.get("counts")
    for sku, qty in counts.items() if isinstance(counts, dict) else ():
        c.code(sku, f"counts.{sku}")
        milli = c.milli(qty, f"counts.{sku}")
        if milli is not None and milli < 0:
            c.add(WRONG_SIGN, f"counts.{sku}", "a counted quantity is >= 0")
    for i, move in _items(p.get("movements")):
        c.movement(move, f"movements.{i}")
        if move.get("location") != p.get("location"):
            c.add(NOTE_MISMATCH, f"movements.{i}.location", "a count moves stock where it counts")


def _fair_closed(c: _Checker, p: dict[str, Any]) -> None:
    c.code(p.get("fair"), "fair")
    c.time(p.get("closed_utc"), "closed_utc")


def _payout(c: _Checker, p: dict[str, Any]) -> None:
    c.code(p.get("cooperative"), "cooperative")
    if p.get("fair") is not None:
        c.code(p.get("fair"), "fair")
    c.one_of(p.get("method"), PAYOUT_METHODS, UNKNOWN_METHOD, "method")
    amount = c.cents(p.get("amount"), "amount", 1)
    if amount == 0:
        c.add(WRONG_SIGN, "amount", "a payout is more than 0")
    c.free(p.get("reference", ""), "reference")
    c.free(p.get("note", ""), "note")
    c.time(p.get("paid_utc"), "paid_utc")
    c.time(p.get("paid_local"), "paid_local")


_KINDS = {
    EventKind.SHIFT_OPENED: _shift_opened,
    EventKind.SHIFT_CLOSED: _shift_closed,
    EventKind.SHIFT_CASH_MOVEMENT: _cash_movement,
    EventKind.STOCK_MOVEMENTS: _stock,
    EventKind.FAIR_COUNTED: _fair_counted,
    EventKind.FAIR_CLOSED: _fair_closed,
    EventKind.PAYOUT_RECORDED: _payout,
}
KNOWN_KINDS = frozenset(EventKind)


def check_event(kind: str, payload: dict[str, Any]) -> list[Problem]:
    """The problems of one event's payload ([] when it follows every rule).  An unknown
    kind has no rules here (the server keeps it unprojected)."""
    checker = _Checker()
    if kind in DOCUMENT_KINDS:
        _document(checker, kind, payload)
    elif kind in _KINDS:
        _KINDS[kind](checker, payload)
    return checker.problems


__all__ = [
    "COOP_PREFIX",
    "EARLIEST",
    "KNOWN_KINDS",
    "LATEST",
    "MAX_AMOUNT_CENTS",
    "PAYMENT_METHODS",
    "PAYOUT_METHODS",
    "Problem",
    "check_event",
]
