"""Shifts: open with a cash float, cash in/out, X report, close with a cash count by
denomination (notes 200/100/50/20, coins 10/5/2/1/0.50 MAD) and the Z report."""

from __future__ import annotations

import contextlib

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from coopos.cli.render import shift_report_text
from coopos.domain.cash import DENOMINATIONS, count_cash
from coopos.domain.errors import CooposError, StateError
from coopos.domain.money import parse_amount
from coopos.domain.sale import PaymentMethod
from coopos.i18n import _
from coopos.i18n.formats import format_money
from coopos.services import lookups, shifts
from coopos.services.shifts import ShiftReport
from ui.errors import guarded, show_error
from ui.session import AppSession
from ui.theme import set_role
from ui.widgets.forms import dialog_buttons, error_label
from ui.widgets.keypad import ask_value


def open_shift_dialog(session: AppSession, parent) -> bool:
    amount = ask_value(
        parent, _("Open the shift"), _("Cash float in the drawer (MAD)"), "amount", "0"
    )
    if amount is None:
        return False
    try:
        shifts.open_shift(session.ctx, session.user.id, amount)
    except CooposError as exc:
        show_error(parent, exc.message)
        return False
    return True


class ReportView(QDialog):
    """An X or Z report, as printed on a till ticket."""

    def __init__(self, report: ShiftReport, parent=None):
        super().__init__(parent)
        self.setObjectName("reportView")
        self.setWindowTitle(_("Z report") if report.kind == "Z" else _("X report"))
        layout = QVBoxLayout(self)
        text = QPlainTextEdit(shift_report_text(report))
        text.setObjectName("reportText")
        text.setReadOnly(True)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        text.setFont(font)
        text.setMinimumSize(620, 560)
        layout.addWidget(text)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.accept)
        layout.addWidget(close)


