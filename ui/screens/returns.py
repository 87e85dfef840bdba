"""Returns: type or scan a receipt number, pick lines and quantities, refund with a
manager's PIN."""

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
from coopos.domain.quantity import ZERO, quantity
from coopos.domain.sale import PaymentMethod
from coopos.i18n import _, current_language
from coopos.i18n.formats import format_money, format_qty
from coopos.printing.receipts import is_receipt_qr, receipt_from_qr
from coopos.services import refunds
from coopos.services.checkout import load_sale
from ui.session import AppSession
from ui.theme import set_role
from ui.widgets.approval import approve


class ReturnsDialog(QDialog):
    def __init__(self, session: AppSession, parent=None, receipt: str = ""):
        super().__init__(parent)
        self.session = session
        self.receipt_no: str | None = None
        self.lines: list[refunds.RefundableLine] = []
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
        self.table.verticalHeader().hide()
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        all_button = QPushButton(_("Everything"))
        all_button.setObjectName("returnAll")
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
        self.error = set_role(QLabel(), "error")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        actions = QHBoxLayout()
        close = QPushButton(_("Close"))
        close.clicked.connect(self.reject)
        actions.addWidget(close)
        self.refund_button = set_role(QPushButton(_("Refund")), "primary")
        self.refund_button.setObjectName("refundButton")
        self.refund_button.setEnabled(False)
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
        self.table.setRowCount(len(self.lines))
        for row, line in enumerate(self.lines):
            self.table.setItem(row, 0, QTableWidgetItem(line.name))
            for col, value in ((1, line.sold), (2, line.left)):
                item = QTableWidgetItem(format_qty(value))
                item.setTextAlignment(Qt.AlignmentFlag.AlignTrailing)
                self.table.setItem(row, col, item)
            for col in (0, 1, 2):
                self.table.item(row, col).setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(row, 3, QTableWidgetItem("0"))
        self.refund_button.setEnabled(any(line.left > 0 for line in self.lines))

    def select_all(self) -> None:
        for row, line in enumerate(self.lines):
            self.table.item(row, 3).setText(format_qty(line.left))

    def wanted(self) -> list[tuple[str, Decimal]]:
        items = []
        for row, line in enumerate(self.lines):
            text = self.table.item(row, 3).text().strip() or "0"
            qty = quantity(text)
            if qty > ZERO:
                items.append((line.sku, qty))
        return items

    def refund(self) -> None:
        try:
            items = self.wanted()
            if not items:
                raise CooposError(_("Type how many of each product come back."))
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
                items,
                PaymentMethod(method) if method else None,
                self.reason.text().strip(),
                user_id=self.session.user.id,
            )
        except CooposError as exc:
            self.fail(exc.message)
            return
        self.accept()
