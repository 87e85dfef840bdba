"""Consignment rules, in plain Python: commission rates, the reconciliation of what went
to a stand (or through a shop over a period) and the settlement owed to a cooperative.

The till and the central server both feed these functions with *facts* read from their
own databases (stock movements, sale lines, counts, payouts), so a statement computed on a
standalone till and on the server from the same facts is the same to the centime.

Sign conventions: quantities are ``Decimal`` (3 places), money integer centimes.  Sale
lines of refunds carry negative quantities and amounts, as in the databases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from coopos.domain.money import Cents, round_cents
from coopos.domain.stock import MovementReason
from coopos.domain.vat import vat_included

ZERO = Decimal("0.000")
# How a cooperative is paid (the till, head office and the server share this list).
PAYOUT_METHODS = ("cash", "transfer", "cheque")

# -- commission ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    """From this unit price (centimes, inclusive) upwards, this rate applies."""

    from_cents: Cents
    rate_bp: int


@dataclass(frozen=True)
class CommissionRule:
    """The shop's share for a cooperative's goods, optionally for one category only; flat
    (``rate_bp``) or tiered by unit price (``tiers``, the highest threshold reached wins)."""

    cooperative: str
    category: str | None = None
    rate_bp: int = 0
    tiers: tuple[Tier, ...] = ()

    def rate_for(self, unit_price_cents: Cents) -> int:
        rate = self.rate_bp
        for tier in sorted(self.tiers, key=lambda t: t.from_cents):
            if unit_price_cents >= tier.from_cents:
                rate = tier.rate_bp
        return rate


def commission_rate(
    rules: Iterable[CommissionRule],
    cooperative: str,
    category: str | None,
    unit_price_cents: Cents,
    default_bp: int,
) -> int:
    """The rate in force for one sale line: a rule for the cooperative and the product's
    category beats a rule for the cooperative, which beats the cooperative's own rate."""
    best: CommissionRule | None = None
    for rule in rules:
        if rule.cooperative != cooperative:
            continue
        if rule.category is not None and rule.category == category:
            best = rule
            break
        if rule.category is None and best is None:
            best = rule
    return best.rate_for(unit_price_cents) if best else default_bp


def validate_rate(rate_bp: int) -> None:
    if not 0 <= rate_bp <= 10000:
        raise ValueError("a commission is 0 to 100 %")


# -- facts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """What a statement needs to know of a product."""

    sku: str
    cooperative: str
    name: str  # in the statement's language
    unit: str = "piece"
    price_cents: Cents = 0  # today's price, to value quantities


@dataclass(frozen=True)
class Movement:
    sku: str
    location: str
    reason: str  # MovementReason value
    quantity: Decimal  # signed, as stored
    at_utc: datetime
    reference: str = ""
    note: str = ""


@dataclass(frozen=True)
class Count:
    """A product counted at a location (end of a fair)."""

    sku: str
    location: str
    counted: Decimal
    at_utc: datetime


@dataclass(frozen=True)
class Line:
    """One sale or refund line, as kept when it was sold."""

    receipt_no: str
    kind: str  # sale or refund
    day: str  # the till's local day, YYYY-MM-DD
    sku: str
    name: str
    cooperative: str
    quantity: Decimal
    net_cents: Cents  # after discounts, VAT included
    vat_rate: int
    commission_cents: Cents
    location: str = ""


@dataclass(frozen=True)
class Payout:
    uuid: str
    cooperative: str
    day: str
    amount_cents: Cents
    method: str  # cash, transfer, cheque
    reference: str = ""
    fair: str | None = None


def period_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """Local days (inclusive) as UTC bounds for stock movements, which are stored in UTC.
    Morocco is UTC+1 (UTC+0 during Ramadan): a bound off by an hour only moves what
    happened around midnight, when shops are closed."""
    lo = datetime.combine(start, datetime.min.time()) - timedelta(hours=1) if start else None
    hi = datetime.combine(end, datetime.min.time()) + timedelta(days=1, hours=-1) if end else None
    return lo, hi


# -- reconciliation -----------------------------------------------------------------------------

SENT_REASONS = {MovementReason.TRANSFER_IN.value, MovementReason.RECEIVED.value}
RETURN_REASONS = {MovementReason.TRANSFER_OUT.value, MovementReason.RETURNED.value}
EXPLAINED_REASONS = {MovementReason.DAMAGED.value, MovementReason.ADJUSTMENT.value}


