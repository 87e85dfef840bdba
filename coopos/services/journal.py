"""The receipts journal: past sales and refunds of a period, found by receipt number,
amount or product, and their duplicates.

Days are the shop's days (setting ``shop.time_zone``), as the X and Z reports show them:
a sale at 00:30 in Casablanca belongs to that day even though it is the day before in
UTC.  A reprint is a duplicate, never a second original: each one is an audit entry
(``receipt.duplicate``, in the hash chain) that carries its copy number and its print
job (the print queue's ``add_duplicate``), so the count survives restarts and the
printer prints "DUPLICATE n".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from coopos.db.models import AuditEntry, Product, Sale, SaleLine
from coopos.domain import keyboard
from coopos.domain.audit import canonical
from coopos.domain.catalog import sold_name
from coopos.domain.errors import NotFoundError, ValidationError
from coopos.domain.money import parse_amount
from coopos.domain.quantity import from_milli
from coopos.domain.search import normalise
from coopos.i18n import _
from coopos.i18n.formats import DEFAULT_TIME_ZONE, time_zone
from coopos.services import settings
from coopos.services.checkout import load_sale
from coopos.services.context import Context

DUPLICATE = "receipt.duplicate"  # the audit action of a reprint
MAX_ROWS = 2000  # a period longer than this is cut, newest first


@dataclass(frozen=True)
class JournalRow:
    sale_id: int
    receipt_no: str
    kind: str  # sale or refund
    created_utc: datetime  # naive UTC
    seller: str
    lines: int
    total_cents: int  # negative on a refund
    methods: tuple[str, ...]  # payment methods (PaymentMethod values), in order
    refunded_cents: int  # paid back by later refunds (positive), on a sale
    refund_of: str | None  # the original receipt, on a refund

    @property
    def is_refund(self) -> bool:
        return self.kind == "refund"

    @property
    def fully_refunded(self) -> bool:
        return not self.is_refund and self.refunded_cents >= self.total_cents > 0


@dataclass(frozen=True)
class DetailLine:
    line_no: int
    name: str  # in the asked language while the catalog still has the sold name
    sku: str
    quantity: Decimal
    unit: str
    unit_price_cents: int
    discount_cents: int  # line and order discount
    net_cents: int
    refunded: Decimal  # quantity already taken back


@dataclass(frozen=True)
class DetailPayment:
    method: str
    amount_cents: int
    tendered_cents: int
    reference: str


@dataclass(frozen=True)
class Details:
    row: JournalRow
    lines: list[DetailLine]
    payments: list[DetailPayment]
    refunds: list[str]  # receipt numbers of the refunds of this sale
    duplicates: int  # duplicates printed so far


# -- days in the shop's time zone -----------------------------------------------------------


def shop_zone_name(session: Session) -> str:
    return str(settings.get(session, "shop.time_zone") or DEFAULT_TIME_ZONE)


def today(ctx: Context) -> date:
    """The shop's date now (its clock, in its time zone)."""
    with ctx.read() as s:
        zone = time_zone(shop_zone_name(s))
    return ctx.clock.now().utc.replace(tzinfo=UTC).astimezone(zone).date()


def utc_bounds(start: date, end: date, zone_name: str) -> tuple[datetime, datetime]:
    """The naive UTC instants at which the shop's day ``start`` begins and the day after
    ``end`` begins (a day may be 23 or 25 hours long)."""
    zone = time_zone(zone_name)

    def begins(day: date) -> datetime:
        return datetime.combine(day, time(0), zone).astimezone(UTC).replace(tzinfo=None)

    return begins(start), begins(end + timedelta(days=1))


# -- the list -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Query:
    """What a search text may mean: receipt numbers, an amount, product words."""

    codes: tuple[str, ...]
    cents: int | None
    words: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> _Query:
        text = text.strip()
        codes = tuple(r.upper() for r in keyboard.readings(text) if any(c.isdigit() for c in r))
        try:
            cents = keyboard.parse_typed(text, parse_amount) if text else None
        except ValidationError:
            cents = None
        return cls(codes, cents, tuple(normalise(text).split()))


def _names_match(words: tuple[str, ...], texts: list[str]) -> bool:
    """Every word typed starts a word of one of ``texts`` (already normalised)."""
    for text in texts:
        found = text.split()
        if all(any(w.startswith(word) for w in found) for word in words):
            return True
    return False


def list_sales(ctx: Context, start: date, end: date, text: str = "") -> list[JournalRow]:
    """Sales and refunds made from the shop's day ``start`` to ``end`` (included), newest
    first, that match ``text``: part of a receipt number (typed on any layout or in
    Arabic digits), an amount (``45,50``, ``45.50``) or the words of a product's name in
    any language (folded like product search)."""
    if end < start:
        raise ValidationError(_("The end of the period is before its start."))
    query = _Query.of(text)
    with ctx.read() as s:
        zone = shop_zone_name(s)
        since, until = utc_bounds(start, end, zone)
        sales = (
            s.execute(
                select(Sale)
                .where(Sale.created_utc >= since, Sale.created_utc < until)
                .options(
                    selectinload(Sale.lines),
                    selectinload(Sale.payments),
                    selectinload(Sale.seller),
                    selectinload(Sale.refund_of),
                )
                .order_by(Sale.created_utc.desc(), Sale.id.desc())
                .limit(MAX_ROWS)
            )
            .scalars()
            .all()
        )
        if text.strip():
            names = _product_texts(s, {ln.product_id for sale in sales for ln in sale.lines})
            sales = [sale for sale in sales if _matches(sale, query, names)]
        refunded = _refunded(s, [sale.id for sale in sales if sale.kind == "sale"])
        return [_row(sale, refunded.get(sale.id, 0)) for sale in sales]


