"""A receipt as a document: what is printed, independent of how it is drawn.

:func:`build_receipt` reads a completed sale (or refund) and returns plain dataclasses
whose texts are already translated and formatted in the receipt's language, with the raw
figures (centimes, quantities) kept next to them for tests and other renderers.  No Qt
here: ``coopos.printing.render`` draws a :class:`Receipt`; another renderer (an e-mail,
a screen preview) could draw the same one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from babel.numbers import format_decimal, format_percent

from coopos.domain.catalog import sold_name, unit_label
from coopos.domain.errors import StateError
from coopos.domain.quantity import from_milli
from coopos.domain.sale import PaymentMethod
from coopos.i18n import (
    N_,
    _,
    current_language,
    formats,
    ngettext,
    thread_language,
)
from coopos.printing import qr

if TYPE_CHECKING:  # the till's database is read only by build_receipt: the pure parts
    # (languages, amounts) serve the server's documents too
    from sqlalchemy.orm import Session

    from coopos.db.models import Product, Sale

RTL_LANGUAGES = frozenset({"ar"})


@contextmanager
def in_language(language: str | None) -> Iterator[str]:
    """Translate in ``language`` (default: the current one) for the duration of the block,
    in this thread only."""
    with thread_language(language or current_language()) as wanted:
        yield wanted


def direction_of(language: str) -> str:
    return "rtl" if language in RTL_LANGUAGES else "ltr"


@dataclass(frozen=True)
class Labelled:
    """A label and its value on one row (``ICE`` / ``002345678000019``)."""

    label: str
    value: str


@dataclass(frozen=True)
class Amount:
    """A labelled amount: subtotal, discounts, total, change."""

    label: str
    cents: int
    text: str


@dataclass(frozen=True)
class Shop:
    name: str
    address: str
    phone: str
    ice: str
    if_number: str
    tp: str
    odco: str
    # The legal identifiers that are set, labelled in the receipt's language.
    identifiers: list[Labelled] = field(default_factory=list)
    phone_text: str = ""  # "Phone: +212 ..."
    identifiers_text: str = ""  # "ICE: 0023...   IF: 4512...", wrapped between pairs


@dataclass(frozen=True)
class ReceiptLine:
    line_no: int
    sku: str
    name: str
    cooperative_code: str
    quantity: Decimal  # negative on a refund
    unit: str  # piece, kg, g, l, ml
    weighed: bool
    unit_price_cents: int
    gross_cents: int  # quantity x unit price
    discount_cents: int  # line discount (order discounts are shown under the subtotal)
    amount_cents: int  # gross - line discount
    vat_rate: int
    quantity_text: str  # "2" or "1,250 kg"
    detail_text: str  # "2 × 60,00 MAD", "1,250 kg × 22,00 MAD"
    amount_text: str  # of the gross; the line discount is shown under it
    discount: Amount | None = None


@dataclass(frozen=True)
class VatRow:
    rate: int
    net_cents: int  # excluding VAT
    vat_cents: int
    gross_cents: int  # including VAT
    rate_text: str
    net_text: str
    vat_text: str
    gross_text: str


@dataclass(frozen=True)
class PaymentRow:
    method: str
    label: str
    amount_cents: int  # what it settled
    tendered_cents: int  # what was handed over (more than amount for cash with change)
    reference: str
    amount_text: str
    tendered: Amount | None = None  # only for cash that got change


@dataclass(frozen=True)
class Receipt:
    language: str
    direction: str  # "rtl" or "ltr"
    sale_uuid: str
    receipt_no: str
    kind: str  # sale or refund
    title: str  # "Receipt" or "Refund" (printed as a banner on refunds)
    refund_of: str | None  # the original receipt number, on a refund
    refund_note: str | None  # "Refund of receipt T01-000001"
    shop: Shop
    fair: str | None  # when sold on a fair's stand
    header: str
    footer: str
    created_local: str
    date_text: str
    seller: str
    info: list[Labelled]  # receipt number, date and time, seller, stand
    lines: list[ReceiptLine]
    items_text: str  # "3 items"
    # The lines' amounts less their discounts (what the amounts column adds up to), then
    # the discount on the whole sale, then the total.
    subtotal: Amount
    order_discount: Amount | None
    line_discounts: Amount | None  # their sum, for other renderers (shown line by line)
    total: Amount
    vat_title: str
    vat_headers: tuple[str, str, str, str]  # rate, excl. VAT, VAT, incl. VAT
    vat: list[VatRow]
    vat_total: Amount
    payments_title: str
    payments: list[PaymentRow]
    change: Amount | None
    qr_payload: str
    qr_caption: str
    duplicate: int = 0  # 0: the original; n: the n-th duplicate (a reprint)
    duplicate_text: str = ""  # "DUPLICATE 2", in the receipt's language

    @property
    def is_refund(self) -> bool:
        return self.kind == "refund"

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"


def money(cents: int, language: str) -> str:
    return formats.format_money(cents, language)


def _digits(text: str, language: str) -> str:
    """Arabic-Indic digits when the shop chose them (as ``coopos.i18n.formats`` does)."""
    convert = getattr(formats, "_digits", None)
    return convert(text, language) if convert else text


def number(cents: int, language: str) -> str:
    """An amount without its currency, for table cells: ``1 234,50``."""
    text = format_decimal(
        Decimal(cents) / 100,
        format="#,##0.00",
        locale=formats.locale_of(language),
        numbering_system=formats._numbering(language),
    )
    return _digits(text, language)


def percent(rate: int, language: str) -> str:
    text = format_percent(
        Decimal(rate) / 100,
        locale=formats.locale_of(language),
        numbering_system=formats._numbering(language),
    )
    return _digits(text, language)


@contextmanager
def arabic_digits(on: bool) -> Iterator[None]:
    """Arabic-Indic digits (setting ``arabic_digits``) for the block, then as before."""
    previous = bool(getattr(formats, "_arabic_digits", False))
    formats.use_arabic_digits(on)
    try:
        yield
    finally:
        formats.use_arabic_digits(previous)


def _line_name(snapshot: str, product: Product | None, language: str) -> str:
    """The product's name in the receipt's language while the catalog still has the name
    that was sold (in any language); after a rename, the name that was sold."""
    if product is None:
        return snapshot
    return sold_name(snapshot, product.names, product.sku, language)


FSI, PDI = "\u2068", "\u2069"  # Unicode "first strong isolate" and its end


def isolate(text: str) -> str:
    """Text that keeps its own direction inside another: a phone number's groups stay in
    order in an Arabic sentence (``+212 5 28 84 12 34``, not ``34 12 84 28 5 212+``)."""
    return f"{FSI}{text}{PDI}" if text else text


def labelled(label: str, value: str) -> str:
    """``ICE: 002345678000019`` on one line (no-break spaces), isolated, and its value
    isolated, so that each pair and each value reads in its own direction."""
    # TRANSLATORS: a shop's detail on a receipt, e.g. "ICE: 002345678000019"
    text = _("{label}: {value}", label=label, value=isolate(value))
    return isolate(text.replace(" ", "\u00a0"))


def _shop(values: dict, language: str) -> Shop:
    identifiers = []
    for key, label in (
        ("shop.ice", N_("ICE")),
        ("shop.if", N_("IF")),
        ("shop.tp", N_("TP")),
        ("shop.odco", N_("ODCO no.")),
    ):
        value = str(values.get(key) or "").strip()
        if value:
            identifiers.append(Labelled(_(label), value))
    phone = str(values.get("shop.phone") or "").strip()
    return Shop(
        name=str(values.get("shop.name") or "").strip(),
        address=str(values.get("shop.address") or "").strip(),
        phone=phone,
        ice=str(values.get("shop.ice") or "").strip(),
        if_number=str(values.get("shop.if") or "").strip(),
        tp=str(values.get("shop.tp") or "").strip(),
        odco=str(values.get("shop.odco") or "").strip(),
        identifiers=identifiers,
        phone_text=labelled(_("Phone"), phone) if phone else "",
        identifiers_text="   ".join(labelled(i.label, i.value) for i in identifiers),
    )


def _lines(session: Session, sale: Sale, language: str) -> list[ReceiptLine]:
    from sqlalchemy import select

    from coopos.db.models import Product

    ids = {line.product_id for line in sale.lines}
    products = {
        p.id: p for p in session.execute(select(Product).where(Product.id.in_(ids))).scalars()
    }
    rows = []
    for line in sale.lines:
        qty = from_milli(line.quantity_milli)
        weighed = line.unit != "piece"
        qty_text = formats.format_qty(qty, language)
        if weighed:
            qty_text = f"{qty_text}\u00a0{unit_label(line.unit)}"
        amount = line.gross_cents - line.line_discount_cents
        discount = None
        if line.line_discount_cents:
            discount = Amount(
                _("Discount"),
                -line.line_discount_cents,
                money(-line.line_discount_cents, language),
            )
        rows.append(
            ReceiptLine(
                line_no=line.line_no,
                sku=line.sku,
                name=_line_name(line.name, products.get(line.product_id), language),
                cooperative_code=line.cooperative_code,
                quantity=qty,
                unit=line.unit,
                weighed=weighed,
                unit_price_cents=line.unit_price_cents,
                gross_cents=line.gross_cents,
                discount_cents=line.line_discount_cents,
                amount_cents=amount,
                vat_rate=line.vat_rate,
                quantity_text=qty_text,
                detail_text=f"{qty_text} × {money(line.unit_price_cents, language)}",
                amount_text=money(line.gross_cents, language),
                discount=discount,
            )
        )
    return rows


def _payments(sale: Sale, language: str) -> list[PaymentRow]:
    rows = []
    for payment in sale.payments:
        try:
            method = PaymentMethod(payment.method)
            label = method.label
        except ValueError:
            label = payment.method
        tendered = None
        if payment.method == PaymentMethod.CASH and payment.tendered_cents != payment.amount_cents:
            tendered = Amount(
                _("Cash given by the customer"),
                payment.tendered_cents,
                money(payment.tendered_cents, language),
            )
        rows.append(
            PaymentRow(
                method=payment.method,
                label=label,
                amount_cents=payment.amount_cents,
                tendered_cents=payment.tendered_cents,
                reference=payment.reference or "",
                amount_text=money(payment.amount_cents, language),
                tendered=tendered,
            )
        )
    return rows


def build_receipt(
    session: Session, receipt_no: str, language: str | None = None, duplicate: int = 0
) -> Receipt:
    """The receipt of a completed sale or refund, in ``language`` (default: the shop's);
    ``duplicate``: the copy number of a reprint (0 for the original)."""
    from coopos.services import settings
    from coopos.services.checkout import load_sale

    sale = load_sale(session, receipt_no)
    values = settings.get_all(session)
    secret = str(values.get("receipt.secret") or "")
    if not secret:
        raise StateError(
            _("This database has no receipt secret: receipts cannot be signed. Restore a backup.")
        )
    with (
        in_language(language or values.get("language") or "fr") as lang,
        arabic_digits(bool(values.get("arabic_digits"))),
    ):
        receipt = _build(session, sale, values, secret, lang)
        if duplicate:
            # TRANSLATORS: printed in large capitals on a reprinted receipt
            text = _("DUPLICATE {number}", number=duplicate)
            receipt = replace(receipt, duplicate=duplicate, duplicate_text=text)
        return receipt


def _build(session: Session, sale: Sale, values: dict, secret: str, lang: str) -> Receipt:
    shop = _shop(values, lang)
    location = sale.location
    fair = None
    if location is not None and location.kind == "stand" and location.fair is not None:
        fair = location.fair.name
    refund = sale.kind == "refund"
    refund_of = sale.refund_of.receipt_no if refund and sale.refund_of is not None else None
    date_text = formats.format_local_time(sale.created_local, lang)
    seller = sale.seller.name if sale.seller is not None else ""
    info = [
        Labelled(_("Receipt"), sale.receipt_no),
        Labelled(_("Time"), date_text),
        Labelled(_("Seller"), seller),
    ]
    if location is not None and location.kind == "stand":
        info.append(Labelled(_("Stand"), location.name))
    lines = _lines(session, sale, lang)
    count = len(lines)
    line_discounts = sale.discount_cents - sale.order_discount_cents
    vat = [
        VatRow(
            rate=row.rate,
            net_cents=row.gross_cents - row.vat_cents,
            vat_cents=row.vat_cents,
            gross_cents=row.gross_cents,
            rate_text=percent(row.rate, lang),
            net_text=number(row.gross_cents - row.vat_cents, lang),
            vat_text=number(row.vat_cents, lang),
            gross_text=number(row.gross_cents, lang),
        )
        for row in sale.vat
    ]
    vat_cents = sum(row.vat_cents for row in sale.vat)

    def amount(label: str, cents: int) -> Amount:
        return Amount(label, cents, money(cents, lang))

    return Receipt(
        language=lang,
        direction=direction_of(lang),
        sale_uuid=sale.uuid,
        receipt_no=sale.receipt_no,
        kind=sale.kind,
        title=_("Refund") if refund else _("Receipt"),
        refund_of=refund_of,
        refund_note=(_("Refund of receipt {receipt}", receipt=refund_of) if refund_of else None),
        shop=shop,
        fair=fair,
        header=str(values.get("receipt.header") or "").strip(),
        footer=str(values.get("receipt.footer") or "").strip(),
        created_local=sale.created_local,
        date_text=date_text,
        seller=seller,
        info=info,
        lines=lines,
        items_text=ngettext("{n} item", "{n} items", count),
        subtotal=amount(_("Subtotal"), sale.gross_cents - line_discounts),
        order_discount=(
            amount(_("Discount"), -sale.order_discount_cents) if sale.order_discount_cents else None
        ),
        line_discounts=amount(_("Discounts"), -line_discounts) if line_discounts else None,
        total=amount(_("Total"), sale.total_cents),
        vat_title=_("VAT"),
        vat_headers=(_("Rate"), _("Excl. VAT"), _("VAT"), _("Incl. VAT")),
        vat=vat,
        vat_total=amount(_("Total VAT"), vat_cents),
        payments_title=_("Paid back") if refund else _("Payment"),
        payments=_payments(sale, lang),
        change=amount(_("Change"), sale.change_cents) if sale.change_cents else None,
        qr_payload=qr.sign(secret, sale.uuid),
        qr_caption=sale.receipt_no,
    )


__all__ = [
    "Amount",
    "Labelled",
    "PaymentRow",
    "Receipt",
    "ReceiptLine",
    "Shop",
    "VatRow",
    "build_receipt",
    "direction_of",
    "in_language",
]
