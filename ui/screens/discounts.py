"""Discounts from the sell screen: F6 on the selected line, Shift+F6 on the whole sale,
typed as ``10%`` (a percentage) or ``10`` (MAD; ``10,50`` or ``10.50``), on any keyboard
layout or in Arabic-Indic digits.  Above the sellers' limit the core raises
``ApprovalRequired``: a manager types their PIN and the discount is given again with
them as the approver (``coopos.services.checkout_discounts``)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from coopos.domain.discount import Discount, parse_discount
from coopos.domain.errors import ApprovalRequired, CooposError
from coopos.i18n import _
from coopos.i18n.formats import format_money
from coopos.services.checkout import Approver
from ui.errors import guarded
from ui.widgets.approval import approve
from ui.widgets.keypad import ValueDialog


class DiscountDialog(ValueDialog):
    """The amount dialog with a % key: ``value`` is a ``Discount``."""

    def __init__(self, title: str, prompt: str, parent=None):
        super().__init__(title, prompt, "discount", "", parent)
        self.setObjectName("discountDialog")
        self.findChild(QLabel).setWordWrap(True)  # the prompt: a long sentence
        self.setMinimumWidth(420)
        percent = QPushButton("%")
        percent.setObjectName("key_percent")
        percent.setMinimumSize(64, 56)
        percent.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        percent.clicked.connect(lambda: self.field.insert("%"))
        self.layout().insertWidget(3, percent)  # under the keypad
        self.field.setFocus()

    def parse(self, text: str) -> Discount:
        return parse_discount(text)


def ask_discount(parent, prompt: str) -> Discount | None:
    dialog = DiscountDialog(_("Discount"), prompt, parent)
    return dialog.value if dialog.exec() == DiscountDialog.DialogCode.Accepted else None


def with_approval(screen, give: Callable[[Approver | None], object]) -> None:
    """Give a discount; above the sellers' limit, again with a manager's approval."""
    try:
        give(None)
    except ApprovalRequired as needed:
        approver = approve(
            screen.session.ctx,
            screen,
            needed.action,
            _("A discount this large needs a manager."),
            screen.session,
        )
        if approver is not None:
            give(approver)


class Discounts:
    """Mixed into the sell screen (it has ``session``, ``_line()``, ``_cart()`` and
    ``focus_scan``)."""

    @guarded()
    def ask_discount(self) -> None:
        line = self._line()
        discount = ask_discount(
            self,
            _(
                "Discount on {name} (the line is {amount}): type 10% for a percentage, "
                "or 10 for an amount in MAD.",
                name=line.name,
                amount=format_money(line.gross),
            ),
        )
        if discount is not None:
            checkout = self.session.checkout
            with_approval(self, lambda by: checkout.discount_line(line.line_id, discount, by))
        self.focus_scan()

    @guarded()
    def ask_order_discount(self) -> None:
        checkout = self._cart()
        if not checkout.lines:
            raise CooposError(_("The cart is empty."))
        discount = ask_discount(
            self,
            _(
                "Discount on the whole sale (it is {amount}): type 10% for a percentage, "
                "or 10 for an amount in MAD.",
                amount=format_money(checkout.order_base),
            ),
        )
        if discount is not None:
            with_approval(self, lambda by: checkout.discount_order(discount, by))
        self.focus_scan()
