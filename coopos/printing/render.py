"""Draw a :class:`~coopos.printing.document.Receipt` with Qt's text engine (QtGui only).

Why a raster: thermal printers' own character sets (code pages) have no Arabic shaping,
no right-to-left order and no Tifinagh, and differ from model to model.  Qt shapes every
script with HarfBuzz, orders mixed Arabic and numbers with the Unicode bidi algorithm and
uses the bundled Noto fonts, so the receipt prints the same on every printer.

The image is 1 bit deep: text is drawn without antialiasing (``QFont.NoAntialias``,
render hints off) on white, then thresholded to ``QImage.Format_Mono`` (no dithering, no
grey).  Its width is the printer's printable width in dots: 576 for 80 mm paper, 384 for
58 mm (both 8 dots per mm, 203 dpi).  Sizes are in dots, so 58 mm receipts keep readable
text and only wrap more.

Layout is done once per paint device (:class:`Canvas` records what to paint and where),
so the PNG, the printer's raster and the PDF are drawn by the same code.
"""

from __future__ import annotations

import math
import os
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRect, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QImage,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPdfWriter,
    QTextLayout,
    QTextOption,
)

from coopos.domain.errors import StateError
from coopos.i18n import _
from coopos.printing import qr as qr_code
from coopos.printing.document import Amount, Receipt, direction_of, in_language, isolate
from coopos.resources import FONT_FAMILIES, font_paths

WIDTH_80MM = 576
WIDTH_58MM = 384
DOTS_PER_MM = 8  # 203 dpi, the resolution of nearly every receipt printer
PDF_PAPER_MM = 80
MIN_WIDTH = 256

_app: QGuiApplication | None = None
_fonts_loaded = False


# -- Qt set-up --------------------------------------------------------------------------


def ensure_gui() -> QGuiApplication:
    """The running QGuiApplication (the desktop app's), or a new one.

    When coopos creates it (the command line), it uses Qt's ``offscreen`` platform on
    Linux unless ``QT_QPA_PLATFORM`` says otherwise: receipts are drawn in memory, so no
    display is needed.  A process that will later need a widgets ``QApplication`` must
    create it before the first receipt is rendered.
    """
    global _app
    app = QGuiApplication.instance()
    if app is None:
        if sys.platform.startswith("linux"):
            # Nothing is shown: no display needed (an unreachable $DISPLAY would abort).
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication(["coopos"])
        _app = app
    elif not isinstance(app, QGuiApplication):
        raise StateError(_("Receipts cannot be drawn in this process (no graphics)."))
    _load_fonts()
    return app


def _load_fonts() -> None:
    global _fonts_loaded
    if _fonts_loaded:
        return
    for path in font_paths():
        QFontDatabase.addApplicationFont(str(path))
    known = set(QFontDatabase.families())
    missing = [family for family in FONT_FAMILIES if family not in known]
    if missing:
        raise StateError(
            _(
                "The receipt fonts are missing ({fonts}): reinstall coopos.",
                fonts=", ".join(missing),
            )
        )
    _fonts_loaded = True


def font(pixels: int, bold: bool = False) -> QFont:
    """The receipt font: bundled Noto families (Latin -> Arabic -> Tifinagh), sized in
    dots, never antialiased."""
    f = QFont()
    f.setFamilies(list(FONT_FAMILIES))
    f.setPixelSize(pixels)
    f.setBold(bold)
    f.setStyleStrategy(QFont.StyleStrategy.NoAntialias)
    f.setHintingPreference(QFont.HintingPreference.PreferFullHinting)
    return f


@dataclass(frozen=True)
class Fonts:
    small: QFont
    body: QFont
    bold: QFont
    large: QFont
    title: QFont

    @classmethod
    def for_width(cls, width: int) -> Fonts:
        s = 1.0 if width >= 512 else 0.9
        return cls(
            small=font(round(17 * s)),
            body=font(round(20 * s)),
            bold=font(round(20 * s), bold=True),
            large=font(round(26 * s), bold=True),
            title=font(round(30 * s), bold=True),
        )


