"""The receipts journal's details pane: one sale's lines, payments, refunds and
duplicates, in the user's language (amounts and times as everywhere in the app)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from coopos.domain.catalog import unit_label
from coopos.domain.sale import PaymentMethod
from coopos.i18n import _
from coopos.i18n.formats import format_money, format_qty, format_utc_time
from coopos.services.journal import Details
from ui.theme import set_role


def method_label(method: str) -> str:
    try:
        return PaymentMethod(method).label
    except ValueError:  # a method this version does not know: its code
        return method


def quantity_text(qty, unit: str) -> str:
    text = format_qty(qty)
    return text if unit == "piece" else f"{text}\u00a0{unit_label(unit)}"


class JournalDetails(QWidget):
    """What the receipt says, without printing it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("journalDetails")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = set_role(QLabel(), "title")
        self.title.setObjectName("detailsTitle")
        layout.addWidget(self.title)
        self.info = set_role(QLabel(), "muted")
        self.info.setObjectName("detailsInfo")
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        self.lines = QTableWidget(0, 5)
        self.lines.setObjectName("detailsLines")
        self.lines.setHorizontalHeaderLabels(
            [_("Product"), _("Quantity"), _("Discount"), _("Amount"), _("Returned")]
        )
        self.lines.verticalHeader().hide()
        self.lines.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.lines.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.lines.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, 5):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.lines, 1)
        self.payments = QLabel()
        self.payments.setObjectName("detailsPayments")
        self.payments.setWordWrap(True)
        layout.addWidget(self.payments)
        self.more = set_role(QLabel(), "muted")
        self.more.setObjectName("detailsMore")
        self.more.setWordWrap(True)
        layout.addWidget(self.more)

    def show_sale(self, details: Details, zone: str) -> None:
        row = details.row
        self.title.setText(
            _("Refund {receipt}", receipt=row.receipt_no)
            if row.is_refund
            else _("Receipt {receipt}", receipt=row.receipt_no)
        )
        self.info.setText(
            _(
                "{time} · {seller} · total {total}",
                time=format_utc_time(row.created_utc, zone=zone),
                seller=row.seller,
                total=format_money(row.total_cents),
            )
        )
        self.lines.setRowCount(len(details.lines))
        for r, line in enumerate(details.lines):
            cells = [
                line.name,
                quantity_text(line.quantity, line.unit),
                format_money(-line.discount_cents) if line.discount_cents else "",
                format_money(line.net_cents),
                quantity_text(line.refunded, line.unit) if line.refunded else "",
            ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignTrailing | Qt.AlignmentFlag.AlignVCenter
                    )
                self.lines.setItem(r, c, item)
        self.lines.setColumnHidden(2, not any(line.discount_cents for line in details.lines))
        self.lines.setColumnHidden(4, not any(line.refunded for line in details.lines))
        paid = [
            _(
                "{method}: {amount}",
                method=method_label(p.method),
                amount=format_money(p.amount_cents),
            )
            for p in details.payments
        ]
        self.payments.setText(_("Paid: {payments}", payments=" · ".join(paid)) if paid else "")
        more = []
        if row.refund_of:
            more.append(_("Refund of receipt {receipt}", receipt=row.refund_of))
        if details.refunds:
            more.append(_("Refunds: {receipts}", receipts=", ".join(details.refunds)))
        if details.duplicates:
            more.append(_("Duplicates printed: {count}", count=details.duplicates))
        self.more.setText("\n".join(more))
        self.more.setVisible(bool(more))
