"""The sell screen's cart lines: select one, change its quantity (with a question when
it looks like a typing mistake), price it (a manager approves), remove it (discounts:
``ui.screens.discounts``).
Every action works from the keyboard (``ui.shortcuts``) as from a touch."""

from __future__ import annotations

from decimal import Decimal

from coopos.domain.catalog import unit_label
from coopos.domain.errors import CooposError
from coopos.i18n import _
from coopos.services.checkout import Checkout, CheckoutState
from ui.errors import guarded
from ui.widgets.approval import approve
from ui.widgets.forms import select_row
from ui.widgets.keypad import ask_value
from ui.widgets.quantity_check import confirm_quantity


class CartLines:
    """Mixed into the sell screen (it has ``session``, ``cart``, ``cart_model``,
    ``focus_scan`` and ``say``)."""

    def _cart(self) -> Checkout:
        """The sale in progress, ready for changes: a sale restored during its payment
        goes back to the cart (its payments were not taken yet)."""
        checkout = self.session.checkout
        if checkout.state is CheckoutState.PAYMENT:
            checkout.back_to_cart()
        return checkout

    def _checked(
        self, product_id: int, qty: Decimal | None, name: str, unit: str, line_id=None
    ) -> Decimal | None:
        """A typed quantity, or what the seller makes of it when it looks wrong."""
        if qty is None:
            return None
        doubt = self.session.checkout.quantity_doubt(product_id, qty, line_id)
        return qty if doubt is None else confirm_quantity(self, doubt, name, unit)

    def select_line(self, line_id: str) -> bool:
        for row in range(self.cart_model.rowCount()):
            if self.cart_model.line_id(row) == line_id:
                select_row(self.cart, row)
                self.cart.scrollTo(self.cart_model.index(row, 0))
                return True
        return False

    def selected_line_id(self) -> str | None:
        rows = self.cart.selectionModel().selectedRows() if self.cart.selectionModel() else []
        if rows:
            return self.cart_model.line_id(rows[0].row())
        return None

    def _line(self):
        line_id = self.selected_line_id()
        if line_id is None:
            raise CooposError(_("Pick a line in the cart first."))
        return self._cart().line(line_id)

    @guarded()
    def step(self, delta: int) -> None:
        line = self._line()
        if line.sold_by_weight:
            self.ask_quantity()
            return
        self.session.checkout.increment(line.line_id, delta)
        self.focus_scan()

    @guarded()
    def ask_quantity(self) -> None:
        line = self._line()
        prompt = (
            _("{name}: quantity", name=line.name)
            if not line.sold_by_weight
            else _("{name}: weight or volume in {unit}", name=line.name, unit=unit_label(line.unit))
        )
        qty = ask_value(self, _("Quantity"), prompt, "quantity", str(line.quantity.normalize()))
        qty = self._checked(line.product_id, qty, line.name, line.unit, line.line_id)
        if qty is not None:
            self.session.checkout.set_quantity(line.line_id, qty)
        self.focus_scan()

    @guarded()
    def ask_price(self) -> None:
        line = self._line()
        approver = approve(
            self.session.ctx,
            self,
            "price_override",
            _("Changing a price needs a manager."),
            self.session,
        )
        if approver is None:
            return
        price = ask_value(
            self,
            _("Price"),
            _("New unit price of {name}", name=line.name),
            initial=f"{Decimal(line.price) / 100:.2f}",
        )
        if price is not None:
            self.session.checkout.override_price(line.line_id, price, approver)
        self.focus_scan()

    @guarded()
    def remove_line(self) -> None:
        line = self._line()
        self.session.checkout.remove_line(line.line_id, reason="removed at the till")
        self.focus_scan()

    @guarded()
    def undo_last(self) -> None:
        removed = self._cart().undo_last_line()
        if removed:
            self.say(_("Removed {name}.", name=removed.name))
        self.focus_scan()