# -- layout -----------------------------------------------------------------------------

_ISOLATES_OPEN = {"LRI", "RLI", "FSI"}
_NUMBER_UNIT = re.compile(r"(?<=\d) (?=[^\W\d_]{1,3}\b)")


def keep_units(text: str) -> str:
    """A number stays on the same line as its unit: ``100 ml``, ``250 غ``."""
    return _NUMBER_UNIT.sub("\u00a0", text)


def text_is_rtl(text: str, default_rtl: bool) -> bool:
    """The direction of a paragraph from its first strong character, as HTML's
    ``dir="auto"`` (isolated runs skipped): a French product name or address stays
    left-to-right inside an Arabic receipt, an Arabic footer right-to-left inside a French
    one.  Text without letters (numbers) takes the receipt's direction."""
    depth = 0
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in _ISOLATES_OPEN:
            depth += 1
        elif kind == "PDI":
            depth = max(0, depth - 1)
        elif depth == 0 and kind == "L":
            return False
        elif depth == 0 and kind in ("R", "AL"):
            return True
    return default_rtl


Op = Callable[[QPainter], None]
START, END, CENTER = "start", "end", "center"


class Canvas:
    """Stacks blocks from the top of the page; records how to paint them.

    Positions are logical (``start`` is the left in French, the right in Arabic): the
    canvas mirrors them for right-to-left languages.
    """

    def __init__(self, device: QPaintDevice, width: int, rtl: bool):
        self.device = device
        self.width = width
        self.rtl = rtl
        self.margin = max(4, width // 96)
        self.inner = width - 2 * self.margin
        self.y = 0
        self.ops: list[Op] = []
        self.gap = max(10, width // 40)

    # helpers
    def _align(self, where: str) -> Qt.AlignmentFlag:
        if where == CENTER:
            return Qt.AlignmentFlag.AlignHCenter
        left = (where == START) != self.rtl
        return Qt.AlignmentFlag.AlignLeft if left else Qt.AlignmentFlag.AlignRight

    def _x(self, offset: int, width: int) -> int:
        """Left edge of a box ``offset`` dots from the start edge, ``width`` wide."""
        if self.rtl:
            return self.width - self.margin - offset - width
        return self.margin + offset

    def layout(self, text: str, f: QFont, width: int, where: str) -> tuple[QTextLayout, int, int]:
        """A wrapped text layout; returns it, its natural width and its height (dots)."""
        text = text.replace("\r\n", "\n").replace("\n", "\u2028")
        layout = QTextLayout(text, f, self.device)
        option = QTextOption()
        option.setTextDirection(
            Qt.LayoutDirection.RightToLeft
            if text_is_rtl(text, self.rtl)
            else Qt.LayoutDirection.LeftToRight
        )
        option.setAlignment(self._align(where) | Qt.AlignmentFlag.AlignAbsolute)
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        layout.setCacheEnabled(True)
        layout.beginLayout()
        height = natural = 0.0
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(max(1, width))
            line.setPosition(QPointF(0, height))
            height += math.ceil(line.height())
            natural = max(natural, line.naturalTextWidth())
        layout.endLayout()
        return layout, math.ceil(natural), int(height)

    @staticmethod
    def _ascent(layout: QTextLayout) -> float:
        return layout.lineAt(0).ascent() if layout.lineCount() else 0.0

    def _draw(self, layout: QTextLayout, x: int, y: int, color=Qt.GlobalColor.black) -> None:
        def paint(p: QPainter) -> None:
            p.setPen(QColor(color))
            layout.draw(p, QPointF(x, y))

        self.ops.append(paint)

    # blocks
    def space(self, dots: int) -> None:
        self.y += dots

    def text(self, text: str, f: QFont, where: str = START, indent: int = 0) -> None:
        if not text:
            return
        width = self.inner - indent
        layout, _w, height = self.layout(text, f, width, where)
        self._draw(layout, self._x(indent, width), self.y)
        self.y += height

    def row(
        self,
        start: str,
        end: str,
        f: QFont,
        end_font: QFont | None = None,
        indent: int = 0,
        middle: str = "",
        middle_font: QFont | None = None,
    ) -> None:
        """``start`` on the start side (wrapped), ``end`` on the end side, on one baseline;
        ``middle`` (short) just before ``end``."""
        end_font = end_font or f
        avail = self.inner - indent
        end_layout, end_w, end_h = self.layout(end, end_font, avail, END)
        boxes = [(end_layout, 0, end_h)]
        used = end_w
        if middle:
            mid_layout, mid_w, mid_h = self.layout(middle, middle_font or f, avail, END)
            boxes.append((mid_layout, used + self.gap, mid_h))
            used += self.gap + mid_w
        room = avail - used - self.gap
        if room < avail // 3:  # a very long value: label above, value below at the end
            self.text(start, f, START, indent)
            if middle:
                self.text(middle, middle_font or f, END, indent)
            self._draw(end_layout, self._x(indent, avail), self.y)
            self.y += end_h
            return
        start_layout, _w, start_h = self.layout(start, f, room, START)
        ascent = max(self._ascent(layout) for layout, _o, _h in [*boxes, (start_layout, 0, 0)])
        top_start = self.y + round(ascent - self._ascent(start_layout))
        self._draw(start_layout, self._x(indent, room), top_start)
        bottom = top_start + start_h
        for layout, from_end, height in boxes:
            top = self.y + round(ascent - self._ascent(layout))
            # A box ``avail - from_end`` wide, aligned to its end: it ends ``from_end``
            # dots before the end edge.
            self._draw(layout, self._x(indent, avail - from_end), top)
            bottom = max(bottom, top + height)
        self.y = bottom

    def columns(
        self,
        cells: list[str],
        fractions: list[float],
        f: QFont,
        wheres: list[str],
        baseline: bool = False,
    ):
        """A table row; columns run from the start side (mirrored in Arabic).
        ``baseline``: the cells' first lines share a baseline (digits beside Arabic)."""
        pad = self.gap
        offset = 0
        widths = [int(self.inner * fr) for fr in fractions]
        widths[-1] = self.inner - sum(widths[:-1])
        placed = []
        for text, width, where in zip(cells, widths, wheres, strict=True):
            inner = width - pad
            box = offset + {START: 0, CENTER: pad // 2, END: pad}[where]
            layout, _w, height = self.layout(text, f, inner, where)
            placed.append((layout, self._x(box, inner), height))
            offset += width
        ascent = max(self._ascent(layout) for layout, _x, _h in placed) if baseline else 0
        bottom = self.y
        for layout, x, height in placed:
            top = self.y + (round(ascent - self._ascent(layout)) if baseline else 0)
            self._draw(layout, x, top)
            bottom = max(bottom, top + height)
        self.y = bottom

    def rule(self, dashed: bool = True) -> None:
        thickness = 2
        half = max(6, self.gap // 2)
        y = self.y + half
        x0, x1 = self.margin, self.width - self.margin

        def paint(p: QPainter) -> None:
            if dashed:
                for x in range(x0, x1, 12):
                    p.fillRect(QRect(x, y, min(7, x1 - x), thickness), Qt.GlobalColor.black)
            else:
                p.fillRect(QRect(x0, y, x1 - x0, thickness), Qt.GlobalColor.black)

        self.ops.append(paint)
        self.y += 2 * half + thickness

    def banner(self, text: str, f: QFont) -> None:
        """White text on a black band: what must not be missed (REFUND)."""
        pad = max(6, self.gap // 2)
        layout, _w, height = self.layout(text, f, self.inner - 2 * pad, CENTER)
        top, band = self.y, height + 2 * pad

        def paint(p: QPainter) -> None:
            p.fillRect(QRect(self.margin, top, self.inner, band), Qt.GlobalColor.black)

        self.ops.append(paint)
        self._draw(layout, self._x(pad, self.inner - 2 * pad), top + pad, Qt.GlobalColor.white)
        self.y += band

    def qr(self, text: str, max_module: int = 6) -> None:
        """A QR code of black modules, an integer number of dots each, centred, with its
        quiet zone."""
        modules = qr_code.matrix(text, border=4)
        n = len(modules)
        # Even sizes and positions: the encoder then sends it at half size, doubled by the
        # printer (escpos.raster_bands).  6 dots = 0.75 mm modules.
        size = max(2, min(max_module, (self.width // 2) // n)) // 2 * 2
        x0 = (self.width - n * size) // 4 * 2
        self.y += self.y % 2
        y0 = self.y

        def paint(p: QPainter) -> None:
            for r, row in enumerate(modules):
                for c, dark in enumerate(row):
                    if dark:
                        p.fillRect(
                            QRect(x0 + c * size, y0 + r * size, size, size), Qt.GlobalColor.black
                        )

        self.ops.append(paint)
        self.y += n * size

    def paint(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, False)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.setLayoutDirection(
            Qt.LayoutDirection.RightToLeft if self.rtl else Qt.LayoutDirection.LeftToRight
        )
        for op in self.ops:
            op(painter)


# -- the receipt --------------------------------------------------------------------------


def _amount_row(c: Canvas, amount: Amount | None, f: QFont, indent: int = 0) -> None:
    if amount is not None:
        c.row(amount.label, amount.text, f, indent=indent)


def lay_out_receipt(receipt: Receipt, device: QPaintDevice, width: int) -> Canvas:
    fonts = Fonts.for_width(width)
    c = Canvas(device, width, receipt.rtl)
    indent = c.gap
    # The shop
    shop = receipt.shop
    c.space(c.gap // 2)
    c.text(shop.name, fonts.title, CENTER)
    c.text(shop.address, fonts.small, CENTER)
    c.text(shop.phone_text, fonts.small, CENTER)
    c.text(shop.identifiers_text, fonts.small, CENTER)
    if receipt.header:
        c.space(c.gap // 2)
        c.text(receipt.header, fonts.body, CENTER)
    if receipt.fair:
        c.space(c.gap // 2)
        c.text(receipt.fair, fonts.bold, CENTER)
    c.rule()
    # A reprint cannot be mistaken for the original
    if receipt.duplicate:
        c.banner(receipt.duplicate_text, fonts.large)
        c.space(c.gap // 2)
    # What it is: a refund cannot be mistaken for a sale
    if receipt.is_refund:
        banner = QFont(fonts.large)
        banner.setCapitalization(QFont.Capitalization.AllUppercase)
        c.banner(receipt.title, banner)
        c.space(c.gap // 2)
        if receipt.refund_note:
            c.text(receipt.refund_note, fonts.bold, CENTER)
        c.space(c.gap // 2)
    for item in receipt.info:
        c.row(item.label, item.value, fonts.body)
    c.rule()
    # The lines
    for line in receipt.lines:
        if line.quantity == 1 and not line.weighed and line.discount is None:
            # One piece at its price: the code of its cooperative fits on the same row.
            c.row(
                keep_units(line.name),
                line.amount_text,
                fonts.bold,
                fonts.body,
                middle=line.cooperative_code,
                middle_font=fonts.small,
            )
        else:
            c.row(keep_units(line.name), line.amount_text, fonts.bold, fonts.body)
            c.row(line.detail_text, line.cooperative_code, fonts.small, indent=indent)
        if line.discount is not None:
            _amount_row(c, line.discount, fonts.body, indent)
        c.space(c.gap // 3)
    c.text(receipt.items_text, fonts.small, START)
    c.rule()
    # Totals
    if receipt.order_discount is not None:
        _amount_row(c, receipt.subtotal, fonts.body)
        _amount_row(c, receipt.order_discount, fonts.body)
    c.row(receipt.total.label, receipt.total.text, fonts.large)
    c.space(c.gap // 2)
    # Payments
    if receipt.kind == "refund":  # on a sale, the payment rows speak for themselves
        c.text(receipt.payments_title, fonts.bold, START)
    for payment in receipt.payments:
        label = payment.label
        if payment.reference:
            label = f"{label} ({isolate(payment.reference)})"
        c.row(label, payment.amount_text, fonts.body, indent=indent)
        if payment.tendered is not None:
            _amount_row(c, payment.tendered, fonts.small, indent * 2)
    if receipt.change is not None:
        c.row(receipt.change.label, receipt.change.text, fonts.bold)
    # VAT
    if receipt.vat:
        c.rule()
        c.text(receipt.vat_title, fonts.bold, START)
        fractions = [0.16, 0.28, 0.28, 0.28]
        wheres = [START, END, END, END]
        c.columns(list(receipt.vat_headers), fractions, fonts.small, wheres)
        for row in receipt.vat:
            cells = [row.rate_text, row.net_text, row.vat_text, row.gross_text]
            c.columns(cells, fractions, fonts.small, wheres)
        _amount_row(c, receipt.vat_total, fonts.small)
    c.rule()
    if receipt.footer:
        c.text(receipt.footer, fonts.body, CENTER)
    c.qr(receipt.qr_payload)
    c.text(receipt.qr_caption, fonts.small, CENTER)
    c.space(c.gap)
    return c


# -- output -------------------------------------------------------------------------------


def check_width(width_dots: int) -> int:
    width = int(width_dots)
    if width < MIN_WIDTH or width > 4096:
        raise ValueError(f"a receipt is {MIN_WIDTH} to 4096 dots wide, not {width_dots}")
    return width


def raster(lay_out: Callable[[QPaintDevice, int], Canvas], width_dots: int) -> QImage:
    ensure_gui()
    width = check_width(width_dots)
    probe = QImage(width, 1, QImage.Format.Format_RGB32)
    canvas = lay_out(probe, width)
    height = max(1, canvas.y)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    try:
        canvas.paint(painter)
    finally:
        painter.end()
    return to_mono(image)


def to_mono(image: QImage) -> QImage:
    """Threshold to 1 bit (index 0 white, 1 black), never dithering."""
    flags = Qt.ImageConversionFlag.MonoOnly | Qt.ImageConversionFlag.ThresholdDither
    mono = image.convertToFormat(QImage.Format.Format_Mono, flags)
    white, black = QColor(Qt.GlobalColor.white).rgb(), QColor(Qt.GlobalColor.black).rgb()
    if mono.colorTable() != [white, black]:
        # Make index 1 black whatever Qt chose: same picture, predictable bits.
        if QColor(mono.colorTable()[0]).lightness() < 128:
            mono.invertPixels()
        mono.setColorTable([white, black])
    return mono


def render_receipt(receipt: Receipt, width_dots: int = WIDTH_80MM) -> QImage:
    """The receipt as a 1-bit image (``Format_Mono``), ``width_dots`` wide."""
    return raster(lambda device, width: lay_out_receipt(receipt, device, width), width_dots)


def save_png(receipt: Receipt, path: str | Path, width_dots: int = WIDTH_80MM) -> Path:
    path = Path(path)
    image = render_receipt(receipt, width_dots)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(path), "PNG"):
        raise StateError(_("Cannot write the image {path}.", path=path))
    return path


def write_pdf(lay_out: Callable[[QPaintDevice, int], Canvas], path: Path, width: int) -> Path:
    ensure_gui()
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(path))
    writer.setResolution(round(DOTS_PER_MM * 25.4))  # 203 dpi: one dot of the printer
    writer.setCreator("coopos")
    canvas = lay_out(writer, width)
    paper_dots = PDF_PAPER_MM * DOTS_PER_MM
    side = max(0, (paper_dots - width) // 2)
    height_mm = (canvas.y + 2 * side) / DOTS_PER_MM
    writer.setPageSize(QPageSize(QSizeF(PDF_PAPER_MM, height_mm), QPageSize.Unit.Millimeter))
    writer.setPageMargins(QMarginsF(0, 0, 0, 0))
    painter = QPainter()
    if not painter.begin(writer):
        raise StateError(_("Cannot write the PDF {path}.", path=path))
    try:
        painter.translate(side, side)
        canvas.paint(painter)
    finally:
        painter.end()
    return path


def save_pdf(receipt: Receipt, path: str | Path, width_dots: int = WIDTH_80MM) -> Path:
    """The receipt as a PDF page 80 mm wide, laid out as on the printer (vector text)."""
    width = check_width(width_dots)
    return write_pdf(lambda device, w: lay_out_receipt(receipt, device, w), Path(path), width)


# -- the test page ------------------------------------------------------------------------


@dataclass(frozen=True)
class PrinterTestPage:
    language: str
    shop_name: str
    printer: str
    printed_at: datetime

    @property
    def rtl(self) -> bool:
        return direction_of(self.language) == "rtl"


def lay_out_test_page(page: PrinterTestPage, device: QPaintDevice, width: int) -> Canvas:
    fonts = Fonts.for_width(width)
    c = Canvas(device, width, page.rtl)
    with in_language(page.language):
        c.space(c.gap // 2)
        if page.shop_name:
            c.text(page.shop_name, fonts.title, CENTER)
        c.banner(_("Printer test"), fonts.large)
        c.space(c.gap // 2)
        c.row(_("Receipt printer"), page.printer, fonts.body)
        c.row(_("Time"), page.printed_at.strftime("%Y-%m-%d %H:%M"), fonts.body)
        c.text(f"{width} · {width // DOTS_PER_MM} mm", fonts.body, CENTER)
        c.rule()
        c.text("Huile d'argan alimentaire — 1\u202f234,50\u00a0MAD", fonts.body, START)
        c.text("زيت أركان غذائي — ‏1.234,50 د.م.‏", fonts.body, START)
        c.text("ⵣⵣⵉⵜ ⵏ ⵡⴰⵔⴳⴰⵏ — 0123456789", fonts.body, START)
        c.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz", fonts.small, START)
        c.rule(dashed=False)
        _ruler(c)
        c.rule()
        c.text(
            _("The black band and the ruler must reach both edges of the paper."),
            fonts.small,
            CENTER,
        )
        c.qr("COOPOS:TEST")
        c.space(c.gap)
    return c


def _ruler(c: Canvas) -> None:
    """A full-width black band and a millimetre ruler: shows the printable width."""
    top = c.y
    band = 16

    def paint(p: QPainter) -> None:
        p.fillRect(QRect(0, top, c.width, band), Qt.GlobalColor.black)
        for x in range(0, c.width, DOTS_PER_MM):
            tall = 24 if x % (10 * DOTS_PER_MM) == 0 else 10
            p.fillRect(QRect(x, top + band, 2, tall), Qt.GlobalColor.black)
        p.fillRect(QRect(c.width - 2, top + band, 2, 24), Qt.GlobalColor.black)

    c.ops.append(paint)
    c.y += band + 28


def render_test_page(page: PrinterTestPage, width_dots: int = WIDTH_80MM) -> QImage:
    return raster(lambda device, width: lay_out_test_page(page, device, width), width_dots)


def save_test_page_png(
    page: PrinterTestPage, path: str | Path, width_dots: int = WIDTH_80MM
) -> Path:
    path = Path(path)
    image = render_test_page(page, width_dots)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(path), "PNG"):
        raise StateError(_("Cannot write the image {path}.", path=path))
    return path


def save_test_page_pdf(
    page: PrinterTestPage, path: str | Path, width_dots: int = WIDTH_80MM
) -> Path:
    width = check_width(width_dots)
    return write_pdf(lambda device, w: lay_out_test_page(page, device, w), Path(path), width)
