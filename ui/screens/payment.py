"""Payment: cash typed or with quick buttons for the Moroccan notes and "exact", card,
mobile wallet, split across methods; the change is shown large.  An exact-cash sale is
three touches after the last scan (Pay, Exact, Confirm), or F12, F9, Enter.

The keyboard is the cash drawer's: the dialog opens with the focus in the cash field, and
digits typed anywhere in it go there.  No button is a default button, so Enter never
presses a note: Enter adds the amount typed, and with nothing typed confirms once paid.
A scanner's burst (a product code, or more digits than any amount) is refused, never
turned into money."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from coopos.domain import keyboard
from coopos.domain.cash import NOTES
from coopos.domain.errors import CooposError, ValidationError
from coopos.domain.money import Cents, parse_amount
from coopos.domain.sale import Payment, PaymentMethod, settle
from coopos.i18n import _
from coopos.i18n.formats import format_money
from coopos.services import lookups
from coopos.services.checkout import CheckoutState, SaleResult
from ui import shortcuts
from ui.errors import crash_message
from ui.screens.after_sale import AfterSaleDialog
from ui.session import AppSession
from ui.shortcuts import PAYMENT, with_key
from ui.theme import set_role
from ui.widgets.keypad import KeyField
from ui.widgets.shortcut_help import show_help

# Cash is never a million dirhams in one go: more whole digits than this is a barcode.
MAX_CASH_DIGITS = 6
OTHER_METHODS = {
    "card": PaymentMethod.CARD,
    "mobile": PaymentMethod.MOBILE,
    "transfer": PaymentMethod.TRANSFER,
    "voucher": PaymentMethod.VOUCHER,
}


class PaymentDialog(QDialog):
    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.checkout = session.checkout
        self.result: SaleResult | None = None
        self.setObjectName("paymentDialog")
        self.setWindowTitle(_("Payment"))
        self.setMinimumWidth(680)  # the methods' names with their keys, on one row
        if self.checkout.state is CheckoutState.CART:
            self.checkout.start_payment()
        layout = QVBoxLayout(self)
        self.due = set_role(QLabel(), "total")
        self.due.setObjectName("dueLabel")
        self.due.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.due)

        typed = QHBoxLayout()
        self.tendered = KeyField(when_empty=("Delete",))
        self.tendered.setObjectName("cashTendered")
        self.tendered.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # an amount
        self.tendered.setPlaceholderText(_("Cash given by the customer"))
        self.tendered.textChanged.connect(self.refresh)
        typed.addWidget(self.tendered, 1)
        add_cash = self._button(_("Add cash"), "addCash", self.add_typed_cash)
        typed.addWidget(add_cash)
        exact = self._button(with_key(_("Exact cash"), PAYMENT, "exact"), "exactCash")
        set_role(exact, "primary")
        exact.clicked.connect(self.pay_exact_cash)
        typed.addWidget(exact)
        layout.addLayout(typed)

        notes = QHBoxLayout()
        for note in NOTES:
            button = self._button(format_money(note), f"note_{note // 100}")
            button.setMinimumHeight(44)  # touch-sized, and all fits in 600 pixels
            button.clicked.connect(lambda _c=False, n=note: self.add("cash", n))
            notes.addWidget(button)
        layout.addLayout(notes)

        others = QHBoxLayout()
        # A tooltip, not a line of text: the whole dialog fits a 1024x600 netbook.
        split = _("Card and other methods take what is left to pay; type an amount first to split.")
        for name, method in OTHER_METHODS.items():
            button = self._button(with_key(method.label, PAYMENT, name), f"pay_{method.value}")
            button.setMinimumHeight(44)  # touch-sized, and all fits in 600 pixels
            button.setToolTip(split)
            button.clicked.connect(lambda _c=False, m=method: self.add_rest(m))
            others.addWidget(button)
        layout.addLayout(others)

        paid = QHBoxLayout()
        self.payments = QListWidget()
        self.payments.setObjectName("paymentsList")
        self.payments.setMaximumHeight(56)
        self.payments.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typed digits stay money
        paid.addWidget(self.payments, 1)
        remove = self._button(with_key(_("Remove payment"), PAYMENT, "remove"), "removePayment")
        remove.clicked.connect(self.remove_selected)
        paid.addWidget(remove)
        layout.addLayout(paid)

        self.remaining = set_role(QLabel(), "title")
        self.remaining.setObjectName("remainingLabel")
        self.remaining.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.remaining)
        self.change = set_role(QLabel(), "change")
        self.change.setObjectName("changeLabel")
        self.change.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.change)
        self.error = set_role(QLabel(), "error")
        self.error.setObjectName("paymentError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)

        buttons = QHBoxLayout()
        back = self._button(_("Back to cart"), "backToCart", self.reject)
        buttons.addWidget(back)
        self.confirm = set_role(
            self._button(with_key(_("Confirm"), PAYMENT, "confirm"), "confirmPayment"), "primary"
        )
        self.confirm.setMinimumHeight(56)
        self.confirm.clicked.connect(self.confirm_payment)
        buttons.addWidget(self.confirm, 2)
        layout.addLayout(buttons)

        slots = {
            "help": lambda: show_help(self),
            "confirm": self.confirm_payment,
            "exact": self.pay_exact_cash,
            "remove": self.remove_selected,
        }
        for name, method in OTHER_METHODS.items():
            slots[name] = lambda m=method: self.add_rest(m)
        shortcuts.bind(self, PAYMENT, slots)
        self.setTabOrder(self.tendered, add_cash)
        self.refresh()

    def _button(self, text: str, name: str, slot=None) -> QPushButton:
        """No auto-default: Enter must never press a button the seller did not choose.
        Tab reaches it, a touch does not take the focus from the cash field."""
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.setDefault(False)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        if slot is not None:
            button.clicked.connect(slot)
        return button

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.tendered.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- the keyboard ---------------------------------------------------------------------
    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focus = self.focusWidget()
            if isinstance(focus, QPushButton) and focus.isEnabled():
                focus.click()  # a button reached with Tab: Enter presses it
            else:
                self.on_enter()
            return
        text = event.text()
        plain = not event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        )
        if plain and text and text.isprintable() and text != " ":
            # Typed (or scanned) while a button had the focus: it is for the cash field.
            self.tendered.setFocus(Qt.FocusReason.OtherFocusReason)
            self.tendered.deselect()  # add to what was typed, never replace it
            self.tendered.end(False)
            self.tendered.insert(text)
            return
        super().keyPressEvent(event)

    def on_enter(self) -> None:
        if self.tendered.text().strip():
            self.add_typed_cash()
        elif self.checkout.tender.remaining == 0:
            self.complete()
        else:
            self.show_error(_("Type the cash given, then Enter (F9: exact cash)."))

    # -- payments --------------------------------------------------------------------------
    def _run(self, fn, *args) -> bool:
        try:
            fn(*args)
        except CooposError as exc:
            self.show_error(exc.message)
            return False
        self.error.hide()
        self.refresh()
        return True

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def add(self, method: str, amount: int) -> bool:
        return self._run(self.checkout.add_payment, method, amount)

    def pay_exact_cash(self) -> None:
        self.tendered.clear()
        self._run(self.checkout.pay_exact, PaymentMethod.CASH)

    def _looks_scanned(self, text: str) -> bool:
        """A scanner's burst: more digits than any cash amount, or (not being an amount)
        a product's code.  A short number is money, even if some label bears it."""
        if keyboard.whole_digits(text) > MAX_CASH_DIGITS:
            return True
        try:
            keyboard.parse_typed(text, parse_amount)
            return False
        except CooposError:
            pass
        with self.session.ctx.read() as s:
            return lookups.product_by_code(s, text) is not None

    def typed_amount(self) -> Cents | None:
        """The cash typed (None when nothing is); raises with one sentence when it is not
        an amount, or when it was scanned."""
        text = self.tendered.text().strip()
        if not text:
            return None
        if self._looks_scanned(text):
            raise ValidationError(
                _(
                    "“{code}” looks like a scanned barcode, not an amount: nothing was paid "
                    "(press Esc to go back to the cart).",
                    code=text,
                )
            )
        return keyboard.parse_typed(text, parse_amount)

    def _take_typed(self) -> Cents | None:
        try:
            amount = self.typed_amount()
        except CooposError as exc:
            self.tendered.clear()  # a refused scan must not be Entered again
            self.show_error(exc.message)
            raise
        self.tendered.clear()
        return amount

    def add_rest(self, method: PaymentMethod) -> None:
        try:
            amount = self._take_typed()
        except CooposError:
            return
        if amount is None:
            self._run(self.checkout.pay_exact, method)
        else:
            self.add(method.value, amount)

    def add_typed_cash(self) -> bool:
        try:
            amount = self._take_typed()
        except CooposError:
            return False
        return amount is None or self.add("cash", amount)

    def remove_selected(self) -> None:
        if not self.checkout.payments:
            return
        row = self.payments.currentRow()
        self._run(
            self.checkout.remove_payment, row if row >= 0 else len(self.checkout.payments) - 1
        )

    def _preview(self) -> Cents | None:
        """The amount typed so far, if it reads as cash (for the live change)."""
        text = self.tendered.text().strip()
        if not text:
            return None
        if keyboard.whole_digits(text) > MAX_CASH_DIGITS:
            return None
        try:
            amount = keyboard.parse_typed(text, parse_amount)
        except CooposError:
            return None
        return amount if amount > 0 else None

    def refresh(self) -> None:
        totals = self.checkout.totals
        self.due.setText(_("To pay: {amount}", amount=format_money(totals.total)))
        self.payments.clear()
        for payment in self.checkout.payments:
            self.payments.addItem(
                QListWidgetItem(f"{payment.method.label}   {format_money(payment.amount)}")
            )
        typed = self._preview()
        payments = list(self.checkout.payments)
        if typed is not None:  # as if the amount typed were added: the change before Enter
            payments.append(Payment(PaymentMethod.CASH, typed))
        tender = settle(totals.total, payments)
        if tender.remaining:
            self.remaining.setText(
                _("Still to pay: {amount}", amount=format_money(tender.remaining))
            )
        else:
            self.remaining.setText(_("Paid"))
        self.change.setText(_("Change: {amount}", amount=format_money(tender.change)))
        self.confirm.setEnabled(tender.remaining == 0)

    # -- the end -----------------------------------------------------------------------------
    def confirm_payment(self) -> None:
        """Confirm (F12): the cash typed is added first, then the sale is saved if paid."""
        if self.tendered.text().strip() and not self.add_typed_cash():
            return
        self.complete()

    def complete(self) -> None:
        if self.checkout.tender.remaining:
            return
        try:
            self.result = self.checkout.complete()
        except CooposError as exc:
            self.show_error(exc.message)
            return
        except Exception as exc:  # the cart is still there: nothing was written
            self.show_error(crash_message(exc))
            return
        self.accept()

    def reject(self) -> None:
        if self.checkout.state is CheckoutState.PAYMENT:
            self.checkout.back_to_cart()
        super().reject()


__all__ = ["AfterSaleDialog", "PaymentDialog"]