def _product_texts(session: Session, ids: set[int]) -> dict[int, list[str]]:
    if not ids:
        return {}
    found = session.execute(select(Product).where(Product.id.in_(ids))).scalars()
    return {p.id: [normalise(n) for n in (p.names or {}).values() if n] for p in found}


def _matches(sale: Sale, query: _Query, names: dict[int, list[str]]) -> bool:
    if any(code in sale.receipt_no.upper() for code in query.codes):
        return True
    if query.cents is not None and abs(sale.total_cents) == abs(query.cents):
        return True
    if not query.words:
        return False
    return any(
        _names_match(
            query.words, [normalise(ln.name), normalise(ln.sku), *names.get(ln.product_id, [])]
        )
        for ln in sale.lines
    )


def _refunded(session: Session, sale_ids: list[int]) -> dict[int, int]:
    """What later refunds paid back of each sale (positive)."""
    if not sale_ids:
        return {}
    rows = session.execute(
        select(Sale.refund_of_id, func.sum(Sale.total_cents))
        .where(Sale.refund_of_id.in_(sale_ids))
        .group_by(Sale.refund_of_id)
    )
    return {sale_id: -total for sale_id, total in rows}


def _row(sale: Sale, refunded: int) -> JournalRow:
    return JournalRow(
        sale_id=sale.id,
        receipt_no=sale.receipt_no,
        kind=sale.kind,
        created_utc=sale.created_utc,
        seller=sale.seller.name if sale.seller is not None else "",
        lines=len(sale.lines),
        total_cents=sale.total_cents,
        methods=tuple(dict.fromkeys(p.method for p in sale.payments)),
        refunded_cents=refunded,
        refund_of=sale.refund_of.receipt_no if sale.refund_of is not None else None,
    )


# -- one sale -------------------------------------------------------------------------------


def details(ctx: Context, receipt_no: str, language: str | None = None) -> Details:
    """Lines, payments, refunds and duplicates of one receipt."""
    with ctx.read() as s:
        sale = load_sale(s, receipt_no)
        refunded = _refunded(s, [sale.id]) if sale.kind == "sale" else {}
        back = dict(
            s.execute(
                select(SaleLine.refund_of_line_id, func.sum(SaleLine.quantity_milli))
                .where(SaleLine.refund_of_line_id.in_([ln.id for ln in sale.lines]))
                .group_by(SaleLine.refund_of_line_id)
            ).all()
        )
        products = {
            p.id: p
            for p in s.execute(
                select(Product).where(Product.id.in_({ln.product_id for ln in sale.lines}))
            ).scalars()
        }
        lines = []
        for ln in sale.lines:
            product = products.get(ln.product_id)
            name = ln.name
            if language and product is not None:
                name = sold_name(ln.name, product.names, product.sku, language)
            lines.append(
                DetailLine(
                    ln.line_no,
                    name,
                    ln.sku,
                    from_milli(ln.quantity_milli),
                    ln.unit,
                    ln.unit_price_cents,
                    ln.line_discount_cents + ln.order_discount_cents,
                    ln.net_cents,
                    from_milli(-back.get(ln.id, 0)),
                )
            )
        refunds = s.execute(
            select(Sale.receipt_no).where(Sale.refund_of_id == sale.id).order_by(Sale.id)
        ).scalars()
        return Details(
            row=_row(sale, refunded.get(sale.id, 0)),
            lines=lines,
            payments=[
                DetailPayment(p.method, p.amount_cents, p.tendered_cents, p.reference or "")
                for p in sale.payments
            ],
            refunds=list(refunds),
            duplicates=duplicates(s, sale.receipt_no),
        )


# -- duplicates -----------------------------------------------------------------------------


def _duplicate_entries(session: Session, receipt_no: str) -> list[dict]:
    """The details of every duplicate of ``receipt_no`` printed so far, oldest first."""
    needle = canonical({"receipt": receipt_no})[1:-1]  # as the audit log writes it
    rows = session.execute(
        select(AuditEntry.details)
        .where(AuditEntry.action == DUPLICATE, AuditEntry.details.contains(needle))
        .order_by(AuditEntry.seq)
    ).scalars()
    return [d for d in map(json.loads, rows) if d.get("receipt") == receipt_no]


def duplicates(session: Session, receipt_no: str) -> int:
    """How many duplicates of a receipt were printed (asked for) so far."""
    return len(_duplicate_entries(session, receipt_no))


def copy_of_job(session: Session, job_id: int, receipt_no: str) -> int:
    """The copy number a duplicate's print job prints."""
    for entry in _duplicate_entries(session, receipt_no):
        if entry.get("job") == job_id:
            return int(entry["copy"])
    raise NotFoundError(_("No duplicate of {receipt} was asked for.", receipt=receipt_no))
