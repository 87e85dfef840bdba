"""The receipts journal (F10 on the sell screen): past sales and refunds, today by default.

Type a receipt number (scanned or typed on any layout), an amount (``45,50``) or a
product's name to search; the arrows move in the list wherever the focus is, Enter shows
the sale's lines and payments, Ctrl+P reprints it as a numbered duplicate (through the
print queue, audited), F8 starts its refund without typing the number.  The queries are
``coopos.services.journal``'s; this screen only shows them."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScroller,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from coopos.i18n import _, current_language, ngettext
from coopos.i18n.formats import format_money, format_utc_time
from coopos.services import journal
from coopos.services.journal import JournalRow
from ui import shortcuts
from ui.errors import guarded
from ui.screens.journal_details import JournalDetails, method_label
from ui.session import AppSession
from ui.shortcuts import JOURNAL
from ui.theme import set_role
from ui.widgets.forms import select_row
from ui.widgets.shortcut_help import show_help
from ui.widgets.stepper import TOUCH

SEARCH_DELAY_MS = 150  # a scanner types a whole number in less: one search, not twelve


class SearchField(QLineEdit):
    """The search keeps the keyboard: the arrows and page keys move in the list."""

    def __init__(self, table: QTableWidget, parent=None):
        super().__init__(parent)
        self.table = table

    def keyPressEvent(self, event) -> None:
        steps = {
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_PageUp: -10,
            Qt.Key.Key_PageDown: 10,
        }
        if event.key() in steps and self.table.rowCount():
            row = self.table.currentRow() + steps[event.key()]
            select_row(self.table, min(max(row, 0), self.table.rowCount() - 1))
            return
        super().keyPressEvent(event)


class JournalDialog(QDialog):
    COLUMNS = (
        "time",
        "receipt",
        "seller",
        "lines",
        "total",
        "payments",
        "refunded",
    )

    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.rows: list[JournalRow] = []
        self.setObjectName("journalDialog")
        self.setWindowTitle(_("Receipts journal"))
        self.setMinimumSize(960, 540)
        with session.ctx.read() as s:
            self.zone = journal.shop_zone_name(s)
        today = journal.today(session.ctx)
        layout = QVBoxLayout(self)

        # -- the period and the search -------------------------------------------------------
        top = QHBoxLayout()
        top.addWidget(QLabel(_("From")))
        self.start = self._date_edit("journalFrom", today)
        top.addWidget(self.start)
        top.addWidget(QLabel(_("to")))
        self.end = self._date_edit("journalTo", today)
        top.addWidget(self.end)
        self.today_button = QPushButton(_("Today"))
        self.today_button.setObjectName("journalToday")
        self.today_button.setAutoDefault(False)
        self.today_button.setMinimumHeight(TOUCH)
        self.today_button.clicked.connect(self.show_today)
        top.addWidget(self.today_button)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.search = SearchField(self.table)
        self.search.setObjectName("journalSearch")
        self.search.setPlaceholderText(_("Receipt number, amount or product"))
        self.search.setClearButtonEnabled(True)
        self.search.textEdited.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self.on_enter)
        top.addWidget(self.search, 1)
        layout.addLayout(top)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)

        # -- the list and the details --------------------------------------------------------
        self.table.setObjectName("journalTable")
        self.table.setHorizontalHeaderLabels(
            [
                _("Time"),
                _("Receipt"),
                _("Seller"),
                _("Lines"),
                _("Total"),
                _("Payment"),
                _("Refunded"),
            ]
        )
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(TOUCH)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the search keeps the keys
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        QScroller.grabGesture(self.table.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.table.currentCellChanged.connect(lambda *_args: self.show_details())
        self.table.cellDoubleClicked.connect(lambda *_args: self.on_enter())
        self.details = JournalDetails()
        self.details.hide()  # Enter (or a double tap) shows it; the list has the room
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)

        self.message = set_role(QLabel(), "muted")
        self.message.setObjectName("journalMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

        # -- actions ---------------------------------------------------------------------------
        actions = QHBoxLayout()
        self.reprint_button = self._action(
            "journalReprint", shortcuts.with_key(_("Reprint as a duplicate"), JOURNAL, "reprint")
        )
        self.reprint_button.clicked.connect(self.reprint)
        self.refund_button = self._action(
            "journalRefund", shortcuts.with_key(_("Refund"), JOURNAL, "refund")
        )
        self.refund_button.clicked.connect(self.refund)
        close = self._action("journalClose", _("Close"))
        close.clicked.connect(self.reject)
        actions.addWidget(self.reprint_button)
        actions.addWidget(self.refund_button)
        actions.addStretch(1)
        actions.addWidget(close)
        layout.addLayout(actions)

        shortcuts.bind(
            self,
            JOURNAL,
            {"help": lambda: show_help(self), "reprint": self.reprint, "refund": self.refund},
        )
        self.start.dateChanged.connect(self.refresh)
        self.end.dateChanged.connect(self.refresh)
        self.refresh()
        self.search.setFocus()

    def _date_edit(self, name: str, day: date) -> QDateEdit:
        edit = QDateEdit(QDate(day.year, day.month, day.day))
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        # Digits, day first, in every language: left to right first, else Qt reverses
        # the format's sections in Arabic (2026/11/20).
        edit.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        edit.setDisplayFormat("dd/MM/yyyy")
        edit.setMinimumHeight(TOUCH)
        edit.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a touch keeps the search
        return edit

    def _action(self, name: str, text: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)  # Enter belongs to the search
        button.setMinimumHeight(TOUCH)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return button

    # -- the list ------------------------------------------------------------------------------
    def period(self) -> tuple[date, date]:
        return self.start.date().toPython(), self.end.date().toPython()

    def report_error(self, message: str) -> None:
        set_role(self.message, "error")
        self.message.setText(message)

    def say(self, message: str) -> None:
        set_role(self.message, "muted")
        self.message.setText(message)

    @guarded()
    def show_today(self) -> None:
        today = journal.today(self.session.ctx)
        day = QDate(today.year, today.month, today.day)
        self.start.setDate(day)
        self.end.setDate(day)
        self.refresh()

    @guarded()
    def refresh(self) -> None:
        self._search_timer.stop()
        selected = self.selected()
        start, end = self.period()
        self.rows = journal.list_sales(self.session.ctx, start, end, self.search.text())
        several_days = start != end
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            time = format_utc_time(row.created_utc, zone=self.zone, date=several_days)
            cells = [
                time,
                row.receipt_no,
                row.seller,
                str(row.lines),
                format_money(row.total_cents),
                ", ".join(method_label(m) for m in row.methods),
                self.refunded_text(row),
            ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c in (3, 4):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignTrailing | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(r, c, item)
        self.say(ngettext("{n} receipt", "{n} receipts", len(self.rows)))
        keep = next(
            (
                i
                for i, row in enumerate(self.rows)
                if selected and row.receipt_no == selected.receipt_no
            ),
            0,
        )
        if self.rows:
            select_row(self.table, keep)
        else:
            self.details.hide()
        self._enable()

    @staticmethod
    def refunded_text(row: JournalRow) -> str:
        if row.is_refund:
            return _("Refund of {receipt}", receipt=row.refund_of or "")
        if row.fully_refunded:
            return _("Refunded")
        if row.refunded_cents:
            return _("Partly refunded ({amount})", amount=format_money(row.refunded_cents))
        return ""

    def selected(self) -> JournalRow | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _enable(self) -> None:
        row = self.selected()
        self.reprint_button.setEnabled(row is not None)
        self.refund_button.setEnabled(row is not None and not row.is_refund)

    # -- one sale ------------------------------------------------------------------------------
    def on_enter(self) -> None:
        """Enter: search now if the text changed, and show the sale's details."""
        if self._search_timer.isActive():
            self.refresh()
        self.details.show()
        self.show_details()

    @guarded()
    def show_details(self) -> None:
        self._enable()
        row = self.selected()
        if row is None or not self.details.isVisible():
            return
        info = journal.details(self.session.ctx, row.receipt_no, current_language())
        self.details.show_sale(info, self.zone)

    @guarded()
    def reprint(self) -> None:
        from ui.receipts_hook import runner

        row = self.selected()
        if row is None or runner() is None:
            return
        user = self.session.user
        self.say(runner().print_duplicate(row.receipt_no, user.id if user else None))
        self.show_details()

    @guarded()
    def refund(self) -> None:
        from ui.screens.returns import ReturnsDialog

        row = self.selected()
        if row is None:
            return
        if row.is_refund:
            self.report_error(
                _("{receipt} is a refund: it cannot be refunded.", receipt=row.receipt_no)
            )
            return
        dialog = ReturnsDialog(self.session, self, row.receipt_no)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.result:
            done = dialog.result
            self.refresh()
            self.say(
                _(
                    "Refund {receipt}: give back {amount}.",
                    receipt=done.receipt_no,
                    amount=format_money(-done.total),
                )
            )
            self.show_details()
        self.search.setFocus()
