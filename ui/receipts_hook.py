"""Where receipts go after a sale.

With no printer set (Settings), the app says so and the sale is saved either way.  With
a printer URI, the receipt document is built on the GUI thread (it switches the message
language), then rendered and sent on a worker thread: a slow or unplugged printer never
blocks the till, and its failure comes back as one sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from coopos.domain.errors import CooposError
from coopos.i18n import _
from coopos.services import settings
from coopos.services.context import Context

Report = Callable[[str, bool], None]  # (message, is_error)


class ReceiptPrinter(Protocol):
    def print_receipt(self, receipt_no: str, report: Report) -> str:
        """Start printing; return a sentence now, call ``report`` when done."""

    def open_drawer(self, report: Report) -> None:
        """Kick the cash drawer (wired to the receipt printer)."""


class NoPrinter:
    def open_drawer(self, report: Report) -> None:
        report(_("Recorded. No printer is set up to open the drawer: open it by hand."), False)

    def print_receipt(self, receipt_no: str, report: Report) -> str:
        return _(
            "No receipt printer is set up yet: receipt {receipt} was saved and can be "
            "printed later.",
            receipt=receipt_no,
        )


class EscposPrinter:
    """An ESC/POS printer named by a URI (coopos.printing)."""

    def __init__(self, ctx: Context, uri: str, width_dots: int):
        from coopos.printing import escpos

        escpos.open_printer(uri)  # a bad URI is refused when it is set, not at a sale
        self.ctx, self.uri, self.width = ctx, uri, width_dots

    def open_drawer(self, report: Report) -> None:
        """The drawer is wired to the receipt printer: send it the kick, off the GUI."""
        from coopos.printing import escpos
        from ui.workers import run_task

        def kick(_progress) -> str:
            escpos.open_printer(self.uri).send(escpos.drawer_kick())
            return _("Drawer opened.")

        run_task(
            kick,
            on_done=lambda message: report(message, False),
            on_error=lambda message: report(message, True),
        )

    def print_receipt(self, receipt_no: str, report: Report) -> str:
        from coopos.printing import escpos
        from coopos.printing.receipts import load_receipt, receipt_job
        from ui.workers import run_task

        receipt = load_receipt(self.ctx, receipt_no)  # GUI thread: language switch

        def send(_progress) -> str:
            escpos.open_printer(self.uri).send(receipt_job(receipt, self.width))
            return _("Receipt {receipt} printed.", receipt=receipt_no)

        def failed(message: str) -> None:
            report(
                _(
                    "Receipt {receipt} is saved but was not printed: {reason}",
                    receipt=receipt_no,
                    reason=message,
                ),
                True,
            )

        run_task(send, on_done=lambda message: report(message, False), on_error=failed)
        return _("Printing receipt {receipt}…", receipt=receipt_no)


_printer: ReceiptPrinter = NoPrinter()


def set_receipt_printer(printer: ReceiptPrinter) -> None:
    global _printer
    _printer = printer


def receipt_printer() -> ReceiptPrinter:
    return _printer


def configure(ctx: Context) -> str | None:
    """Use the printer of the settings; returns a sentence if it cannot be used."""
    with ctx.read() as s:
        uri = str(settings.get(s, "printer.uri") or "").strip()
        width = int(settings.get(s, "printer.width") or 576)
    if not uri:
        set_receipt_printer(NoPrinter())
        return None
    try:
        set_receipt_printer(EscposPrinter(ctx, uri, width))
    except CooposError as exc:
        set_receipt_printer(NoPrinter())
        return exc.message
    return None
