"""Returns: type or scan a receipt number (or come from the receipts journal), choose the
quantities with +/- steppers, see the amount to give back, refund with a manager's PIN."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from coopos.domain.errors import CooposError
from coopos.domain.quantity import ZERO
from coopos.domain.sale import PaymentMethod
from coopos.i18n import _, current_language
from coopos.i18n.formats import format_money, format_qty
from coopos.printing.receipts import is_receipt_qr, receipt_from_qr
from coopos.services import refunds
from coopos.services.checkout import load_sale
from ui.session import AppSession
from ui.theme import set_role
from ui.widgets.approval import approve
from ui.widgets.stepper import TOUCH, Stepper


class ReturnsDialog(QDialog):
    def __init__(self, session: AppSession, parent=None, receipt: str = ""):
        super().__init__(parent)
        self.session = session
        self.receipt_no: str | None = None
        self.lines: list[refunds.RefundableLine] = []
        self.steppers: list[Stepper] = []
        self.result = None
        self.setObjectName("returnsDialog")
        self.setWindowTitle(_("Return"))
        self.setMinimumSize(720, 480)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.receipt = QLineEdit(receipt)
        self.receipt.setObjectName("receiptInput")
        self.receipt.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # a code
        self.receipt.setPlaceholderText(_("Receipt number, e.g. T01-000123 (scan or type)"))
        self.receipt.returnPressed.connect(self.load)
        row.addWidget(self.receipt, 1)
        find = QPushButton(_("Find"))
        find.setObjectName("findReceipt")
        find.setAutoDefault(False)  # Enter in the field finds once
        find.clicked.connect(self.load)
        row.addWidget(find)
        layout.addLayout(row)
        self.info = set_role(QLabel(), "muted")
        layout.addWidget(self.info)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("returnLines")
        self.table.setHorizontalHeaderLabels(
            [_("Product"), _("Sold"), _("Can return"), _("Return now")]
        )
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(
            3, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(TOUCH + 8)
        # The steppers take the keys: Tab goes from one to the next, never into cells.
        self.table.setTabKeyNavigation(False)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        all_button = QPushButton(_("Everything"))
        all_button.setObjectName("returnAll")
        all_button.setAutoDefault(False)
        all_button.clicked.connect(self.select_all)
        bottom.addWidget(all_button)
        bottom.addWidget(QLabel(_("Pay back by")))
        self.method = QComboBox()
        self.method.setObjectName("refundMethod")
        self.method.addItem(_("As it was paid"), None)
        for method in PaymentMethod:
            self.method.addItem(method.label, method.value)
        bottom.addWidget(self.method)
        self.reason = QLineEdit()
        self.reason.setObjectName("refundReason")
        self.reason.setPlaceholderText(_("Reason (optional)"))
        bottom.addWidget(self.reason, 1)
        layout.addLayout(bottom)
        self.amount = set_role(QLabel(), "title")
        self.amount.setObjectName("refundAmount")
        layout.addWidget(self.amount)
        self.error = set_role(QLabel(), "error")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        actions = QHBoxLayout()
        close = QPushButton(_("Close"))
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        actions.addWidget(close)
        self.refund_button = set_role(QPushButton(_("Refund")), "primary")
        self.refund_button.setObjectName("refundButton")
        self.refund_button.setEnabled(False)
        # Enter refunds once quantities are chosen; disabled before, so the Enter that
        # finds the receipt never refunds anything.
        self.refund_button.setDefault(True)
        self.refund_button.clicked.connect(self.refund)
        actions.addWidget(self.refund_button, 2)
        layout.addLayout(actions)
        if receipt:
            self.load()

    def fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def load(self) -> None:
        self.error.hide()
        text = self.receipt.text().strip()
        if not text:
            return
        try:
            with self.session.ctx.read() as s:
                if is_receipt_qr(text):  # the QR printed on the receipt, scanned
                    text = receipt_from_qr(s, text)
                    self.receipt.setText(text)
                sale = load_sale(s, text)
                if sale.kind != "sale":
                    raise CooposError(
                        _("{receipt} is a refund: it cannot be refunded.", receipt=sale.receipt_no)
                    )
                self.lines = refunds.refundable_lines(s, sale, current_language())
                self.receipt_no = sale.receipt_no
                self.info.setText(
                    _(
                        "{receipt} of {time}: {amount}",
                        receipt=sale.receipt_no,
                        time=sale.created_local[:16].replace("T", " "),
                        amount=format_money(sale.total_cents),
                    )
                )
        except CooposError as exc:
            self.fail(exc.message)
            return
        self.table.setRowCount(0)  # a receipt found again starts from nothing
        self.table.setRowCount(len(self.lines))
        self.steppers = []
        for row, line in enumerate(self.lines):
            self.table.setItem(row, 0, QTableWidgetItem(line.name))
            for col, value in ((1, line.sold), (2, line.left)):
                item = QTableWidgetItem(format_qty(value))
                item.setTextAlignment(Qt.AlignmentFlag.AlignTrailing)
                self.table.setItem(row, col, item)
            for col in (0, 1, 2):
                self.table.item(row, col).setFlags(Qt.ItemFlag.ItemIsEnabled)
            stepper = Stepper(line.left)
            stepper.setEnabled(line.left > 0)
            stepper.changed.connect(self.show_amount)
            self.table.setCellWidget(row, 3, stepper)
            self.steppers.append(stepper)
        self.show_amount()
        first = next((s for s in self.steppers if s.isEnabled()), None)
        if first is not None:
            first.setFocus()  # the keyboard chooses the quantities next

    def select_all(self) -> None:
        for stepper in self.steppers:
            stepper.set_value(stepper.maximum)

    def wanted(self) -> dict[int, Decimal]:
        """Sale line id -> quantity to take back, for the lines chosen."""
        return {
            line.line_id: stepper.value()
            for line, stepper in zip(self.lines, self.steppers, strict=True)
            if stepper.value() > ZERO
        }

    def show_amount(self) -> None:
        """What the customer gets back, before the refund is confirmed (the figure the
        refund records: ``refunds.amount_back``)."""
        wanted = self.wanted()
        self.refund_button.setEnabled(bool(wanted))
        if not self.lines:
            self.amount.clear()
            return
        self.amount.setText(
            _(
                "To give back: {amount}",
                amount=format_money(refunds.amount_back(self.lines, wanted)),
            )
        )

    def refund(self) -> None:
        try:
            wanted = self.wanted()
            if not wanted:
                raise CooposError(_("Choose how many of each product come back."))
            approver = approve(
                self.session.ctx, self, "refund", _("A refund needs a manager."), self.session
            )
            if approver is None:
                return
            method = self.method.currentData()
            self.result = refunds.refund(
                self.session.ctx,
                self.receipt_no,
                approver,
                None,
                PaymentMethod(method) if method else None,
                self.reason.text().strip(),
                user_id=self.session.user.id,
                line_quantities=wanted,
            )
        except CooposError as exc:
            self.fail(exc.message)
            return
        self.accept()