@dataclass(frozen=True)
class ReconRow:
    cooperative: str
    sku: str
    name: str
    unit: str
    price_cents: Cents
    opening: Decimal
    sent: Decimal
    sold: Decimal
    refunded: Decimal
    returned: Decimal
    counted: Decimal
    explained: Decimal  # damaged, gifts, samples recorded by a manager
    counted_for_real: bool  # False: no count yet, "counted" is what the books say

    @property
    def variance(self) -> Decimal:
        """Missing (+) or extra (-) goods: opening + sent - sold + refunded - returned -
        counted; for a fair the opening is 0."""
        return self.opening + self.sent - self.sold + self.refunded - self.returned - self.counted

    @property
    def unexplained(self) -> Decimal:
        return self.variance - self.explained

    @property
    def variance_cents(self) -> Cents:
        return round_cents(self.variance * self.price_cents)

    @property
    def unexplained_cents(self) -> Cents:
        return round_cents(self.unexplained * self.price_cents)


@dataclass(frozen=True)
class Reconciliation:
    title: str
    rows: list[ReconRow]

    def for_cooperative(self, code: str) -> list[ReconRow]:
        return [r for r in self.rows if r.cooperative == code]

    @property
    def cooperatives(self) -> list[str]:
        return sorted({r.cooperative for r in self.rows})


def reconcile(
    title: str,
    items: dict[str, Item],
    locations: set[str],
    movements: Iterable[Movement],
    counts: Sequence[Count] = (),
    start: datetime | None = None,
    end: datetime | None = None,
    count_moves_reason: str = MovementReason.COUNT.value,
) -> Reconciliation:
    """Per product at ``locations``: what came in, was sold, refunded, sent back and
    counted.  With ``counts`` (a fair's closing count), returns made after the count move
    the counted goods and are left out; without, "counted" is the closing balance of the
    books and ``start`` gives the opening balance (a period)."""
    count_time = max((c.at_utc for c in counts), default=None)
    acc: dict[str, dict[str, Decimal]] = {}

    def bucket(sku: str) -> dict[str, Decimal]:
        return acc.setdefault(
            sku,
            dict.fromkeys(
                ("opening", "sent", "sold", "refunded", "returned", "explained", "book"), ZERO
            ),
        )

    for m in movements:
        if m.location not in locations or (end is not None and m.at_utc >= end):
            continue
        b = bucket(m.sku)
        if start is not None and m.at_utc < start:
            b["opening"] += m.quantity
            continue
        if count_time is not None and m.at_utc > count_time:
            continue  # the closing return of what was counted
        b["book"] += m.quantity
        if m.reason in SENT_REASONS and m.quantity > 0:
            b["sent"] += m.quantity
        elif m.reason == MovementReason.SALE.value:
            b["sold"] -= m.quantity
        elif m.reason == MovementReason.REFUND.value:
            b["refunded"] += m.quantity
        elif m.reason in RETURN_REASONS and m.quantity < 0:
            b["returned"] -= m.quantity
        elif m.reason in EXPLAINED_REASONS:
            b["explained"] -= m.quantity
    counted = {(c.sku): c.counted for c in counts if c.location in locations}
    for sku in counted:
        bucket(sku)
    rows = []
    for sku, b in acc.items():
        item = items.get(sku) or Item(sku, "?", sku)
        if counts:
            # The count's own adjustment is not a movement of goods: what the count found
            # is the closing quantity.
            closing, real = counted.get(sku, ZERO), True
        else:
            closing, real = b["opening"] + b["book"], False
        row = ReconRow(
            cooperative=item.cooperative,
            sku=sku,
            name=item.name,
            unit=item.unit,
            price_cents=item.price_cents,
            opening=b["opening"],
            sent=b["sent"],
            sold=b["sold"],
            refunded=b["refunded"],
            returned=b["returned"],
            counted=closing,
            explained=b["explained"],
            counted_for_real=real,
        )
        if (
            any((row.opening, row.sent, row.sold, row.refunded, row.returned, row.counted))
            or row.explained
        ):
            rows.append(row)
    rows.sort(key=lambda r: (r.cooperative, r.sku))
    return Reconciliation(title, rows)


# -- settlement ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementRow:
    """A product's sales (or refunds) in the statement, at one VAT rate."""

    sku: str
    name: str
    vat_rate: int
    quantity: Decimal
    gross_cents: Cents  # VAT included
    vat_cents: Cents
    commission_cents: Cents

    @property
    def net_of_vat_cents(self) -> Cents:
        return self.gross_cents - self.vat_cents


