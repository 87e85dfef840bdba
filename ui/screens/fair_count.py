"""The end-of-fair count of a stand, by scanning.

Every product the books expect at the stand is listed with its expected quantity; each
scan adds one piece to its line (``12*SKU`` adds 12, weighed goods ask their weight), and
the table shows expected, counted and the difference as it goes.  A manager confirms;
``consignment.count_fair`` records the count (what is not counted is zero) and the stand's
stock becomes what was found.  A fair is counted once."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from coopos.domain.catalog import Unit
from coopos.domain.errors import CooposError, StateError, ValidationError
from coopos.domain.quantity import ZERO
from coopos.i18n import N_, _, ngettext
from coopos.i18n.formats import format_qty
from coopos.services import consignment, inventory
from coopos.services.consignment import CountResult
from coopos.services.reports import Column
from ui.screens.fairs import fair_info
from ui.screens.stock import Line, ProductLines, _StockDialog, product_names
from ui.session import AppSession
from ui.theme import DANGER, set_role
from ui.widgets.approval import approve
from ui.widgets.forms import DataTable, ltr, unit_label

EXTRA = "#b45309"  # amber: more found than expected


def missing_text(missing: Decimal) -> str:
    """A variance in words, so that it never relies on colour alone: "2 missing",
    "1 extra" (``missing`` is what the books expect minus what was found)."""
    if missing > 0:
        return _("{qty} missing", qty=format_qty(missing))
    if missing < 0:
        return _("{qty} extra", qty=format_qty(-missing))
    return ""


class CountLines(ProductLines):
    """The stand's expected products, and what the scans found: five columns."""

    HEADERS = (N_("SKU"), N_("Product"), N_("Expected"), N_("Counted"), N_("Difference"))

    expected: dict[str, Decimal] = {}  # noqa: RUF012 - replaced, never changed in place

    def __init__(self, session: AppSession, expected: list[Line], parent=None):
        super().__init__(session, _("Counted"), allow_zero=True, parent=parent)
        self.table.setObjectName("countLines")
        self.table.setColumnCount(len(self.HEADERS))
        self.table.setHorizontalHeaderLabels([_(h) for h in self.HEADERS])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (2, 3, 4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.expected = {line.sku: line.qty for line in expected}
        self.lines = [Line(ln.sku, ln.name, ln.unit, ln.weighed, ZERO) for ln in expected]
        self.render(None)

    def expected_of(self, sku: str) -> Decimal:
        return self.expected.get(sku, ZERO)

    def remove(self) -> None:
        """An expected product stays listed (counted: none); a stray scan goes."""
        index = self.selected()
        if index is None:
            return
        line = self.lines[index]
        if line.sku in self.expected:
            line.qty = ZERO
            self.render(index)
        else:
            super().remove()

    def render(self, current: int | None = None) -> None:
        if self.table.columnCount() < len(self.HEADERS):
            return  # still being built
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.lines))
        for i, line in enumerate(self.lines):
            expected = self.expected_of(line.sku)
            difference = line.qty - expected
            cells = [
                QTableWidgetItem(line.sku),
                QTableWidgetItem(line.name),
                QTableWidgetItem(self.quantity_text(line, expected)),
                QTableWidgetItem(line.text()),
                QTableWidgetItem(missing_text(-difference) or "✓"),
            ]
            for col in (2, 3, 4):
                cells[col].setTextAlignment(
                    Qt.AlignmentFlag.AlignTrailing | Qt.AlignmentFlag.AlignVCenter
                )
            if difference:
                cells[4].setForeground(QBrush(QColor(DANGER if difference < 0 else EXTRA)))
            for col, item in enumerate(cells):
                self.table.setItem(i, col, item)
        if current is not None and 0 <= current < len(self.lines):
            self.table.setCurrentCell(current, 0)  # selectRow selects nothing right to left
            self.table.scrollToItem(self.table.item(current, 0))
        self.table.blockSignals(False)
        differing = sum(1 for ln in self.lines if ln.qty != self.expected_of(ln.sku))
        scanned = sum(1 for ln in self.lines if ln.qty)
        self.total.setText(
            ngettext(
                "{scanned} of {n} product found · {d} with a difference",
                "{scanned} of {n} products found · {d} with a difference",
                len(self.lines),
                scanned=scanned,
                d=differing,
            )
        )
        for button in self.buttons.values():
            button.setEnabled(bool(self.lines))
        self.changed.emit()
        self.focus()

    @staticmethod
    def quantity_text(line: Line, qty: Decimal) -> str:
        text = ltr(format_qty(qty))
        return f"{text} {unit_label(line.unit)}" if line.weighed else text


