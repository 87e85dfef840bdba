"""Price labels: a :class:`Label` per product, drawn for the thermal printer or on A4.

A label shows the product's name in Arabic (right to left) and in French, its price in
MAD (per kilogram or litre for goods sold by weight), the code of the cooperative that
made it, a barcode that scans back to a code the till knows (EAN-13 when the product has
a valid one, else Code 128 of its barcode or SKU) and, on request, a QR code with the SKU
or a URL.

- :func:`build_labels` reads products and returns plain :class:`Label` documents (texts
  already formatted, no Qt), like ``document.build_receipt`` for receipts.
- Thermal printer: each label is a 1-bit image as wide as the printer (576 dots on
  80 mm paper, 384 on 58 mm), drawn with the receipts' fonts and text layout
  (``render``: HarfBuzz shaping through Qt, no antialiasing) and sent as ESC/POS raster
  (``escpos.encode_job``), one job with a cut after every label, or as one strip.
- Office printer: an A4 PDF of 3 x 8 labels of 63.5 x 33.9 mm (the common 24-per-sheet
  label stock), drawn at 600 dpi so that every barcode module is a whole number of the
  printer's dots; as many pages as needed.

The same layout code paints the thermal image, the PDF and the PNG previews of a sheet.
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRect, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPdfWriter,
    QPen,
    QTextLayout,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coopos.db.models import Product, ProductBarcode
from coopos.domain.errors import NotFoundError, StateError, ValidationError
from coopos.i18n import _, formats
from coopos.printing import escpos, render
from coopos.printing import qr as qr_code
from coopos.printing.barcodes import BarcodeDrawing, Symbol, for_product
from coopos.printing.document import arabic_digits, in_language, unit_label
from coopos.printing.printers import open_printer
from coopos.services import settings
from coopos.services.context import Context

# render's canvas: text shaped and laid out as on receipts, painted without antialiasing.
Canvas = render.Canvas

WIDTH_80MM = render.WIDTH_80MM
WIDTH_58MM = render.WIDTH_58MM
MAX_COPIES = 1000

# The A4 sheet: 3 columns x 8 rows of 63.5 x 33.9 mm, 2.5 mm between columns, centred
# (7.25 mm side margins, 12.9 mm top and bottom).
SHEET_DPI = 600  # office printers print at 600 or 1200 dpi: modules stay whole dots
PAGE_MM = (210.0, 297.0)
SHEET_COLUMNS = 3
SHEET_ROWS = 8
LABELS_PER_PAGE = SHEET_COLUMNS * SHEET_ROWS
LABEL_MM = (63.5, 33.9)
COLUMN_GAP_MM = 2.5
_OUTLINE = QColor(200, 200, 200)  # light grey: a cutting guide on plain paper


# -- the document -----------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    """What one price label shows; texts are formatted, figures kept for tests."""

    sku: str
    name_ar: str
    name_fr: str
    price_cents: int
    price_text: str
    unit: str
    cooperative_code: str
    barcode: Symbol
    qr_text: str | None = None


def _find_product(session: Session, sku: str) -> Product | None:
    """By SKU (as typed, then in any case), then by one of its barcodes."""
    code = sku.strip()
    if not code:
        return None
    found = session.execute(select(Product).where(Product.sku == code)).scalar()
    if found is None:
        found = session.execute(
            select(Product).where(func.upper(Product.sku) == code.upper())
        ).scalar()
    if found is None:
        found = session.execute(
            select(Product).join(ProductBarcode).where(ProductBarcode.barcode == code)
        ).scalar()
    return found


def qr_text_for(sku: str, url: str | None) -> str:
    """The QR code's text: the SKU, or ``url`` with ``{sku}`` replaced (URL-encoded)."""
    if not url:
        return sku
    if "{sku}" not in url:
        raise ValidationError(
            _(
                "The QR code address must contain {placeholder}, e.g. "
                "https://shop.ma/p/{placeholder}.",
                placeholder="{sku}",
            )
        )
    return url.replace("{sku}", urllib.parse.quote(sku, safe=""))


