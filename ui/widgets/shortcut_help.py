"""F1: the keys of the till, listed from the one table the screens bind them from."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from coopos.i18n import _
from ui.shortcuts import SECTIONS


class ShortcutHelp(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("shortcutHelp")
        self.setWindowTitle(_("Keys"))
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("shortcutTable")
        self.table.setHorizontalHeaderLabels([_("Key"), _("Does")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        bold = QFont(self.font())
        bold.setBold(True)
        for title, keys in SECTIONS:
            row = self.table.rowCount()
            self.table.insertRow(row)
            item = QTableWidgetItem(_(title))
            item.setFont(bold)
            self.table.setItem(row, 0, item)
            self.table.setSpan(row, 0, 1, 2)
            for entry in keys:
                row = self.table.rowCount()
                self.table.insertRow(row)
                shown = QTableWidgetItem(entry.shown())
                shown.setFont(bold)
                self.table.setItem(row, 0, shown)
                self.table.setItem(row, 1, QTableWidgetItem(_(entry.does)))
        self.table.resizeRowsToContents()
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        QShortcut(QKeySequence("F1"), self, activated=self.reject)
        self.resize(720, 560)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is not None and self.height() > screen.height() - 40:
            self.resize(self.width(), screen.height() - 40)  # a 600-pixel netbook
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)


def show_help(parent) -> None:
    ShortcutHelp(parent).exec()
