"""Held sales: F3 on the sell screen puts the sale in progress aside (to serve the next
customer), Shift+F3 lists the held sales with their time, seller, lines and total.

The list is driven from the keyboard (↑ ↓, Enter recalls, Delete removes after a question)
or by touch (tall rows, Recall and Delete buttons).  What holding means (kept across a
restart, no stock, nothing sent) is ``coopos.services.held_sales``."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QScroller, QVBoxLayout

from coopos.domain.errors import CooposError
from coopos.i18n import N_, _
from coopos.i18n.formats import format_money, format_utc_time
from coopos.services import held_sales
from coopos.services.reports import Column
from ui import shortcuts
from ui.errors import ask_yes_no, guarded
from ui.session import AppSession
from ui.shortcuts import HELD
from ui.theme import set_role
from ui.widgets.forms import DataTable, select_row
from ui.widgets.shortcut_help import show_help

COLUMNS = (
    Column("time", N_("Time")),
    Column("seller", N_("Seller")),
    Column("lines", N_("Lines"), "int"),
    Column("total", N_("Total"), "money"),
)


class HeldSalesDialog(QDialog):
    """The held sales, the oldest first; ``chosen`` is the one to recall."""

    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.chosen: str | None = None
        self.setObjectName("heldSalesDialog")
        self.setWindowTitle(_("Held sales"))
        self.resize(640, 420)
        layout = QVBoxLayout(self)
        self.state = set_role(QLabel(), "banner")
        self.state.setObjectName("heldSalesState")
        self.state.setWordWrap(True)
        layout.addWidget(self.state)
        self.table = DataTable(COLUMNS, "seller", row_height=48)  # touch-high rows
        self.table.setObjectName("heldSalesTable")
        self.table.setSortingEnabled(False)  # the oldest first, as the customers came
        self.table.activated_row.connect(lambda row: self.recall(row["uuid"]))
        QScroller.grabGesture(self.table.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.delete_button = set_role(QPushButton(_("Delete")), "danger")
        self.delete_button.setObjectName("deleteHeld")
        self.delete_button.clicked.connect(self.delete)
        close = QPushButton(_("Close"))
        close.setObjectName("closeHeld")
        close.clicked.connect(self.reject)
        self.recall_button = set_role(QPushButton(_("Recall")), "primary")
        self.recall_button.setObjectName("recallHeld")
        self.recall_button.clicked.connect(self.recall_selected)
        for button in (self.delete_button, close, self.recall_button):
            button.setAutoDefault(False)  # Enter belongs to the list: it recalls
            button.setMinimumHeight(48)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(button)
        buttons.insertStretch(1, 1)
        layout.addLayout(buttons)
        shortcuts.bind(self, HELD, {"help": lambda: show_help(self), "delete": self.delete})
        self.reload()

    def reload(self) -> None:
        held = held_sales.list_held(self.session.ctx)
        self.table.set_rows(
            [
                {
                    "uuid": h.uuid,
                    "time": format_utc_time(h.created_utc),
                    "seller": h.seller,
                    "lines": h.line_count,
                    "total": h.total,
                }
                for h in held
            ]
        )
        empty = not held
        self.state.setText(
            _("No sale is on hold.")
            if empty
            else _("Choose a sale with ↑ ↓ and press Enter to bring it back to the cart.")
        )
        self.recall_button.setEnabled(not empty)
        self.delete_button.setEnabled(not empty)
        if not empty:
            select_row(self.table, 0)
        self.table.setFocus()

    def recall_selected(self) -> None:
        row = self.table.selected_row()
        if row is not None:
            self.recall(row["uuid"])

    def recall(self, uuid: str) -> None:
        self.chosen = uuid
        self.accept()

    @guarded()
    def delete(self) -> None:
        row = self.table.selected_row()
        if row is None:
            return
        question = _(
            "Delete the sale of {amount} held at {time}? It is kept in the audit log.",
            amount=format_money(row["total"]),
            time=row["time"],
        )
        if not ask_yes_no(self, _("Delete"), question):
            self.table.setFocus()
            return
        held_sales.delete(self.session.ctx, row["uuid"], self.session.user.id)
        self.reload()

    def report_error(self, message: str) -> None:
        self.state.setText(message)


class HeldSales:
    """Mixed into the sell screen (it has ``session``, ``buttons``, ``say`` and
    ``focus_scan``): F3 holds, Shift+F3 lists."""

    @guarded()
    def hold_sale(self) -> None:
        try:
            held = self.session.hold_sale()
        except CooposError as exc:
            self.say(exc.message, error=True)
        else:
            self.say(
                _(
                    "The sale of {amount} is on hold: Shift+F3 brings it back.",
                    amount=format_money(held.total),
                )
            )
            self.show_held_count()
        self.focus_scan()

    @guarded()
    def show_held(self) -> None:
        dialog = HeldSalesDialog(self.session, self)
        dialog.exec()
        if dialog.chosen is not None:
            recalled = self.session.recall_sale(dialog.chosen)
            total = format_money(recalled.checkout.totals.total)
            if recalled.held_first is not None:
                self.say(
                    _(
                        "The sale of {amount} is back; the one in progress ({held}) is on hold.",
                        amount=total,
                        held=format_money(recalled.held_first.total),
                    )
                )
            else:
                self.say(_("The sale of {amount} is back in the cart.", amount=total))
        self.show_held_count()
        self.focus_scan()

    def show_held_count(self) -> None:
        count = len(held_sales.list_held(self.session.ctx))
        self.buttons["held"].setText(
            _("Held sales: {count}", count=count) if count else _("Held sales")
        )