def build_labels(
    session: Session,
    skus: Sequence[str],
    copies: int = 1,
    qr: bool = False,
    qr_url: str | None = None,
    language: str | None = None,
) -> list[Label]:
    """``copies`` labels for each SKU, in the order given.  An unknown SKU fails before
    anything is drawn, so nothing is printed or written for a mistyped list."""
    if not skus:
        raise ValidationError(_("Give at least one SKU."))
    if not 1 <= copies <= MAX_COPIES:
        raise ValidationError(
            _("The number of copies must be between 1 and {most}.", most=MAX_COPIES)
        )
    if qr_url:
        qr_text_for("", qr_url)  # a bad address fails before any work
    products = []
    for sku in skus:
        product = _find_product(session, sku)
        if product is None:
            raise NotFoundError(_("Unknown SKU “{sku}”: no label was printed.", sku=sku.strip()))
        products.append(product)
    # Barcodes are checked before the switch to the labels' language: an error is said
    # in the language of messages.
    symbols = [for_product((b.barcode for b in p.barcodes), p.sku) for p in products]
    values = settings.get_all(session)
    with (
        in_language(language or values.get("language") or "fr") as lang,
        arabic_digits(bool(values.get("arabic_digits"))),
    ):
        labels = [
            _label(product, symbol, lang, qr or bool(qr_url), qr_url)
            for product, symbol in zip(products, symbols, strict=True)
        ]
    return [label for label in labels for _copy in range(copies)]


def _label(product: Product, symbol: Symbol, language: str, qr: bool, qr_url: str | None) -> Label:
    price = formats.format_money(product.price_cents, language)
    if product.unit != "piece":
        # Goods sold by weight or volume: the price of one kilogram (litre...).
        price = f"{price}\u00a0/\u00a0{unit_label(product.unit)}"
    name_fr = product.name_fr or product.name_en or product.sku
    return Label(
        sku=product.sku,
        name_ar=product.name_ar or "",
        name_fr=name_fr,
        price_cents=product.price_cents,
        price_text=price,
        unit=product.unit,
        cooperative_code=product.cooperative.code if product.cooperative else "",
        barcode=symbol,
        qr_text=qr_text_for(product.sku, qr_url) if qr else None,
    )


def load_labels(
    ctx: Context,
    skus: Sequence[str],
    copies: int = 1,
    qr: bool = False,
    qr_url: str | None = None,
    language: str | None = None,
) -> list[Label]:
    with ctx.read() as session:
        return build_labels(session, skus, copies, qr, qr_url, language)


# -- sizes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelStyle:
    """Sizes in device dots.  ``module``: the widest barcode module, the narrowest one
    preferred, the narrowest one accepted; ``name_lines``: (Arabic, French) line limits
    tried in turn until the label fits its height."""

    pad: int
    gap: int
    name_ar: QFont
    name_fr: QFont
    price: QFont
    coop: QFont
    text_px: int
    module: tuple[int, int, int]
    qr_module: tuple[int, int]
    bar_height: tuple[int, int]
    name_lines: tuple[tuple[int, int], ...]

    @classmethod
    def thermal(cls) -> LabelStyle:
        """8 dots per mm (203 dpi); the label is as tall as its content."""
        font = render.font
        return cls(
            pad=8,
            gap=6,
            name_ar=font(26, bold=True),
            name_fr=font(23),
            price=font(40, bold=True),
            coop=font(21, bold=True),
            text_px=24,
            # 3 dots = 0.375 mm; 2 dots (0.25 mm) still scans well; 1 dot only as a last
            # resort for very long codes on 58 mm paper.
            module=(3, 2, 1),
            qr_module=(4, 2),
            bar_height=(96, 96),  # 12 mm
            name_lines=((3, 3),),
        )

    @classmethod
    def sheet(cls, dpi: int = SHEET_DPI) -> LabelStyle:
        """A 63.5 x 33.9 mm label on paper: the barcode takes the height the names leave."""

        def mm(value: float) -> int:
            return round(value * dpi / 25.4)

        font = render.font
        return cls(
            pad=mm(1.8),
            gap=mm(0.5),
            name_ar=font(mm(2.6), bold=True),
            name_fr=font(mm(2.4)),
            price=font(mm(4.0), bold=True),
            coop=font(mm(2.3), bold=True),
            text_px=mm(2.6),
            # at 600 dpi: 8 dots = 0.34 mm (EAN-13 at 100 %), 6 = 0.25 mm, 4 = 0.17 mm
            module=(round(dpi / 75), round(dpi / 100), round(dpi / 150)),
            qr_module=(mm(0.5), mm(0.25)),
            bar_height=(mm(7), mm(14)),
            name_lines=((2, 2), (1, 2), (2, 1), (1, 1)),
        )


