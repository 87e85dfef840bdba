"""An X or Z report on paper: the :class:`~coopos.services.shift_document.ShiftDocument`
drawn on the receipt printer's raster (an image, so Arabic is shaped and ordered
right-to-left and Tifinagh prints), and the same layout as a PDF page 80 mm wide.

Printed reports go through the print queue like receipts (job kind ``shift``): a printer
without paper never blocks the close."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QImage, QPaintDevice

from coopos.domain.errors import StateError
from coopos.i18n import _
from coopos.printing.document import arabic_digits, in_language
from coopos.printing.render import (
    CENTER,
    END,
    START,
    WIDTH_80MM,
    Canvas,
    Fonts,
    check_width,
    raster,
    write_pdf,
)
from coopos.services import settings
from coopos.services.context import Context
from coopos.services.shift_document import Section, ShiftDocument, build_document
from coopos.services.shift_report import report_of


def load_document(
    ctx: Context, shift_id: int, language: str | None = None, hide_expected: bool | None = None
) -> ShiftDocument:
    """The report of a shift as it prints, in ``language`` (default: the receipts' or the
    shop's).  ``hide_expected`` None: as the blind count setting says (a printed X report
    can be read by anyone at the till)."""
    with ctx.read() as s:
        values = settings.get_all(s)
    report = report_of(ctx, shift_id)
    if hide_expected is None:
        hide_expected = bool(values.get("shift.blind_count"))
    language = language or values.get("receipt.language") or values.get("language") or "fr"
    with in_language(language) as lang, arabic_digits(bool(values.get("arabic_digits"))):
        return build_document(report, lang, hide_expected)


def _fractions(c: Canvas, section: Section, fonts: Fonts) -> list[float]:
    """Column widths as fractions of the paper, as a browser lays out a table: figures
    get the room their longest text needs (they never wrap), text columns at least their
    longest word, and the room left goes to the text columns that want more."""
    count = len(section.headers)
    natural, least = [0] * count, [0] * count
    lines = [(section.headers, fonts.small)]
    lines += [(row.cells, fonts.bold if row.total else fonts.small) for row in section.rows]
    for cells, f in lines:
        for i, text in enumerate(cells):
            natural[i] = max(natural[i], c.layout(text, f, 10_000, START)[1] + c.gap)
            for word in text.split():
                least[i] = max(least[i], c.layout(word, f, 10_000, START)[1] + c.gap)
    widths = [natural[i] if section.numeric[i] else least[i] for i in range(count)]
    spare = c.inner - sum(widths)
    if spare < 0:  # too many figures for the paper: equal columns, text wraps
        return [1 / count] * count
    texts = [i for i in range(count) if not section.numeric[i]]
    wanted = sum(natural[i] - least[i] for i in texts)
    for i in texts:
        widths[i] += spare * (natural[i] - least[i]) / wanted if wanted else 0
    if wanted <= spare and texts:  # all fits on one line: the rest to the first column
        widths = [natural[i] if i in texts else widths[i] for i in range(count)]
        widths[texts[0]] += c.inner - sum(widths)
    return [w / c.inner for w in widths]


def _section(c: Canvas, section: Section, fonts: Fonts) -> None:
    c.text(section.title, fonts.bold, START)
    c.space(c.gap // 3)
    if section.pairs:
        for row in section.rows:
            c.row(row.cells[0], row.cells[1], fonts.bold if row.total else fonts.body)
    else:
        fractions = _fractions(c, section, fonts)
        wheres = [END if numeric else START for numeric in section.numeric]
        c.columns(list(section.headers), fractions, fonts.small, wheres, baseline=True)
        c.rule()
        first = int(c.inner * fractions[0]) - c.gap
        for row in section.rows:
            f = fonts.bold if row.total else fonts.small
            cells = list(row.cells)
            if c.layout(cells[0], f, 10_000, START)[1] > first:
                # a long name (a cooperative's) on its own line, its figures under it
                c.text(cells[0], f, START)
                cells[0] = ""
            c.columns(cells, fractions, f, wheres, baseline=True)
    if section.note:
        c.space(c.gap // 3)
        c.text(section.note, fonts.bold, START)


def lay_out_shift_report(doc: ShiftDocument, device: QPaintDevice, width: int) -> Canvas:
    fonts = Fonts.for_width(width)
    c = Canvas(device, width, doc.rtl)
    c.space(c.gap // 2)
    if doc.shop:
        c.text(doc.shop, fonts.title, CENTER)
        c.space(c.gap // 2)
    title = QFont(fonts.large)
    c.banner(doc.title, title)
    c.space(c.gap // 3)
    c.text(doc.banner, fonts.small, CENTER)
    for section in doc.sections:
        c.rule()
        _section(c, section, fonts)
    c.rule(dashed=False)
    c.text(doc.footer, fonts.small, CENTER)
    c.space(c.gap * 2)
    return c


def render_shift_report(doc: ShiftDocument, width_dots: int = WIDTH_80MM) -> QImage:
    """The report as a 1-bit image, ``width_dots`` wide (the printer's raster)."""
    return raster(lambda device, width: lay_out_shift_report(doc, device, width), width_dots)


def save_shift_report(doc: ShiftDocument, path: str | Path, width_dots: int = WIDTH_80MM) -> Path:
    """The report as a PDF (80 mm wide, vector text) or a PNG, by the file's extension."""
    path = Path(path)
    width = check_width(width_dots)
    if path.suffix.lower() == ".pdf":
        return write_pdf(lambda device, w: lay_out_shift_report(doc, device, w), path, width)
    image = render_shift_report(doc, width)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(path), "PNG"):
        raise StateError(_("Cannot write the image {path}.", path=path))
    return path


__all__ = ["lay_out_shift_report", "load_document", "render_shift_report", "save_shift_report"]
