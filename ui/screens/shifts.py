"""Shifts: open with a cash float, cash in/out, X report, close with a cash count by
denomination (notes 200/100/50/20, coins 10/5/2/1/0.50 MAD) and the Z report."""

from __future__ import annotations

import contextlib

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from coopos.domain.errors import CooposError, StateError
from coopos.i18n import _
from coopos.i18n.formats import format_money, format_utc_time
from coopos.services import lookups, shifts
from ui.errors import guarded, show_error
from ui.screens.close_shift import CloseShiftDialog
from ui.screens.shift_report import ReportView
from ui.session import AppSession
from ui.theme import set_role
from ui.widgets.forms import add_shortcuts
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
        add_shortcuts(self, [("F9", self.x_report), ("Shift+F9", self.close_shift)])
        session.bridge.shift_changed.connect(self.refresh)
        session.bridge.sales_changed.connect(self.refresh)
        self.refresh()

    def showEvent(self, event) -> None:
        """The keyboard comes to the screen's actions (F9, Shift+F9 work at once)."""
        super().showEvent(event)
        button = next((b for b in self.buttons.values() if b.isEnabled()), None)
        if button is not None:
            button.setFocus()

    def refresh(self) -> None:
        with self.session.ctx.read() as s:
            shift = lookups.open_shift(s)
            if shift:
                text = _(
                    "Shift {id} open at {location} since {time}, by {user}. Float {amount}.",
                    id=shift.id,
                    location=shift.location.code,
                    time=format_utc_time(shift.opened_utc),
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
        """The open shift's figures now: nothing is closed or numbered."""
        if not self.buttons["x"].isEnabled():
            return
        ctx = self.session.ctx
        hide = shifts.hides_expected_cash(ctx, self.session.user.id)
        ReportView(shifts.x_report(ctx), self, hide_expected=hide).exec()

    @guarded()
    def close_shift(self) -> None:
        if not self.buttons["close"].isEnabled():
            return
        dialog = CloseShiftDialog(self.session, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.report:
            self.backup_after_close(dialog.report.z_number)
            ReportView(dialog.report, self).exec()

    def backup_after_close(self, z_number: int | None):
        """The close has committed: prune the outbox and back up on a worker thread
        while the Z report is read (the close never waits for it).  A missing USB key is
        said in one sentence; the shift stays closed."""
        from coopos.services import backup, settings, storage
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
            lambda _progress: storage.after_close(ctx, folder, z_number),
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
