"""The X or Z report window: the report's sections as tables in the user's language and
the shop's time, with Print (the receipt printer, through the print queue) and Save as
PDF.  Thin: the figures come from ``coopos.services.shift_report``, the texts from
``coopos.services.shift_document``, the paper layout from ``coopos.printing``."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from coopos.domain.errors import CooposError
from coopos.i18n import _
from coopos.services.shift_document import build_document
from coopos.services.shift_report import ShiftReport
from ui.theme import set_role
from ui.widgets.forms import add_shortcuts
from ui.widgets.report_tables import ReportTables


class ReportView(QDialog):
    """An X report (the open shift, nothing is closed) or a Z report (final)."""

    def __init__(self, report: ShiftReport, parent=None, hide_expected: bool = False):
        super().__init__(parent)
        self.report = report
        self.doc = build_document(report, hide_expected=hide_expected)
        self.setObjectName("reportView")
        self.setWindowTitle(self.doc.title)
        self.setMinimumSize(760, 520)
        self.resize(1100, 720)
        layout = QVBoxLayout(self)
        title = set_role(QLabel(self.doc.title), "title")
        title.setObjectName("reportTitle")
        layout.addWidget(title)
        banner = set_role(QLabel(self.doc.banner), "muted" if report.is_closed else "banner")
        banner.setObjectName("reportBanner")
        banner.setWordWrap(True)
        layout.addWidget(banner)
        self.tables = ReportTables(self.doc)
        layout.addWidget(self.tables, 1)
        self.message = set_role(QLabel(), "banner")
        self.message.setObjectName("reportMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.print_button = self._button(_("Print"), "printReport", self.print_report)
        row.addWidget(self.print_button)
        row.addWidget(self._button(_("Save as PDF…"), "saveReportPdf", self.save_pdf))
        row.addStretch(1)
        close = self._button(_("Close"), "closeReport", self.accept)
        close.setDefault(True)  # Enter closes the report: it changes nothing
        row.addWidget(close)
        layout.addLayout(row)
        add_shortcuts(self, [("Ctrl+P", self.print_report), ("Ctrl+S", self.save_pdf)])
        close.setFocus()

    def _button(self, text: str, name: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def say(self, message: str, error: bool = False) -> None:
        set_role(self.message, "error" if error else "banner")
        self.message.setText(message)
        self.message.show()

    # -- print and PDF -------------------------------------------------------------------
    def print_report(self) -> None:
        """Queue the report for the receipt printer; never waits for it."""
        from ui.receipts_hook import runner

        printer = runner()
        if printer is None:
            self.say(_("No receipt printer is set up: choose one in Settings."), error=True)
            return
        try:
            self.say(printer.print_shift_report(self.report.shift_id, self.doc.title))
        except CooposError as exc:
            self.say(exc.message, error=True)

    def ask_pdf_path(self, suggested: str) -> str:
        from ui.screens.fairs import ask_save_path

        return ask_save_path(self, _("Save the report"), suggested, _("PDF files (*.pdf)"))

    def suggested_name(self) -> str:
        if self.report.is_closed:
            return f"coopos-z{self.report.z_number:04d}.pdf"
        return f"coopos-x-shift{self.report.shift_id}.pdf"

    def save_pdf(self) -> Path | None:
        """The report as shown, on a page 80 mm wide (as printed), in vector text."""
        from coopos.printing.shift_report import save_shift_report
        from ui.screens.fairs import with_suffix

        chosen = self.ask_pdf_path(self.suggested_name())
        if not chosen:
            return None
        try:
            written = save_shift_report(self.doc, with_suffix(chosen, ".pdf"))
        except (CooposError, OSError) as exc:
            reason = exc.message if isinstance(exc, CooposError) else str(exc.strerror or exc)
            self.say(_("The PDF could not be written ({reason}).", reason=reason), error=True)
            return None
        self.say(_("Saved to {path}.", path=written))
        return written


__all__ = ["ReportView"]
