"""After the sale: the change, large, and the receipt question.

Enter does what the shop most often wants: print when a receipt printer is set up (a
customer is owed a ticket), else no receipt (the job would only wait in the queue).
A scan that arrives meanwhile (the next customer) answers the question the same way and
goes on to the sell screen as the first scan of the next sale."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from coopos.i18n import _
from coopos.i18n.formats import format_money
from coopos.services.checkout import SaleResult
from ui import shortcuts
from ui.receipts_hook import runner
from ui.shortcuts import AFTER_SALE, with_key
from ui.theme import set_role


class AfterSaleDialog(QDialog):
    def __init__(self, result: SaleResult, parent=None):
        super().__init__(parent)
        self.result = result
        self.message = ""  # what printing said, for the sell screen to show
        self.next_scan = ""  # typed or scanned here: the next sale's first code
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
        self.has_printer = runner() is not None and runner().has_printer
        buttons = QHBoxLayout()
        self.skip = QPushButton(_("No receipt"))
        self.skip.setObjectName("receiptSkip")
        self.skip.clicked.connect(self.accept)
        self.printing = QPushButton(with_key(_("Print receipt"), AFTER_SALE, "print"))
        self.printing.setObjectName("receiptPrint")
        self.printing.clicked.connect(self.print_receipt)
        self.default = self.printing if self.has_printer else self.skip
        for button in (self.skip, self.printing):
            button.setMinimumHeight(64)
            button.setAutoDefault(False)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        set_role(self.default, "primary")
        buttons.addWidget(self.skip, 2 if self.default is self.skip else 1)
        buttons.addWidget(self.printing, 2 if self.default is self.printing else 1)
        layout.addLayout(buttons)
        hint = set_role(
            QLabel(_("Enter: print the receipt.") if self.has_printer else _("Enter: no receipt.")),
            "muted",
        )
        hint.setObjectName("afterSaleHint")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(hint)
        shortcuts.bind(self, AFTER_SALE, {"print": self.print_receipt})

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.default.setFocus(Qt.FocusReason.OtherFocusReason)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focus = self.focusWidget()
            chosen = focus if focus in (self.skip, self.printing) else self.default
            chosen.click()
            return
        text = event.text()
        if (
            text
            and text.isprintable()
            and not event.modifiers()
            & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        ):
            self.next_scan += text  # the next customer's first item
            return
        super().keyPressEvent(event)

    def print_receipt(self) -> None:
        if runner() is not None:
            self.message = runner().print_receipt(self.result.receipt_no)
        self.accept()
