"""Consignment documents, drawn the same way on a till and on the server: a cooperative's
settlement statement (A4 PDF, thermal slip, CSV, XLSX, tables for text/CSV/JSON), the
reconciliation table, and delivery / return notes (A4 PDF and thermal).

A4 pages are laid out with the receipts' engine (:class:`coopos.printing.render.Canvas`:
Qt shapes Arabic and Tifinagh) on a 300 dpi PDF, page by page, never splitting a row.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRect, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPaintDevice, QPainter, QPdfWriter

from coopos.domain.consignment import Reconciliation, Statement
from coopos.domain.consignment_engine import NoteDocument, Party
from coopos.domain.errors import StateError
from coopos.domain.money import format_amount
from coopos.domain.quantity import format_quantity
from coopos.domain.tables import Column, Table
from coopos.i18n import N_, _, formats
from coopos.printing.document import direction_of, in_language
from coopos.printing.render import (
    CENTER,
    END,
    START,
    WIDTH_80MM,
    Canvas,
    Fonts,
    ensure_gui,
    font,
    raster,
)
from coopos.spreadsheet import CsvWriter, append_xlsx

DPI = 300
A4_WIDTH_MM, A4_HEIGHT_MM = 210, 297
MARGIN_MM = 15


def _money(cents: int, language: str) -> str:
    return formats.format_money(cents, language)


def _qty(value: Decimal, language: str) -> str:
    return formats.format_qty(value, language)


# -- tables (text, CSV, JSON through coopos.cli.render) ------------------------------------------

RECON_COLUMNS = [
    Column("cooperative", N_("Cooperative")),
    Column("sku", N_("SKU")),
    Column("name", N_("Product")),
    Column("sent", N_("Sent"), "quantity"),
    Column("sold", N_("Sold"), "quantity"),
    Column("refunded", N_("Refunded"), "quantity"),
    Column("returned", N_("Returned"), "quantity"),
    Column("counted", N_("Counted"), "quantity"),
    Column("variance", N_("Variance"), "quantity"),
    Column("explained", N_("Explained"), "quantity"),
    Column("variance_value", N_("Variance value"), "money"),
]


def reconciliation_table(recon: Reconciliation) -> Table:
    rows = [
        {
            "cooperative": r.cooperative,
            "sku": r.sku,
            "name": r.name,
            "sent": r.opening + r.sent,
            "sold": r.sold,
            "refunded": r.refunded,
            "returned": r.returned,
            "counted": r.counted,
            "variance": r.variance,
            "explained": r.explained,
            "variance_value": r.variance_cents,
        }
        for r in recon.rows
    ]
    totals = {
        "cooperative": _("Total"),
        "variance_value": sum(r.variance_cents for r in recon.rows),
    }
    return Table(recon.title, RECON_COLUMNS, rows, totals)


STATEMENT_COLUMNS = [
    Column("section", N_("Section")),
    Column("sku", N_("SKU")),
    Column("name", N_("Product")),
    Column("vat_rate", N_("VAT rate"), "int"),
    Column("quantity", N_("Quantity"), "quantity"),
    Column("gross", N_("Amount incl. VAT"), "money"),
    Column("vat", N_("VAT"), "money"),
    Column("commission", N_("Commission"), "money"),
]


def statement_table(statement: Statement) -> Table:
    """Every product line, then the totals: what CSV, JSON and text show."""
    rows = []
    for section, group in ((_("Sales"), statement.sold), (_("Refunds"), statement.refunded)):
        for r in group:
            rows.append(
                {
                    "section": section,
                    "sku": r.sku,
                    "name": r.name,
                    "vat_rate": r.vat_rate,
                    "quantity": r.quantity,
                    "gross": r.gross_cents,
                    "vat": r.vat_cents,
                    "commission": r.commission_cents,
                }
            )
    title = _(
        "Settlement statement: {coop}, {scope}", coop=statement.cooperative, scope=statement.title
    )
    totals = {
        "section": _("Total"),
        "gross": statement.net_sales_cents,
        "vat": statement.vat_cents,
        "commission": statement.commission_cents,
    }
    return Table(title, STATEMENT_COLUMNS, rows, totals)


def summary_pairs(statement: Statement, language: str) -> list[tuple[str, str]]:
    """The statement's bottom lines, labelled, in order."""
    pairs = [
        (_("Sales"), _money(statement.sales_cents, language)),
        (_("Refunds"), _money(statement.refunds_cents, language)),
        (_("Sales net of refunds"), _money(statement.net_sales_cents, language)),
        (_("Of which VAT"), _money(statement.vat_cents, language)),
        (_("Shop's commission"), _money(-statement.commission_cents, language)),
        (_("Net payable to the cooperative"), _money(statement.payable_cents, language)),
    ]
    for p in statement.payouts:
        label = _("Paid on {day} ({method})", day=p.day, method=_payout_method(p.method))
        if p.reference:
            label += f" {p.reference}"
        pairs.append((label, _money(-p.amount_cents, language)))
    pairs.append((_("Balance still to pay"), _money(statement.balance_cents, language)))
    return pairs