# -- layout -----------------------------------------------------------------------------


@dataclass
class _Text:
    layout: QTextLayout
    height: int
    ascent: float


def _lay_out_text(
    c: Canvas, text: str, f: QFont, width: int, where: str, max_lines: int
) -> _Text | None:
    """``text`` wrapped to at most ``max_lines`` lines, shortened with an ellipsis if it
    needs more (whole words dropped first)."""
    text = render.keep_units(" ".join(text.split()))
    if not text:
        return None
    layout, _w, height = c.layout(text, f, width, where)
    if layout.lineCount() > max_lines:
        last = layout.lineAt(max_lines - 1)
        kept = text[: last.textStart() + last.textLength()].rstrip()
        while kept:
            layout, _w, height = c.layout(kept + "…", f, width, where)
            if layout.lineCount() <= max_lines:
                break
            cut = kept.rfind(" ")
            kept = kept[:cut].rstrip() if cut > 0 else kept[:-1]
        else:
            layout, _w, height = c.layout("…", f, width, where)
    ascent = layout.lineAt(0).ascent() if layout.lineCount() else 0.0
    return _Text(layout, height, ascent)


def _elided(text: str, f: QFont, width: int) -> str:
    return QFontMetricsF(f).elidedText(text, Qt.TextElideMode.ElideRight, max(0, width))


@dataclass
class _Bottom:
    """Where the barcode (and the QR code) go; ``height`` from the block's top."""

    drawing: BarcodeDrawing
    box_x: int  # the barcode's box, its left quiet zone included
    qr_x: int
    qr_y: int
    qr_module: int
    height: int


def _centred(drawing: BarcodeDrawing, width: int, pad: int) -> int | None:
    """The box's left edge for a centred barcode: quiet zones inside the label, bars and
    text inside its padding; None if it does not fit."""
    box_x = (width - drawing.width) // 2
    fits = (
        box_x >= 0
        and box_x + min(drawing.quiet_left, drawing.ink_left) >= pad
        and box_x + max(drawing.width - drawing.quiet_right, drawing.ink_right) <= width - pad
    )
    return box_x if fits else None


