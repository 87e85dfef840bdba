"""Checkout: a UI-agnostic state machine driven by the desktop app, the CLI and tests.

    CART --start_payment()--> PAYMENT --complete()--> COMPLETED
      ^  <---back_to_cart()----   |
      +--------void()----------> VOIDED (from CART or PAYMENT)

``complete()`` writes, in one transaction, the sale, its lines, payments and VAT rows, one
stock movement per line, the outbox event and the audit entries: all or nothing.
Listeners (``on_change``) are told after every change; the Qt layer re-emits them as
signals.  ``snapshot()``/``restore()`` let the cart in progress survive a crash.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload

from coopos.db.models import Product, Sale, User
from coopos.domain import events, keyboard
from coopos.domain.catalog import Role, pick_name, sold_name
from coopos.domain.errors import (
    ApprovalRequired,
    NotFoundError,
    PermissionDenied,
    StateError,
    ValidationError,
)
from coopos.domain.money import Cents, format_amount
from coopos.domain.quantity import (
    ONE,
    ZERO,
    QuantityDoubt,
    format_quantity,
    quantity,
    quantity_doubt,
    to_milli,
    unit_limit,
)
from coopos.domain.sale import (
    CartLine,
    Payment,
    PaymentMethod,
    Tender,
    Totals,
    check_payments,
    price_lines,
    settle,
)
from coopos.domain.stock import MovementReason
from coopos.i18n import N_, _, current_language
from coopos.protocol import text as text_rules
from coopos.protocol.events import EventKind
from coopos.services import lookups, settings
from coopos.services.checkout_discounts import CartDiscounts
from coopos.services.context import Context
from coopos.services.documents import Document, ProductRef, write_document
from coopos.services.inventory import on_hand as on_hand_of


class CheckoutState(enum.StrEnum):
    CART = "cart"
    PAYMENT = "payment"
    COMPLETED = "completed"
    VOIDED = "voided"


# Why an action is refused, said from where the sale is (a state's name never reaches a user).
_STATE_SENTENCES = {
    CheckoutState.CART: N_("Start the payment first."),
    CheckoutState.PAYMENT: N_("The sale is being paid: go back to the cart to change it."),
    CheckoutState.COMPLETED: N_("This sale is already paid and saved: start a new sale."),
    CheckoutState.VOIDED: N_("This sale was cancelled: start a new sale."),
}


@dataclass(frozen=True)
class SaleResult:
    sale_id: int
    uuid: str
    receipt_no: str
    total: Cents
    paid: Cents
    change: Cents


@dataclass(frozen=True)
class Approver:
    """A manager who approved something with their PIN."""

    id: int
    name: str

    @classmethod
    def of(cls, user: User) -> Approver:
        if not Role(user.role).is_manager:
            raise PermissionDenied(_("This needs a manager's PIN."))
        return cls(user.id, user.name)


Listener = Callable[["Checkout"], None]

_OPEN_SHIFT = text(
    "SELECT shifts.id, shifts.uuid, shifts.location_id, locations.code AS location_code "
    "FROM shifts JOIN locations ON locations.id = shifts.location_id "
    "WHERE shifts.status = 'open'"
)


def sale_number(prefix: str, value: int) -> str:
    return f"{prefix}-{value:06d}"


def apply_sale_allocation(total: Cents, payments: list[Payment]) -> list[tuple[Payment, Cents]]:
    """How much of the total each payment settles: change comes out of the last cash."""
    tender = settle(total, payments)
    applied = [p.amount for p in payments]
    change = tender.change
    for i in reversed(range(len(payments))):
        if change and payments[i].method is PaymentMethod.CASH:
            take = min(change, applied[i])
            applied[i] -= take
            change -= take
    return list(zip(payments, applied, strict=True))


class Checkout(CartDiscounts):
    def __init__(self, ctx: Context, seller: User, location_code: str | None = None):
        self.ctx = ctx
        self.seller_id = seller.id
        self.seller_uuid = seller.uuid
        self.seller_name = seller.name
        self.seller_role = Role(seller.role)
        self.location_code = location_code
        self.state = CheckoutState.CART
        self.lines: list[CartLine] = []
        self.order_discount: Cents = 0
        self.order_discount_bp: int | None = None  # typed as a percentage of the sale
        self.order_discount_approved = False  # by a manager: beyond the sellers' limit
        self.payments: list[Payment] = []
        self.approvals: list[dict[str, Any]] = []  # discounts and overrides, audited on sale
        self.result: SaleResult | None = None
        self._listeners: list[Listener] = []
        self.language = current_language()

    def set_seller(self, user: User) -> None:
        """Quick switch of seller: the sale in progress goes on under the new seller."""
        self.seller_id, self.seller_name, self.seller_role = user.id, user.name, Role(user.role)
        self.seller_uuid = user.uuid

    def use_language(self, language: str) -> None:
        """Name the cart's products in ``language`` (a seller with another language took
        over, or a cart came back after a restart).  A completed sale keeps the names it
        showed; receipts show them in their own language by the same rule."""
        self.language = language
        if not self.lines:
            return
        ids = {line.product_id for line in self.lines}
        with self.ctx.read() as s:
            found = s.execute(select(Product).where(Product.id.in_(ids))).scalars()
            catalog = {p.id: (p.names, p.sku) for p in found}
        for line in self.lines:
            names, sku = catalog.get(line.product_id, (None, line.sku))
            line.name = sold_name(line.name, names, sku, language)
        self._changed()

    # -- observers ------------------------------------------------------------------------
    def on_change(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener(self)

    def _require(self, *states: CheckoutState) -> None:
        if self.state not in states:
            raise StateError(_(_STATE_SENTENCES[self.state]))

    def _require_cart(self) -> None:
        self._require(CheckoutState.CART)

    # -- cart -----------------------------------------------------------------------------
    def scan(self, code: str, qty: Decimal | str | None = None) -> CartLine:
        """Add a product by barcode or sku (what a scanner types).  A product sold by
        weight needs its quantity (typed or read from the scale)."""
        code = code.strip()
        if not code:
            raise ValidationError(_("Nothing was scanned."))
        with self.ctx.read() as s:
            product = lookups.product_by_code(s, code)
            if product is None:
                raise keyboard.unknown_code(code)
            return self.add_product(product, qty, session=s)

    def add_product_id(self, product_id: int, qty: Decimal | str | None = None) -> CartLine:
        with self.ctx.read() as s:
            product = s.get(Product, product_id)
            if product is None:
                raise NotFoundError(_("This product no longer exists."))
            return self.add_product(product, qty, session=s)

    def add_product(self, product: Product, qty, session: Session) -> CartLine:
        """Add a product loaded in ``session`` (its rules are read there too)."""
        self._require(CheckoutState.CART)
        if not product.active:
            raise ValidationError(_("{sku} is archived and cannot be sold.", sku=product.sku))
        if qty is None:
            if product.sold_by_weight:
                raise ValidationError(
                    _("{name} is sold by weight: enter the weight.", name=self._name(product))
                )
            qty = ONE
        qty = quantity(qty)
        self._check_quantity(product.sold_by_weight, qty)
        # Scanning the same piece product again adds to its line (one line per product).
        if not product.sold_by_weight:
            for line in self.lines:
                if line.product_id == product.id and line.unit_price is None and not line.discount:
                    line.quantity += qty
                    self._rebound_discounts()
                    self._changed()
                    return line
        coop = product.cooperative
        line = CartLine(
            product_id=product.id,
            sku=product.sku,
            name=self._name(product),
            unit=product.unit,
            sold_by_weight=product.sold_by_weight,
            list_price=product.price_cents,
            quantity=qty,
            vat_rate=product.vat_rate,
            cooperative_id=coop.id,
            cooperative_code=coop.code,
            commission_bp=self._commission(product, session),
        )
        self.lines.append(line)
        self._rebound_discounts()
        self._changed()
        return line

    def _commission(self, product: Product, session: Session) -> int:
        """The rate in force when sold: the cooperative's rules (by category, by price
        tier), else its own rate."""
        from coopos.services.consignment import commission_for

        return commission_for(session, product, product.price_cents)

    def _name(self, product: Product) -> str:
        return pick_name(product.names, self.language) or product.sku

    @staticmethod
    def _check_quantity(by_weight: bool, qty: Decimal) -> None:
        if qty <= 0:
            raise ValidationError(_("The quantity must be more than zero."))
        if not by_weight and qty != qty.to_integral_value():
            raise ValidationError(_("This product is sold by the piece: use a whole number."))
        if qty > 10000:
            raise ValidationError(_("{qty} is too large a quantity.", qty=format_quantity(qty)))

    def quantity_doubt(
        self, product_id: int, qty: Decimal, line_id: str | None = None
    ) -> QuantityDoubt | None:
        """Whether ``qty`` of a product, added (or as ``line_id``'s new quantity), looks like
        a typing mistake: more of it in the cart than the stock here, or than the shop's
        maximum for its unit.  The screen asks; nothing is refused."""
        others = sum(
            (
                ln.quantity
                for ln in self.lines
                if ln.product_id == product_id and ln.line_id != line_id
            ),
            ZERO,
        )
        with self.ctx.read() as s:
            product = s.get(Product, product_id)
            if product is None:
                raise NotFoundError(_("This product no longer exists."))
            limit = unit_limit(
                product.unit,
                int(settings.get(s, "quantity.max_pieces") or 0),
                int(settings.get(s, "quantity.max_kg") or 0),
            )
            location_id = self._location_id(s)
            on_hand = None if location_id is None else on_hand_of(s, product_id, location_id)
        return quantity_doubt(qty, product.unit, on_hand, limit, already=others)

    def _location_id(self, session: Session) -> int | None:
        """Where this sale takes its stock from: its location, else the open shift's."""
        if self.location_code:
            return lookups.location(session, self.location_code).id
        shift = lookups.open_shift(session)
        return shift.location_id if shift is not None else None

    def line(self, line_id: str) -> CartLine:
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise NotFoundError(_("That line is no longer in the cart."))

    def set_quantity(self, line_id: str, qty: Decimal | str) -> None:
        self._require(CheckoutState.CART)
        line = self.line(line_id)
        qty = quantity(qty)
        self._check_quantity(line.sold_by_weight, qty)
        line.quantity = qty
        self._rebound_discounts()
        self._changed()

    def increment(self, line_id: str, step: int = 1) -> None:
        line = self.line(line_id)
        new = line.quantity + step
        if new <= 0:
            self.remove_line(line_id)
        else:
            self.set_quantity(line_id, new)

    def remove_line(self, line_id: str, reason: str = "") -> None:
        """Remove a line; audited at once (a removed line leaves no other trace)."""
        self._require(CheckoutState.CART)
        line = self.line(line_id)
        with self.ctx.write() as uow:
            uow.audit(
                "line_removed",
                self.seller_id,
                sku=line.sku,
                quantity=str(line.quantity),
                amount=format_amount(line.gross),
                reason=reason,
            )
        self.lines.remove(line)
        self._rebound_discounts()
        self._changed()

    def undo_last_line(self) -> CartLine | None:
        if not self.lines:
            return None
        last = self.lines[-1]
        self.remove_line(last.line_id, reason="undo")
        return last

    def override_price(self, line_id: str, price: Cents, approver: Approver) -> None:
        """A new unit price for a line: always a manager's decision."""
        self._require(CheckoutState.CART)
        if approver is None:
            raise ApprovalRequired(_("This needs a manager's PIN."), "price_override")
        if price < 0:
            raise ValidationError(_("A price cannot be negative."))
        line = self.line(line_id)
        line.unit_price = price
        self._rebound_discounts()
        self._approved(
            "price_override",
            approver,
            sku=line.sku,
            list_price=format_amount(line.list_price),
            price=format_amount(price),
        )
        self._changed()

    def _approved(self, action: str, approver: Approver | None, **details: Any) -> None:
        by = approver.id if approver else self.seller_id
        self.approvals.append({"action": action, "by": by, **details})

    @property
    def totals(self) -> Totals:
        return price_lines(self.lines, self.order_discount)

    # -- payment --------------------------------------------------------------------------
    def start_payment(self) -> None:
        self._require(CheckoutState.CART)
        if not self.lines:
            raise StateError(_("The cart is empty."))
        self.state = CheckoutState.PAYMENT
        self._changed()

    def back_to_cart(self) -> None:
        self._require(CheckoutState.PAYMENT)
        self.payments.clear()
        self.state = CheckoutState.CART
        self._changed()

    def add_payment(self, method: PaymentMethod | str, amount: Cents, reference: str = "") -> None:
        self._require(CheckoutState.PAYMENT)
        method = PaymentMethod.parse(method) if isinstance(method, str) else method
        text_rules.check_free_text(reference, _("The reference"))
        if amount <= 0:
            raise ValidationError(_("A payment must be more than zero."))
        remaining = self.tender.remaining
        if method is not PaymentMethod.CASH and amount > remaining:
            raise ValidationError(
                _("Only cash can give change: card and other payments must not exceed the total.")
            )
        self.payments.append(Payment(method, amount, reference))
        self._changed()

    def pay_exact(self, method: PaymentMethod = PaymentMethod.CASH) -> None:
        """Settle what is left with one payment of exactly that amount."""
        remaining = self.tender.remaining
        if remaining > 0:
            self.add_payment(method, remaining)

    def remove_payment(self, index: int) -> None:
        self._require(CheckoutState.PAYMENT)
        del self.payments[index]
        self._changed()

    @property
    def tender(self) -> Tender:
        return settle(self.totals.total, self.payments)

    # -- the end of a sale ------------------------------------------------------------------
    def void(self, reason: str = "") -> None:
        """Abandon the sale; the cart's content is kept in the audit log."""
        self._require(CheckoutState.CART, CheckoutState.PAYMENT)
        if self.lines:
            with self.ctx.write() as uow:
                uow.audit(
                    "sale_voided",
                    self.seller_id,
                    reason=reason,
                    lines=[line.describe() for line in self.lines],
                    total=format_amount(self.totals.total),
                )
        self.state = CheckoutState.VOIDED
        self._changed()

    def complete(self) -> SaleResult:
        self._require(CheckoutState.PAYMENT)
        totals = self.totals
        tender = check_payments(totals.total, self.payments)
        with self.ctx.write() as uow:
            s = uow.session
            shift = uow.connection.execute(_OPEN_SHIFT).first()
            if shift is None:
                raise StateError(_("No shift is open: open a shift before selling."))
            if self.location_code:
                location = lookups.location(s, self.location_code)
                location_id, location_code = location.id, location.code
            else:
                location_id, location_code = shift.location_id, shift.location_code
            prefix = settings.get(s, "device.prefix")
            receipt_no = sale_number(prefix, uow.next_value(f"receipt:{prefix}"))
            doc = Document(
                kind="sale",
                receipt_no=receipt_no,
                location_id=location_id,
                location_code=location_code,
                shift_id=shift.id,
                shift_uuid=shift.uuid,
                seller_id=self.seller_id,
                seller_uuid=self.seller_uuid,
                gross=totals.gross,
                discount=totals.discounts,
                order_discount=totals.order_discount,
                total=totals.total,
                change=tender.change,
                lines=line_rows(totals),
                payments=payment_rows(totals.total, self.payments),
                vat=totals.vat,
            )
            products = {ln.product_id: ProductRef(ln.product_id, ln.sku) for ln in self.lines}
            sale_id, payload = write_document(uow, doc, products, MovementReason.SALE)
            uow.outbox(EventKind.SALE_COMPLETED, payload)
            for approval in self.approvals:
                details = {k: v for k, v in approval.items() if k not in ("action", "by")}
                uow.audit(approval["action"], approval["by"], receipt=receipt_no, **details)
            uow.publish(events.SALE_COMPLETED, sale_id=sale_id, receipt_no=receipt_no)
            uow.publish(events.STOCK_CHANGED, location=location_code)
            self.result = SaleResult(
                sale_id, doc.uuid, receipt_no, totals.total, tender.paid, tender.change
            )
        self.state = CheckoutState.COMPLETED
        self._changed()
        return self.result

    # -- crash survival -------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        lines = []
        for line in self.lines:
            data = asdict(line)
            data["quantity"] = str(line.quantity)
            lines.append(data)
        return {
            "seller_id": self.seller_id,
            "location_code": self.location_code,
            "state": self.state.value,
            "lines": lines,
            "order_discount": self.order_discount,
            "order_discount_bp": self.order_discount_bp,
            "order_discount_approved": self.order_discount_approved,
            "payments": [[p.method.value, p.amount, p.reference] for p in self.payments],
            "approvals": self.approvals,
        }

    @classmethod
    def restore(cls, ctx: Context, data: dict[str, Any]) -> Checkout:
        with ctx.read() as s:
            seller = s.get(User, data["seller_id"])
        checkout = cls(ctx, seller, data.get("location_code"))
        for raw in data["lines"]:
            raw = dict(raw)
            raw["quantity"] = Decimal(raw["quantity"])
            checkout.lines.append(CartLine(**raw))
        checkout.order_discount = data.get("order_discount", 0)
        checkout.order_discount_bp = data.get("order_discount_bp")
        checkout.order_discount_approved = data.get("order_discount_approved", False)
        checkout.payments = [
            Payment(PaymentMethod(m), a, r) for m, a, r in data.get("payments", [])
        ]
        checkout.approvals = list(data.get("approvals", []))
        state = CheckoutState(data.get("state", "cart"))
        checkout.state = state if state is CheckoutState.PAYMENT else CheckoutState.CART
        return checkout


# -- document rows -------------------------------------------------------------------------


def line_rows(totals: Totals) -> list[dict[str, Any]]:
    """``sale_lines`` rows of a priced cart (snapshotting everything that may change)."""
    rows = []
    for n, priced in enumerate(totals.lines, start=1):
        line = priced.line
        rows.append(
            {
                "line_no": n,
                "product_id": line.product_id,
                "sku": line.sku,
                "name": line.name,
                "unit": line.unit,
                "quantity_milli": to_milli(line.quantity),
                "list_price_cents": line.list_price,
                "unit_price_cents": line.price,
                "vat_rate": line.vat_rate,
                "cooperative_id": line.cooperative_id,
                "cooperative_code": line.cooperative_code,
                "commission_bp": line.commission_bp,
                "gross_cents": line.gross,
                "line_discount_cents": line.discount,
                "order_discount_cents": priced.order_discount,
                "net_cents": priced.net,
                "commission_cents": priced.commission,
                "refund_of_line_id": None,
            }
        )
    return rows


def payment_rows(total: Cents, payments: list[Payment]) -> list[dict[str, Any]]:
    return [
        {
            "method": payment.method.value,
            "amount_cents": applied,
            "tendered_cents": payment.amount,
            "reference": payment.reference,
        }
        for payment, applied in apply_sale_allocation(total, payments)
    ]


def load_sale(session, receipt_no: str) -> Sale:
    """A sale by its receipt number, typed or scanned (read as ``keyboard.readings``)."""
    wanted = [r.upper() for r in keyboard.readings(receipt_no)]
    found = {
        sale.receipt_no: sale
        for sale in session.execute(
            select(Sale)
            .where(Sale.receipt_no.in_(wanted))
            .options(selectinload(Sale.lines), selectinload(Sale.payments), selectinload(Sale.vat))
        ).scalars()
    }
    sale = next((found[r] for r in wanted if r in found), None)
    if sale is None:
        raise NotFoundError(_("No receipt numbered “{receipt}”.", receipt=receipt_no))
    return sale
