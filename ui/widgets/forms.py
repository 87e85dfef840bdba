"""Shared widgets for back-office screens: sortable read-only tables, message lines,
touch-sized forms, four-language name fields, dialog buttons."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from coopos.domain.catalog import format_rate_bp, unit_label  # noqa: F401 (the screens use it)
from coopos.i18n import N_, _
from coopos.i18n.formats import format_qty
from coopos.services.reports import Column, Table
from ui.models import RIGHT, TableModel
from ui.theme import DANGER, set_role

TONES = {"muted": "#64748b", "danger": DANGER, "good": "#15803d"}
LANGUAGE_NAMES = {
    "ar": N_("Name in Arabic"),
    "fr": N_("Name in French"),
    "en": N_("Name in English"),
    "zgh": N_("Name in Tamazight"),
}
CATALOG_FILES = N_("Catalog files (*.csv *.xlsx)")


def ltr(text: str) -> str:
    """Codes and phone numbers read left to right, also in an Arabic interface (a
    left-to-right mark keeps ``+212 5 24 83 61 09`` from being reordered)."""
    if text and QGuiApplication.layoutDirection() == Qt.LayoutDirection.RightToLeft:
        return "\u200e" + text
    return text


def shorten(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def short_list(items: list[str]) -> str:
    """The first item, and how many more: ``6111042001024 (+1)``."""
    if len(items) <= 1:
        return items[0] if items else ""
    return _("{first} (+{more})", first=items[0], more=len(items) - 1)


# -- shared: a sortable read-only table ---------------------------------------------------


def select_row(view, row: int) -> None:
    """Select a whole row.  ``QTableView.selectRow`` selects nothing when the layout is
    right to left (Qt 6.11, seen in Arabic): the current index does it in both."""
    index = view.model().index(row, 0)
    if index.isValid():
        view.setCurrentIndex(index)


class DataModel(TableModel):
    """A ``TableModel`` with row colours (archived, negative...), a numeric sort key,
    tooltips and two more column kinds: ``percent`` (basis points) and ``bool``."""

    SORT_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(
        self,
        columns: list[Column] | tuple[Column, ...],
        tone: Callable[[dict], str | None] | None = None,
        parent=None,
    ):
        super().__init__(Table("", list(columns)), parent)
        self.tone = tone

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.set_table(Table("", self.table.columns, rows))

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.table.rows):
            return None
        col = self.table.columns[index.column()]
        row = self.table.rows[index.row()]
        value = row.get(col.key)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if col.kind == "percent":
                return "" if value is None else f"{format_rate_bp(value)} %"
            if col.kind == "bool":
                return _("Yes") if value else _("No")
            if col.kind == "quantity" and value is not None:
                return ltr(format_qty(value))  # "-37", also in Arabic
            if role == Qt.ItemDataRole.ToolTipRole:
                return row.get(f"{col.key}_tip") or super().data(index, Qt.ItemDataRole.DisplayRole)
        if role == Qt.ItemDataRole.TextAlignmentRole and col.kind == "percent":
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and self.tone is not None:
            tone = self.tone(row)
            return QBrush(QColor(TONES[tone])) if tone else None
        if role == self.SORT_ROLE:
            if isinstance(value, bool):
                return int(value)
            if isinstance(value, int | Decimal | float):
                return float(value)
            return str(value or "").casefold()
        return super().data(index, role)


class DataTable(QTableView):
    """Rows of dicts under ``columns``: one row selected at a time, sortable by a click
    on a header, touch-high rows; double-click or Enter emits ``activated_row``.

    The ``stretch`` column takes the room left; the others fit their content (once, when
    the first rows arrive) up to ``caps[key]`` or ``CAP`` pixels, and elide beyond."""

    activated_row = Signal(dict)
    CAP = 200

    def __init__(
        self,
        columns: list[Column] | tuple[Column, ...],
        stretch: str,
        tone: Callable[[dict], str | None] | None = None,
        parent=None,
        caps: dict[str, int] | None = None,
        row_height: int = 40,
        reserve: dict[str, str] | None = None,
    ):
        super().__init__(parent)
        self.stretch = stretch
        self.caps = caps or {}
        self.reserve = reserve or {}  # key: a text the column must have room for
        self._fitted = False
        self.data_model = DataModel(columns, tone, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.data_model)
        self.proxy.setSortRole(DataModel.SORT_ROLE)
        self.setModel(self.proxy)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(row_height)
        header = self.horizontalHeader()
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setSortIndicatorShown(True)
        self.setSortingEnabled(True)
        self.proxy.sort(-1)
        for i, col in enumerate(columns):
            header.setSectionResizeMode(
                i,
                QHeaderView.ResizeMode.Stretch
                if col.key == stretch
                else QHeaderView.ResizeMode.Interactive,
            )
        self.doubleClicked.connect(self._activated)

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self.data_model.table.rows

    def set_rows(self, rows: list[dict[str, Any]], keep: str | None = None) -> None:
        """Show ``rows``; with ``keep`` (a key) the selected row stays selected."""
        selected = self.selected_row()
        self.data_model.set_rows(rows)
        if rows and not self._fitted:
            self.fit_columns()
        if keep and selected is not None:
            self.select_where(keep, selected.get(keep))

    def fit_columns(self) -> None:
        self._fitted = True
        for i, col in enumerate(self.data_model.table.columns):
            if col.key != self.stretch and not self.isColumnHidden(i):
                self.resizeColumnToContents(i)
                width = min(self.columnWidth(i), self.caps.get(col.key, self.CAP))
                if col.key in self.reserve:
                    width = max(
                        width, self.fontMetrics().horizontalAdvance(self.reserve[col.key]) + 16
                    )
                self.setColumnWidth(i, width)

    def selected_row(self) -> dict[str, Any] | None:
        model = self.selectionModel()
        picked = model.selectedRows() if model else []
        if not picked:
            return None
        row = self.proxy.mapToSource(picked[0]).row()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def select_where(self, key: str, value: Any) -> bool:
        for i, row in enumerate(self.rows):
            if row.get(key) == value:
                index = self.proxy.mapFromSource(self.data_model.index(i, 0))
                select_row(self, index.row())
                self.scrollTo(index)
                return True
        return False

    def display(self, row: int, key: str) -> str:
        """The text shown in source row ``row`` under column ``key`` (for tests)."""
        columns = [c.key for c in self.data_model.table.columns]
        index = self.data_model.index(row, columns.index(key))
        return self.data_model.data(index) or ""

    def _activated(self, index: QModelIndex) -> None:
        row = self.proxy.mapToSource(index).row()
        if 0 <= row < len(self.rows):
            self.activated_row.emit(self.rows[row])

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._activated(self.currentIndex())
            return
        super().keyPressEvent(event)


class MessageLine(QLabel):
    """A one-sentence message under a screen's title: information fades after a while,
    an error stays until the next action."""

    def __init__(self, name: str, parent=None):
        super().__init__(parent)
        self.setObjectName(name)
        self.setWordWrap(True)
        self.setContentsMargins(8, 4, 8, 4)  # counted in the height, unlike CSS padding
        self.hide()
        self._timer = QTimer(self, singleShot=True, interval=10000)
        self._timer.timeout.connect(self.hide)

    def say(self, message: str, error: bool = False) -> None:
        set_role(self, "error" if error else "banner")
        self.setText(message)
        self.show()
        if error:
            self._timer.stop()
        else:
            self._timer.start()


def error_label(name: str) -> QLabel:
    """A hidden one-sentence error line for a dialog."""
    label = set_role(QLabel(), "error")
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setContentsMargins(8, 4, 8, 4)
    label.hide()
    return label


def touch_button(text: str, name: str, slot, role: str | None = None) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.clicked.connect(slot)
    if role:
        set_role(button, role)
    return button


def add_shortcuts(widget: QWidget, pairs: list[tuple[str, Callable[[], Any]]]) -> None:
    for keys, slot in pairs:
        shortcut = QShortcut(QKeySequence(keys), widget)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)


def direction_field(name: str, language: str = "") -> QLineEdit:
    """A text field; Arabic ones are right-to-left, the others left-to-right whatever the
    language of the interface (codes, Latin and Tifinagh names)."""
    field = QLineEdit()
    field.setObjectName(name)
    rtl = language == "ar"
    field.setLayoutDirection(
        Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight
    )
    return field


class Form(QFormLayout):
    """A form whose labels are centred on their (touch-high) fields."""

    def addRow(self, *args):
        if len(args) == 2 and isinstance(args[0], str) and args[0]:
            label = QLabel(args[0])
            label.setAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
            label.setMinimumHeight(row_height(args[1]))
            return super().addRow(label, args[1])
        return super().addRow(*args)


def row_height(field: QWidget | QLayout) -> int:
    if isinstance(field, QLayout):
        widgets = (field.itemAt(i).widget() for i in range(field.count()))
        return max((row_height(w) for w in widgets if w is not None), default=0)
    field.ensurePolished()
    return field.sizeHint().expandedTo(field.minimumSize()).height()


def form_layout() -> QFormLayout:
    return Form()


def touch_combo(name: str = "") -> QComboBox:
    """A combo box as high as the line edits, for fingers."""
    combo = QComboBox()
    combo.setMinimumHeight(40)
    if name:
        combo.setObjectName(name)
    return combo


def names_box(
    prefix: str, hint: str, min_width: int = 380
) -> tuple[QGroupBox, dict[str, QLineEdit]]:
    """A "Names" group with one field per language (Arabic right-to-left)."""
    layout = form_layout()
    fields: dict[str, QLineEdit] = {}
    for lang in ("ar", "fr", "en", "zgh"):
        field = direction_field(f"{prefix}_{lang}", lang)
        field.setMaxLength(200)
        field.setMinimumWidth(min_width)
        fields[lang] = field
        layout.addRow(_(LANGUAGE_NAMES[lang]), field)
    note = set_role(QLabel(hint), "muted")
    note.setWordWrap(True)
    layout.addRow(note)
    box = QGroupBox(_("Names"))
    box.setLayout(layout)
    return box, fields


def dialog_buttons(
    dialog: QDialog,
    on_confirm: Callable[[], Any],
    confirm_name: str,
    confirm_label: str | None = None,
    default: bool = True,
) -> QHBoxLayout:
    """Cancel, then a wide primary button (``confirm_name``; "Save" unless labelled).
    ``default=False`` where Enter must not confirm (a count, fields that submit on Enter)."""
    row = QHBoxLayout()
    cancel = QPushButton(_("Cancel"))
    cancel.setObjectName(f"cancel_{confirm_name}")
    # else a dialog makes it the default button, and Enter in a field cancels
    cancel.setAutoDefault(False)
    cancel.clicked.connect(dialog.reject)
    row.addWidget(cancel)
    confirm = set_role(QPushButton(confirm_label or _("Save")), "primary")
    confirm.setObjectName(confirm_name)
    confirm.setDefault(default)
    confirm.setAutoDefault(default)
    confirm.clicked.connect(on_confirm)
    row.addWidget(confirm, 2)
    return row


class BackOfficeScreen(QWidget):
    """A back-office screen: a title with a count, a message line, and a ``refresh()``
    that runs on core events only while the screen is visible (hidden screens catch up
    when shown: nothing is queried for screens nobody looks at)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._dirty = False

    def build_header(self, layout: QVBoxLayout, title: str, count: str, message: str) -> None:
        """The title and a count label (object name ``count``) on one row, then the
        message line (object name ``message``)."""
        top = QHBoxLayout()
        top.addWidget(set_role(QLabel(title), "title"))
        top.addStretch(1)
        self.count = set_role(QLabel(), "muted")
        self.count.setObjectName(count)
        top.addWidget(self.count)
        layout.addLayout(top)
        self.message = MessageLine(message)
        layout.addWidget(self.message)

    def refresh(self) -> None:  # pragma: no cover - every screen defines it
        raise NotImplementedError

    def report_error(self, message: str) -> None:
        self.message.say(message, error=True)

    def on_changed(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._dirty = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self._dirty = False
            self.refresh()


def read_only_view(name: str, model, wrap: bool = False) -> QTableView:
    """A read-only table: whole rows, one at a time, no row numbers, alternating colours.
    ``wrap`` lets long names wrap (rows grow to their content); otherwise rows are
    touch-high."""
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    if wrap:
        view.setWordWrap(True)
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    else:
        view.verticalHeader().setDefaultSectionSize(44)
    return view
