"""An X or Z report on screen: each section of the
:class:`~coopos.services.shift_document.ShiftDocument` is a Qt table (a model and a view),
so that Arabic mirrors the columns and every cell keeps its own direction, instead of
text padded with spaces.  The texts are already translated and formatted by the core."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from coopos.services.shift_document import Section, ShiftDocument
from ui.theme import DANGER, set_role

LEADING = int(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
TRAILING = int(Qt.AlignmentFlag.AlignTrailing | Qt.AlignmentFlag.AlignVCenter)
PAIRS_WIDTH = 640  # a label and its value stay close together on a wide screen


class SectionModel(QAbstractTableModel):
    """One section as a read-only table; ``UserRole`` gives the raw figure of a cell."""

    def __init__(self, section: Section, parent=None):
        super().__init__(parent)
        self.section = section

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.section.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.section.numeric)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and self.section.headers
        ):
            return self.section.headers[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and orientation == Qt.Orientation.Horizontal:
            return TRAILING if self.section.numeric[section] else LEADING
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.section.rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return row.cells[column]
        if role == Qt.ItemDataRole.UserRole:
            return row.values[column] if column < len(row.values) else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return TRAILING if self.section.numeric[column] else LEADING
        if role == Qt.ItemDataRole.FontRole and (row.total or row.alert):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and row.alert:
            return QBrush(QColor(DANGER))
        return None


class SectionTable(QTableView):
    """A table as tall as its rows: the report scrolls as a whole, never inside a table."""

    def __init__(self, section: Section, parent=None):
        super().__init__(parent)
        self.setObjectName(f"report_{section.key}")
        self.setModel(SectionModel(section, self))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the buttons
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setShowGrid(False)
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.horizontalHeader()
        header.setVisible(not section.pairs)
        header.setHighlightSections(False)
        for column in range(len(section.numeric)):
            mode = (
                QHeaderView.ResizeMode.Stretch
                if column == 0
                else QHeaderView.ResizeMode.ResizeToContents
            )
            header.setSectionResizeMode(column, mode)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.fit_height()

    def fit_height(self) -> None:
        self.resizeRowsToContents()
        height = self.verticalHeader().length() + 2 * self.frameWidth()
        if self.horizontalHeader().isVisible():
            height += self.horizontalHeader().height()
        self.setFixedHeight(height)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # rows wrap again at the new width, once the columns have their new sizes
        QTimer.singleShot(0, self, self.fit_height)


class ReportTables(QScrollArea):
    """The whole document: its sections as titled tables, one under the other."""

    def __init__(self, doc: ShiftDocument, parent=None):
        super().__init__(parent)
        self.setObjectName("reportTables")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.tables: dict[str, SectionTable] = {}
        self.notes: dict[str, QLabel] = {}
        page = QWidget()
        target = QVBoxLayout(page)
        for section in doc.sections:
            title = QLabel(section.title)
            title.setObjectName(f"reportTitle_{section.key}")
            title.setStyleSheet("font-weight: bold; font-size: 17px; margin-top: 8px;")
            target.addWidget(title)
            table = SectionTable(section)
            if section.pairs:
                table.setMaximumWidth(PAIRS_WIDTH)
            self.tables[section.key] = table
            target.addWidget(table)
            if section.note:
                note = QLabel(section.note)
                note.setObjectName(f"reportNote_{section.key}")
                note.setWordWrap(True)
                alert = any(row.alert for row in section.rows)
                set_role(note, "error" if alert else "muted")
                self.notes[section.key] = note
                target.addWidget(note)
        target.addStretch(1)
        self.setWidget(page)

    def cells(self) -> list[str]:
        """Every cell and header shown (for tests and screen readers)."""
        found = []
        for table in self.tables.values():
            model = table.model()
            found += [str(h) for h in model.section.headers]
            for row in range(model.rowCount()):
                for column in range(model.columnCount()):
                    found.append(model.data(model.index(row, column)))
        return found


__all__ = ["ReportTables", "SectionModel", "SectionTable"]
