"""Stock: on-hand per product and location, and the movements that change it — goods
received from a cooperative, transfers between locations, a count session with the
scanner, and a manager's adjustment (damaged, returned, corrected).

Negative on-hand (more sold than received) is shown in red: count that product."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from coopos.db.models import Product
from coopos.domain.catalog import Unit, pick_name
from coopos.domain.errors import CooposError, NotFoundError, ValidationError
from coopos.domain.quantity import ONE, ZERO, format_quantity, quantity
from coopos.domain.stock import MovementReason
from coopos.i18n import N_, _, current_language, ngettext
from coopos.i18n.formats import format_qty
from coopos.services import catalog, inventory, locations, lookups, settings
from coopos.services.checkout import Approver
from coopos.services.inventory import CountLine
from coopos.services.reports import Column
from ui.errors import guarded
from ui.session import AppSession
from ui.theme import set_role
from ui.widgets.approval import approve
from ui.widgets.forms import (
    BackOfficeScreen,
    DataTable,
    add_shortcuts,
    error_label,
    form_layout,
    select_row,
    touch_button,
    touch_combo,
    unit_label,
)
from ui.widgets.keypad import ValueDialog, ask_value

ALL = "*"
_TIMES = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*[*×]\s*(\S.*)$")


def location_choices(session: AppSession) -> list[tuple[str, str]]:
    """Active locations as (code, label)."""
    return [
        (loc.code, f"{loc.code} · {loc.name}")
        for loc in locations.list_locations(session.ctx)
        if loc.active
    ]


def till_location(session: AppSession) -> str:
    with session.ctx.read() as s:
        return str(settings.get(s, "device.location") or "")


class LocationCombo(QComboBox):
    def __init__(self, session: AppSession, name: str, current: str | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName(name)
        self.setMinimumHeight(40)
        for code, label in location_choices(session):
            self.addItem(label, code)
        self.select(current or till_location(session))

    def select(self, code: str) -> None:
        index = self.findData(code)
        if index >= 0:
            self.setCurrentIndex(index)

    def code(self) -> str:
        return self.currentData() or ""


def is_enter(event) -> bool:
    return event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)


# -- lines of products, filled with the scanner ---------------------------------------------


@dataclass
class Line:
    sku: str
    name: str
    unit: str
    weighed: bool
    qty: Decimal

    def text(self) -> str:
        qty = format_qty(self.qty)
        return f"{qty} {unit_label(self.unit)}" if self.weighed else qty


class CountValueDialog(ValueDialog):
    """The keypad dialog, where zero is a valid answer (counted: none left)."""

    def accept(self) -> None:
        try:
            value = quantity(self.field.text())
            if value < 0:
                raise ValidationError(_("A counted quantity cannot be negative."))
        except CooposError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        self.value = value
        QDialog.accept(self)


class ProductLines(QWidget):
    """A scan field (it keeps the focus) and the running list of products with their
    quantities; each scan adds one piece (or asks the weight), ``12*SKU`` adds 12, and
    −, +, Quantity… and Remove correct the selected line."""

    changed = Signal()

    def __init__(self, session: AppSession, qty_header: str, allow_zero: bool = False, parent=None):
        super().__init__(parent)
        self.session = session
        self.allow_zero = allow_zero
        self.lines: list[Line] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.scan = QLineEdit()
        self.scan.setObjectName("scanInput")
        self.scan.setPlaceholderText(
            _("Scan or type a barcode or SKU, then Enter (12*SKU adds 12)")
        )
        self.scan.returnPressed.connect(self.on_enter)
        layout.addWidget(self.scan)
        self.error = error_label("linesError")
        layout.addWidget(self.error)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("linesTable")
        self.table.setHorizontalHeaderLabels([_("SKU"), _("Product"), qty_header])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(40)
        self.table.setMinimumHeight(220)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self.focus)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, label, slot in [
            ("minus", "−", lambda: self.step(-1)),
            ("plus", "+", lambda: self.step(1)),
            ("qty", _("Quantity…"), self.type_quantity),
            ("remove", _("Remove"), self.remove),
        ]:
            button = QPushButton(label)
            button.setObjectName(f"line_{key}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setAutoDefault(False)
            button.setMinimumWidth(64)
            button.clicked.connect(slot)
            row.addWidget(button)
            self.buttons[key] = button
        row.addStretch(1)
        self.total = set_role(QLabel(), "muted")
        self.total.setObjectName("linesTotal")
        row.addWidget(self.total)
        layout.addLayout(row)
        self.render()

    # -- focus and errors ------------------------------------------------------------------
    def focus(self) -> None:
        self.scan.setFocus()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    # -- adding -------------------------------------------------------------------------------
    def on_enter(self) -> None:
        text = self.scan.text().strip()
        if not text:
            return
        try:
            self.add_code(text)
        except CooposError as exc:
            self.show_error(exc.message)
            self.scan.selectAll()
            self.focus()
            return
        self.error.hide()
        self.scan.clear()
        self.focus()

    def add_code(self, text: str) -> None:
        count: Decimal | None = None
        match = _TIMES.match(text)
        if match:
            count, text = quantity(match.group(1)), match.group(2).strip()
        lang = current_language()
        with self.session.ctx.read() as s:
            product = lookups.product_by_code(s, text)
            if product is None and not text.isdigit():
                hits = catalog.search(s, text, limit=6, include_inactive=True)
                if len(hits) == 1:
                    product = hits[0].product
                elif hits:
                    raise ValidationError(
                        _(
                            "Several products match “{text}” ({skus}): scan or type the SKU.",
                            text=text,
                            skus=", ".join(h.product.sku for h in hits[:5]),
                        )
                    )
            if product is None:
                raise NotFoundError(
                    _("Unknown product “{code}”: no such barcode or SKU.", code=text)
                )
            sku, name, unit = product.sku, pick_name(product.names, lang), product.unit
        weighed = Unit(unit).weighed
        if count is None:
            if weighed:
                count = ask_value(
                    self,
                    _("Quantity"),
                    _("{name}: weight or volume in {unit}", name=name, unit=unit_label(unit)),
                    "quantity",
                )
                if count is None:
                    return
            else:
                count = ONE
        if count < 0 or (count == 0 and not self.allow_zero):
            raise ValidationError(_("The quantity must be more than zero."))
        if not weighed and count != count.to_integral_value():
            raise ValidationError(_("{sku} is sold by the piece: use a whole quantity.", sku=sku))
        index = self.index_of(sku)
        if index is None:
            self.lines.append(Line(sku, name, unit, weighed, count))
            index = len(self.lines) - 1
        else:
            self.lines[index].qty += count
        self.render(index)

    def index_of(self, sku: str) -> int | None:
        return next((i for i, line in enumerate(self.lines) if line.sku == sku), None)

    # -- corrections --------------------------------------------------------------------------
    def selected(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else (len(self.lines) - 1 if self.lines else None)

    def step(self, delta: int) -> None:
        index = self.selected()
        if index is None:
            return
        line = self.lines[index]
        if line.weighed:
            self.type_quantity()
            return
        line.qty = max(line.qty + delta, ZERO)
        if line.qty == 0 and not self.allow_zero:
            self.remove()
            return
        self.render(index)

    def type_quantity(self) -> None:
        index = self.selected()
        if index is None:
            self.focus()
            return
        line = self.lines[index]
        prompt = _("{name}: quantity", name=line.name)
        if line.weighed:
            prompt = _(
                "{name}: weight or volume in {unit}", name=line.name, unit=unit_label(line.unit)
            )
        initial = format_quantity(line.qty)  # "1000", "1.250": what the keypad reads back
        if self.allow_zero:
            dialog = CountValueDialog(_("Quantity"), prompt, "quantity", initial, self)
            value = dialog.value if dialog.exec() == QDialog.DialogCode.Accepted else None
        else:
            value = ask_value(self, _("Quantity"), prompt, "quantity", initial)
        if value is not None:
            if not line.weighed and value != value.to_integral_value():
                self.show_error(
                    _("{sku} is sold by the piece: use a whole quantity.", sku=line.sku)
                )
            else:
                self.error.hide()
                line.qty = value
        self.render(index)

    def remove(self) -> None:
        index = self.selected()
        if index is not None:
            del self.lines[index]
        self.render(min(index or 0, len(self.lines) - 1))

    # -- showing ------------------------------------------------------------------------------
    def render(self, current: int | None = None) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.lines))
        for i, line in enumerate(self.lines):
            qty = QTableWidgetItem(line.text())
            qty.setTextAlignment(Qt.AlignmentFlag.AlignTrailing | Qt.AlignmentFlag.AlignVCenter)
            for col, item in enumerate(
                (QTableWidgetItem(line.sku), QTableWidgetItem(line.name), qty)
            ):
                self.table.setItem(i, col, item)
        if current is not None and 0 <= current < len(self.lines):
            select_row(self.table, current)
            self.table.scrollToItem(self.table.item(current, 0))
        self.table.blockSignals(False)
        text = ngettext("{n} product", "{n} products", len(self.lines))
        pieces = sum((ln.qty for ln in self.lines if not ln.weighed), ZERO)
        if pieces:
            text += " · " + ngettext(
                "{count} piece", "{count} pieces", int(pieces), count=format_qty(pieces)
            )
        self.total.setText(text)
        has = bool(self.lines)
        for button in self.buttons.values():
            button.setEnabled(has)
        self.changed.emit()
        self.focus()

    def items(self) -> list[tuple[str, Decimal]]:
        return [(ln.sku, ln.qty) for ln in self.lines if self.allow_zero or ln.qty > 0]

    def quantity_of(self, sku: str) -> Decimal | None:
        index = self.index_of(sku)
        return None if index is None else self.lines[index].qty


# -- dialogs ---------------------------------------------------------------------------------


class _StockDialog(QDialog):
    """Shared frame: title, an error line, Cancel and a primary button; Enter (the
    scanner's) never closes it, and closing with lines asks first."""

    def __init__(self, session: AppSession, name: str, title: str, parent=None):
        super().__init__(parent)
        self.session = session
        self.done_message = ""
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setMinimumSize(760, 560)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(set_role(QLabel(title), "title"))
        self.lines: ProductLines | None = None

    def add_buttons(self, confirm_label: str, confirm_name: str, slot) -> QPushButton:
        self.error = error_label("dialogError")
        self.layout_.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel = QPushButton(_("Cancel"))
        self.cancel.setObjectName(f"cancel_{self.objectName()}")
        self.cancel.setAutoDefault(False)
        self.cancel.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.cancel.clicked.connect(self.reject)
        row.addWidget(self.cancel)
        self.confirm = set_role(QPushButton(confirm_label), "primary")
        self.confirm.setObjectName(confirm_name)
        self.confirm.setAutoDefault(False)
        self.confirm.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.confirm.setMinimumWidth(200)
        self.confirm.clicked.connect(slot)
        row.addWidget(self.confirm)
        self.layout_.addLayout(row)
        return self.confirm

    def fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        if self.lines is not None:
            self.lines.focus()

    def keyPressEvent(self, event) -> None:
        """A scanner ends every code with Enter: it never presses a button here; in
        another field Enter goes back to the scan field."""
        if is_enter(event):
            if self.lines is not None:
                self.lines.focus()
            return
        super().keyPressEvent(event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.lines is not None:
            QTimer.singleShot(0, self, self.lines.focus)

    def reject(self) -> None:
        if self.lines is not None and self.lines.lines and not self.done_message:
            answer = QMessageBox.question(
                self, self.windowTitle(), _("Close and forget the products listed here?")
            )
            if answer != QMessageBox.StandardButton.Yes:
                self.lines.focus()
                return
        super().reject()

    def user_id(self) -> int | None:
        return self.session.user.id if self.session.user else None


class ReceiveDialog(_StockDialog):
    """Goods delivered by a cooperative, with the delivery note's number."""

    def __init__(self, session: AppSession, location: str | None = None, parent=None):
        super().__init__(session, "receiveDialog", _("Receive goods"), parent)
        form = form_layout()
        self.location = LocationCombo(session, "receiveLocation", location)
        form.addRow(_("Into"), self.location)
        self.reference = QLineEdit()
        self.reference.setObjectName("receiveReference")
        self.reference.setPlaceholderText(_("Delivery note no."))
        form.addRow(_("Delivery note"), self.reference)
        self.note = QLineEdit()
        self.note.setObjectName("receiveNote")
        form.addRow(_("Note"), self.note)
        self.layout_.addLayout(form)
        self.lines = ProductLines(session, _("Quantity"))
        self.layout_.addWidget(self.lines, 1)
        self.add_buttons(_("Receive"), "confirmReceive", self.receive)

    def receive(self) -> None:
        try:
            items = self.lines.items()
            if not items:
                raise ValidationError(_("Scan or type the products received first."))
            count = inventory.receive(
                self.session.ctx,
                items,
                self.user_id(),
                self.location.code(),
                self.reference.text().strip(),
                self.note.text().strip(),
            )
        except CooposError as exc:
            self.fail(exc.message)
            return
        self.done_message = ngettext(
            "{n} product received into {location}.",
            "{n} products received into {location}.",
            count,
            location=self.location.code(),
        )
        self.accept()


class TransferDialog(_StockDialog):
    """Goods moved between two locations (shop, warehouse, fair stand)."""

    def __init__(self, session: AppSession, location: str | None = None, parent=None):
        super().__init__(session, "transferDialog", _("Transfer goods"), parent)
        form = form_layout()
        self.source = LocationCombo(session, "transferFrom", location)
        form.addRow(_("From"), self.source)
        self.target = LocationCombo(session, "transferTo")
        if self.target.code() == self.source.code() and self.target.count() > 1:
            self.target.setCurrentIndex(1 if self.source.currentIndex() == 0 else 0)
        form.addRow(_("To"), self.target)
        self.reference = QLineEdit()
        self.reference.setObjectName("transferReference")
        self.reference.setPlaceholderText(_("Numbered automatically if empty"))
        form.addRow(_("Reference"), self.reference)
        self.layout_.addLayout(form)
        self.lines = ProductLines(session, _("Quantity"))
        self.layout_.addWidget(self.lines, 1)
        self.add_buttons(_("Transfer"), "confirmTransfer", self.transfer)

    def transfer(self) -> None:
        try:
            items = self.lines.items()
            if not items:
                raise ValidationError(_("Scan or type the products to move first."))
            count = inventory.transfer(
                self.session.ctx,
                items,
                self.user_id(),
                self.source.code(),
                self.target.code(),
                self.reference.text().strip(),
            )
        except CooposError as exc:
            self.fail(exc.message)
            return
        self.done_message = ngettext(
            "{n} product moved from {source} to {target}.",
            "{n} products moved from {source} to {target}.",
            count,
            source=self.source.code(),
            target=self.target.code(),
        )
        self.accept()


class CountDialog(_StockDialog):
    """A count session: scan every item on the shelves; Finish (a manager approves)
    records the count and shows what differed from the expected stock."""

    RESULT_COLUMNS = (
        Column("sku", N_("SKU")),
        Column("name", N_("Product")),
        Column("expected", N_("Expected"), "quantity"),
        Column("counted", N_("Counted"), "quantity"),
        Column("difference", N_("Difference"), "quantity"),
    )

    def __init__(self, session: AppSession, location: str | None = None, parent=None):
        super().__init__(session, "countSession", _("Count the stock"), parent)
        self.result: list[CountLine] | None = None
        self.setMinimumSize(820, 600)
        self.pages = QStackedWidget()
        self.layout_.addWidget(self.pages, 1)

        counting = QWidget()
        page = QVBoxLayout(counting)
        page.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Location")))
        self.location = LocationCombo(session, "countLocation", location)
        self.location.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        top.addWidget(self.location, 1)
        self.full = QCheckBox(_("Full count: what is not counted is set to zero"))
        self.full.setObjectName("fullCount")
        self.full.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        top.addWidget(self.full)
        page.addLayout(top)
        self.lines = ProductLines(session, _("Counted"), allow_zero=True)
        page.addWidget(self.lines, 1)
        self.pages.addWidget(counting)

        results = QWidget()
        page = QVBoxLayout(results)
        page.setContentsMargins(0, 0, 0, 0)
        self.summary = set_role(QLabel(), "banner")
        self.summary.setObjectName("countSummary")
        self.summary.setWordWrap(True)
        page.addWidget(self.summary)
        self.differences = DataTable(
            self.RESULT_COLUMNS,
            "name",
            lambda r: "danger" if r["difference"] < 0 else ("good" if r["difference"] else None),
        )
        self.differences.setObjectName("countResult")
        page.addWidget(self.differences, 1)
        self.pages.addWidget(results)

        self.add_buttons(_("Finish the count"), "finishCount", self.finish)
        self.close_button = QPushButton(_("Close"))
        self.close_button.setObjectName("closeCount")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.accept)
        self.close_button.hide()
        self.layout_.itemAt(self.layout_.count() - 1).layout().addWidget(self.close_button)

    def finish(self) -> None:
        try:
            items = self.lines.items()
            full = self.full.isChecked()
            if not items and not full:
                raise ValidationError(_("Scan the products counted first."))
            if full:
                answer = QMessageBox.question(
                    self,
                    _("Full count"),
                    _(
                        "Every product of {location} that was not counted will be set to "
                        "zero. Go on?",
                        location=self.location.code(),
                    ),
                )
                if answer != QMessageBox.StandardButton.Yes:
                    self.lines.focus()
                    return
            approver = approve(
                self.session.ctx,
                self,
                "stock_count",
                _("Recording a stock count needs a manager."),
                self.session,
            )
            if approver is None:
                self.lines.focus()
                return
            self.result = inventory.count(
                self.session.ctx, items, approver.id, self.location.code(), full
            )
        except CooposError as exc:
            self.fail(exc.message)
            return
        self.show_result(self.result)

    def show_result(self, lines: list[CountLine]) -> None:
        names = product_names(self.session.ctx, [ln.sku for ln in lines])
        rows = [
            {
                "sku": ln.sku,
                "name": names.get(ln.sku, ""),
                "expected": ln.expected,
                "counted": ln.counted,
                "difference": ln.difference,
            }
            for ln in lines
        ]
        rows.sort(key=lambda r: (r["difference"] == 0, r["sku"]))
        self.differences.set_rows(rows)
        differing = sum(1 for ln in lines if ln.difference)
        self.done_message = ngettext(
            "Count recorded at {location}: {n} product, {d} with a difference.",
            "Count recorded at {location}: {n} products, {d} with a difference.",
            len(lines),
            location=self.location.code(),
            d=differing,
        )
        self.summary.setText(self.done_message)
        self.pages.setCurrentIndex(1)
        self.error.hide()
        self.cancel.hide()
        self.confirm.hide()
        self.close_button.show()
        self.close_button.setFocus()


class AdjustDialog(_StockDialog):
    """A manager's correction of one product's stock, with a reason."""

    def __init__(
        self,
        session: AppSession,
        approver: Approver,
        sku: str = "",
        location: str | None = None,
        parent=None,
    ):
        super().__init__(session, "adjustDialog", _("Adjust the stock"), parent)
        self.approver = approver
        self.setMinimumSize(620, 0)
        form = form_layout()
        self.product = QLineEdit(sku)
        self.product.setObjectName("adjustProduct")
        self.product.setPlaceholderText(_("Scan or type a barcode or SKU"))
        self.product.editingFinished.connect(self.show_product)
        form.addRow(_("Product"), self.product)
        self.product_name = set_role(QLabel(), "muted")
        self.product_name.setObjectName("adjustProductName")
        self.product_name.setWordWrap(True)
        form.addRow("", self.product_name)
        self.location = LocationCombo(session, "adjustLocation", location)
        form.addRow(_("Location"), self.location)
        self.reason = touch_combo()
        self.reason.setObjectName("adjustReason")
        for reason in inventory.ADJUST_REASONS:
            self.reason.addItem(reason.label, reason.value)
        self.reason.currentIndexChanged.connect(self.show_hint)
        form.addRow(_("Reason"), self.reason)
        self.quantity = QLineEdit()
        self.quantity.setObjectName("adjustQuantity")
        form.addRow(_("Quantity"), self.quantity)
        self.hint = set_role(QLabel(), "muted")
        self.hint.setWordWrap(True)
        form.addRow("", self.hint)
        self.note = QLineEdit()
        self.note.setObjectName("adjustNote")
        form.addRow(_("Note"), self.note)
        self.layout_.addLayout(form)
        self.layout_.addStretch(1)
        self.approved = set_role(QLabel(_("Approved by {name}", name=approver.name)), "muted")
        self.layout_.addWidget(self.approved)
        self.add_buttons(_("Adjust"), "confirmAdjust", self.adjust)
        self.show_hint()
        self.show_product()

    def show_hint(self) -> None:
        if self.reason.currentData() == MovementReason.ADJUSTMENT.value:
            self.hint.setText(_("Signed: −2 takes two out of the stock, 3 adds three."))
        else:
            self.hint.setText(_("This quantity leaves the stock."))

    def show_product(self) -> None:
        code = self.product.text().strip()
        if not code:
            self.product_name.setText("")
            return
        with self.session.ctx.read() as s:
            product = lookups.product_by_code(s, code)
            name = pick_name(product.names, current_language()) if product else None
        self.product_name.setText(
            name or _("Unknown product “{code}”: no such barcode or SKU.", code=code)
        )

    def showEvent(self, event) -> None:
        super().showEvent(event)
        target = self.quantity if self.product.text() else self.product
        QTimer.singleShot(0, self, target.setFocus)

    def adjust(self) -> None:
        try:
            code = self.product.text().strip()
            if not code:
                raise ValidationError(_("Scan or type the product first."))
            text = self.quantity.text().strip()
            if not text:
                raise ValidationError(_("Type the quantity."))
            delta = quantity(text.replace("−", "-"))
            inventory.adjust(
                self.session.ctx,
                code,
                delta,
                self.approver.id,
                MovementReason(self.reason.currentData()),
                self.location.code(),
                self.note.text().strip(),
            )
        except CooposError as exc:
            self.fail(exc.message)
            return
        self.done_message = _(
            "Stock of {code} adjusted at {location}.", code=code, location=self.location.code()
        )
        self.accept()

    def keyPressEvent(self, event) -> None:
        """Enter: product → quantity → note → adjust."""
        if is_enter(event):
            if self.product.hasFocus():
                self.quantity.setFocus()
            elif self.quantity.hasFocus():
                self.note.setFocus()
            elif self.note.hasFocus():
                self.adjust()
            return
        QDialog.keyPressEvent(self, event)


def product_names(ctx, skus: list[str] | None = None) -> dict[str, str]:
    """Product names in the interface's language, by sku (all products without skus)."""
    lang = current_language()
    stmt = select(Product.sku, Product.name_ar, Product.name_fr, Product.name_en, Product.name_zgh)
    if skus is not None:
        stmt = stmt.where(Product.sku.in_(skus))
    with ctx.read() as s:
        return {
            sku: pick_name({"ar": ar, "fr": fr, "en": en, "zgh": zgh}, lang)
            for sku, ar, fr, en, zgh in s.execute(stmt)
        }


# -- the screen ------------------------------------------------------------------------------


class StockScreen(BackOfficeScreen):
    COLUMNS = (
        Column("location", N_("Location")),
        Column("sku", N_("SKU")),
        Column("name", N_("Product")),
        Column("cooperative", N_("Cooperative")),
        Column("unit", N_("Unit")),
        Column("quantity", N_("On hand"), "quantity"),
        Column("note", N_("Note")),
    )

    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("stockScreen")
        self._dirty = False
        self._rows: list[dict[str, Any]] = []
        layout = QVBoxLayout(self)
        self.build_header(layout, _("Stock"), "stockCount", "stockMessage")

        filters = QHBoxLayout()
        filters.addWidget(QLabel(_("Location")))
        self.location_filter = touch_combo()
        self.location_filter.setObjectName("locationFilter")
        self.location_filter.currentIndexChanged.connect(self.refresh)
        filters.addWidget(self.location_filter, 1)
        self.search = QLineEdit()
        self.search.setObjectName("stockSearch")
        self.search.setPlaceholderText(_("Filter: SKU, name or cooperative (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.apply_filter)
        filters.addWidget(self.search, 2)
        self.negative = QCheckBox(_("Negative only"))
        self.negative.setObjectName("negativeOnly")
        self.negative.toggled.connect(self.refresh)
        filters.addWidget(self.negative)
        layout.addLayout(filters)

        self.table = DataTable(
            self.COLUMNS,
            "name",
            lambda r: "danger" if r["quantity"] < 0 else None,
            self,
            reserve={"note": _("Negative: count it")},
        )
        self.table.setObjectName("stockTable")
        layout.addWidget(self.table, 1)

        actions = QHBoxLayout()
        self.receive_button = touch_button(_("Receive…"), "receiveStock", self.receive, "primary")
        self.transfer_button = touch_button(_("Transfer…"), "transferStock", self.transfer)
        self.count_button = touch_button(_("Count session"), "countStock", self.count_stock)
        self.adjust_button = touch_button(_("Adjust…"), "adjustStock", self.adjust)
        for button in (
            self.receive_button,
            self.transfer_button,
            self.count_button,
            self.adjust_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        layout.addLayout(actions)
        add_shortcuts(self, [("Ctrl+F", lambda: self.search.setFocus())])

        session.bridge.stock_changed.connect(self.on_changed)
        session.bridge.catalog_changed.connect(self.on_changed)
        session.bridge.locations_changed.connect(self.reload_locations)
        self.reload_locations()

    # -- feedback -----------------------------------------------------------------------------
    # -- data ---------------------------------------------------------------------------------
    def reload_locations(self) -> None:
        current = self.location_filter.currentData() or till_location(self.session)
        combo = self.location_filter
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(_("All locations"), ALL)
        for code, label in location_choices(self.session):
            combo.addItem(label, code)
        combo.setCurrentIndex(max(combo.findData(current), 0))
        combo.blockSignals(False)
        self.refresh()

    def location(self) -> str | None:
        """The location picked in the filter, or None for "all"."""
        code = self.location_filter.currentData()
        return None if code in (None, ALL) else code

    @guarded()
    def refresh(self, *_args) -> None:
        self._dirty = False
        code = self.location_filter.currentData() or ALL
        with self.session.ctx.read() as s:
            report = inventory.stock_report(s, code, negative_only=self.negative.isChecked())
        names = product_names(self.session.ctx)
        rows = []
        for r in report:
            name = names.get(r.sku) or r.name
            rows.append(
                {
                    "key": (r.location, r.sku),
                    "location": r.location,
                    "sku": r.sku,
                    "name": name,
                    "cooperative": r.cooperative,
                    "unit": unit_label(r.unit),
                    "quantity": r.quantity,
                    "note": _("Negative: count it") if r.negative else "",
                    "_search": f"{r.sku} {name} {r.cooperative} {r.location}".casefold(),
                }
            )
        self._rows = rows
        self.table.setColumnHidden(0, code != ALL)
        self.apply_filter()
        if code == ALL:
            self.table.resizeColumnToContents(0)

    def apply_filter(self, *_args) -> None:
        words = self.search.text().casefold().split()
        rows = [r for r in self._rows if all(w in r["_search"] for w in words)]
        self.table.set_rows(rows, keep="key")
        negative = sum(1 for r in rows if r["quantity"] < 0)
        text = ngettext("{n} product", "{n} products", len(rows))
        if negative:
            text += " · " + ngettext("{n} negative: count it", "{n} negative: count them", negative)
        self.count.setText(text)

    # -- actions ------------------------------------------------------------------------------
    def _run(self, dialog: _StockDialog) -> None:
        self.message.hide()
        dialog.exec()
        dialog.deleteLater()
        if dialog.done_message:
            self.refresh()
            self.message.say(dialog.done_message)

    @guarded()
    def receive(self) -> None:
        self._run(ReceiveDialog(self.session, self.location(), self))

    @guarded()
    def transfer(self) -> None:
        self._run(TransferDialog(self.session, self.location(), self))

    @guarded()
    def count_stock(self) -> None:
        self._run(CountDialog(self.session, self.location(), self))

    @guarded()
    def adjust(self) -> None:
        approver = approve(
            self.session.ctx,
            self,
            "stock_adjust",
            _("Adjusting the stock needs a manager."),
            self.session,
        )
        if approver is None:
            return
        row = self.table.selected_row()
        sku = row["sku"] if row else ""
        location = row["location"] if row else self.location()
        self._run(AdjustDialog(self.session, approver, sku, location, self))


__all__ = [
    "AdjustDialog",
    "CountDialog",
    "ProductLines",
    "ReceiveDialog",
    "StockScreen",
    "TransferDialog",
]
