"""The sell screen's scan field and product grid: touch-sized tiles, reused rather than
rebuilt per keystroke, and a highlight that the arrow keys move through the matching
products."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from coopos.db.models import Product
from coopos.domain.catalog import pick_name
from coopos.i18n import _, current_language
from coopos.i18n.formats import format_money
from ui.theme import set_role
from ui.widgets.keypad import KeyField

GRID_COLUMNS = 3
GRID_LIMIT = 48


class ScanField(KeyField):
    """The scan field always has the focus, so it leaves the screen's keys to the screen
    (Ctrl+Z, Delete with nothing typed...) and turns the arrows and +/- into moves."""

    moved = Signal(int)  # Up / Down
    stepped = Signal(int)  # + / the keypad's -, with nothing typed

    def __init__(self, parent=None):
        super().__init__(always=("Ctrl+Z", "Ctrl+Delete"), when_empty=("Delete",), parent=parent)

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.moved.emit(-1 if key == Qt.Key.Key_Up else 1)
            return
        if not self.text():
            keypad = bool(event.modifiers() & Qt.KeyboardModifier.KeypadModifier)
            # A scanner never starts with "+"; a "-" is the 6 of an AZERTY digit row, so
            # only the keypad's minus removes one.
            if key == Qt.Key.Key_Plus:
                self.stepped.emit(1)
                return
            if key == Qt.Key.Key_Minus and keypad:
                self.stepped.emit(-1)
                return
        super().keyPressEvent(event)


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

    def set_highlighted(self, on: bool) -> None:
        if bool(self.property("highlighted")) != on:
            self.setProperty("highlighted", on)
            self.style().unpolish(self)
            self.style().polish(self)


class ProductGrid(QScrollArea):
    picked = Signal(int)  # a product id, touched

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("productGrid")
        self.setWidgetResizable(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        host = QWidget()
        self.grid = QGridLayout(host)
        self.grid.setSpacing(8)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.tiles: list[ProductTile] = []
        for i in range(GRID_LIMIT):
            tile = ProductTile()
            tile.clicked.connect(lambda _c=False, t=tile: self.picked.emit(t.product_id))
            tile.hide()
            self.grid.addWidget(tile, i // GRID_COLUMNS, i % GRID_COLUMNS)
            self.tiles.append(tile)
        self.no_match = set_role(QLabel(_("No product matches.")), "muted")
        self.no_match.hide()
        self.grid.addWidget(self.no_match, GRID_LIMIT, 0, 1, GRID_COLUMNS)
        self.setWidget(host)
        self.showing_hits = False
        self.count = 0
        self.current = -1  # the highlighted tile, -1: none

    def show_products(self, items: list[Product], hits: bool = False) -> None:
        self.showing_hits = hits
        self.count = min(len(items), GRID_LIMIT)
        self.move_to(-1)
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

    def move(self, step: int) -> None:
        """The arrow keys: the next or previous product, round the ends."""
        if self.count:
            start = self.current if self.current >= 0 else (-1 if step > 0 else 0)
            self.move_to((start + step) % self.count)

    def move_to(self, index: int) -> None:
        if 0 <= self.current < len(self.tiles):
            self.tiles[self.current].set_highlighted(False)
        self.current = index
        if index >= 0:
            self.tiles[index].set_highlighted(True)
            self.ensureWidgetVisible(self.tiles[index])

    def highlighted(self) -> int | None:
        """The product the arrows chose, if any."""
        return self.tiles[self.current].product_id if self.current >= 0 else None
