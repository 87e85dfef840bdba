"""Print a saved receipt: document -> 1-bit image -> ESC/POS -> printer.

Used by ``coopos print`` and by the print queue (:mod:`coopos.printing.queue`) that the
desktop app drains on a worker thread.  Printing only reads the database: a printer that
fails never touches the sale, which can be printed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from coopos.domain.errors import ValidationError
from coopos.i18n import _
from coopos.printing import escpos, qr, render
from coopos.printing.document import Receipt, build_receipt, in_language
from coopos.printing.printers import open_printer, profile_width
from coopos.services import settings
from coopos.services.context import Context


@dataclass(frozen=True)
class PrinterConfig:
    """The receipt printer as the settings describe it."""

    uri: str = ""
    width: int = render.WIDTH_80MM
    band_rows: int = escpos.DEFAULT_BAND_ROWS
    cut: bool = True
    drawer_pin: int = 2
    drawer_on_cash: bool = True
    language: str = ""  # receipts' language; empty: the shop's

    @classmethod
    def from_settings(cls, session: Session) -> PrinterConfig:
        values = settings.get_all(session)
        profile = str(values.get("printer.profile") or "").strip()
        width = (profile_width(profile) if profile else None) or int(values["printer.width"])
        return cls(
            uri=str(values.get("printer.uri") or "").strip(),
            width=width,
            band_rows=int(values["printer.band_rows"]),
            cut=bool(values["printer.cut"]),
            drawer_pin=int(values["printer.drawer_pin"]),
            drawer_on_cash=bool(values["printer.drawer_on_cash"]),
            language=str(values.get("receipt.language") or values.get("language") or ""),
        )

    @classmethod
    def load(cls, ctx: Context) -> PrinterConfig:
        with ctx.read() as session:
            return cls.from_settings(session)


@dataclass(frozen=True)
class PrintResult:
    receipt_no: str
    printer: str
    bytes_sent: int


def load_receipt(ctx: Context, receipt_no: str, language: str | None = None) -> Receipt:
    with ctx.read() as session:
        return build_receipt(session, receipt_no, language)


def is_receipt_qr(text: str) -> bool:
    return text.strip().upper().startswith(qr.PREFIX)


def receipt_from_qr(session: Session, text: str) -> str:
    """The receipt number a scanned receipt QR names; one sentence if it is not genuine
    or its sale is not on this till."""
    from sqlalchemy import select

    from coopos.db.models import Sale

    sale_uuid = qr.verify(str(settings.get(session, "receipt.secret") or ""), text)
    if sale_uuid is None:
        raise ValidationError(_("This QR code was not issued by this shop, or it was altered."))
    receipt = session.execute(select(Sale.receipt_no).where(Sale.uuid == sale_uuid)).scalar()
    if receipt is None:
        raise ValidationError(
            _("This QR code is genuine but its sale is not in this database (another till?).")
        )
    return receipt


def receipt_job(
    receipt: Receipt,
    width_dots: int = render.WIDTH_80MM,
    band_rows: int = escpos.DEFAULT_BAND_ROWS,
    drawer_pin: int | None = None,
) -> bytes:
    image = render.render_receipt(receipt, width_dots)
    return escpos.encode_job(image, band_rows=band_rows, drawer_pin=drawer_pin)


def print_receipt(
    ctx: Context,
    receipt_no: str,
    printer_uri: str,
    language: str | None = None,
    width_dots: int = render.WIDTH_80MM,
    drawer_pin: int | None = None,
) -> PrintResult:
    """Render and send one receipt; raises ``PrinterError`` if the printer fails."""
    printer = open_printer(printer_uri)  # a bad URI fails before any work
    receipt = load_receipt(ctx, receipt_no, language)
    job = receipt_job(receipt, width_dots, drawer_pin=drawer_pin)
    printer.send(job)
    return PrintResult(receipt.receipt_no, printer.uri, len(job))


def build_test_page(ctx: Context | None, printer_label: str, language: str | None = None):
    """The printer test page's content (the shop's name when a database is given)."""
    shop_name, shop_language = "", "fr"
    if ctx is not None:
        with ctx.read() as s:
            shop_name = str(settings.get(s, "shop.name") or "")
            shop_language = str(settings.get(s, "language") or "fr")
    with in_language(language or shop_language) as lang:
        return render.PrinterTestPage(lang, shop_name, printer_label, datetime.now())


def print_test_page(
    ctx: Context | None,
    printer_uri: str,
    language: str | None = None,
    width_dots: int = render.WIDTH_80MM,
) -> PrintResult:
    printer = open_printer(printer_uri)
    page = build_test_page(ctx, printer.uri, language)
    job = escpos.encode_job(render.render_test_page(page, width_dots))
    printer.send(job)
    return PrintResult("", printer.uri, len(job))


def save_receipt_file(
    ctx: Context,
    receipt_no: str,
    path: str | Path,
    language: str | None = None,
    width_dots: int = render.WIDTH_80MM,
) -> Path:
    """The receipt as a PNG or a PDF, chosen by the file's extension."""
    receipt = load_receipt(ctx, receipt_no, language)
    path = Path(path)
    if path.suffix.lower() == ".pdf":
        return render.save_pdf(receipt, path, width_dots)
    return render.save_png(receipt, path, width_dots)
