"""Cart, payments and refunds: the arithmetic of a sale, free of any storage.

Amounts are signed centimes.  A refund is a document of its own whose quantities and
amounts are negative, so that every report is a plain sum over documents.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from coopos.domain.discount import spread
from coopos.domain.errors import ValidationError
from coopos.domain.money import Cents, format_amount, percent_of, round_cents
from coopos.domain.quantity import ZERO, format_quantity
from coopos.domain.vat import VatLine, vat_breakdown
from coopos.i18n import N_, _


class PaymentMethod(enum.StrEnum):
    CASH = "cash"
    CARD = "card"
    MOBILE = "mobile"  # mobile wallet
    TRANSFER = "transfer"  # bank transfer
    VOUCHER = "voucher"

    @property
    def label(self) -> str:
        return _(PAYMENT_LABELS[self])

    @classmethod
    def parse(cls, text: str) -> PaymentMethod:
        key = text.strip().lower()
        key = {"wallet": "mobile", "bank": "transfer", "cheque": "transfer"}.get(key, key)
        try:
            return cls(key)
        except ValueError:
            raise ValidationError(
                _(
                    "Unknown payment method “{method}”: use cash, card, mobile, transfer "
                    "or voucher.",
                    method=text,
                )
            ) from None


PAYMENT_LABELS = {
    PaymentMethod.CASH: N_("Cash"),
    PaymentMethod.CARD: N_("Card"),
    PaymentMethod.MOBILE: N_("Mobile wallet"),
    PaymentMethod.TRANSFER: N_("Bank transfer"),
    PaymentMethod.VOUCHER: N_("Voucher"),
}


@dataclass
class CartLine:
    """One product in a cart, with everything the sale line will snapshot."""

    product_id: int
    sku: str
    name: str
    unit: str
    sold_by_weight: bool
    list_price: Cents  # catalog price, VAT included, per unit
    quantity: Decimal
    vat_rate: int
    cooperative_id: int
    cooperative_code: str
    commission_bp: int  # commission kept by the shop, in basis points (1500 = 15 %)
    unit_price: Cents | None = None  # set when a manager overrides the price
    discount: Cents = 0  # line discount, VAT included
    discount_bp: int | None = None  # the discount was typed as a percentage (1000 = 10 %)
    discount_approved: bool = False  # given or approved by a manager: beyond the limit
    line_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def price(self) -> Cents:
        return self.list_price if self.unit_price is None else self.unit_price

    @property
    def gross(self) -> Cents:
        return round_cents(Decimal(self.price) * self.quantity)

    @property
    def net_before_order_discount(self) -> Cents:
        return self.gross - self.discount

    def describe(self) -> str:
        return f"{format_quantity(self.quantity)} x {self.sku} @ {format_amount(self.price)}"


@dataclass(frozen=True)
class PricedLine:
    """A cart line after the order discount was spread over the lines."""

    line: CartLine
    order_discount: Cents
    net: Cents  # what the customer pays for the line, VAT included
    commission: Cents


@dataclass(frozen=True)
class Totals:
    lines: list[PricedLine]
    gross: Cents
    line_discounts: Cents
    order_discount: Cents
    total: Cents
    vat: list[VatLine]

    @property
    def discounts(self) -> Cents:
        return self.line_discounts + self.order_discount


def price_lines(lines: list[CartLine], order_discount: Cents = 0) -> Totals:
    """Totals of a cart: the order discount is allocated to lines in proportion to their
    amounts (largest remainder), so per-line, per-VAT-rate and per-cooperative figures
    add up exactly to the total."""
    bases = [line.net_before_order_discount for line in lines]
    shares = spread(order_discount, bases)
    priced = []
    for line, share in zip(lines, shares, strict=True):
        net = line.net_before_order_discount - share
        priced.append(PricedLine(line, share, net, percent_of(net, line.commission_bp)))
    gross = sum(line.gross for line in lines)
    line_discounts = sum(line.discount for line in lines)
    total = sum(p.net for p in priced)
    return Totals(
        lines=priced,
        gross=gross,
        line_discounts=line_discounts,
        order_discount=order_discount if lines else 0,
        total=total,
        vat=vat_breakdown((p.line.vat_rate, p.net) for p in priced),
    )


@dataclass(frozen=True)
class Payment:
    method: PaymentMethod
    amount: Cents  # tendered; for cash it may exceed what is due
    reference: str = ""


@dataclass(frozen=True)
class Tender:
    paid: Cents
    due: Cents
    change: Cents
    remaining: Cents


def settle(total: Cents, payments: list[Payment]) -> Tender:
    """How a list of payments settles a total: change comes only out of cash."""
    paid = sum(p.amount for p in payments)
    if total >= 0:
        remaining = max(total - paid, 0)
        change = max(paid - total, 0)
    else:  # refund: money goes back to the customer
        remaining = min(total - paid, 0)
        change = 0
    return Tender(paid=paid, due=total, change=change, remaining=remaining)


def check_payments(total: Cents, payments: list[Payment]) -> Tender:
    """Refuse payments that do not settle the total exactly (with cash change)."""
    for p in payments:
        if total >= 0 and p.amount <= 0:
            raise ValidationError(_("A payment must be more than zero."))
    tender = settle(total, payments)
    if tender.remaining:
        raise ValidationError(
            _("{remaining} MAD is still to pay.", remaining=format_amount(abs(tender.remaining)))
        )
    if total < 0 and tender.paid != total:
        raise ValidationError(_("A refund must pay back exactly the refunded amount."))
    cash = sum(p.amount for p in payments if p.method is PaymentMethod.CASH)
    if tender.change > 0 and tender.change > cash:
        raise ValidationError(
            _("Only cash can give change: card and other payments must not exceed the total.")
        )
    return tender


def refundable_quantity(sold: Decimal, already_refunded: Decimal) -> Decimal:
    """Quantities are positive here: what can still be taken back of a sold line."""
    return max(sold - already_refunded, ZERO)


def refund_amount(
    sold_qty: Decimal,
    sold_net: Cents,
    already_qty: Decimal,
    already_amount: Cents,
    qty: Decimal,
) -> Cents:
    """Positive amount to pay back for ``qty`` of a line sold ``sold_qty`` for ``sold_net``.

    Pro rata of what was really paid (discounts included); the refund that brings the
    line back to zero pays back exactly the rest, so a line is never over-refunded by a
    rounding centime.
    """
    if qty <= 0:
        raise ValidationError(_("A refund quantity must be more than zero."))
    left = refundable_quantity(sold_qty, already_qty)
    if qty > left:
        raise ValidationError(
            _(
                "Only {left} can still be refunded on this line.",
                left=format_quantity(left),
            )
        )
    if qty == left:
        return sold_net - already_amount
    # Round the cumulative share, not each refund on its own: refunds then never go
    # negative and never add up to more than what was paid.
    return cumulative_share(sold_net, already_amount, already_qty + qty, sold_qty)


def cumulative_share(total: Cents, already: Cents, qty_after: Decimal, sold: Decimal) -> Cents:
    """What is due now so that everything refunded so far is ``total * qty_after / sold``."""
    return round_cents(Decimal(total) * qty_after / sold) - already
