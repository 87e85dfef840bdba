"""Refunds: new documents that point to the original sale and never exceed it.

A refund pays back, line by line, a pro-rata share of what the customer really paid
(discounts included); the refund that empties a line pays back exactly what is left, so
sale + refunds of a line always net to zero when everything came back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from coopos.db.models import Product, Sale, SaleLine, User
from coopos.domain import events
from coopos.domain.catalog import sold_name
from coopos.domain.errors import StateError, ValidationError
from coopos.domain.money import Cents
from coopos.domain.quantity import ZERO, from_milli, quantity, to_milli
from coopos.domain.sale import (
    PaymentMethod,
    cumulative_share,
    refund_amount,
    refundable_quantity,
)
from coopos.domain.stock import MovementReason
from coopos.domain.vat import vat_breakdown
from coopos.i18n import _
from coopos.protocol import text as text_rules
from coopos.protocol.events import EventKind
from coopos.services import lookups, settings
from coopos.services.checkout import Approver, SaleResult, load_sale, sale_number
from coopos.services.context import Context
from coopos.services.documents import Document, ProductRef, write_document


@dataclass(frozen=True)
class RefundableLine:
    line_id: int
    line_no: int
    sku: str
    name: str
    unit: str
    sold: Decimal
    refunded: Decimal
    sold_net: Cents
    refunded_net: Cents  # positive

    @property
    def left(self) -> Decimal:
        return refundable_quantity(self.sold, self.refunded)


def refundable_lines(session, sale: Sale, language: str | None = None) -> list[RefundableLine]:
    """What is left to refund of each line of ``sale``.  With ``language``, the names are
    shown in it as receipts show them (``sold_name``); without, as they were sold."""
    done = dict.fromkeys([ln.id for ln in sale.lines], (0, 0))
    rows = session.execute(
        select(
            SaleLine.refund_of_line_id,
            func.sum(SaleLine.quantity_milli),
            func.sum(SaleLine.net_cents),
        )
        .where(SaleLine.refund_of_line_id.in_(list(done)))
        .group_by(SaleLine.refund_of_line_id)
    )
    for line_id, qty, net in rows:
        done[line_id] = (-qty, -net)
    names = {}
    if language is not None:
        ids = {ln.product_id for ln in sale.lines}
        found = session.execute(select(Product).where(Product.id.in_(ids))).scalars()
        names = {p.id: p.names for p in found}
    return [
        RefundableLine(
            ln.id,
            ln.line_no,
            ln.sku,
            sold_name(ln.name, names.get(ln.product_id), ln.sku, language) if language else ln.name,
            ln.unit,
            from_milli(ln.quantity_milli),
            from_milli(done[ln.id][0]),
            ln.net_cents,
            done[ln.id][1],
        )
        for ln in sale.lines
    ]


def amount_back(lines: list[RefundableLine], wanted: Mapping[int, Decimal]) -> Cents:
    """What refunding ``wanted`` (line id -> quantity) pays back, positive: the same
    figure :func:`refund` records, for showing before the refund is confirmed."""
    by_id = {ln.line_id: ln for ln in lines}
    return sum(
        refund_amount(ln.sold, ln.sold_net, ln.refunded, ln.refunded_net, qty)
        for ln, qty in ((by_id[i], q) for i, q in wanted.items())
        if qty > 0
    )


def _pro_rata(total: int, already: int, qty: Decimal, sold: Decimal, left: Decimal) -> int:
    """Share of a line figure for ``qty``; the last refund takes the exact remainder."""
    if qty == left:
        return total - already
    return cumulative_share(total, already, sold - left + qty, sold)


def refund(
    ctx: Context,
    receipt_no: str,
    approver: Approver,
    items: Iterable[tuple[str, Decimal | str]] | None = None,
    method: PaymentMethod | None = None,
    reason: str = "",
    user_id: int | None = None,
    line_quantities: Mapping[int, Decimal] | None = None,
) -> SaleResult:
    """Refund ``items`` (sku or barcode, quantity) of a sale, or ``line_quantities`` (sale
    line id -> quantity, as the refund dialog's steppers chose them), or all that is left
    of it."""
    text_rules.check_free_text(reason, _("The reason"))
    with ctx.write() as uow:
        s = uow.session
        original = load_sale(s, receipt_no)
        if original.kind != "sale":
            raise ValidationError(
                _("{receipt} is a refund: it cannot be refunded.", receipt=original.receipt_no)
            )
        shift = lookups.open_shift(s)
        if shift is None:
            raise StateError(_("No shift is open: open a shift before refunding."))
        lines = refundable_lines(s, original)
        by_id = {ln.line_id: ln for ln in lines}
        wanted: dict[int, Decimal] = {}
        if line_quantities is not None:
            wanted = {i: quantity(q) for i, q in line_quantities.items() if quantity(q) > 0}
            if not wanted or not set(wanted) <= set(by_id):
                raise ValidationError(_("Choose how many of each product come back."))
        elif items is None:
            wanted = {ln.line_id: ln.left for ln in lines if ln.left > 0}
            if not wanted:
                raise ValidationError(
                    _("Everything on {receipt} was already refunded.", receipt=original.receipt_no)
                )
        else:
            for code, qty_text in items:
                product = lookups.product(s, code)
                qty = quantity(qty_text)
                if qty <= 0:
                    raise ValidationError(_("A refund quantity must be more than zero."))
                candidates = [
                    ln
                    for ln in lines
                    if ln.sku == product.sku and ln.left - wanted.get(ln.line_id, ZERO) > 0
                ]
                if not candidates:
                    raise ValidationError(
                        _(
                            "{sku} is not on {receipt} or was already refunded.",
                            sku=product.sku,
                            receipt=original.receipt_no,
                        )
                    )
                for ln in candidates:
                    take = min(qty, ln.left - wanted.get(ln.line_id, ZERO))
                    wanted[ln.line_id] = wanted.get(ln.line_id, ZERO) + take
                    qty -= take
                    if qty == 0:
                        break
                if qty > 0:
                    raise ValidationError(
                        _(
                            "More {sku} than was sold on {receipt} would be refunded.",
                            sku=product.sku,
                            receipt=original.receipt_no,
                        )
                    )
        originals = {ln.id: ln for ln in original.lines}
        prefix = settings.get(s, "device.prefix")
        receipt = sale_number(prefix, uow.next_value(f"receipt:{prefix}"))
        rows = []
        for n, (line_id, qty) in enumerate(sorted(wanted.items()), start=1):
            info, src = by_id[line_id], originals[line_id]
            amount = refund_amount(info.sold, info.sold_net, info.refunded, info.refunded_net, qty)
            already = _already(s, line_id)
            gross = _pro_rata(src.gross_cents, already["gross"], qty, info.sold, info.left)
            line_disc = _pro_rata(
                src.line_discount_cents, already["line_discount"], qty, info.sold, info.left
            )
            commission = _pro_rata(
                src.commission_cents, already["commission"], qty, info.sold, info.left
            )
            rows.append(
                {
                    "line_no": n,
                    "product_id": src.product_id,
                    "sku": src.sku,
                    "name": src.name,
                    "unit": src.unit,
                    "quantity_milli": -to_milli(qty),
                    "list_price_cents": src.list_price_cents,
                    "unit_price_cents": src.unit_price_cents,
                    "vat_rate": src.vat_rate,
                    "cooperative_id": src.cooperative_id,
                    "cooperative_code": src.cooperative_code,
                    "commission_bp": src.commission_bp,
                    "gross_cents": -gross,
                    "line_discount_cents": -line_disc,
                    "order_discount_cents": -(gross - line_disc - amount),
                    "net_cents": -amount,
                    "commission_cents": -commission,
                    "refund_of_line_id": src.id,
                    "refund_of_line_no": src.line_no,
                }
            )
        total = sum(r["net_cents"] for r in rows)
        method = method or _default_method(original)
        seller = s.get(User, user_id or approver.id)
        doc = Document(
            kind="refund",
            receipt_no=receipt,
            location_id=shift.location_id,
            location_code=shift.location.code,
            shift_id=shift.id,
            shift_uuid=shift.uuid,
            seller_id=seller.id,
            seller_uuid=seller.uuid,
            gross=sum(r["gross_cents"] for r in rows),
            discount=sum(r["line_discount_cents"] + r["order_discount_cents"] for r in rows),
            order_discount=sum(r["order_discount_cents"] for r in rows),
            total=total,
            note=reason,
            refund_of_id=original.id,
            refund_of_uuid=original.uuid,
            lines=rows,
            payments=[
                {
                    "method": method.value,
                    "amount_cents": total,
                    "tendered_cents": total,
                    "reference": "",
                }
            ],
            vat=vat_breakdown((r["vat_rate"], r["net_cents"]) for r in rows),
        )
        products = {r["product_id"]: ProductRef(r["product_id"], r["sku"]) for r in rows}
        sale_id, payload = write_document(uow, doc, products, MovementReason.REFUND)
        uow.outbox(EventKind.REFUND_COMPLETED, payload)
        uow.publish(
            events.REFUND_COMPLETED,
            sale_id=sale_id,
            receipt_no=receipt,
            original=original.receipt_no,
        )
        uow.publish(events.STOCK_CHANGED, location=doc.location_code)
        uow.audit(
            "refund",
            approver.id,
            receipt=receipt,
            original=original.receipt_no,
            amount=-total,
            method=method.value,
            reason=reason,
        )
        return SaleResult(sale_id, doc.uuid, receipt, total, total, 0)


def _already(session, line_id: int) -> dict[str, int]:
    row = session.execute(
        select(
            func.coalesce(func.sum(SaleLine.gross_cents), 0),
            func.coalesce(func.sum(SaleLine.line_discount_cents), 0),
            func.coalesce(func.sum(SaleLine.commission_cents), 0),
        ).where(SaleLine.refund_of_line_id == line_id)
    ).one()
    return {"gross": -row[0], "line_discount": -row[1], "commission": -row[2]}


def _default_method(original: Sale) -> PaymentMethod:
    """Pay back the way the customer paid when it was one method, else in cash."""
    methods = {p.method for p in original.payments}
    return PaymentMethod(methods.pop()) if len(methods) == 1 else PaymentMethod.CASH
