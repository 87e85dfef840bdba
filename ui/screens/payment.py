"""Payment: cash with quick buttons for the Moroccan notes and "exact", card, mobile
wallet, split across methods; the change is shown large.  An exact-cash sale is three
touches after the last scan: Pay, Exact, Confirm."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from coopos.domain.cash import NOTES
from coopos.domain.errors import CooposError
from coopos.domain.money import parse_amount
from coopos.domain.sale import PaymentMethod
from coopos.i18n import _
from coopos.i18n.formats import format_money
from coopos.services.checkout import CheckoutState, SaleResult
from ui.errors import crash_message
from ui.receipts_hook import runner
from ui.session import AppSession
from ui.theme import set_role


class PaymentDialog(QDialog):
    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.checkout = session.checkout
        self.result: SaleResult | None = None
        self.setObjectName("paymentDialog")
        self.setWindowTitle(_("Payment"))
        self.setMinimumWidth(640)
        if self.checkout.state is CheckoutState.CART:
            self.checkout.start_payment()
        layout = QVBoxLayout(self)
        self.due = set_role(QLabel(), "total")
        self.due.setObjectName("dueLabel")
        self.due.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.due)

        cash = QGridLayout()
        exact = set_role(QPushButton(_("Exact cash")), "primary")
        exact.setObjectName("exactCash")
        exact.clicked.connect(self.pay_exact_cash)
        for i, note in enumerate(NOTES):
            button = QPushButton(format_money(note))
            button.setObjectName(f"note_{note // 100}")
            button.setMinimumHeight(64)
            button.clicked.connect(lambda _c=False, n=note: self.add("cash", n))
            cash.addWidget(button, 1, i)
        cash.addWidget(exact, 0, 0, 1, len(NOTES))
        layout.addLayout(cash)

        typed = QHBoxLayout()
        self.tendered = QLineEdit()
        self.tendered.setObjectName("cashTendered")
        self.tendered.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # an amount
        self.tendered.setPlaceholderText(_("Cash given by the customer"))
        self.tendered.returnPressed.connect(self.add_typed_cash)
        typed.addWidget(self.tendered, 1)
        add_cash = QPushButton(_("Add cash"))
        add_cash.setObjectName("addCash")
        add_cash.clicked.connect(self.add_typed_cash)
        typed.addWidget(add_cash)
        layout.addLayout(typed)

        others = QHBoxLayout()
        for method in (
            PaymentMethod.CARD,
            PaymentMethod.MOBILE,
            PaymentMethod.TRANSFER,
            PaymentMethod.VOUCHER,
        ):
            button = QPushButton(method.label)
            button.setObjectName(f"pay_{method.value}")
            button.setMinimumHeight(56)
            button.clicked.connect(lambda _c=False, m=method: self.add_rest(m))
            others.addWidget(button)
        layout.addLayout(others)
        hint = set_role(
            QLabel(
                _("Card and other methods take what is left to pay; type an amount first to split.")
            ),
            "muted",
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)

        self.payments = QListWidget()
        self.payments.setObjectName("paymentsList")
        self.payments.setMaximumHeight(110)
        layout.addWidget(self.payments)
        remove = QPushButton(_("Remove payment"))
        remove.setObjectName("removePayment")
        remove.clicked.connect(self.remove_selected)
        layout.addWidget(remove)

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
        back = QPushButton(_("Back to cart"))
        back.setObjectName("backToCart")
        back.clicked.connect(self.reject)
        buttons.addWidget(back)
        self.confirm = set_role(QPushButton(_("Confirm")), "primary")
        self.confirm.setObjectName("confirmPayment")
        self.confirm.setMinimumHeight(72)
        self.confirm.clicked.connect(self.complete)
        buttons.addWidget(self.confirm, 2)
        layout.addLayout(buttons)
        QShortcut(QKeySequence("F12"), self, activated=self.complete)
        self.refresh()

    # -- payments --------------------------------------------------------------------------
    def _run(self, fn, *args) -> None:
        try:
            fn(*args)
        except CooposError as exc:
            self.show_error(exc.message)
            return
        self.error.hide()
        self.refresh()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def add(self, method: str, amount: int) -> None:
        self._run(self.checkout.add_payment, method, amount)

    def pay_exact_cash(self) -> None:
        self._run(self.checkout.pay_exact, PaymentMethod.CASH)

    def add_rest(self, method: PaymentMethod) -> None:
        text = self.tendered.text().strip()
        if text:
            try:
                amount = parse_amount(text)
            except CooposError as exc:
                self.show_error(exc.message)
                return
            self.tendered.clear()
            self.add(method.value, amount)
        else:
            self._run(self.checkout.pay_exact, method)

    def add_typed_cash(self) -> None:
        text = self.tendered.text().strip()
        if not text:
            return
        try:
            amount = parse_amount(text)
        except CooposError as exc:
            self.show_error(exc.message)
            return
        self.tendered.clear()
        self.add("cash", amount)

    def remove_selected(self) -> None:
        row = self.payments.currentRow()
        if row >= 0:
            self._run(self.checkout.remove_payment, row)

    def refresh(self) -> None:
        totals, tender = self.checkout.totals, self.checkout.tender
        self.due.setText(_("To pay: {amount}", amount=format_money(totals.total)))
        self.payments.clear()
        for payment in self.checkout.payments:
            self.payments.addItem(
                QListWidgetItem(f"{payment.method.label}   {format_money(payment.amount)}")
            )
        if tender.remaining:
            self.remaining.setText(
                _("Still to pay: {amount}", amount=format_money(tender.remaining))
            )
        else:
            self.remaining.setText(_("Paid"))
        self.change.setText(_("Change: {amount}", amount=format_money(tender.change)))
        self.confirm.setEnabled(tender.remaining == 0)

    # -- the end -----------------------------------------------------------------------------
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


class AfterSaleDialog(QDialog):
    """The change, large, and the choice: print the receipt or not."""

    def __init__(self, result: SaleResult, parent=None):
        super().__init__(parent)
        self.result = result
        self.message = ""  # what printing said, for the sell screen to show
        self.setObjectName("afterSaleDialog")
        self.setWindowTitle(_("Sale {receipt}", receipt=result.receipt_no))
        layout = QVBoxLayout(self)
        done = set_role(QLabel(_("Sale {receipt} saved.", receipt=result.receipt_no)), "title")
        layout.addWidget(done)
        change = set_role(
            QLabel(_("Change: {amount}", amount=format_money(result.change))), "change"
        )
        change.setObjectName("finalChange")
        change.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(change)
        buttons = QHBoxLayout()
        skip = QPushButton(_("No receipt"))
        skip.setObjectName("receiptSkip")
        skip.setMinimumHeight(64)
        skip.clicked.connect(self.accept)
        printing = set_role(QPushButton(_("Print receipt")), "primary")
        printing.setObjectName("receiptPrint")
        printing.setMinimumHeight(64)
        printing.clicked.connect(self.print_receipt)
        buttons.addWidget(skip)
        buttons.addWidget(printing, 2)
        layout.addLayout(buttons)
        printing.setFocus()

    def print_receipt(self) -> None:
        if runner() is not None:
            self.message = runner().print_receipt(self.result.receipt_no)
        self.accept()