class CloseShiftDialog(QDialog):
    """Count the drawer by denomination; expected, counted and difference update live."""

    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.report: ShiftReport | None = None
        self.setObjectName("closeShiftDialog")
        self.setWindowTitle(_("Close the shift"))
        self.expected = shifts.x_report(session.ctx)
        layout = QVBoxLayout(self)
        layout.addWidget(set_role(QLabel(_("Count the cash in the drawer")), "title"))
        grid = QGridLayout()
        self.counts: dict[int, QSpinBox] = {}
        for i, denomination in enumerate(DENOMINATIONS):
            label = QLabel(format_money(denomination))
            spin = QSpinBox()
            spin.setRange(0, 100000)
            spin.setObjectName(f"count_{denomination}")
            spin.setMinimumHeight(40)
            spin.valueChanged.connect(self.update_totals)
            self.counts[denomination] = spin
            grid.addWidget(label, i % 5, (i // 5) * 2)
            grid.addWidget(spin, i % 5, (i // 5) * 2 + 1)
        layout.addLayout(grid)
        form = QFormLayout()
        self.others: dict[PaymentMethod, QLineEdit] = {}
        for line in self.expected.by_method:
            if line.method == "cash":
                continue
            method = PaymentMethod(line.method)
            field = QLineEdit()
            field.setObjectName(f"counted_{method.value}")
            field.setPlaceholderText(
                _("{amount} expected (terminal total)", amount=format_money(line.expected))
            )
            self.others[method] = field
            form.addRow(method.label, field)
        layout.addLayout(form)
        self.summary = set_role(QLabel(), "title")
        self.summary.setObjectName("cashSummary")
        layout.addWidget(self.summary)
        self.difference = QLabel()
        self.difference.setObjectName("cashDifference")
        layout.addWidget(self.difference)
        self.error = error_label("closeShiftError")
        layout.addWidget(self.error)
        # Enter in a count field must not close the shift
        layout.addLayout(
            dialog_buttons(self, self.close_shift, "confirmClose", _("Close the shift"), False)
        )
        self.update_totals()

    def counted(self) -> dict[int, int]:
        return {d: spin.value() for d, spin in self.counts.items() if spin.value()}

    def update_totals(self) -> None:
        counted = count_cash(self.counted())
        expected = self.expected.expected_cash
        self.summary.setText(
            _(
                "Counted {counted} · expected {expected}",
                counted=format_money(counted),
                expected=format_money(expected),
            )
        )
        diff = counted - expected
        if diff:
            set_role(self.difference, "error")
            self.difference.setText(_("Difference: {amount}", amount=format_money(diff)))
        else:
            set_role(self.difference, "muted")
            self.difference.setText(_("The drawer matches."))

    def close_shift(self) -> None:
        try:
            others = {m: parse_amount(f.text()) for m, f in self.others.items() if f.text()}
            self.report = shifts.close_shift(
                self.session.ctx, self.session.user.id, others, cash_detail=self.counted()
            )
        except CooposError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        self.accept()


class ShiftsScreen(QWidget):
    """Back office: the current shift and its actions."""

    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("shiftsScreen")
        layout = QVBoxLayout(self)
        layout.addWidget(set_role(QLabel(_("Shift")), "title"))
        self.status = QLabel()
        self.status.setObjectName("shiftStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        # the automatic backup after a close says where it went, or why not
        self.backup_status = QLabel()
        self.backup_status.setObjectName("backupStatus")
        self.backup_status.setWordWrap(True)
        self.backup_status.hide()
        layout.addWidget(self.backup_status)
        row = QHBoxLayout()
        self.buttons = {}
        for key, label, slot in [
            ("open", _("Open the shift"), self.open_shift),
            ("cash_in", _("Cash in"), lambda: self.cash(1)),
            ("cash_out", _("Cash out"), lambda: self.cash(-1)),
            ("drawer", _("Open drawer"), self.open_drawer),
            ("x", _("X report"), self.x_report),
            ("close", _("Close the shift (Z)"), self.close_shift),
            ("last_z", _("Last Z report"), self.last_z),
        ]:
            button = QPushButton(label)
            button.setObjectName(f"shift_{key}")
            button.clicked.connect(slot)
            row.addWidget(button)
            self.buttons[key] = button
        layout.addLayout(row)
        layout.addStretch(1)
        session.bridge.shift_changed.connect(self.refresh)
        session.bridge.sales_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        with self.session.ctx.read() as s:
            shift = lookups.open_shift(s)
            if shift:
                text = _(
                    "Shift {id} open at {location} since {time}, by {user}. Float {amount}.",
                    id=shift.id,
                    location=shift.location.code,
                    time=shift.opened_local[:16].replace("T", " "),
                    user=shift.opened_by.name,
                    amount=format_money(shift.float_cents),
                )
            else:
                text = _("No shift is open.")
        self.status.setText(text)
        is_open = shift is not None
        self.buttons["open"].setEnabled(not is_open)
        for key in ("cash_in", "cash_out", "x", "close"):
            self.buttons[key].setEnabled(is_open)

    @guarded()
    def open_shift(self) -> None:
        open_shift_dialog(self.session, self)

    @guarded()
    def cash(self, sign: int) -> None:
        title = _("Cash in") if sign > 0 else _("Cash out")
        amount = ask_value(self, title, _("Amount (MAD)"))
        if not amount:
            return
        reason = ask_text(self, title, _("Reason"))
        if reason:
            shifts.cash_movement(self.session.ctx, self.session.user.id, sign * amount, reason)

    @guarded()
    def open_drawer(self) -> None:
        """No sale: a manager approves, the reason is audited, then the drawer opens."""
        from ui.widgets.approval import approve

        reason = ask_text(self, _("Open drawer"), _("Why is the drawer opened?"))
        if not reason:
            return
        approver = approve(
            self.session.ctx,
            self,
            "drawer_open",
            _("Opening the drawer without a sale needs a manager."),
            self.session,
        )
        if approver is None:
            return
        shifts.record_drawer_opened(self.session.ctx, approver.id, reason)
        from ui.receipts_hook import runner

        if runner() is not None:
            self.status.setText(runner().open_drawer())

    @guarded()
    def x_report(self) -> None:
        ReportView(shifts.x_report(self.session.ctx), self).exec()

    @guarded()
    def close_shift(self) -> None:
        dialog = CloseShiftDialog(self.session, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.report:
            self.backup_after_close(dialog.report.z_number)
            ReportView(dialog.report, self).exec()

    def backup_after_close(self, z_number: int | None):
        """The close has committed: back up on a worker thread while the Z report is
        read.  A missing USB key is said in one sentence; the shift stays closed."""
        from coopos.services import backup, settings
        from ui.workers import run_task

        ctx = self.session.ctx
        with ctx.read() as s:
            folder = str(settings.get(s, "backup.folder") or "").strip() or None
        self.say_backup(_("Backing up…"), error=False)

        def done(results: list[backup.BackupResult]) -> None:
            with contextlib.suppress(RuntimeError):  # the screen may be gone (app closing)
                self.say_backup(
                    " ".join(r.message for r in results), error=not all(r.ok for r in results)
                )

        return run_task(
            lambda _progress: backup.backup_after_close(ctx.path, folder, z_number),
            done,
            lambda message: self.say_backup(message, error=True),
        )

    def say_backup(self, message: str, error: bool) -> None:
        set_role(self.backup_status, "error" if error else "muted")
        self.backup_status.setText(message)
        self.backup_status.show()

    @guarded()
    def last_z(self) -> None:
        try:
            ReportView(shifts.z_report(self.session.ctx), self).exec()
        except StateError as exc:
            show_error(self, exc.message)


def ask_text(parent, title: str, prompt: str) -> str | None:
    from PySide6.QtWidgets import QInputDialog

    dialog = QInputDialog(parent)
    dialog.setObjectName("textDialog")
    dialog.setWindowTitle(title)
    dialog.setLabelText(prompt)
    dialog.setOkButtonText(_("OK"))  # Qt's own words are English in Tamazight
    dialog.setCancelButtonText(_("Cancel"))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.textValue().strip() or None


__all__ = ["CloseShiftDialog", "ReportView", "ShiftsScreen", "open_shift_dialog"]