@dataclass(frozen=True)
class Statement:
    cooperative: str
    title: str  # the fair, or the period
    sold: list[StatementRow]
    refunded: list[StatementRow]  # amounts negative
    payouts: list[Payout]
    lines: list[Line] = field(default_factory=list)  # the detail, for CSV/XLSX

    @property
    def sales_cents(self) -> Cents:
        return sum(r.gross_cents for r in self.sold)

    @property
    def refunds_cents(self) -> Cents:
        return sum(r.gross_cents for r in self.refunded)  # <= 0

    @property
    def net_sales_cents(self) -> Cents:
        """Sales net of refunds, VAT included."""
        return self.sales_cents + self.refunds_cents

    @property
    def vat_cents(self) -> Cents:
        return sum(r.vat_cents for r in (*self.sold, *self.refunded))

    @property
    def commission_cents(self) -> Cents:
        return sum(r.commission_cents for r in (*self.sold, *self.refunded))

    @property
    def payable_cents(self) -> Cents:
        """What the shop owes the cooperative for these sales."""
        return self.net_sales_cents - self.commission_cents

    @property
    def paid_cents(self) -> Cents:
        return sum(p.amount_cents for p in self.payouts)

    @property
    def balance_cents(self) -> Cents:
        """Still to pay (negative: paid too much)."""
        return self.payable_cents - self.paid_cents


def _rows(lines: Iterable[Line]) -> list[StatementRow]:
    groups: dict[tuple[str, int], list[Line]] = {}
    for line in lines:
        groups.setdefault((line.sku, line.vat_rate), []).append(line)
    rows = []
    for (sku, rate), group in sorted(groups.items()):
        gross = sum(g.net_cents for g in group)
        rows.append(
            StatementRow(
                sku=sku,
                name=group[0].name,
                vat_rate=rate,
                quantity=sum((g.quantity for g in group), ZERO),
                gross_cents=gross,
                vat_cents=vat_included(gross, rate),
                commission_cents=sum(g.commission_cents for g in group),
            )
        )
    return rows


def settle(
    cooperative: str, title: str, lines: Iterable[Line], payouts: Iterable[Payout]
) -> Statement:
    """The statement of one cooperative from its sale lines and the payouts made."""
    mine = [line for line in lines if line.cooperative == cooperative]
    return Statement(
        cooperative=cooperative,
        title=title,
        sold=_rows(line for line in mine if line.kind != "refund"),
        refunded=_rows(line for line in mine if line.kind == "refund"),
        payouts=sorted(
            (p for p in payouts if p.cooperative == cooperative), key=lambda p: (p.day, p.uuid)
        ),
        lines=sorted(mine, key=lambda line: (line.day, line.receipt_no, line.sku)),
    )


# -- a statement's check code --------------------------------------------------------------------

STATEMENT_PREFIX = "COOPOS:S:"


def statement_digest(statement: Statement) -> str:
    """16 hex digits over what the statement asserts: the cooperative, each product's
    quantities and amounts, commission, payouts and balance.  The server recomputes the
    statement for the same scope and compares."""
    import hashlib
    import json

    body = {
        "coop": statement.cooperative,
        "sold": [
            [r.sku, r.vat_rate, str(r.quantity), r.gross_cents, r.commission_cents]
            for r in statement.sold
        ],
        "refunded": [
            [r.sku, r.vat_rate, str(r.quantity), r.gross_cents, r.commission_cents]
            for r in statement.refunded
        ],
        "paid": statement.paid_cents,
        "payable": statement.payable_cents,
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def scope_of(fair: str | None = None, start: str | None = None, end: str | None = None) -> str:
    if fair:
        return f"F={fair.upper()}"
    if start and end:
        return f"P={start}..{end}"
    raise ValueError("a statement is for a fair or a period")


def statement_code(statement: Statement, scope: str) -> str:
    """``COOPOS:S:<COOP>:<scope>:<payable_cents>:<digest>`` for the statement's QR code."""
    return (
        f"{STATEMENT_PREFIX}{statement.cooperative}:{scope}:{statement.payable_cents}:"
        f"{statement_digest(statement)}"
    )


@dataclass(frozen=True)
class StatementCode:
    cooperative: str
    fair: str | None
    start: str | None
    end: str | None
    payable_cents: Cents
    digest: str


def parse_statement_code(text: str) -> StatementCode | None:
    """The parts of a statement's QR text, or None if it is not one."""
    if not isinstance(text, str) or not text.strip().upper().startswith(STATEMENT_PREFIX):
        return None
    parts = text.strip()[len(STATEMENT_PREFIX) :].split(":")
    if len(parts) != 4:
        return None
    coop, scope, payable, digest = parts
    try:
        amount = int(payable)
    except ValueError:
        return None
    if len(digest) != 16 or any(c not in "0123456789abcdef" for c in digest):
        return None
    if scope.startswith("F=") and len(scope) > 2:
        return StatementCode(coop, scope[2:], None, None, amount, digest)
    if scope.startswith("P=") and ".." in scope:
        start, end = scope[2:].split("..", 1)
        return StatementCode(coop, None, start, end, amount, digest)
    return None