class FairCountDialog(_StockDialog):
    """Scan the stand, then a manager records the count; the differences are shown."""

    RESULT_COLUMNS = (
        Column("sku", N_("SKU")),
        Column("name", N_("Product")),
        Column("expected", N_("Expected"), "quantity"),
        Column("counted", N_("Counted"), "quantity"),
        Column("difference", N_("Difference")),
    )

    def __init__(self, session: AppSession, fair: str, parent=None):
        info = fair_info(session.ctx, fair)
        if info is None:
            raise ValidationError(_("Unknown fair “{code}”.", code=fair))
        if info.status != "open":
            raise StateError(_("The fair {code} was already counted.", code=info.code))
        super().__init__(
            session, "fairCount", _("Count the stand {stand}", stand=info.stand), parent
        )
        self.fair = info
        self.result: list[CountResult] | None = None
        self.setMinimumSize(900, 640)
        self.pages = QStackedWidget()
        self.layout_.addWidget(self.pages, 1)

        counting = QWidget()
        page = QVBoxLayout(counting)
        page.setContentsMargins(0, 0, 0, 0)
        hint = QLabel(
            _(
                "{fair}: scan every item on the stand. What is not counted is recorded as "
                "missing; a manager confirms the count, once.",
                fair=info.label,
            )
        )
        hint.setWordWrap(True)
        page.addWidget(set_role(hint, "muted"))
        self.lines = CountLines(session, self.expected_lines(), self)
        page.addWidget(self.lines, 1)
        self.pages.addWidget(counting)

        results = QWidget()
        page = QVBoxLayout(results)
        page.setContentsMargins(0, 0, 0, 0)
        self.summary = set_role(QLabel(), "banner")
        self.summary.setObjectName("fairCountSummary")
        self.summary.setWordWrap(True)
        page.addWidget(self.summary)
        self.differences = DataTable(
            self.RESULT_COLUMNS,
            "name",
            lambda r: "danger" if r["missing"] > 0 else ("good" if r["missing"] < 0 else None),
        )
        self.differences.setObjectName("fairCountResult")
        page.addWidget(self.differences, 1)
        self.pages.addWidget(results)

        self.add_buttons(_("Record the count"), "recordCount", self.record)
        self.close_button = QPushButton(_("Close"))
        self.close_button.setObjectName("closeFairCount")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.accept)
        self.close_button.hide()
        self.layout_.itemAt(self.layout_.count() - 1).layout().addWidget(self.close_button)

    def reject(self) -> None:
        """Closing asks first only once something was counted."""
        if not self.done_message and any(ln.qty for ln in self.lines.lines):
            answer = QMessageBox.question(
                self, self.windowTitle(), _("Close and forget what was counted here?")
            )
            if answer != QMessageBox.StandardButton.Yes:
                self.lines.focus()
                return
        QDialog.reject(self)

    def expected_lines(self) -> list[Line]:
        with self.session.ctx.read() as s:
            rows = [r for r in inventory.stock_report(s, self.fair.stand) if r.quantity != 0]
        names = product_names(self.session.ctx, [r.sku for r in rows])
        return [
            Line(r.sku, names.get(r.sku) or r.name, r.unit, Unit(r.unit).weighed, r.quantity)
            for r in rows
        ]

    def confirm_count(self) -> bool:
        missing = sum(
            1 for ln in self.lines.lines if ln.qty < self.lines.expected_of(ln.sku)
        )  # what the count will record as missing
        text = _(
            "Record this count for the fair {code}? It is done once: the stand's stock "
            "becomes what was counted.",
            code=self.fair.code,
        )
        if missing:
            text += " " + ngettext(
                "{n} product is short of what was expected.",
                "{n} products are short of what was expected.",
                missing,
            )
        answer = QMessageBox.question(self, self.windowTitle(), text)
        return answer == QMessageBox.StandardButton.Yes

    def record(self) -> None:
        try:
            if not self.confirm_count():
                self.lines.focus()
                return
            approver = approve(
                self.session.ctx,
                self,
                "stock_count",
                _("Recording the count of a fair needs a manager."),
                self.session,
            )
            if approver is None:
                self.lines.focus()
                return
            self.result = consignment.count_fair(
                self.session.ctx, self.fair.code, self.lines.items(), approver.id
            )
        except CooposError as exc:
            self.fail(exc.message)
            return
        self.show_result(self.result)

    def show_result(self, results: list[CountResult]) -> None:
        names = {ln.sku: ln.name for ln in self.lines.lines}
        rows = []
        for r in results:
            missing = r.expected - r.counted
            rows.append(
                {
                    "sku": r.sku,
                    "name": names.get(r.sku, r.sku),
                    "expected": r.expected,
                    "counted": r.counted,
                    "difference": missing_text(missing) or "✓",
                    "missing": missing,
                }
            )
        rows.sort(key=lambda r: (r["missing"] == 0, r["sku"]))
        self.differences.set_rows(rows)
        differing = sum(1 for r in rows if r["missing"])
        self.done_message = ngettext(
            "Stand of {fair} counted: {n} product, {d} with a difference.",
            "Stand of {fair} counted: {n} products, {d} with a difference.",
            len(rows),
            fair=self.fair.code,
            d=differing,
        )
        self.summary.setText(self.done_message)
        self.pages.setCurrentIndex(1)
        self.error.hide()
        self.cancel.hide()
        self.confirm.hide()
        self.close_button.show()
        self.close_button.setFocus()


__all__ = ["CountLines", "FairCountDialog", "missing_text"]