def _bottom_block(
    symbol: Symbol,
    qr_size: int,
    style: LabelStyle,
    width: int,
    room: int | None,
    side_by_side: bool,
    smallest: int,
) -> _Bottom | None:
    """The barcode block at the widest module that fits ``width`` (and ``room`` dots of
    height when the label's height is fixed); None if it does not fit."""
    largest = style.module[0]
    bar_min, bar_max = style.bar_height
    qr_large, qr_small = style.qr_module
    pad = style.pad
    for m in range(largest, smallest - 1, -1):
        probe = BarcodeDrawing.fitted(symbol, m, bar_max, style.text_px)
        text_height = probe.height - bar_max
        if not qr_size:
            bar = bar_max if room is None else min(bar_max, room - text_height)
            if bar < bar_min:
                return None
            drawing = BarcodeDrawing(symbol, m, bar, probe.font)
            box_x = _centred(drawing, width, pad)
            if box_x is None:
                continue
            return _Bottom(drawing, box_x, 0, 0, 0, drawing.height)
        if side_by_side:
            bar = bar_max if room is None else min(bar_max, room - text_height)
            if bar < bar_min:
                return None
            drawing = BarcodeDrawing(symbol, m, bar, probe.font)
            qm = min(qr_large, drawing.height // qr_size)
            if qm < qr_small:
                return None
            # the barcode at the start, the QR code at the end, their quiet zones shared
            box_x = max(0, pad - drawing.quiet_left, pad - drawing.ink_left)
            bars_end = box_x + drawing.quiet_left + drawing.bars_width
            qr_x = bars_end + max(drawing.quiet_right, 4 * qm)
            if qr_x + qr_size * qm + max(pad, 4 * qm) > width:
                continue
            qr_x = width - max(pad, 4 * qm) - qr_size * qm
            # bottom-aligned: the price above keeps clear of the QR's quiet zone
            return _Bottom(drawing, box_x, qr_x, drawing.height - qr_size * qm, qm, drawing.height)
        # stacked: the QR code centred under the barcode
        qm = qr_large
        if room is not None:
            qm = min(qr_large, (room - text_height - bar_min) // (qr_size + 4))
        if qm < qr_small:
            return None
        under = 4 * qm + qr_size * qm
        bar = bar_max if room is None else min(bar_max, room - text_height - under)
        drawing = BarcodeDrawing(symbol, m, bar, probe.font)
        box_x = _centred(drawing, width, pad)
        if box_x is None:
            continue
        qr_x = (width - qr_size * qm) // 2
        return _Bottom(drawing, box_x, qr_x, drawing.height + 4 * qm, qm, drawing.height + under)
    return None


# Where the QR code goes: beside the barcode, under it, or in the top corner (the names
# and the price then wrap in the width it leaves; the last resort for long barcodes).
BESIDE, UNDER, CORNER = "beside", "under", "corner"


def lay_out_label(
    label: Label,
    device: QPaintDevice,
    width: int,
    height: int | None = None,
    style: LabelStyle | None = None,
) -> Canvas:
    """The label's paint operations, ``width`` dots wide.  With ``height`` (a label on a
    sheet) everything must fit in it: names are shortened, the bars made shorter; without
    it (the thermal printer's paper roll) the label is as tall as its content."""
    style = style or LabelStyle.thermal()
    modules = qr_code.matrix(label.qr_text, border=0) if label.qr_text else []
    _largest, preferred, smallest = style.module
    # Wide modules first (they scan best), then the QR code's places in turn.
    attempts = [(place, narrowest) for narrowest in (preferred, smallest)
                for place in (BESIDE, UNDER, CORNER)]  # fmt: skip
    if not modules:
        attempts = [(UNDER, smallest)]
    for ar_lines, fr_lines in style.name_lines:
        for place, narrowest in attempts:
            canvas = _try_label(
                label, device, width, height, style, modules, ar_lines, fr_lines,
                place, narrowest,
            )  # fmt: skip
            if canvas is not None:
                return canvas
    raise ValidationError(
        _(
            "The label of {sku} does not fit: its barcode “{code}” is too long for the "
            "label (try without the QR code, or on 80 mm paper).",
            sku=label.sku,
            code=label.barcode.data,
        )
    )


def _try_label(
    label: Label,
    device: QPaintDevice,
    width: int,
    height: int | None,
    style: LabelStyle,
    modules: list[list[bool]],
    ar_lines: int,
    fr_lines: int,
    place: str,
    smallest: int,
) -> Canvas | None:
    c = Canvas(device, width, rtl=False)
    pad, gap = style.pad, style.gap
    inner = width - 2 * pad
    qr_size = len(modules)
    corner_qm = 0
    if modules and place == CORNER:
        qr_large, qr_small = style.qr_module
        corner_qm = max(qr_small, min(qr_large, inner // 5 // qr_size))
        # the QR code and its quiet zone on the end side, the texts beside it
        inner -= qr_size * corner_qm + 4 * corner_qm + max(0, 4 * corner_qm - pad)
    # The names: Arabic right-aligned (right to left), French left-aligned.
    name_ar = _lay_out_text(c, label.name_ar, style.name_ar, inner, render.END, ar_lines)
    name_fr = _lay_out_text(c, label.name_fr, style.name_fr, inner, render.START, fr_lines)
    names = [t for t in (name_ar, name_fr) if t is not None]
    names_height = sum(t.height for t in names)
    # The price (never shortened) and the cooperative's code on one baseline, or the
    # code on its own line when both do not fit side by side.
    price_layout, price_w, price_h = c.layout(label.price_text, style.price, inner, render.START)
    row = [(price_layout, price_h)]
    coop_line = None
    if label.cooperative_code:
        coop_layout, coop_w, coop_h = c.layout(
            _elided(label.cooperative_code, style.coop, inner), style.coop, inner, render.END
        )
        if price_w + 2 * gap + coop_w <= inner:
            row.append((coop_layout, coop_h))
        else:
            coop_line = (coop_layout, coop_h)
    baseline = max(layout.lineAt(0).ascent() for layout, _h in row)
    price_row = max(round(baseline - layout.lineAt(0).ascent()) + h for layout, h in row)
    if coop_line is not None:
        price_row += coop_line[1]
    head = pad + names_height + gap + price_row + gap
    if corner_qm:
        head = max(head, pad + (qr_size + 4) * corner_qm)  # its quiet zone above the bars
    room = None if height is None else height - pad - head
    bottom = _bottom_block(
        label.barcode,
        qr_size if place != CORNER else 0,
        style,
        width,
        room,
        place == BESIDE,
        smallest,
    )
    if bottom is None:
        return None
    spare = 0 if room is None else max(0, room - bottom.height)
    # Draw, top to bottom; spare height goes around the price row.
    y = pad
    for text in names:
        c._draw(text.layout, pad, y)
        y += text.height
    y += gap + spare // 2
    for layout, _h in row:
        c._draw(layout, pad, y + round(baseline - layout.lineAt(0).ascent()))
    if coop_line is not None:
        c._draw(coop_line[0], pad, y + price_row - coop_line[1])
    top = head + spare
    drawing = bottom.drawing

    def paint_barcode(p: QPainter) -> None:
        drawing.paint(p, bottom.box_x, top)

    c.ops.append(paint_barcode)
    c.y = top + bottom.height + pad
    if corner_qm:
        qr_x = width - max(pad, 4 * corner_qm) - qr_size * corner_qm
        _add_qr(c, modules, qr_x, pad, corner_qm)
    elif modules:
        _add_qr(c, modules, bottom.qr_x, top + bottom.qr_y, bottom.qr_module)
        qr_bottom = top + bottom.qr_y + qr_size * bottom.qr_module
        c.y = max(c.y, qr_bottom + 4 * bottom.qr_module)
    if height is not None:
        c.y = height
    return c


def _add_qr(c: Canvas, modules: list[list[bool]], x0: int, y0: int, size: int) -> None:
    def paint(p: QPainter) -> None:
        for r, row in enumerate(modules):
            for col, dark in enumerate(row):
                if dark:
                    p.fillRect(
                        QRect(x0 + col * size, y0 + r * size, size, size), Qt.GlobalColor.black
                    )

    c.ops.append(paint)


# -- the thermal printer ----------------------------------------------------------------


def render_label(label: Label, width_dots: int = WIDTH_80MM) -> QImage:
    """One label as a 1-bit image, ``width_dots`` wide (the printer's printable width)."""
    return render.raster(lambda device, width: lay_out_label(label, device, width), width_dots)


def _lay_out_strip(labels: Sequence[Label], device: QPaintDevice, width: int) -> Canvas:
    """All labels one under the other, a dashed line to cut along between them."""
    strip = Canvas(device, width, rtl=False)
    for i, label in enumerate(labels):
        if i:
            strip.rule(dashed=True)
        child = lay_out_label(label, device, width)
        strip.ops.append(_translated(child.paint, 0, strip.y))
        strip.y += child.y
    return strip


def _translated(paint: Callable[[QPainter], None], dx: int, dy: int) -> Callable:
    def op(p: QPainter) -> None:
        p.save()
        p.translate(dx, dy)
        paint(p)
        p.restore()

    return op


def render_strip(labels: Sequence[Label], width_dots: int = WIDTH_80MM) -> QImage:
    """Every label on one 1-bit image (the PNG preview, and ``--strip`` printing)."""
    if not labels:
        raise ValidationError(_("Give at least one SKU."))
    return render.raster(lambda device, width: _lay_out_strip(labels, device, width), width_dots)


def labels_job(
    labels: Sequence[Label],
    width_dots: int = WIDTH_80MM,
    strip: bool = False,
    band_rows: int = escpos.DEFAULT_BAND_ROWS,
) -> bytes:
    """The ESC/POS bytes: one complete job per label, each ending with a feed and a cut
    (or, with ``strip``, every label on one image and a single cut)."""
    if strip:
        return escpos.encode_job(render_strip(labels, width_dots), band_rows=band_rows)
    return b"".join(
        escpos.encode_job(render_label(label, width_dots), band_rows=band_rows) for label in labels
    )


def save_png(labels: Sequence[Label], path: str | Path, width_dots: int = WIDTH_80MM) -> Path:
    """The labels as the thermal printer prints them (one strip) in a PNG."""
    path = Path(path)
    image = render_strip(labels, width_dots)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(path), "PNG"):
        raise StateError(_("Cannot write the image {path}.", path=path))
    return path


# -- the A4 sheet -----------------------------------------------------------------------


def sheet_pages(count: int) -> int:
    return max(1, math.ceil(count / LABELS_PER_PAGE))


def _cell(slot: int, dpi: int) -> QRect:
    """The label box of position ``slot`` (0..23, row by row) on a page, in dots."""

    def dots(value: float) -> int:
        return round(value * dpi / 25.4)

    width_mm, height_mm = LABEL_MM
    side = (PAGE_MM[0] - SHEET_COLUMNS * width_mm - (SHEET_COLUMNS - 1) * COLUMN_GAP_MM) / 2
    top = (PAGE_MM[1] - SHEET_ROWS * height_mm) / 2
    row, column = divmod(slot, SHEET_COLUMNS)
    x = side + column * (width_mm + COLUMN_GAP_MM)
    y = top + row * height_mm
    return QRect(dots(x), dots(y), dots(width_mm), dots(height_mm))


def _paint_page(painter: QPainter, device: QPaintDevice, labels: Sequence[Label]) -> None:
    style = LabelStyle.sheet(SHEET_DPI)
    for slot, label in enumerate(labels):
        cell = _cell(slot, SHEET_DPI)
        canvas = lay_out_label(label, device, cell.width(), cell.height(), style)
        painter.save()
        painter.translate(cell.x(), cell.y())
        painter.setPen(QPen(_OUTLINE, 3))
        painter.drawRect(QRect(0, 0, cell.width() - 1, cell.height() - 1))
        canvas.paint(painter)
        painter.restore()


def _pages(labels: Sequence[Label]) -> Iterable[Sequence[Label]]:
    for start in range(0, len(labels), LABELS_PER_PAGE):
        yield labels[start : start + LABELS_PER_PAGE]


def save_sheet_pdf(labels: Sequence[Label], path: str | Path) -> tuple[Path, int]:
    """The labels on A4 pages, 24 a page; returns the file and its number of pages.
    Print it at actual size (100 %, no "fit to page"), so bars keep their width."""
    if not labels:
        raise ValidationError(_("Give at least one SKU."))
    render.ensure_gui()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(path))
    writer.setResolution(SHEET_DPI)
    writer.setCreator("coopos")
    writer.setTitle(_("Price labels"))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(0, 0, 0, 0))
    # Lay out every page before the file is opened: a label that does not fit fails
    # without leaving half a PDF behind.
    for page in _pages(labels):
        for slot, label in enumerate(page):
            cell = _cell(slot, SHEET_DPI)
            lay_out_label(label, writer, cell.width(), cell.height(), LabelStyle.sheet())
    painter = QPainter()
    if not painter.begin(writer):
        raise StateError(_("Cannot write the PDF {path}.", path=path))
    pages = 0
    try:
        for page in _pages(labels):
            if pages:
                writer.newPage()
            _paint_page(painter, writer, page)
            pages += 1
    finally:
        painter.end()
    return path, pages


def render_sheet_page(labels: Sequence[Label], page: int = 0, dpi: int = 150) -> QImage:
    """Page ``page`` of the A4 sheet as an image (``dpi`` should divide 600 evenly so
    that modules stay whole pixels): a preview drawn by the same code as the PDF."""
    render.ensure_gui()
    chunk = list(_pages(labels))[page]
    width = round(PAGE_MM[0] / 25.4 * dpi)
    height = round(PAGE_MM[1] / 25.4 * dpi)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    probe = QImage(1, 1, QImage.Format.Format_RGB32)  # lay out as on a 600 dpi device
    dots_per_metre = round(SHEET_DPI / 0.0254)
    probe.setDotsPerMeterX(dots_per_metre)
    probe.setDotsPerMeterY(dots_per_metre)
    painter = QPainter(image)
    try:
        painter.scale(dpi / SHEET_DPI, dpi / SHEET_DPI)
        _paint_page(painter, probe, chunk)
    finally:
        painter.end()
    return image


# -- printing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelsResult:
    labels: int
    printer: str
    bytes_sent: int


def print_labels(
    labels: Sequence[Label],
    printer_uri: str,
    width_dots: int = WIDTH_80MM,
    strip: bool = False,
) -> LabelsResult:
    """Send the labels to an ESC/POS printer in one job; raises ``printers.PrinterError``."""
    printer = open_printer(printer_uri)  # a bad URI fails before any drawing
    job = labels_job(labels, width_dots, strip)
    printer.send(job)
    return LabelsResult(len(labels), printer.uri, len(job))
