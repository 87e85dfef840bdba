"""Linear barcodes for price labels: EAN-13 and Code 128, drawn bar by bar with QPainter.

The bar patterns come from python-barcode's tables (and its EAN-13 builder); this module
chooses Code 128's subsets itself (subset C, two digits per symbol, wherever it makes the
symbol shorter), checks what it is given (an EAN-13's check digit, Code 128's
characters) and draws the bars itself:

- every module (the narrowest bar or space) is a whole number of dots, and bars are
  filled rectangles on integer coordinates, never antialiased: at 203 dpi a bar that
  straddled two dots would print one dot too wide or too narrow and misread;
- the quiet zones (white margins a scanner needs: 10 modules each side for Code 128, 11
  on the left and 7 on the right for EAN-13) are part of the symbol's width;
- the human-readable text goes under the bars: for EAN-13 the GS1 layout (first digit
  in the left quiet zone, two groups of six digits between longer guard bars), for
  Code 128 the data, centred.

:class:`Symbol` and the functions that build one need no Qt; :class:`BarcodeDrawing`
paints one on any QPainter (a 1-bit raster for the thermal printer, a PDF page).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from PySide6.QtCore import QPointF, QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter

from coopos.domain.errors import ValidationError
from coopos.i18n import _
from coopos.printing import render

EAN13 = "ean13"
CODE128 = "code128"

CODE128_QUIET = 10  # modules of white each side (ISO/IEC 15417)
EAN13_QUIET_LEFT = 11  # GS1 General Specifications
EAN13_QUIET_RIGHT = 7
_PRINTABLE_ASCII = frozenset(chr(c) for c in range(0x20, 0x7F))


@dataclass(frozen=True)
class Symbol:
    """A barcode as modules: ``"1"`` a bar, ``"0"`` a space, ``"G"`` a guard bar (EAN-13's
    bars that reach down between the digits).  ``data`` is what a scanner reads back."""

    kind: str
    data: str
    modules: str
    quiet_left: int
    quiet_right: int

    @property
    def bar_modules(self) -> int:
        return len(self.modules)

    @property
    def total_modules(self) -> int:
        """Width in modules, quiet zones included."""
        return self.quiet_left + len(self.modules) + self.quiet_right


# -- EAN-13 -----------------------------------------------------------------------------


def ean13_check_digit(first12: str) -> int:
    """The check digit of the 12 first digits: weights 1, 3, 1, 3... from the left."""
    if len(first12) != 12 or not first12.isascii() or not first12.isdigit():
        raise ValueError(f"12 digits expected, not {first12!r}")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return (10 - total % 10) % 10


def is_ean13(code: str) -> bool:
    """13 digits whose last one is the right check digit."""
    code = code.strip()
    return (
        len(code) == 13
        and code.isascii()
        and code.isdigit()
        and ean13_check_digit(code[:12]) == int(code[12])
    )


def ean13(code: str) -> Symbol:
    """An EAN-13 from 13 digits (the check digit is verified) or 12 (it is computed)."""
    from barcode.ean import EuropeanArticleNumber13

    code = code.strip()
    if not (code.isascii() and code.isdigit() and len(code) in (12, 13)):
        raise ValidationError(_("An EAN-13 barcode has 12 or 13 digits, not “{code}”.", code=code))
    check = ean13_check_digit(code[:12])
    if len(code) == 13 and int(code[12]) != check:
        raise ValidationError(
            _(
                "“{code}” is not a valid EAN-13: its last digit should be {digit}.",
                code=code,
                digit=check,
            )
        )
    full = code[:12] + str(check)
    # The check digit was verified above; guardbar=True marks guard modules with "G".
    modules = EuropeanArticleNumber13(full, no_checksum=True, guardbar=True).build()[0]
    return Symbol(EAN13, full, modules, EAN13_QUIET_LEFT, EAN13_QUIET_RIGHT)


# -- Code 128 ---------------------------------------------------------------------------


# Code 128 values (ISO/IEC 15417): a character of subset B is its ASCII code - 32, a pair
# of digits in subset C its number; switching subsets and starting cost one symbol each.
_START_B, _START_C, _CODE_B, _CODE_C = 104, 105, 100, 99
_B, _C = "B", "C"


def _code128_values(data: str) -> list[int]:
    """The fewest symbols for ``data`` using subsets B and C (start code first, no
    checksum): a shortest path over (position, subset), so digit runs go to subset C
    exactly when that saves symbols."""
    n = len(data)
    inf = n * 4 + 10
    cost = {(0, _B): 0, (0, _C): 0}
    back: dict[tuple[int, str], tuple[int, str] | None] = {(0, _B): None, (0, _C): None}
    for i in range(n + 1):
        # switching subset at position i costs one symbol
        for here, other in ((_B, _C), (_C, _B)):
            if cost.get((i, here), inf) + 1 < cost.get((i, other), inf):
                cost[(i, other)] = cost[(i, here)] + 1
                back[(i, other)] = (i, here)
        if i == n:
            break
        steps = [(_B, i + 1)]
        if i + 2 <= n and data[i : i + 2].isdigit():
            steps.append((_C, i + 2))
        for subset, j in steps:
            if (i, subset) in cost and cost[(i, subset)] + 1 < cost.get((j, subset), inf):
                cost[(j, subset)] = cost[(i, subset)] + 1
                back[(j, subset)] = (i, subset)
    state: tuple[int, str] | None = min(((n, _B), (n, _C)), key=lambda k: cost.get(k, inf))
    path = []
    while state is not None:
        path.append(state)
        state = back[state]
    path.reverse()
    values = [_START_B if path[0][1] == _B else _START_C]
    for (i, subset), (j, next_subset) in pairwise(path):
        if i == j:  # a switch
            values.append(_CODE_C if next_subset == _C else _CODE_B)
        elif subset == _B:
            values.append(ord(data[i]) - 32)
        else:
            values.append(int(data[i:j]))
    return values


def code128(data: str) -> Symbol:
    """A Code 128 of printable ASCII text, in the fewest symbols (subset C for digits)."""
    from barcode.charsets.code128 import CODES, STOP

    if not data:
        raise ValidationError(_("A barcode cannot be empty."))
    if not set(data) <= _PRINTABLE_ASCII:
        raise ValidationError(
            _(
                "“{code}” cannot be printed as a Code 128 barcode: use Latin letters, "
                "digits and ASCII signs only.",
                code=data,
            )
        )
    values = _code128_values(data)
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    # python-barcode's tables; its own encoder is not used (it drops a leading "99").
    modules = "".join(CODES[v] for v in [*values, check]) + STOP + "11"
    return Symbol(CODE128, data, modules, CODE128_QUIET, CODE128_QUIET)


def for_product(barcodes: Iterable[str], sku: str) -> Symbol:
    """The symbol for a product's label: its first barcode that is a valid EAN-13 as an
    EAN-13, else its first barcode as a Code 128, else its SKU as a Code 128.  What is
    printed always scans back to a code the till knows (a barcode, or the SKU)."""
    codes = [code.strip() for code in barcodes if code and code.strip()]
    for code in codes:
        if is_ean13(code):
            return ean13(code)
    for code in codes:
        if set(code) <= _PRINTABLE_ASCII:
            return code128(code)
    return code128(sku.strip())


# -- drawing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BarcodeDrawing:
    """A symbol at a given size, in device dots: ``module`` dots per module, bars
    ``bar_height`` dots tall, the text in ``font`` (already sized to fit)."""

    symbol: Symbol
    module: int
    bar_height: int
    font: QFont

    @classmethod
    def fitted(cls, symbol: Symbol, module: int, bar_height: int, text_px: int) -> BarcodeDrawing:
        """The drawing with the largest text of at most ``text_px`` dots that fits: an
        EAN-13 digit within its 7 modules, a Code 128's text within the symbol's width."""
        px = max(6, text_px)
        while px > 6:
            f = render.font(px)
            metrics = QFontMetricsF(f)
            if symbol.kind == EAN13:
                fits = metrics.horizontalAdvance("0") <= 7 * module - 1
            else:
                fits = metrics.horizontalAdvance(symbol.data) <= symbol.total_modules * module
            if fits:
                break
            px -= 1
        return cls(symbol, module, bar_height, render.font(px))

    @property
    def width(self) -> int:
        """Dots, quiet zones included."""
        return self.symbol.total_modules * self.module

    @property
    def bars_width(self) -> int:
        return self.symbol.bar_modules * self.module

    @property
    def quiet_left(self) -> int:
        return self.symbol.quiet_left * self.module

    @property
    def quiet_right(self) -> int:
        return self.symbol.quiet_right * self.module

    def _first_digit_right(self) -> int:
        """EAN-13's first digit ends one module left of the start guard."""
        return self.quiet_left - self.module

    def _text_left(self, metrics: QFontMetricsF) -> int:
        """Code 128: the left edge of the centred text, from the box's left."""
        return round(
            self.quiet_left + self.bars_width / 2 - metrics.horizontalAdvance(self.symbol.data) / 2
        )

    @property
    def ink_left(self) -> int:
        """Dots from the box's left to the leftmost ink (bar or text)."""
        metrics = self._text_metrics()
        if self.symbol.kind == EAN13:
            return self._first_digit_right() - math.ceil(
                metrics.horizontalAdvance(self.symbol.data[0])
            )
        return min(self.quiet_left, self._text_left(metrics))

    @property
    def ink_right(self) -> int:
        """Dots from the box's left to the right of the rightmost ink."""
        right = self.quiet_left + self.bars_width
        if self.symbol.kind == EAN13:
            return right
        metrics = self._text_metrics()
        text_right = self._text_left(metrics) + math.ceil(
            metrics.horizontalAdvance(self.symbol.data)
        )
        return max(right, text_right)

    def _text_gap(self) -> int:
        return max(1, self.module)

    def _text_metrics(self) -> QFontMetricsF:
        return QFontMetricsF(self.font)

    @property
    def height(self) -> int:
        """Dots from the top of the bars to the bottom of the text."""
        metrics = self._text_metrics()
        if self.symbol.kind == EAN13:
            # Digits have no descenders: the block ends just under their baseline.
            return self.bar_height + self._text_gap() + math.ceil(metrics.capHeight()) + 1
        return self.bar_height + self._text_gap() + math.ceil(metrics.ascent() + metrics.descent())

    def paint(self, painter: QPainter, x: int, y: int) -> None:
        """Paint with the symbol's box (left quiet zone included) at ``x``, bars from ``y``."""
        black = Qt.GlobalColor.black
        m = self.module
        bars_x = x + self.quiet_left
        metrics = self._text_metrics()
        cap = math.ceil(metrics.capHeight())
        text_top = y + self.bar_height + self._text_gap()
        guard_bottom = text_top + cap // 2
        start = 0
        modules = self.symbol.modules
        while start < len(modules):
            kind = modules[start]
            end = start
            while end < len(modules) and modules[end] == kind:
                end += 1
            if kind != "0":
                bottom = guard_bottom if kind == "G" else y + self.bar_height
                painter.fillRect(QRect(bars_x + start * m, y, (end - start) * m, bottom - y), black)
            start = end
        painter.setPen(QColor(black))
        painter.setFont(self.font)
        if self.symbol.kind == EAN13:
            baseline = text_top + cap
            digits = self.symbol.data

            def digit(text: str, centre: float) -> None:
                left = round(centre - metrics.horizontalAdvance(text) / 2)
                painter.drawText(QPointF(left, baseline), text)

            # GS1 layout: the first digit left of the start guard, then 6 + 6 digits, each
            # under its own 7 modules (left half from module 3, right half from 50).
            first = digits[0]
            first_left = x + self._first_digit_right() - math.ceil(metrics.horizontalAdvance(first))
            painter.drawText(QPointF(first_left, baseline), first)
            for i, d in enumerate(digits[1:7]):
                digit(d, bars_x + (3 + 7 * i) * m + 3.5 * m)
            for i, d in enumerate(digits[7:]):
                digit(d, bars_x + (50 + 7 * i) * m + 3.5 * m)
        else:
            baseline = round(text_top + metrics.ascent())
            painter.drawText(QPointF(x + self._text_left(metrics), baseline), self.symbol.data)


def fit_module(symbol: Symbol, room: int, largest: int, smallest: int = 1) -> int:
    """The widest whole-dot module, from ``largest`` down to ``smallest``, at which the
    symbol (quiet zones included) fits in ``room`` dots; 0 if none does."""
    for module in range(largest, smallest - 1, -1):
        if symbol.total_modules * module <= room:
            return module
    return 0
