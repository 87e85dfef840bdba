"""What a person sees on a window, and whether the catalog translates it.

``visible_texts(window)`` collects every text of the visible widgets of one window: labels,
buttons, placeholders, tooltips, the window title, table headers and cells, list and combo
items, group boxes, tabs, spin box affixes.  ``TextCheck`` then says which of them are not
in the user's language:

- what is data is set aside: the demo catalog's product, category and cooperative names
  *in that language* (a French product name on an Arabic screen is a defect), codes,
  barcodes, user and shop names, amounts, numbers, dates and receipt numbers;
- every other text must be the catalog's translation of some msgid, with its ``{...}``
  placeholders as wildcards whose content is itself data or a translation; texts joined
  by a line break or ``·`` are checked part by part;
- the script: no Latin word in Arabic, Tifinagh in Tamazight (keys, acronyms such as
  ``F12``, ``PIN``, ``MAD`` and codes are allowed), no Arabic or Tifinagh in French;
- typography: no doubled full stop (an amount ending in ``د.م.`` before a sentence's ``.``).

Each problem names the widget (``dialog/objectName``) so that it can be found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from PySide6 import QtGui
from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTabBar,
    QTextEdit,
    QWidget,
)

from coopos.i18n import catalogs

MAX_ROWS = 200  # rows read from a table or a list (all of a screen's texts are in the first)
BIDI = "\u200e\u200f\u061c\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e"
NUMBER = re.compile(rf"[{BIDI}]*[-−+]?\d[\d\s.,٫٬:/\-]*(?:\s*(?:MAD|د\.م\.))?[{BIDI}]*(?:\s*%)?")
RECEIPT = re.compile(r"\b[A-Z]{1,3}\d{2}-\d{3,6}\b")
DOUBLE_STOP = re.compile(rf"(?<!\.)\.[{BIDI}]*\.(?!\.)")
WORD = re.compile(r"[^\W\d_][\w'’-]*")
LATIN = re.compile(r"[A-Za-zÀ-ɏ]")
ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f]")
TIFINAGH = re.compile(r"[\u2d30-\u2d7f]")
FOREIGN_SCRIPTS = {"ar": (LATIN, TIFINAGH), "zgh": (LATIN, ARABIC)}  # else: Latin only
KEY_NAMES = frozenset({"Ctrl", "Shift", "Alt", "Enter", "Esc", "Tab", "Del", "PgUp", "PgDown"})
# A key as the screens name it ("F4", "Ctrl+Del", "(F9)"): the keyboard's own words, as
# Qt writes them (in French: "Suppr", "Échap"...).
_NAMED = r"F\d{1,2}|Del|Suppr|Esc|Échap|Enter|Entrée|Tab|PgUp|PgDown|Ins|Inser"
_KEY = rf"(?:(?:Ctrl|Shift|Maj|Alt)\+)*(?:{_NAMED}|[A-Z])"
KEY = re.compile(
    rf"\({_KEY}\)|(?<![\w+])(?:(?:Ctrl|Shift|Maj|Alt)\+)+\w+|(?<!\w)(?:{_NAMED})(?!\w)"
)
SEPARATORS = ("\n", "·")


@dataclass(frozen=True)
class Shown:
    where: str  # the widget: its window's objectName / its own (or its class)
    text: str


def _name(widget: QWidget) -> str:
    """``dialogName/widgetName``: the nearest named ancestors, enough to find it."""
    parts, current = [], widget
    while current is not None and len(parts) < 2:
        if current.objectName() and not current.objectName().startswith("qt_"):
            parts.append(current.objectName())
        current = current.parentWidget()
    window = widget.window().objectName() or type(widget.window()).__name__
    own = parts[0] if parts else type(widget).__name__
    if not parts or parts[0] != widget.objectName():
        own = f"{own}>{type(widget).__name__}"
    return own if own.startswith(window) else f"{window}/{own}"


def _plain(text: str) -> str:
    if QtGui.Qt.mightBeRichText(text):
        return QTextDocumentFragment.fromHtml(text).toPlainText()
    return text


def _model_texts(view: QAbstractItemView) -> Iterable[str]:
    model = view.model()
    if model is None:
        return
    root = QModelIndex()
    rows = min(model.rowCount(root), MAX_ROWS)
    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(root)
    header = getattr(view, "horizontalHeader", None)
    if header is not None and header().isVisible():
        for col in range(columns):
            yield model.headerData(col, Qt.Orientation.Horizontal)
    header = getattr(view, "verticalHeader", None)
    if header is not None and header().isVisible():
        for row in range(rows):
            yield model.headerData(row, Qt.Orientation.Vertical)
    for row in range(rows):
        for col in range(columns):
            if hasattr(view, "isColumnHidden") and view.isColumnHidden(col):
                continue
            index = model.index(row, col)
            yield model.data(index, Qt.ItemDataRole.DisplayRole)
            yield model.data(index, Qt.ItemDataRole.ToolTipRole)


def _texts_of(widget: QWidget) -> Iterable[str]:
    yield widget.toolTip()
    if isinstance(widget, QLabel | QAbstractButton):
        yield widget.text()
    elif isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit):
        yield widget.placeholderText()
    elif isinstance(widget, QComboBox):
        yield from (widget.itemText(i) for i in range(widget.count()))
    elif isinstance(widget, QGroupBox):
        yield widget.title()
    elif isinstance(widget, QTabBar):
        for i in range(widget.count()):
            yield widget.tabText(i)
            yield widget.tabToolTip(i)
    if isinstance(widget, QSpinBox):
        yield from (widget.prefix(), widget.suffix())
    if isinstance(widget, QAbstractSpinBox):
        yield widget.specialValueText()
    if isinstance(widget, QAbstractItemView) and not isinstance(widget, QHeaderView):
        yield from _model_texts(widget)


def visible_texts(window: QWidget) -> list[Shown]:
    """Every text shown by the visible widgets of ``window`` (not of its child windows)."""
    found = [Shown(window.objectName() or type(window).__name__, window.windowTitle())]
    for widget in [window, *window.findChildren(QWidget)]:
        if widget.window() is not window or not widget.isVisible():
            continue
        where = _name(widget)
        for text in _texts_of(widget):
            if isinstance(text, str) and text.strip():
                found.append(Shown(where, _plain(text)))
    return found


# -- the catalog's side ------------------------------------------------------------------------


@dataclass
class Data:
    """Texts that are data, not interface: names, codes, users, the shop."""

    texts: set[str] = field(default_factory=set)

    def add(self, *texts: str | None) -> Data:
        self.texts.update(t.strip() for t in texts if t and t.strip())
        return self


def demo_data(ctx, language: str) -> Data:
    """The data a till built on ``ctx`` shows in ``language``: names as the screens must
    pick them (``pick_name``), so a name in another language is *not* data here."""
    from coopos.db.models import Category, Cooperative, Location, Product, ProductBarcode, User
    from coopos.domain.catalog import pick_name
    from coopos.services import settings

    data = Data().add("coopos")
    with ctx.read() as s:
        for p in s.query(Product):
            data.add(pick_name(p.names, language), p.sku)
        for b in s.query(ProductBarcode):
            data.add(b.barcode)
        for c in s.query(Cooperative):
            data.add(pick_name(c.names, language), c.code)
        for c in s.query(Category):
            data.add(pick_name(c.names, language) or c.code)
        for u in s.query(User):
            data.add(u.name)
        for loc in s.query(Location):
            data.add(loc.code, loc.name)
        data.add(settings.get(s, "shop.name"), settings.get(s, "device.prefix"))
        printer = str(settings.get(s, "printer.uri") or "")
        data.add(printer, printer.partition(":")[2])
    return data.add(*month_names(language))


def month_names(language: str) -> list[str]:
    """Months as dates are written in ``language`` (CLDR's words, through Babel): data."""
    from babel import Locale

    from coopos.i18n.formats import locale_of

    locale = Locale.parse(locale_of(language))
    return [
        name
        for context in ("format", "stand-alone")
        for width in ("abbreviated", "wide")
        for name in locale.months[context][width].values()
    ]


def _placeholder_free(text: str) -> str:
    return catalogs.PLACEHOLDER.sub(" ", text)


@dataclass(frozen=True)
class Template:
    literal: str  # its longest piece of literal text, a quick filter
    patterns: tuple[re.Pattern, ...]


def _template(text: str) -> Template | None:
    pieces = catalogs.PLACEHOLDER.split(text)
    literals = pieces[::2]
    if not any(LATIN.search(lit) or ARABIC.search(lit) or TIFINAGH.search(lit) for lit in literals):
        return None  # "{a} {b}" says nothing: it would match anything

    def literal(i: int, text: str) -> str:
        # a value ending with "د.م." takes the sentence's full stop (coopos.i18n.fill)
        if i and text.startswith(".") and not text.startswith(".."):
            return r"\.?" + re.escape(text[1:])
        return re.escape(text)

    patterns = tuple(
        re.compile(wild.join(literal(i, lit) for i, lit in enumerate(literals)), re.DOTALL)
        for wild in ("(.+?)", "(.+)")
    )
    longest = max(literals, key=len)
    return Template(longest[1:] if longest.startswith(".") else longest, patterns)


class TextCheck:
    """Whether texts are in ``language``: the catalog's translations plus ``data``."""

    def __init__(self, language: str, data: Data):
        self.language = language
        self.data = sorted(data.texts, key=len, reverse=True)
        self.data_set = set(data.texts)
        self.exact: set[str] = set()
        self.templates: list[Template] = []
        catalog = catalogs.load_po(language)
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in strings if language != "en" else ids:
                if not text:
                    continue
                if catalogs.PLACEHOLDER.search(text):
                    template = _template(text)
                    if template is not None:
                        self.templates.append(template)
                else:
                    self.exact.add(text.strip())

    # -- data ----------------------------------------------------------------------------
    def residue(self, text: str) -> str:
        """``text`` with its data cut out (each piece of data becomes ``\\0``)."""
        for value in self.data:
            if value in text:
                text = text.replace(value, "\0")
        text = RECEIPT.sub("\0", KEY.sub("\0", text))
        return NUMBER.sub("\0", text)

    def is_data(self, text: str) -> bool:
        return not any(ch.isalpha() for ch in self.residue(text))

    # -- translations --------------------------------------------------------------------
    def translated(self, text: str, depth: int = 0) -> bool:
        text = text.strip(f" \t\u00a0{BIDI}")
        if not text or text in self.data_set or self.is_data(text) or text in self.exact:
            return True
        if depth > 2:
            return False
        for template in self.templates:
            if template.literal not in text:
                continue
            for pattern in template.patterns:
                match = pattern.fullmatch(text)
                if match and all(self.translated(g, depth + 1) for g in match.groups()):
                    return True
        # data between translated words: "Cash   200,00 MAD"
        chunks = [c.strip(f" \t\u00a0:.,;()[]{BIDI}") for c in self.residue(text).split("\0")]
        return len(chunks) > 1 and all(not c or c in self.exact for c in chunks)

    def _whole_or_parts(self, text: str) -> bool:
        if self.translated(text):
            return True
        for separator in SEPARATORS:
            if separator in text:
                return all(self._whole_or_parts(part) for part in text.split(separator))
        return False

    # -- script and typography -----------------------------------------------------------
    def wrong_script(self, text: str) -> list[str]:
        foreign = FOREIGN_SCRIPTS.get(self.language, (ARABIC, TIFINAGH))
        words = WORD.findall(self.residue(text))
        return [w for w in words if not _kept(w) and any(s.search(w) for s in foreign)]

    def problems(self, shown: Iterable[Shown]) -> list[str]:
        found = []
        for item in shown:
            reasons = []
            if not self._whole_or_parts(item.text):
                reasons.append("not a catalog translation")
            wrong = self.wrong_script(item.text)
            if wrong:
                reasons.append(f"not in the {self.language} script: {', '.join(wrong)}")
            if DOUBLE_STOP.search(item.text):
                reasons.append("doubled full stop")
            if reasons:
                found.append(f"{item.where}: {item.text!r} ({'; '.join(reasons)})")
        return found


def _kept(word: str) -> bool:
    """Written in Latin in every language: keys, acronyms, codes (F12, PIN, MAD, T01)."""
    return word in KEY_NAMES or word.isupper() or any(ch.isdigit() for ch in word)


__all__ = ["Data", "Shown", "TextCheck", "demo_data", "visible_texts"]
