"""Ask for a manager's PIN before a guarded action (refund, large discount, price
override, stock adjustment, removing... ).  Returns the approving manager."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout

from coopos.domain.errors import CooposError
from coopos.i18n import _
from coopos.services import users
from coopos.services.checkout import Approver
from coopos.services.context import Context
from ui.theme import set_role
from ui.widgets.keypad import PinPad


class ManagerApproval(QDialog):
    def __init__(self, ctx: Context, action: str, reason: str, parent=None):
        super().__init__(parent)
        self.setObjectName("managerApproval")
        self.ctx, self.action = ctx, action
        self.approver: Approver | None = None
        self.setWindowTitle(_("Manager approval"))
        layout = QVBoxLayout(self)
        layout.addWidget(set_role(QLabel(reason), "title"))
        layout.addWidget(QLabel(_("A manager types their PIN to approve.")))
        self.error = set_role(QLabel(), "error")
        self.error.setObjectName("approvalError")
        self.error.hide()
        layout.addWidget(self.error)
        self.pad = PinPad()
        self.pad.submitted.connect(self.check)
        layout.addWidget(self.pad)
        self.pad.focus()  # the manager types at once, on the keyboard or the pad

    def check(self, pin: str) -> None:
        try:
            manager = users.require_manager(self.ctx, pin, self.action)
        except CooposError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        self.approver = Approver.of(manager)
        self.accept()


def approve(ctx: Context, parent, action: str, reason: str, session=None) -> Approver | None:
    """A manager's approval: the logged-in manager approves without typing again."""
    if session is not None and session.is_manager:
        return Approver.of(session.user)
    dialog = ManagerApproval(ctx, action, reason, parent)
    return dialog.approver if dialog.exec() == QDialog.DialogCode.Accepted else None
