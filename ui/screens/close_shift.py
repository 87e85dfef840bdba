"""Closing the shift: count the drawer by note and coin, see the difference, confirm once
(the close cannot be undone), and a manager approves when sellers may not close alone.

With the blind count on, the seller first enters the count without seeing the expected
cash; the count is audited, then the expected cash and the difference are shown and the
count can no longer be changed in this dialog."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from coopos.domain.cash import DENOMINATIONS, count_cash
from coopos.domain.errors import ApprovalRequired, CooposError
from coopos.domain.money import parse_amount
from coopos.domain.sale import PaymentMethod
from coopos.i18n import _
from coopos.i18n.formats import format_money
from coopos.services import shifts
from coopos.services.shifts import ShiftReport
from ui.session import AppSession
from ui.theme import set_role
from ui.widgets.forms import add_shortcuts, dialog_buttons, error_label


class CloseShiftDialog(QDialog):
    """Count the drawer by denomination; counted, expected and difference update live
    (the expected only once the count is entered when the count is blind)."""

    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.report: ShiftReport | None = None
        ctx, user_id = session.ctx, session.user.id
        self.blind = shifts.hides_expected_cash(ctx, user_id)
        self.revealed = not self.blind
        self.setObjectName("closeShiftDialog")
        self.setWindowTitle(_("Close the shift"))
        self.setMinimumWidth(560)  # the terminal totals' hints stay readable
        self.expected = shifts.x_report(ctx)  # reads only
        layout = QVBoxLayout(self)
        layout.addWidget(set_role(QLabel(_("Count the cash in the drawer")), "title"))
        notes = []
        if self.blind:
            notes.append(
                _(
                    "Blind count: type what you count. The expected cash is shown once "
                    "the count is entered, and the count is recorded."
                )
            )
        if shifts.close_needs_approval(ctx, user_id):
            notes.append(_("A manager approves the close with their PIN."))
        for text in notes:
            note = set_role(QLabel(text), "banner")
            note.setWordWrap(True)
            layout.addWidget(note)
        grid = QGridLayout()
        self.counts: dict[int, QSpinBox] = {}
        for i, denomination in enumerate(DENOMINATIONS):
            spin = QSpinBox()
            spin.setRange(0, 100000)
            spin.setObjectName(f"count_{denomination}")
            spin.setMinimumHeight(40)
            spin.valueChanged.connect(self.update_totals)
            label = QLabel(format_money(denomination))
            label.setBuddy(spin)
            self.counts[denomination] = spin
            grid.addWidget(label, i % 5, (i // 5) * 2)
            grid.addWidget(spin, i % 5, (i // 5) * 2 + 1)
        layout.addLayout(grid)
        form = QFormLayout()
        self.others: dict[PaymentMethod, QLineEdit] = {}
        for line in self.expected.by_method:
            if line.method == PaymentMethod.CASH:
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
        # Enter in a count field must not close the shift; F12 confirms (as when paying)
        label = _("Enter the count") if self.blind else _("Close the shift")
        layout.addLayout(dialog_buttons(self, self.confirm, "confirmClose", label, False))
        add_shortcuts(self, [("F12", self.confirm)])
        self.update_totals()
        self.counts[DENOMINATIONS[0]].setFocus()

    # -- the count ---------------------------------------------------------------------------
    def counted(self) -> dict[int, int]:
        return {d: spin.value() for d, spin in self.counts.items() if spin.value()}

    def counted_others(self) -> dict[PaymentMethod, int]:
        return {m: parse_amount(f.text()) for m, f in self.others.items() if f.text().strip()}

    def update_totals(self) -> None:
        counted = count_cash(self.counted())
        if not self.revealed:
            self.summary.setText(_("Counted {counted}", counted=format_money(counted)))
            set_role(self.difference, "muted")
            self.difference.setText(_("The expected cash is shown once the count is entered."))
            return
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

    def fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    # -- confirm -------------------------------------------------------------------------------
    def confirm(self) -> None:
        try:
            others = self.counted_others()
            if not self.revealed:
                self.enter_blind_count(others)
                return
            if not self.confirm_close():
                return
            self.report = self.close_shift(others)
        except CooposError as exc:
            self.fail(exc.message)
            return
        if self.report is not None:
            self.accept()

    def enter_blind_count(self, others: dict[PaymentMethod, int]) -> None:
        """The count is recorded, then the expected cash shown; the count is now fixed."""
        self.expected = shifts.enter_blind_count(
            self.session.ctx, self.session.user.id, others, self.counted()
        )
        self.revealed = True
        for field in [*self.counts.values(), *self.others.values()]:
            field.setReadOnly(True)
        self.findChild(QPushButton, "confirmClose").setText(_("Close the shift"))
        self.error.hide()
        self.update_totals()

    def confirm_close(self) -> bool:
        """Asked once, in words: the close is final."""
        counted = count_cash(self.counted())
        diff = counted - self.expected.expected_cash
        text = _(
            "Close shift {id} with {counted} counted in the drawer (difference {difference})? "
            "This cannot be undone: the Z report is final and the next sale needs a new "
            "shift.",
            id=self.expected.shift_id,
            counted=format_money(counted),
            difference=format_money(diff),
        )
        box = QMessageBox(QMessageBox.Icon.Question, _("Close the shift"), text, parent=self)
        box.setObjectName("confirmCloseShift")
        yes = box.addButton(_("Close the shift"), QMessageBox.ButtonRole.AcceptRole)
        yes.setObjectName("closeShiftYes")
        no = box.addButton(_("Go back"), QMessageBox.ButtonRole.RejectRole)
        no.setObjectName("closeShiftNo")
        box.setDefaultButton(yes)
        box.setEscapeButton(no)
        box.exec()
        return box.clickedButton() is yes

    def close_shift(self, others: dict[PaymentMethod, int]) -> ShiftReport | None:
        """Close; when a manager must approve, ask for their PIN and close with it."""
        from ui.widgets.approval import approve

        ctx, user_id = self.session.ctx, self.session.user.id
        try:
            return shifts.close_shift(ctx, user_id, others, cash_detail=self.counted())
        except ApprovalRequired as needed:
            approver = approve(ctx, self, needed.action, needed.message, self.session)
            if approver is None:
                self.fail(needed.message)
                return None
            return shifts.close_shift(
                ctx, user_id, others, cash_detail=self.counted(), approver_id=approver.id
            )


__all__ = ["CloseShiftDialog"]
