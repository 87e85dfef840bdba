"""The sell screen: scan or search, tap products, adjust the cart, pay.

The scan field keeps the focus: a barcode scanner types digits and Enter, which adds the
product at once (also from a scanner set for another keyboard layout, or typed in
Arabic-Indic digits: ``coopos.domain.keyboard``).  Typed text shows matching products as
you type; the arrow keys choose one of them and Enter adds it.  Every action has a key
(``ui.shortcuts``, F1 lists them)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from coopos.db.models import Product
from coopos.domain import keyboard
from coopos.domain.catalog import pick_name, unit_label
from coopos.domain.errors import CooposError
from coopos.i18n import _, current_language, ngettext
from coopos.i18n.formats import format_money
from coopos.printing.receipts import is_receipt_qr
from coopos.services import catalog, lookups, products
from coopos.services.checkout import SaleResult
from ui import shortcuts
from ui.errors import ask_yes_no, crash_message, guarded
from ui.models import CartModel
from ui.screens.discounts import Discounts
from ui.screens.held_sales import HeldSales
from ui.screens.sell_grid import GRID_LIMIT, ProductGrid, ScanField
from ui.screens.sell_lines import CartLines
from ui.session import AppSession
from ui.shortcuts import SELL
from ui.theme import set_role
from ui.widgets.forms import select_row
from ui.widgets.keypad import ask_value
from ui.widgets.shortcut_help import show_help


class SellScreen(CartLines, Discounts, HeldSales, QWidget):
    pay_requested = Signal()
    returns_requested = Signal()
    journal_requested = Signal()
    return_receipt_requested = Signal(str)  # a receipt's QR was scanned
    open_shift_requested = Signal()

    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("sellScreen")
        self._category_id: int | None = None
        self._last_hits: list[Product] = []
        self._categories: list[int | None] = [None]
        self._cooperative_id: int | None = None
        root = QHBoxLayout(self)

        # -- left: scan, filters, product grid ------------------------------------------
        left = QVBoxLayout()
        root.addLayout(left, 3)
        self.scan = ScanField()
        self.scan.setObjectName("scanInput")
        self.scan.setPlaceholderText(_("Scan a barcode or type a name (F2)"))
        self.scan.setClearButtonEnabled(True)
        self.scan.returnPressed.connect(self.on_enter)
        self.scan.textEdited.connect(self.on_typed)
        self.scan.moved.connect(self.on_arrow)
        self.scan.stepped.connect(self.step)
        left.addWidget(self.scan)
        self.message = set_role(QLabel(), "banner")
        self.message.setObjectName("sellMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        self._message_timer = QTimer(self, singleShot=True, interval=6000)
        self._message_timer.timeout.connect(self.message.hide)
        left.addWidget(self.message)
        # Jobs the printer has not taken: always visible until printed or discarded.
        self.print_queue = set_role(QPushButton(), "danger")
        self.print_queue.setObjectName("printQueueButton")
        self.print_queue.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.print_queue.clicked.connect(self.show_print_queue)
        self.print_queue.hide()
        left.addWidget(self.print_queue)
        filters = QHBoxLayout()
        chip_host = QWidget()
        self.chips = QHBoxLayout(chip_host)
        self.chips.setContentsMargins(0, 0, 0, 0)
        self.chips.addStretch(1)
        chip_scroll = QScrollArea()
        chip_scroll.setWidget(chip_host)
        chip_scroll.setWidgetResizable(True)
        chip_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        chip_scroll.setFixedHeight(58)
        chip_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        chip_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.chip_group = QButtonGroup(self)
        self.chip_group.setExclusive(True)
        filters.addWidget(chip_scroll, 1)
        self.coop_filter = QComboBox()
        self.coop_filter.setObjectName("coopFilter")
        self.coop_filter.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a touch keeps the scan
        self.coop_filter.currentIndexChanged.connect(self.on_coop_filter)
        filters.addWidget(self.coop_filter)
        left.addLayout(filters)
        self.grid = ProductGrid()
        self.grid.picked.connect(self.add_product)
        left.addWidget(self.grid, 1)

        # -- right: cart, totals, actions -----------------------------------------------
        right = QVBoxLayout()
        root.addLayout(right, 2)
        self.restored_banner = set_role(QLabel(), "banner")
        self.restored_banner.hide()
        right.addWidget(self.restored_banner)
        self.cart_model = CartModel(self)
        self.cart = QTableView()
        self.cart.setObjectName("cartTable")
        self.cart.setModel(self.cart_model)
        self.cart.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.cart.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.cart.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Tab reaches the cart (the arrows then move through its lines), a touch does not
        # take the focus from the scan field.
        self.cart.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.cart.setTabKeyNavigation(False)
        self.cart.verticalHeader().hide()
        self.cart.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.cart.verticalHeader().setMinimumSectionSize(44)  # touch-high rows
        self.cart.setWordWrap(True)
        self.cart.setTextElideMode(Qt.TextElideMode.ElideNone)
        header = self.cart.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        right.addWidget(self.cart, 1)
        self.buttons: dict[str, QPushButton] = {}
        right.addLayout(
            self._action_row(
                [
                    ("minus", "−", lambda: self.step(-1)),
                    ("plus", "+", lambda: self.step(1)),
                    ("qty", _("Qty / weight"), self.ask_quantity),
                    ("discount", _("Discount"), self.ask_discount),
                    ("price", _("Price"), self.ask_price),
                    ("remove", _("Remove"), self.remove_line),
                ]
            )
        )
        self.vat_label = set_role(QLabel(), "muted")
        self.vat_label.setObjectName("vatLabel")
        self.vat_label.setWordWrap(True)
        right.addWidget(self.vat_label)
        # The last sale's change stays in sight until the next scan.
        self.last_change = set_role(QLabel(), "change")
        self.last_change.setObjectName("lastChange")
        self.last_change.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.last_change.setWordWrap(True)
        self.last_change.hide()
        right.addWidget(self.last_change)
        total_row = QHBoxLayout()
        self.count_label = set_role(QLabel(), "muted")
        total_row.addWidget(self.count_label)
        total_row.addStretch(1)
        self.total = set_role(QLabel(), "total")
        self.total.setObjectName("totalLabel")
        total_row.addWidget(self.total)
        right.addLayout(total_row)
        sale_actions = self._action_row(
            [
                ("void", _("Cancel sale"), self.void_sale),
                ("returns", _("Return (F8)"), self.returns_requested.emit),
                ("reprint", _("Reprint last"), self.reprint_last),
                ("journal", _("Receipts (F10)"), self.journal_requested.emit),
            ]
        )
        set_role(self.buttons["void"], "danger")
        right.addLayout(sale_actions)
        # Hold the sale and recall it, and a discount on the whole of it (F3, Shift+F3,
        # Shift+F6): a row of their own, the row above being full at 1024 pixels.
        right.addLayout(
            self._action_row(
                [
                    ("order_discount", _("Sale discount"), self.ask_order_discount),
                    ("hold", _("Hold"), self.hold_sale),
                    ("held", _("Held sales"), self.show_held),
                ]
            )
        )
        self.pay = set_role(QPushButton(_("Pay (F12)")), "primary")
        self.pay.setObjectName("payButton")
        self.pay.setMinimumHeight(72)
        self.pay.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.pay.clicked.connect(self.request_pay)
        right.addWidget(self.pay)

        shortcuts.bind(
            self,
            SELL,
            {
                "help": lambda: show_help(self),
                "scan": self.focus_scan,
                "escape": self.escape,
                "qty": self.ask_quantity,
                "discount": self.ask_discount,
                "order_discount": self.ask_order_discount,
                "hold": self.hold_sale,
                "held": self.show_held,
                "price": self.ask_price,
                "remove": self.remove_line,
                "undo": self.undo_last,
                "void": self.void_sale,
                "returns": self.returns_requested.emit,
                "reprint": self.reprint_last,
                "print_queue": self.show_print_queue,
                "journal": self.journal_requested.emit,
                "category_next": lambda: self.next_category(1),
                "category_previous": lambda: self.next_category(-1),
                "pay": self.request_pay,
            },
        )
        self.setTabOrder(self.scan, self.cart)
        self.setTabOrder(self.cart, self.coop_filter)

        session.cart_changed.connect(self.refresh_cart)
        session.checkout_changed.connect(self.refresh_cart)
        session.bridge.catalog_changed.connect(self.reload_catalog)
        self.reload_catalog()
        self.refresh_cart()
        self.show_held_count()

    def _action_row(self, actions) -> QHBoxLayout:
        """A row of buttons (``key``, label, slot); their key is in the tooltip (F1 lists
        them all; labels stay short) and a touch leaves the focus in the scan field."""
        row = QHBoxLayout()
        for key, label, slot in actions:
            button = QPushButton(label)
            button.setObjectName(f"{key}Button")
            button.setToolTip(shortcuts.shown(SELL, key))
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            row.addWidget(button)
            self.buttons[key] = button
        return row

    # -- feedback ----------------------------------------------------------------------
    def report_error(self, message: str) -> None:
        self.say(message, error=True)

    def say(self, message: str, error: bool = False) -> None:
        set_role(self.message, "error" if error else "banner")
        self.message.setText(message)
        self.message.show()
        self._message_timer.start()

    def focus_scan(self) -> None:
        self.scan.setFocus()
        self.scan.selectAll()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.session.restored:
            self.session.restored = False
            self.restored_banner.setText(self.session.restored_message())
            self.restored_banner.show()
            QTimer.singleShot(8000, self.restored_banner, self.restored_banner.hide)
        QTimer.singleShot(0, self, self.focus_scan)

    def show_change(self, result: SaleResult) -> None:
        """The change of the sale just saved, large, until the next scan."""
        self.last_change.setText(_("Change: {amount}", amount=format_money(result.change)))
        self.last_change.show()

    # -- catalog: filters and grid ---------------------------------------------------------
    def reload_catalog(self) -> None:
        lang = current_language()
        with self.session.ctx.read() as s:
            categories = [
                (c.id, pick_name(c.names, lang) or c.code) for c in products.list_categories(s)
            ]
            coops = [(c.id, c.code) for c in products.list_cooperatives(s, False)]
        for button in self.chip_group.buttons():
            self.chip_group.removeButton(button)
            button.deleteLater()
        self._categories = [None, *(cid for cid, _name in categories)]
        for cid, name in [(None, _("All")), *categories]:
            chip = set_role(QToolButton(), "chip")
            chip.setText(name)
            chip.setCheckable(True)
            chip.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            chip.setObjectName(f"category_{cid or 'all'}")
            chip.setChecked(cid == self._category_id)
            chip.clicked.connect(lambda _c=False, i=cid: self.on_category(i))
            self.chip_group.addButton(chip)
            self.chips.insertWidget(self.chips.count() - 1, chip)
        self.coop_filter.blockSignals(True)
        self.coop_filter.clear()
        self.coop_filter.addItem(_("All cooperatives"), None)
        for cid, code in coops:
            self.coop_filter.addItem(code, cid)
        self.coop_filter.blockSignals(False)
        self.grid.show_products(self._filtered_products())

    def on_category(self, category_id: int | None) -> None:
        self._category_id = category_id
        for chip in self.chip_group.buttons():
            chip.setChecked(chip.objectName() == f"category_{category_id or 'all'}")
        self.scan.clear()
        self.grid.show_products(self._filtered_products())
        self.focus_scan()

    def next_category(self, step: int) -> None:
        """Ctrl+PgDown / Ctrl+PgUp: the chips, from the keyboard."""
        if self._category_id in self._categories:
            at = self._categories.index(self._category_id)
        else:
            at = 0
        self.on_category(self._categories[(at + step) % len(self._categories)])

    def on_coop_filter(self) -> None:
        self._cooperative_id = self.coop_filter.currentData()
        self.scan.clear()
        self.grid.show_products(self._filtered_products())
        self.focus_scan()

    def _filtered_products(self) -> list[Product]:
        with self.session.ctx.read() as s:
            return products.list_products(
                s,
                cooperative_id=self._cooperative_id,
                category_id=self._category_id,
                limit=GRID_LIMIT,
            )

    # -- scanning and searching --------------------------------------------------------------
    def on_typed(self, text: str) -> None:
        text = text.strip()
        if not text:
            if self.grid.showing_hits:
                self.grid.show_products(self._filtered_products())
            self._last_hits = []
            return
        if any(r.isdigit() and len(r) >= 6 for r in keyboard.readings(text)):
            self.grid.move_to(-1)
            return  # a scanner is typing a barcode: wait for Enter
        with self.session.ctx.read() as s:
            hits = [h.product for h in catalog.search(s, text, limit=GRID_LIMIT)]
            for p in hits:  # load what the buttons show before the session closes
                _touch = p.cooperative.code
        self._last_hits = hits
        self.grid.show_products(hits, hits=True)

    def on_arrow(self, step: int) -> None:
        """Up / Down: through the matching products while a search shows them, else
        through the lines of the cart."""
        if self.scan.text().strip() and self.grid.showing_hits:
            self.grid.move(step)
            return
        rows = self.cart_model.rowCount()
        if rows:
            current = self.cart.currentIndex().row()
            select_row(self.cart, min(max(current + step, 0), rows - 1) if current >= 0 else 0)

    @guarded()
    def on_enter(self) -> None:
        code = self.scan.text().strip()
        if not code:
            return
        chosen = self.grid.highlighted()
        if chosen is not None:  # picked with the arrows
            self.scan.clear()
            self._last_hits = []
            self.add_product(chosen)
            return
        readings = keyboard.readings(code)
        qr = next((r for r in readings if is_receipt_qr(r)), None)
        if qr is not None:  # a customer's receipt: open it for a return
            self.scan.clear()
            self.return_receipt_requested.emit(qr)
            return
        with self.session.ctx.read() as s:
            product = lookups.product_by_code(s, code)
        if product is None:
            hits = self._last_hits
            looks_scanned = any(r.isdigit() for r in readings) or keyboard.looks_mangled(code)
            if len(hits) == 1 and not looks_scanned:
                product = hits[0]
            else:
                self.scan.selectAll()
                if looks_scanned or not hits:
                    self.say(keyboard.unknown_code(code).message, error=True)
                else:
                    self.say(_("Several products match: choose one with ↑ ↓ and Enter, or tap it."))
                return
        self.scan.clear()
        self._last_hits = []
        self.add_product(product.id)

    def take_scan(self, code: str) -> None:
        """A code typed while a dialog was open (the next customer's first item)."""
        self.scan.setText(code.strip())
        self.on_enter()

    def add_product(self, product_id: int) -> None:
        try:
            self._add(product_id)
        except CooposError as exc:
            self.say(exc.message, error=True)
        except Exception as exc:
            self.say(crash_message(exc), error=True)
        self.focus_scan()

    def _add(self, product_id: int) -> None:
        checkout = self._cart()
        with self.session.ctx.read() as s:
            product = s.get(Product, product_id)
            by_weight, unit = product.sold_by_weight, product.unit
            name = pick_name(product.names, current_language())
        qty = None
        if by_weight:
            qty = ask_value(
                self,
                _("Weight"),
                _("{name}: weight or volume in {unit}", name=name, unit=unit_label(unit)),
                "quantity",
            )
            qty = self._checked(product_id, qty, name, unit)
            if qty is None:
                return
        line = checkout.add_product_id(product_id, qty)
        self.select_line(line.line_id)
        if self.grid.showing_hits and not self.scan.text():  # back from search results
            self.grid.show_products(self._filtered_products())

    # -- cart --------------------------------------------------------------------------------
    def refresh_cart(self) -> None:
        checkout = self.session.checkout
        selected = self.selected_line_id()
        self.cart_model.set_checkout(checkout)
        if checkout is None:
            return
        totals = checkout.totals
        self.total.setText(format_money(totals.total))
        parts = [_("VAT {rate} %: {vat}", rate=v.rate, vat=format_money(v.vat)) for v in totals.vat]
        if totals.discounts:
            parts.insert(0, _("Discounts: {amount}", amount=format_money(totals.discounts)))
        self.vat_label.setText("   ·   ".join(parts))
        count = sum(1 for _line in checkout.lines)
        self.count_label.setText(ngettext("{n} line", "{n} lines", count) if count else "")
        has_lines = bool(checkout.lines)
        if has_lines:
            self.last_change.hide()  # the next sale has begun
        self.pay.setEnabled(has_lines)
        editing = ("minus", "plus", "qty", "discount", "price", "remove", "void")
        for key in (*editing, "order_discount", "hold"):
            self.buttons[key].setEnabled(has_lines)
        self.buttons["reprint"].setEnabled(self.session.last_receipt is not None)
        if not (selected and self.select_line(selected)) and has_lines:
            select_row(self.cart, len(checkout.lines) - 1)  # the removed line's neighbour

    @guarded()
    def void_sale(self) -> None:
        checkout = self.session.checkout
        if not checkout.lines:
            return
        if not ask_yes_no(self, _("Cancel sale"), _("Cancel this sale and empty the cart?")):
            return
        checkout.void(reason="cancelled at the till")
        self.session.next_sale()
        self.focus_scan()

    def escape(self) -> None:
        if self.scan.text():
            self.scan.clear()
            self._last_hits = []
            self.grid.show_products(self._filtered_products())
        self.focus_scan()

    @guarded()
    def request_pay(self) -> None:
        if not self.session.checkout.lines:
            return
        if not self.session.shift_open():
            self.say(_("No shift is open: open a shift before selling."), error=True)
            self.open_shift_requested.emit()
            return
        self.pay_requested.emit()

    @guarded()
    def reprint_last(self) -> None:
        from ui.receipts_hook import runner

        # The original was offered after the sale: any later print is a duplicate.
        if self.session.last_receipt and runner() is not None:
            receipt, user = self.session.last_receipt, self.session.user
            self.say(runner().print_duplicate(receipt, user.id if user else None))

    def on_print_queue(self, waiting: int, message: str, error: bool) -> None:
        """The print runner's news: a count that stays, and a sentence that fades."""
        self.print_queue.setVisible(waiting > 0)
        self.print_queue.setText(
            _("{count} waiting to print: see why and retry", count=waiting) if waiting else ""
        )
        if message:
            self.say(message, error=error)

    @guarded()
    def show_print_queue(self) -> None:
        from ui.receipts_hook import runner
        from ui.screens.print_queue import PrintQueueDialog

        if runner() is not None:
            PrintQueueDialog(runner(), self).exec()
            self.focus_scan()