def _payout_method(method: str) -> str:
    return {"cash": _("cash"), "transfer": _("bank transfer"), "cheque": _("cheque")}.get(
        method, method
    )


def statement_csv(statement: Statement, language: str = "fr") -> str:
    """The detail lines (day, receipt, product, quantity, amount, VAT rate, commission),
    then the summary: for a spreadsheet (UTF-8 with BOM, as Excel expects)."""
    with in_language(language):
        out = io.StringIO()
        out.write("\ufeff")
        w = CsvWriter(out)
        w.writerow(
            [
                _("Day"),
                _("Receipt"),
                _("SKU"),
                _("Product"),
                _("Quantity"),
                _("Amount incl. VAT"),
                _("VAT rate"),
                _("Commission"),
            ]
        )
        for line in statement.lines:
            w.writerow(
                [
                    line.day,
                    line.receipt_no,
                    line.sku,
                    line.name,
                    format_quantity(line.quantity),
                    format_amount(line.net_cents),
                    line.vat_rate,
                    format_amount(line.commission_cents),
                ]
            )
        w.writerow([])
        for label, cents in _summary_cents(statement):
            w.writerow([label, "", "", "", "", format_amount(cents)])
        return out.getvalue()


def _summary_cents(statement: Statement) -> list[tuple[str, int]]:
    rows = [
        (_("Sales"), statement.sales_cents),
        (_("Refunds"), statement.refunds_cents),
        (_("Sales net of refunds"), statement.net_sales_cents),
        (_("Of which VAT"), statement.vat_cents),
        (_("Shop's commission"), statement.commission_cents),
        (_("Net payable to the cooperative"), statement.payable_cents),
        (_("Paid"), statement.paid_cents),
        (_("Balance still to pay"), statement.balance_cents),
    ]
    return rows


