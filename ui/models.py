"""Thin Qt models over core objects."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from coopos.domain.catalog import unit_label
from coopos.i18n import N_, _
from coopos.i18n.formats import format_money, format_qty
from coopos.services.checkout import Checkout
from coopos.services.reports import Table

RIGHT = int(Qt.AlignmentFlag.AlignTrailing | Qt.AlignmentFlag.AlignVCenter)


class CartModel(QAbstractTableModel):
    """The lines of the sale in progress: product, quantity, unit price, amount."""

    HEADERS = (N_("Product"), N_("Qty"), N_("Price"), N_("Amount"))

    def __init__(self, parent=None):
        super().__init__(parent)
        self.checkout: Checkout | None = None
        self._priced = []

    def set_checkout(self, checkout: Checkout | None) -> None:
        self.beginResetModel()
        self.checkout = checkout
        self._priced = checkout.totals.lines if checkout else []
        self.endResetModel()

    def refresh(self) -> None:
        self.set_checkout(self.checkout)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._priced)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(self.HEADERS[section])
        return None

    def line_id(self, row: int) -> str | None:
        return self._priced[row].line.line_id if 0 <= row < len(self._priced) else None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        priced = self._priced[index.row()]
        line, col = priced.line, index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                # One wrapped paragraph: an explicit line break inside right-to-left text
                # makes Qt's delegate elide the first line.
                return f"{line.name} · {line.cooperative_code}"
            if col == 1:
                qty = format_qty(line.quantity)
                return f"{qty}\u00a0{unit_label(line.unit)}" if line.sold_by_weight else qty
            if col == 2:
                return format_money(line.price)
            if col == 3:
                return format_money(priced.net)
        if role == Qt.ItemDataRole.ToolTipRole:
            notes = []
            if line.discount:
                notes.append(_("Line discount: {amount}", amount=format_money(line.discount)))
            if priced.order_discount:
                notes.append(
                    _(
                        "Share of the sale discount: {amount}",
                        amount=format_money(priced.order_discount),
                    )
                )
            if line.unit_price is not None:
                notes.append(_("Price changed from {old}", old=format_money(line.list_price)))
            return "\n".join(notes) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and col > 0:
            return RIGHT
        if (
            role == Qt.ItemDataRole.FontRole
            and col == 3
            and (line.discount or line.unit_price is not None)
        ):
            from PySide6.QtGui import QFont

            font = QFont()
            font.setItalic(True)
            return font
        return None


class TableModel(QAbstractTableModel):
    """Any ``services.reports.Table`` (reports, stock, lists) as a read-only model."""

    def __init__(self, table: Table | None = None, parent=None):
        super().__init__(parent)
        self.table = table

    def set_table(self, table: Table) -> None:
        self.beginResetModel()
        self.table = table
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self.table is None:
            return 0
        return len(self.table.rows) + (1 if self.table.totals else 0)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if self.table is None else len(self.table.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(self.table.columns[section].label)
        return None

    def row(self, index: int) -> dict:
        rows = self.table.rows
        return rows[index] if index < len(rows) else (self.table.totals or {})

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.table is None:
            return None
        col = self.table.columns[index.column()]
        value = self.row(index.row()).get(col.key)
        if role == Qt.ItemDataRole.DisplayRole:
            if value is None:
                return ""
            if col.kind == "money":
                return format_money(int(value))
            if col.kind == "quantity":
                return format_qty(value)
            return str(value)
        if role == Qt.ItemDataRole.UserRole:
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole and col.kind in ("money", "quantity", "int"):
            return RIGHT
        if role == Qt.ItemDataRole.FontRole and index.row() >= len(self.table.rows):
            from PySide6.QtGui import QFont

            font = QFont()
            font.setBold(True)
            return font
        return None
