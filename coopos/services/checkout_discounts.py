"""Discounts on the sale in progress: on one line or on the whole sale, as a percentage or
an amount (``coopos.domain.discount``), with the manager rule above the sellers' limit.

Mixed into :class:`coopos.services.checkout.Checkout` (kept apart so that the state machine
stays readable).  A discount above the ``discount.seller_limit_bp`` setting raises
:class:`ApprovalRequired` naming the action (``line_discount`` or ``order_discount``); the
caller asks a manager and calls again with the ``Approver``.  Every discount given is
audited with the sale (who gave it, who approved it, what was typed).  The sale's
document stores them as before: a line's ``discount`` and each line's share of the order
discount.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from coopos.domain.catalog import parse_rate_bp
from coopos.domain.discount import Discount, amount_off, sellers_most, within_limit
from coopos.domain.errors import ApprovalRequired, ValidationError
from coopos.domain.money import Cents, format_amount
from coopos.domain.sale import CartLine
from coopos.i18n import _
from coopos.services import settings

if TYPE_CHECKING:
    from coopos.domain.catalog import Role
    from coopos.services.checkout import Approver
    from coopos.services.context import Context


def _typed(discount: Discount) -> dict[str, str]:
    """For the audit: the percentage typed (an amount is the amount itself)."""
    return {"percent": discount.describe()} if discount.is_percent else {}


class CartDiscounts:
    """What ``Checkout`` has that this needs: ``ctx``, ``lines``, ``order_discount``,
    ``order_discount_bp``, ``seller_role``, ``line()``, ``_require_cart()``,
    ``_approved()`` and ``_changed()``."""

    ctx: Context
    lines: list[CartLine]
    order_discount: Cents
    order_discount_bp: int | None
    seller_role: Role

    # -- one line --------------------------------------------------------------------------
    def discount_line(
        self, line_id: str, discount: Discount, approver: Approver | None = None
    ) -> Cents:
        """A discount on one line; returns what it takes off."""
        self._require_cart()
        line = self.line(line_id)
        amount = discount.of(line.gross)
        if amount < 0 or amount > line.gross:
            raise ValidationError(_("A discount must be between 0 and the line amount."))
        self._check_discount_limit("line_discount", discount, amount, line.gross, approver)
        line.discount, line.discount_bp = amount, discount.percent_bp
        line.discount_approved = self._by_a_manager(approver)
        self._approved(
            "line_discount",
            approver,
            sku=line.sku,
            amount=format_amount(amount),
            **_typed(discount),
        )
        self._rebound_discounts()
        self._changed()
        return amount

    def set_line_discount(
        self, line_id: str, amount: Cents, approver: Approver | None = None
    ) -> None:
        """A discount in MAD on one line.  Above the sellers' limit a manager approves."""
        self.discount_line(line_id, Discount(amount=amount), approver)

    def set_line_discount_percent(
        self, line_id: str, percent: Decimal | str, approver: Approver | None = None
    ) -> None:
        self.discount_line(line_id, Discount(percent_bp=parse_rate_bp(percent)), approver)

    # -- the whole sale --------------------------------------------------------------------
    @property
    def order_base(self) -> Cents:
        """What a discount on the whole sale applies to: the lines after their own."""
        return sum(line.net_before_order_discount for line in self.lines)

    def discount_order(self, discount: Discount, approver: Approver | None = None) -> Cents:
        """A discount on the whole sale, spread over the lines when priced; returns what it
        takes off.  A percentage follows the sale when lines change."""
        self._require_cart()
        base = self.order_base
        amount = discount.of(base)
        if amount < 0 or amount > base:
            raise ValidationError(_("A discount must be between 0 and the total."))
        self._check_discount_limit("order_discount", discount, amount, base, approver)
        self.order_discount, self.order_discount_bp = amount, discount.percent_bp
        self.order_discount_approved = self._by_a_manager(approver)
        self._approved("order_discount", approver, amount=format_amount(amount), **_typed(discount))
        self._changed()
        return amount

    def set_order_discount(self, amount: Cents, approver: Approver | None = None) -> None:
        self.discount_order(Discount(amount=amount), approver)

    def set_order_discount_percent(
        self, percent: Decimal | str, approver: Approver | None = None
    ) -> None:
        self.discount_order(Discount(percent_bp=parse_rate_bp(percent)), approver)

    # -- rules ------------------------------------------------------------------------------
    def _rebound_discounts(self) -> None:
        """After a line changed: percentages worked out again, amounts never more than
        what they are taken from (a line or a sale never goes below zero), and an amount
        a seller gave alone never more than the sellers' limit of what is left (else 5 %
        of ten pieces, kept when nine are taken off, would be 50 % of one)."""
        limit: list[int] = []  # read once, and only when an amount needs it

        def bound(amount: Cents, percent_bp: int | None, approved: bool, base: Cents) -> Cents:
            amount = amount_off(Discount(percent_bp, amount), base)
            if percent_bp is not None or approved or self.seller_role.is_manager or not amount:
                return amount
            if not limit:
                limit.append(self._sellers_limit_bp())
            return min(amount, sellers_most(base, limit[0]))

        for line in self.lines:
            line.discount = bound(
                line.discount, line.discount_bp, line.discount_approved, line.gross
            )
        self.order_discount = bound(
            self.order_discount,
            self.order_discount_bp,
            self.order_discount_approved,
            self.order_base,
        )

    def _by_a_manager(self, approver: Approver | None) -> bool:
        return approver is not None or self.seller_role.is_manager

    def _sellers_limit_bp(self) -> int:
        with self.ctx.read() as s:
            return int(settings.get(s, "discount.seller_limit_bp"))

    def _check_discount_limit(
        self,
        action: str,
        discount: Discount,
        amount: Cents,
        base: Cents,
        approver: Approver | None,
    ) -> None:
        if self._by_a_manager(approver) or amount == 0:
            return
        limit_bp = self._sellers_limit_bp()
        if discount.is_percent:
            allowed = discount.percent_bp <= limit_bp  # 5 % is 5 %, whatever the rounding
        else:
            allowed = within_limit(amount, base, limit_bp)
        if not allowed:
            raise ApprovalRequired(_("A discount this large needs a manager's PIN."), action)