def save_statement_xlsx(statement: Statement, path: str | Path, language: str = "fr") -> Path:
    """Two sheets: the summary with the products, and every line sold or refunded."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = Path(path)
    with in_language(language):
        book = Workbook()
        summary = book.active
        summary.title = _("Statement")[:31]
        append_xlsx(summary, [_("Settlement statement"), statement.cooperative, statement.title])
        summary["A1"].font = Font(bold=True)
        append_xlsx(summary, [])
        append_xlsx(
            summary,
            [
                _("SKU"),
                _("Product"),
                _("VAT rate"),
                _("Quantity"),
                _("Amount incl. VAT"),
                _("VAT"),
                _("Commission"),
            ],
        )
        for group in (statement.sold, statement.refunded):
            for r in group:
                append_xlsx(
                    summary,
                    [
                        r.sku,
                        r.name,
                        r.vat_rate,
                        float(r.quantity),
                        r.gross_cents / 100,
                        r.vat_cents / 100,
                        r.commission_cents / 100,
                    ],
                )
        append_xlsx(summary, [])
        for label, cents in _summary_cents(statement):
            append_xlsx(summary, [label, "", "", "", cents / 100])
        for row in summary.iter_rows(min_row=4, min_col=5, max_col=7):
            for cell_ in row:
                cell_.number_format = "#,##0.00"
        lines = book.create_sheet(_("Lines")[:31])
        append_xlsx(
            lines,
            [
                _("Day"),
                _("Receipt"),
                _("SKU"),
                _("Product"),
                _("Quantity"),
                _("Amount incl. VAT"),
                _("VAT rate"),
                _("Commission"),
            ],
        )
        for line in statement.lines:
            append_xlsx(
                lines,
                [
                    line.day,
                    line.receipt_no,
                    line.sku,
                    line.name,
                    float(line.quantity),
                    line.net_cents / 100,
                    line.vat_rate,
                    line.commission_cents / 100,
                ],
            )
        if direction_of(language) == "rtl":
            summary.sheet_view.rightToLeft = True
            lines.sheet_view.rightToLeft = True
        path.parent.mkdir(parents=True, exist_ok=True)
        book.save(path)
    return path


# -- paged A4 layout ---------------------------------------------------------------------------


class PagedCanvas(Canvas):
    """A Canvas whose blocks never straddle a page: a block that would is moved to the top
    of the next page."""

    def __init__(self, device: QPaintDevice, width: int, rtl: bool, page_height: int):
        super().__init__(device, width, rtl)
        self.page_height = page_height
        self.margin = 0
        self.inner = width

    def block(self, draw: Callable[[], None]) -> None:
        first, top = len(self.ops), self.y
        draw()
        height = self.y - top
        page = top // self.page_height
        if 0 < height < self.page_height and (self.y - 1) // self.page_height != page:
            shift = (page + 1) * self.page_height - top
            self.ops[first:] = [_shifted(op, shift) for op in self.ops[first:]]
            self.y += shift

    def qr(self, text: str, max_module: int = 12) -> None:
        super().qr(text, max_module)  # 1 mm modules on paper: easy for a phone

    @property
    def pages(self) -> int:
        return max(1, -(-self.y // self.page_height))


def _shifted(op, dy: int):
    def paint(p: QPainter) -> None:
        p.save()
        p.translate(0, dy)
        op(p)
        p.restore()

    return paint


@dataclass(frozen=True)
class A4Fonts:
    small: object
    body: object
    bold: object
    large: object
    title: object

    @classmethod
    def make(cls) -> A4Fonts:
        px = DPI / 72  # points to dots
        return cls(
            small=font(round(8 * px)),
            body=font(round(9.5 * px)),
            bold=font(round(9.5 * px), bold=True),
            large=font(round(12 * px), bold=True),
            title=font(round(15 * px), bold=True),
        )


def _a4_pdf(path: Path, lay_out: Callable[[PagedCanvas, A4Fonts], None], rtl: bool) -> Path:
    ensure_gui()
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(path))
    writer.setResolution(DPI)
    writer.setCreator("coopos")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
            QPageLayout.Unit.Millimeter,
        )
    )
    width = round((A4_WIDTH_MM - 2 * MARGIN_MM) / 25.4 * DPI)
    page_height = round((A4_HEIGHT_MM - 2 * MARGIN_MM) / 25.4 * DPI) - 60  # room for a footer
    canvas = PagedCanvas(writer, width, rtl, page_height)
    fonts = A4Fonts.make()
    lay_out(canvas, fonts)
    painter = QPainter()
    if not painter.begin(writer):
        raise StateError(_("Cannot write the PDF {path}.", path=path))
    try:
        for page in range(canvas.pages):
            if page:
                writer.newPage()
            painter.save()
            painter.setClipRect(0, 0, width, page_height)
            painter.translate(0, -page * page_height)
            canvas.paint(painter)
            painter.restore()
            painter.setFont(fonts.small)
            painter.drawText(
                QRect(0, page_height + 10, width, 50),
                int(Qt.AlignmentFlag.AlignCenter),
                f"{page + 1} / {canvas.pages}",
            )
    finally:
        painter.end()
    return path


def _header(c: PagedCanvas, f: A4Fonts, shop: Party, title: str) -> None:
    c.block(lambda: c.text(shop.name, f.title, START))
    for line in (shop.address, shop.phone, shop.identifiers()):
        if line:
            c.block(lambda line=line: c.text(line, f.small, START))
    c.space(30)
    c.block(lambda: c.banner(title, f.large))
    c.space(30)


def _party(c: PagedCanvas, f: A4Fonts, label: str, party: Party) -> None:
    c.block(lambda: c.row(label, party.name, f.bold))
    for line in (party.address, party.identifiers()):
        if line:
            c.block(lambda line=line: c.text(line, f.small, END))


# -- the statement --------------------------------------------------------------------------------

_FRACTIONS = [0.40, 0.10, 0.18, 0.14, 0.18]


def lay_out_statement(
    c: PagedCanvas,
    f: A4Fonts,
    statement: Statement,
    shop: Party,
    coop: Party,
    language: str,
    verify_text: str,
    issued: str,
) -> None:
    _header(c, f, shop, _("Settlement statement"))
    _party(c, f, _("Cooperative"), coop)
    c.block(lambda: c.row(_("For"), statement.title, f.body))
    c.block(lambda: c.row(_("Issued on"), issued, f.body))
    c.space(30)
    wheres = [START, END, END, END, END]
    headers = [_("Product"), _("Quantity"), _("Amount incl. VAT"), _("VAT"), _("Commission")]
    for title, group in ((_("Sales"), statement.sold), (_("Refunds"), statement.refunded)):
        if not group:
            continue
        c.block(lambda title=title: c.text(title, f.bold, START))
        c.block(lambda: c.columns(headers, _FRACTIONS, f.small, wheres))
        c.block(c.rule)
        for r in group:
            cells = [
                f"{r.name} ({r.sku}) · {r.vat_rate} %",
                _qty(r.quantity, language),
                _money(r.gross_cents, language),
                _money(r.vat_cents, language),
                _money(r.commission_cents, language),
            ]
            c.block(lambda cells=cells: c.columns(cells, _FRACTIONS, f.body, wheres))
        c.space(20)
    if not statement.sold and not statement.refunded:
        c.block(lambda: c.text(_("Nothing was sold in this period."), f.body, START))
    c.block(lambda: c.rule(dashed=False))
    pairs = summary_pairs(statement, language)
    for i, (label, value) in enumerate(pairs):
        strong = i == len(pairs) - 1 or label == _("Net payable to the cooperative")
        c.block(
            lambda label=label, value=value, strong=strong: c.row(
                label, value, f.bold if strong else f.body
            )
        )
    c.space(40)

    def qr_block() -> None:
        c.qr(verify_text)
        c.text(_("Scan to check this statement with head office."), f.small, CENTER)

    if verify_text:
        c.block(qr_block)
    c.space(60)
    c.block(
        lambda: c.columns(
            [_("For the shop"), _("For the cooperative")], [0.5, 0.5], f.body, [START, END]
        )
    )


def save_statement_pdf(
    statement: Statement,
    path: str | Path,
    shop: Party,
    coop: Party,
    language: str = "fr",
    verify_text: str = "",
) -> Path:
    """The statement as an A4 PDF in ``language`` (Arabic right-to-left)."""
    issued = formats.format_local_time(datetime.now().isoformat(timespec="minutes"), language)
    with in_language(language) as lang:
        return _a4_pdf(
            Path(path),
            lambda c, f: lay_out_statement(c, f, statement, shop, coop, lang, verify_text, issued),
            direction_of(lang) == "rtl",
        )


def statement_slip(
    statement: Statement,
    shop: Party,
    coop: Party,
    language: str = "fr",
    verify_text: str = "",
    width_dots: int = WIDTH_80MM,
) -> QImage:
    """The short thermal version: totals, payouts, balance and the QR code."""

    def lay_out(device: QPaintDevice, width: int) -> Canvas:
        fonts = Fonts.for_width(width)
        c = Canvas(device, width, direction_of(language) == "rtl")
        c.text(shop.name, fonts.bold, CENTER)
        c.banner(_("Settlement statement"), fonts.large)
        c.row(_("Cooperative"), coop.name, fonts.body)
        c.text(statement.title, fonts.small, START)
        c.rule()
        for r in statement.sold:
            c.row(f"{r.name}", _money(r.gross_cents, language), fonts.small)
            c.text(_qty(r.quantity, language), fonts.small, START, indent=c.gap)
        c.rule()
        for label, value in summary_pairs(statement, language):
            c.row(label, value, fonts.body)
        if verify_text:
            c.qr(verify_text)
        c.space(c.gap)
        return c

    with in_language(language):
        return raster(lay_out, width_dots)


# -- delivery and return notes --------------------------------------------------------------------


def _note_title(note: NoteDocument) -> str:
    return _("Delivery note") if note.kind == "dispatch" else _("Return note")


def lay_out_note(
    c: PagedCanvas, f: A4Fonts, note: NoteDocument, shop: Party, language: str
) -> None:
    _header(c, f, shop, f"{_note_title(note)} {note.number}")
    for label, value in (
        (_("Fair"), note.fair),
        (_("From"), note.origin),
        (_("To"), note.destination),
        (_("Date"), formats.format_local_time(note.created_local, language)),
    ):
        c.block(lambda label=label, value=value: c.row(label, value, f.body))
    if note.note:
        c.block(lambda: c.text(note.note, f.small, START))
    c.space(30)
    fractions, wheres = [0.5, 0.16, 0.16, 0.18], [START, START, END, END]
    headers = [_("Product"), _("Cooperative"), _("Quantity"), _("Value")]
    c.block(lambda: c.columns(headers, fractions, f.small, wheres))
    c.block(c.rule)
    for line in note.lines:
        cells = [
            f"{line.name} ({line.sku})",
            line.cooperative,
            _qty(line.quantity, language),
            _money(round(line.quantity * line.unit_price_cents), language),
        ]
        c.block(lambda cells=cells: c.columns(cells, fractions, f.body, wheres))
    c.block(lambda: c.rule(dashed=False))
    c.block(lambda: c.row(_("Total value"), _money(note.value_cents, language), f.bold))
    c.space(40)

    def qr_block() -> None:
        c.qr(note.qr_text)
        c.text(note.number, f.small, CENTER)

    c.block(qr_block)
    c.space(60)
    c.block(
        lambda: c.columns([_("Handed over by"), _("Received by")], [0.5, 0.5], f.body, [START, END])
    )


def save_note_pdf(note: NoteDocument, path: str | Path, shop: Party, language: str = "fr") -> Path:
    with in_language(language) as lang:
        return _a4_pdf(
            Path(path),
            lambda c, f: lay_out_note(c, f, note, shop, lang),
            direction_of(lang) == "rtl",
        )


def note_slip(
    note: NoteDocument, shop: Party, language: str = "fr", width_dots: int = WIDTH_80MM
) -> QImage:
    def lay_out(device: QPaintDevice, width: int) -> Canvas:
        fonts = Fonts.for_width(width)
        c = Canvas(device, width, direction_of(language) == "rtl")
        c.text(shop.name, fonts.bold, CENTER)
        c.banner(f"{_note_title(note)} {note.number}", fonts.large)
        c.row(_("Fair"), note.fair, fonts.small)
        c.row(_("From"), note.origin, fonts.small)
        c.row(_("To"), note.destination, fonts.small)
        c.rule()
        for line in note.lines:
            c.row(
                line.name,
                _qty(line.quantity, language),
                fonts.body,
                middle=line.cooperative,
                middle_font=fonts.small,
            )
        c.rule()
        c.row(_("Total value"), _money(note.value_cents, language), fonts.bold)
        c.qr(note.qr_text)
        c.text(note.number, fonts.small, CENTER)
        c.space(c.gap * 3)
        c.row(_("Handed over by"), _("Received by"), fonts.small)
        c.space(c.gap * 4)
        return c

    with in_language(language):
        return raster(lay_out, width_dots)


def lay_out_reconciliation(
    c: PagedCanvas, f: A4Fonts, recon: Reconciliation, shop: Party, language: str
) -> None:
    _header(c, f, shop, _("Reconciliation"))
    c.block(lambda: c.text(recon.title, f.bold, START))
    c.space(20)
    headers = [
        _("Product"),
        _("Sent"),
        _("Sold"),
        _("Refunded"),
        _("Returned"),
        _("Counted"),
        _("Variance"),
        _("Value"),
    ]
    fractions = [0.26, 0.09, 0.09, 0.11, 0.10, 0.09, 0.11, 0.15]
    wheres = [START] + [END] * 7
    for coop in recon.cooperatives:
        c.block(lambda coop=coop: c.text(coop, f.bold, START))
        c.block(lambda: c.columns(headers, fractions, f.small, wheres))
        c.block(c.rule)
        for r in recon.for_cooperative(coop):
            variance = _qty(r.variance, language)
            if r.variance:
                variance = ("▲ " if r.variance > 0 else "▼ ") + variance
            cells = [
                f"{r.name} ({r.sku})",
                _qty(r.opening + r.sent, language),
                _qty(r.sold, language),
                _qty(r.refunded, language),
                _qty(r.returned, language),
                _qty(r.counted, language),
                variance,
                _money(r.variance_cents, language),
            ]
            c.block(lambda cells=cells: c.columns(cells, fractions, f.small, wheres))
        c.space(20)
    total = sum(r.variance_cents for r in recon.rows)
    c.block(lambda: c.row(_("Total variance value"), _money(total, language), f.bold))
    c.block(
        lambda: c.text(
            _("Variance = sent - sold + refunded - returned - counted; ▲ missing, ▼ extra."),
            f.small,
            START,
        )
    )


def save_reconciliation_pdf(
    recon: Reconciliation, path: str | Path, shop: Party, language: str = "fr"
) -> Path:
    with in_language(language) as lang:
        return _a4_pdf(
            Path(path),
            lambda c, f: lay_out_reconciliation(c, f, recon, shop, lang),
            direction_of(lang) == "rtl",
        )
