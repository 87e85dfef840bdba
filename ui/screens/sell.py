"""The sell screen: scan or search, tap products, adjust the cart, pay.

The scan field keeps the focus: a barcode scanner types digits and Enter, which adds the
product at once.  Typed text shows matching products as you type."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from coopos.db.models import Product
from coopos.domain.catalog import pick_name, unit_label
from coopos.domain.errors import ApprovalRequired, CooposError
from coopos.i18n import _, current_language, ngettext
from coopos.i18n.formats import format_money
from coopos.printing.receipts import is_receipt_qr
from coopos.services import catalog, lookups, products
from coopos.services.checkout import CheckoutState
from ui.errors import ask_yes_no, crash_message, guarded
from ui.models import CartModel
from ui.session import AppSession
from ui.theme import set_role
from ui.widgets.approval import approve
from ui.widgets.forms import select_row
from ui.widgets.keypad import ask_value

GRID_COLUMNS = 3
GRID_LIMIT = 48


class ScanField(QLineEdit):
    """The scan field always has the focus, so it must leave the sell screen's keys to
    the screen: a line edit takes Ctrl+Z (undo its text) and Delete for itself."""

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride:
            keys = QKeySequence(event.keyCombination())
            undo = keys == QKeySequence("Ctrl+Z")
            delete = keys == QKeySequence("Delete") and not self.text()
            if undo or delete:
                event.ignore()  # not ours: let the screen's shortcut fire
                return True
        return super().event(event)


class ProductTile(QToolButton):
    """A touch-sized product button whose name wraps instead of being cut."""

    def __init__(self, parent=None):
        super().__init__(parent)
        set_role(self, "product")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(0)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.footer = QLabel()
        self.footer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for label in (self.title, self.footer):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout.addWidget(self.title, 1)
        layout.addWidget(self.footer)
        self.product_id: int | None = None
        self.name = ""

    def show_product(self, product_id: int, sku: str, name: str, price: str, coop: str) -> None:
        """Tiles are created once and reused: building widgets per keystroke is slow."""
        self.product_id, self.name = product_id, name
        self.title.setText(name)
        self.footer.setText(f"<b>{price}</b> · <span style='color:#475569'>{coop}</span>")
        self.setToolTip(f"{sku} · {coop}")
        self.setObjectName(f"product_{sku}")


class SellScreen(QWidget):
    pay_requested = Signal()
    returns_requested = Signal()
    return_receipt_requested = Signal(str)  # a receipt's QR was scanned
    open_shift_requested = Signal()

    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("sellScreen")
        self._category_id: int | None = None
        self._last_hits: list[Product] = []
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
        self.coop_filter.currentIndexChanged.connect(self.on_coop_filter)
        filters.addWidget(self.coop_filter)
        left.addLayout(filters)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setSpacing(8)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.tiles: list[ProductTile] = []
        for i in range(GRID_LIMIT):
            tile = ProductTile()
            tile.clicked.connect(lambda _c=False, t=tile: self.add_product(t.product_id))
            tile.hide()
            self.grid.addWidget(tile, i // GRID_COLUMNS, i % GRID_COLUMNS)
            self.tiles.append(tile)
        self.no_match = set_role(QLabel(_("No product matches.")), "muted")
        self.no_match.hide()
        self.grid.addWidget(self.no_match, GRID_LIMIT, 0, 1, GRID_COLUMNS)
        self._showing_hits = False
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_host)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        left.addWidget(scroll, 1)

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
        self.cart.setFocusPolicy(Qt.FocusPolicy.NoFocus)
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
        line_actions = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, label, slot in [
            ("minus", "−", lambda: self.step(-1)),
            ("plus", "+", lambda: self.step(1)),
            ("qty", _("Qty / weight"), self.ask_quantity),
            ("discount", _("Discount"), self.ask_discount),
            ("price", _("Price"), self.ask_price),
            ("remove", _("Remove"), self.remove_line),
        ]:
            button = QPushButton(label)
            button.setObjectName(f"{key}Button")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            line_actions.addWidget(button)
            self.buttons[key] = button
        right.addLayout(line_actions)
        self.vat_label = set_role(QLabel(), "muted")
        self.vat_label.setObjectName("vatLabel")
        self.vat_label.setWordWrap(True)
        right.addWidget(self.vat_label)
        total_row = QHBoxLayout()
        self.count_label = set_role(QLabel(), "muted")
        total_row.addWidget(self.count_label)
        total_row.addStretch(1)
        self.total = set_role(QLabel(), "total")
        self.total.setObjectName("totalLabel")
        total_row.addWidget(self.total)
        right.addLayout(total_row)
        sale_actions = QHBoxLayout()
        for key, label, slot in [
            ("void", _("Cancel sale"), self.void_sale),
            ("returns", _("Return (F8)"), self.returns_requested.emit),
            ("reprint", _("Reprint last"), self.reprint_last),
        ]:
            button = QPushButton(label)
            button.setObjectName(f"{key}Button")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            sale_actions.addWidget(button)
            self.buttons[key] = button
        set_role(self.buttons["void"], "danger")
        right.addLayout(sale_actions)
        self.pay = set_role(QPushButton(_("Pay (F12)")), "primary")
        self.pay.setObjectName("payButton")
        self.pay.setMinimumHeight(72)
        self.pay.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.pay.clicked.connect(self.request_pay)
        right.addWidget(self.pay)

        for keys, slot in [
            ("F2", self.focus_scan),
            ("F12", self.request_pay),
            ("Ctrl+Z", self.undo_last),
            ("F4", self.ask_quantity),
            ("F6", self.ask_discount),
            ("F8", self.returns_requested.emit),
            ("Delete", self.remove_line),
            ("Escape", self.escape),
        ]:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        session.cart_changed.connect(self.refresh_cart)
        session.checkout_changed.connect(self.refresh_cart)
        session.bridge.catalog_changed.connect(self.reload_catalog)
        self.reload_catalog()
        self.refresh_cart()

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
            self.restored_banner.setText(_("The sale in progress was restored."))
            self.restored_banner.show()
            QTimer.singleShot(8000, self.restored_banner, self.restored_banner.hide)
        QTimer.singleShot(0, self, self.focus_scan)

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
        self.show_products(self._filtered_products())

    def on_category(self, category_id: int | None) -> None:
        self._category_id = category_id
        self.scan.clear()
        self.show_products(self._filtered_products())
        self.focus_scan()

    def on_coop_filter(self) -> None:
        self._cooperative_id = self.coop_filter.currentData()
        self.scan.clear()
        self.show_products(self._filtered_products())
        self.focus_scan()

    def _filtered_products(self) -> list[Product]:
        with self.session.ctx.read() as s:
            return products.list_products(
                s,
                cooperative_id=self._cooperative_id,
                category_id=self._category_id,
                limit=GRID_LIMIT,
            )

    def show_products(self, items: list[Product], hits: bool = False) -> None:
        self._showing_hits = hits
        lang = current_language()
        for i, tile in enumerate(self.tiles):
            if i < len(items):
                p = items[i]
                tile.show_product(
                    p.id,
                    p.sku,
                    pick_name(p.names, lang),
                    format_money(p.price_cents),
                    p.cooperative.code,
                )
                tile.show()
            elif tile.isVisible():
                tile.hide()
        self.no_match.setVisible(not items)

    # -- scanning and searching --------------------------------------------------------------
    def on_typed(self, text: str) -> None:
        text = text.strip()
        if not text:
            if self._showing_hits:
                self.show_products(self._filtered_products())
            return
        if text.isdigit() and len(text) >= 6:
            return  # a scanner is typing a barcode: wait for Enter
        with self.session.ctx.read() as s:
            hits = [h.product for h in catalog.search(s, text, limit=GRID_LIMIT)]
            for p in hits:  # load what the buttons show before the session closes
                _touch = p.cooperative.code
        self._last_hits = hits
        self.show_products(hits, hits=True)

    @guarded()
    def on_enter(self) -> None:
        code = self.scan.text().strip()
        if not code:
            return
        if is_receipt_qr(code):  # a customer's receipt: open it for a return
            self.scan.clear()
            self.return_receipt_requested.emit(code)
            return
        with self.session.ctx.read() as s:
            product = lookups.product_by_code(s, code)
        if product is None:
            hits = self._last_hits if self._last_hits else []
            if len(hits) == 1 and not code.isdigit():
                product = hits[0]
            else:
                self.scan.selectAll()
                if code.isdigit() or not hits:
                    self.say(
                        _("Unknown barcode “{code}”: nothing was added.", code=code), error=True
                    )
                else:
                    self.say(_("Several products match: tap the right one."))
                return
        self.scan.clear()
        self._last_hits = []
        self.add_product(product.id)

    def add_product(self, product_id: int) -> None:
        try:
            self._add(product_id)
        except CooposError as exc:
            self.say(exc.message, error=True)
        except Exception as exc:
            self.say(crash_message(exc), error=True)
        self.focus_scan()

    def _add(self, product_id: int) -> None:
        checkout = self.session.checkout
        if checkout.state is CheckoutState.PAYMENT:
            checkout.back_to_cart()
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
            if qty is None:
                return
        line = checkout.add_product_id(product_id, qty)
        self.select_line(line.line_id)
        if self._showing_hits and not self.scan.text():  # back from search results
            self.show_products(self._filtered_products())

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
        self.pay.setEnabled(has_lines)
        for key in ("minus", "plus", "qty", "discount", "price", "remove", "void"):
            self.buttons[key].setEnabled(has_lines)
        self.buttons["reprint"].setEnabled(self.session.last_receipt is not None)
        if not (selected and self.select_line(selected)) and has_lines:
            select_row(self.cart, len(checkout.lines) - 1)  # the removed line's neighbour

    def select_line(self, line_id: str) -> bool:
        for row in range(self.cart_model.rowCount()):
            if self.cart_model.line_id(row) == line_id:
                select_row(self.cart, row)
                self.cart.scrollTo(self.cart_model.index(row, 0))
                return True
        return False

    def selected_line_id(self) -> str | None:
        rows = self.cart.selectionModel().selectedRows() if self.cart.selectionModel() else []
        if rows:
            return self.cart_model.line_id(rows[0].row())
        return None

    def _line(self):
        line_id = self.selected_line_id()
        if line_id is None:
            raise CooposError(_("Pick a line in the cart first."))
        return self.session.checkout.line(line_id)

    @guarded()
    def step(self, delta: int) -> None:
        line = self._line()
        if line.sold_by_weight:
            self.ask_quantity()
            return
        self.session.checkout.increment(line.line_id, delta)
        self.focus_scan()

    @guarded()
    def ask_quantity(self) -> None:
        line = self._line()
        prompt = (
            _("{name}: quantity", name=line.name)
            if not line.sold_by_weight
            else _("{name}: weight or volume in {unit}", name=line.name, unit=unit_label(line.unit))
        )
        qty = ask_value(self, _("Quantity"), prompt, "quantity", str(line.quantity.normalize()))
        if qty is not None:
            self.session.checkout.set_quantity(line.line_id, qty)
        self.focus_scan()

    @guarded()
    def ask_discount(self) -> None:
        line = self._line()
        amount = ask_value(
            self,
            _("Discount"),
            _(
                "Discount on {name}, in MAD (the line is {amount})",
                name=line.name,
                amount=format_money(line.gross),
            ),
        )
        if amount is None:
            return
        checkout = self.session.checkout
        try:
            checkout.set_line_discount(line.line_id, amount)
        except ApprovalRequired as needed:
            approver = approve(
                self.session.ctx,
                self,
                needed.action,
                _("A discount this large needs a manager."),
                self.session,
            )
            if approver is None:
                return
            checkout.set_line_discount(line.line_id, amount, approver)
        self.focus_scan()

    @guarded()
    def ask_price(self) -> None:
        line = self._line()
        approver = approve(
            self.session.ctx,
            self,
            "price_override",
            _("Changing a price needs a manager."),
            self.session,
        )
        if approver is None:
            return
        price = ask_value(
            self,
            _("Price"),
            _("New unit price of {name}", name=line.name),
            initial=f"{Decimal(line.price) / 100:.2f}",
        )
        if price is not None:
            self.session.checkout.override_price(line.line_id, price, approver)
        self.focus_scan()

    @guarded()
    def remove_line(self) -> None:
        line = self._line()
        self.session.checkout.remove_line(line.line_id, reason="removed at the till")
        self.focus_scan()

    @guarded()
    def undo_last(self) -> None:
        removed = self.session.checkout.undo_last_line()
        if removed:
            self.say(_("Removed {name}.", name=removed.name))
        self.focus_scan()

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
            self.show_products(self._filtered_products())
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

        if self.session.last_receipt and runner() is not None:
            self.say(runner().print_receipt(self.session.last_receipt))

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
