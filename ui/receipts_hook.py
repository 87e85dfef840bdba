"""Where receipts go after a sale.  The receipts issue plugs a real printer in here
(``set_receipt_printer``); until then the app says plainly that none is configured."""

from __future__ import annotations

from typing import Protocol

from coopos.i18n import _


class ReceiptPrinter(Protocol):
    def print_receipt(self, receipt_no: str) -> str:
        """Send the receipt; return a sentence for the seller (e.g. "Printed")."""


class NoPrinter:
    def print_receipt(self, receipt_no: str) -> str:
        return _(
            "No receipt printer is set up yet: receipt {receipt} was saved and can be "
            "printed later.",
            receipt=receipt_no,
        )


_printer: ReceiptPrinter = NoPrinter()


def set_receipt_printer(printer: ReceiptPrinter) -> None:
    global _printer
    _printer = printer


def receipt_printer() -> ReceiptPrinter:
    return _printer
