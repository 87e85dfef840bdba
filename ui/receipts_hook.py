"""The print queue seen from the window: jobs go into the database queue on the GUI
thread (a few milliseconds), a worker thread sends them, and the result comes back as a
signal.  A slow, unplugged or paper-less printer never blocks the till; the jobs wait and
the sell screen shows how many, with Retry.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from coopos.domain.errors import CooposError
from coopos.i18n import _
from coopos.printing import queue
from coopos.printing.printers import open_printer
from coopos.printing.receipts import PrinterConfig
from coopos.services.context import Context
from ui.workers import run_task


class PrintRunner(QObject):
    """Drains the print queue one run at a time."""

    # (jobs still waiting, sentence, is_error)
    changed = Signal(int, str, bool)

    def __init__(self, ctx: Context, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.config = PrinterConfig()
        self._running = False
        self._again = False
        self.waiting = 0

    # -- configuration ----------------------------------------------------------------------
    def configure(self) -> str | None:
        """Read the printer settings; returns a sentence if the printer cannot be used."""
        self.config = PrinterConfig.load(self.ctx)
        if not self.config.uri:
            return None
        try:
            open_printer(self.config.uri)
        except CooposError as exc:
            return exc.message
        return None

    @property
    def has_printer(self) -> bool:
        return bool(self.config.uri)

    # -- jobs -----------------------------------------------------------------------------
    def drawer_for_sale(self, receipt_no: str, took_cash: bool) -> None:
        """Open the drawer of a sale that took cash (when the settings say so)."""
        if queue.after_sale(
            self.ctx, receipt_no, print_receipt=False, took_cash=took_cash, config=self.config
        ):
            self.run()

    def print_receipt(self, receipt_no: str) -> str:
        """Queue a receipt; returns what to say now (the outcome comes as ``changed``)."""
        queue.add(self.ctx, queue.RECEIPT, receipt_no)
        if not self.has_printer:
            self.refresh()
            return _(
                "No receipt printer is set up yet: receipt {receipt} was saved and waits "
                "in the print queue.",
                receipt=receipt_no,
            )
        self.run()
        return _("Printing receipt {receipt}…", receipt=receipt_no)

    def print_duplicate(self, receipt_no: str, user_id: int | None) -> str:
        """Queue a duplicate of a receipt (audited, counted); returns what to say now."""
        copy, _job = queue.add_duplicate(self.ctx, receipt_no, user_id)
        if not self.has_printer:
            self.refresh()
            return _(
                "No receipt printer is set up yet: duplicate {copy} of receipt {receipt} "
                "waits in the print queue.",
                copy=copy,
                receipt=receipt_no,
            )
        self.run()
        return _("Printing duplicate {copy} of receipt {receipt}…", copy=copy, receipt=receipt_no)

    def print_shift_report(self, shift_id: int, title: str) -> str:
        """Queue a shift's X or Z report (``title`` names it in the sentence said now)."""
        queue.add(self.ctx, queue.SHIFT, shift_id=shift_id)
        if not self.has_printer:
            self.refresh()
            return _(
                "No receipt printer is set up yet: {report} waits in the print queue.",
                report=title,
            )
        self.run()
        return _("Printing: {report}…", report=title)

    def open_drawer(self) -> str:
        if not self.has_printer:
            return _("Recorded. No printer is set up to open the drawer: open it by hand.")
        queue.add(self.ctx, queue.DRAWER)
        self.run()
        return _("Opening the drawer…")

    def test_page(self) -> None:
        queue.add(self.ctx, queue.TEST)
        self.run()

    def discard(self, job_id: int) -> None:
        queue.discard(self.ctx, job_id)
        self.refresh()

    def pending(self) -> list[queue.JobView]:
        return queue.pending(self.ctx)

    def refresh(self) -> None:
        """Tell listeners how many jobs wait (no printing)."""
        jobs = self.pending()
        self.waiting = len(jobs)
        failed = next((j for j in jobs if j.status == queue.FAILED), None)
        if failed is not None:
            message = _("{job} was not printed: {reason}", job=failed.label, reason=failed.error)
            self.changed.emit(self.waiting, message, True)
        else:
            self.changed.emit(self.waiting, "", False)

    # -- the worker ---------------------------------------------------------------------------
    def run(self) -> None:
        """Send what waits; a run already going picks the new jobs up afterwards."""
        if self._running:
            self._again = True
            return
        self._running = True
        self._again = False
        config = self.config
        run_task(
            lambda _progress: queue.run_waiting(self.ctx, config),
            on_done=self._done,
            on_error=self._crashed,
        )

    def _done(self, outcome: queue.RunOutcome) -> None:
        self._running = False
        self.waiting = outcome.waiting
        if outcome.failed is not None:
            self.changed.emit(outcome.waiting, outcome.message, True)
            return
        if self._again:
            self.run()
            return
        self.changed.emit(0, outcome.message if outcome.printed else "", False)

    def _crashed(self, message: str) -> None:
        self._running = False
        self.refresh()
        self.changed.emit(self.waiting, message, True)


_runner: PrintRunner | None = None


def start(ctx: Context) -> tuple[PrintRunner, str | None]:
    """The window's print runner for this database (made once per database)."""
    global _runner
    if _runner is None or _runner.ctx is not ctx:
        _runner = PrintRunner(ctx)
    return _runner, _runner.configure()


def runner() -> PrintRunner | None:
    return _runner
