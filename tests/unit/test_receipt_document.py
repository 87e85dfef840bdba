"""The receipt document (what is printed, before any drawing) and its signed QR code."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from coopos.db.models import Product, Sale, SaleVat
from coopos.domain.vat import vat_breakdown
from coopos.i18n import current_language
from coopos.printing import qr
from coopos.printing.document import build_receipt
from coopos.services import refunds, settings
from coopos.services.checkout import Approver, Checkout

SECRET = "9f2c" * 16


def sell(
    ctx,
    user,
    items,
    payments=(("cash", None),),
    location=None,
    order_discount=0,
    line_discounts=None,
    approver=None,
):
    checkout = Checkout(ctx, user, location)
    for code, qty in items:
        checkout.scan(code, qty)
    for index, amount in (line_discounts or {}).items():
        checkout.set_line_discount(checkout.lines[index].line_id, amount, approver)
    if order_discount:
        checkout.set_order_discount(order_discount, approver)
    checkout.start_payment()
    for method, amount in payments:
        if amount is None:
            checkout.pay_exact(method)
        else:
            checkout.add_payment(method, amount)
    return checkout.complete()


def receipt_of(ctx, receipt_no, language="en"):
    with ctx.read() as s:
        return build_receipt(s, receipt_no, language)


@pytest.fixture
def basket(demo, users, open_shift):
    """2 argan oils (60.00, VAT 10 %), a saffron (45.00, VAT 20 %), 1.250 kg of couscous
    (22.00 a kg, VAT 0 %): 192.50, paid 50.00 by card and 200.00 in cash."""
    return sell(
        demo,
        users["Fatima"],
        [("ARG-OIL-100", 2), ("SAF-1G", None), ("CSC-VRAC", "1.250")],
        payments=[("card", 5000), ("cash", 20000)],
    )


def test_receipt_lines_totals_and_shop_header(demo, basket):
    receipt = receipt_of(demo, basket.receipt_no)
    assert receipt.receipt_no == "T01-000001" and receipt.kind == "sale"
    assert receipt.title == "Receipt" and receipt.refund_of is None and not receipt.is_refund
    assert [(i.label, i.value) for i in receipt.info] == [
        ("Receipt", "T01-000001"),
        ("Time", "20/11/2026, 10:00"),
        ("Seller", "Fatima"),
    ]
    assert receipt.shop.name == "Boutique solidaire Tamount"
    assert receipt.shop.ice == "002345678000019"
    assert [(i.label, i.value) for i in receipt.shop.identifiers] == [
        ("ICE", "002345678000019"),
        ("IF", "45123456"),
        ("TP", "48765432"),
        ("ODCO no.", "2019/AGA/1187"),
    ]
    assert "002345678000019" in receipt.shop.identifiers_text
    # isolated (FSI..PDI) so that an Arabic receipt keeps the number's groups in order
    assert (
        receipt.shop.phone_text
        == "\u2068Phone:\u00a0\u2068+212\u00a05\u00a028\u00a084\u00a012\u00a034\u2069\u2069"
    )
    assert receipt.seller == "Fatima"
    assert receipt.fair is None
    assert receipt.date_text == "20/11/2026, 10:00"
    assert receipt.footer.startswith("Merci")

    lines = [
        (ln.sku, ln.name, ln.quantity, ln.unit_price_cents, ln.amount_cents, ln.cooperative_code)
        for ln in receipt.lines
    ]
    assert lines == [
        ("ARG-OIL-100", "Culinary argan oil 100 ml", Decimal(2), 6000, 12000, "TIFAW"),
        ("SAF-1G", "Pure Taliouine saffron 1 g", Decimal(1), 4500, 4500, "ASAFU"),
        ("CSC-VRAC", "Beldi couscous, bulk", Decimal("1.250"), 2200, 2750, "BARAK"),
    ]
    weighed = receipt.lines[2]
    assert weighed.weighed and weighed.quantity_text == "1.250\u00a0kg"
    assert weighed.detail_text == "1.250\u00a0kg × 22.00\u00a0MAD"
    assert receipt.lines[0].quantity_text == "2" and not receipt.lines[0].weighed
    assert receipt.items_text == "3 items"
    assert receipt.total.cents == 19250 and receipt.total.text == "192.50\u00a0MAD"
    assert receipt.line_discounts is None and receipt.order_discount is None


def test_vat_breakdown_is_the_sales_own(demo, basket):
    receipt = receipt_of(demo, basket.receipt_no)
    with demo.read() as s:
        sale = s.execute(select(Sale).where(Sale.receipt_no == basket.receipt_no)).scalar_one()
        stored = s.execute(select(SaleVat).where(SaleVat.sale_id == sale.id)).scalars().all()
    assert [(v.rate, v.gross_cents, v.vat_cents) for v in receipt.vat] == [
        (v.rate, v.gross_cents, v.vat_cents) for v in stored
    ]
    assert [v.rate for v in receipt.vat] == [0, 10, 20]
    assert receipt.vat_total.cents == sum(v.vat_cents for v in stored) == 1091 + 750
    assert sum(v.gross_cents for v in receipt.vat) == receipt.total.cents
    for row in receipt.vat:
        assert row.net_cents + row.vat_cents == row.gross_cents
    # and the figures agree with an independent breakdown of the printed lines
    expected = vat_breakdown((ln.vat_rate, ln.amount_cents) for ln in receipt.lines)
    assert [(v.rate, v.vat) for v in expected] == [(v.rate, v.vat_cents) for v in receipt.vat]
    assert receipt.vat[1].rate_text == "10%" and receipt.vat[1].vat_text == "10.91"


def test_payments_tendered_and_change(demo, basket):
    receipt = receipt_of(demo, basket.receipt_no)
    card, cash = receipt.payments
    assert (card.method, card.label, card.amount_cents, card.tendered) == (
        "card",
        "Card",
        5000,
        None,
    )
    assert (cash.method, cash.label, cash.amount_cents) == ("cash", "Cash", 19250 - 5000)
    assert cash.tendered is not None and cash.tendered.cents == 20000
    assert receipt.change is not None and receipt.change.cents == 20000 + 5000 - 19250
    assert receipt.change.text == "57.50\u00a0MAD"
    assert sum(p.amount_cents for p in receipt.payments) == receipt.total.cents


def test_exact_payment_shows_no_change(demo, users, open_shift):
    result = sell(demo, users["Fatima"], [("SAF-1G", None)], payments=[("card", None)])
    receipt = receipt_of(demo, result.receipt_no)
    assert receipt.change is None
    assert [(p.label, p.amount_text, p.tendered) for p in receipt.payments] == [
        ("Card", "45.00\u00a0MAD", None)
    ]


def test_discounts_on_lines_and_on_the_sale(demo, users, open_shift):
    manager = Approver.of(users["Youssef"])
    result = sell(
        demo,
        users["Fatima"],
        [("SAF-10G", None), ("ARG-OIL-100", 1)],
        line_discounts={0: 2000},
        order_discount=500,
        approver=manager,
    )
    receipt = receipt_of(demo, result.receipt_no)
    saffron = receipt.lines[0]
    assert saffron.gross_cents == 38000 and saffron.discount_cents == 2000
    assert saffron.amount_cents == 36000
    assert saffron.discount is not None and saffron.discount.cents == -2000
    # the subtotal is what the amounts column adds up to (line discounts included)
    column = sum(ln.gross_cents for ln in receipt.lines) + sum(
        ln.discount.cents for ln in receipt.lines if ln.discount
    )
    assert receipt.subtotal.cents == 38000 + 6000 - 2000 == column
    assert receipt.line_discounts is not None and receipt.line_discounts.cents == -2000
    assert receipt.order_discount is not None and receipt.order_discount.cents == -500
    assert receipt.order_discount.label == "Discount"
    assert receipt.total.cents == receipt.subtotal.cents - 500 == result.total


def test_refund_is_marked_and_names_the_original(demo, users, basket):
    refund = refunds.refund(demo, basket.receipt_no, Approver.of(users["Youssef"]), [("SAF-1G", 1)])
    receipt = receipt_of(demo, refund.receipt_no)
    assert receipt.kind == "refund" and receipt.is_refund
    assert receipt.title == "Refund"  # printed upper case on a black band
    assert receipt.refund_of == basket.receipt_no == "T01-000001"
    assert receipt.refund_note == "Refund of receipt T01-000001"
    assert [(ln.sku, ln.quantity, ln.amount_cents) for ln in receipt.lines] == [
        ("SAF-1G", Decimal(-1), -4500)
    ]
    assert receipt.total.cents == -4500 == refund.total
    assert sum(p.amount_cents for p in receipt.payments) == -4500
    assert receipt.vat_total.cents == -750
    # the sale's own receipt is not marked
    assert receipt_of(demo, basket.receipt_no).refund_note is None


def test_fair_stand_names_the_fair(demo, users, open_shift):
    result = sell(demo, users["Fatima"], [("SAF-1G", None)], location="SIAM-STAND")
    receipt = receipt_of(demo, result.receipt_no)
    assert receipt.fair == "Salon International de l'Agriculture au Maroc"
    assert ("Stand", "Stand SIAM") in [(i.label, i.value) for i in receipt.info]


def test_language_is_the_receipts_and_is_restored(demo, basket):
    assert current_language() == "en"
    arabic = receipt_of(demo, basket.receipt_no, "ar")
    assert current_language() == "en"
    assert arabic.language == "ar" and arabic.direction == "rtl" and arabic.rtl
    assert arabic.lines[0].name == "زيت أركان غذائي 100 مل"
    assert "د.م." in arabic.total.text and "192,50" in arabic.total.text
    french = receipt_of(demo, basket.receipt_no, "fr")
    assert french.direction == "ltr"
    assert french.lines[0].name == "Huile d'argan alimentaire 100 ml"
    assert french.lines[2].quantity_text.startswith("1,250")
    assert french.total.text == "192,50\u00a0MAD"
    # without a language, the shop's (fr in the demo)
    with demo.read() as s:
        assert build_receipt(s, basket.receipt_no).language == "fr"
    assert current_language() == "en"


def test_arabic_digits_follow_the_shop_setting(demo, basket):
    from coopos.i18n import formats

    with demo.write() as uow:
        settings.put(uow.session, "arabic_digits", True)
    arabic = receipt_of(demo, basket.receipt_no, "ar")
    assert "١٩٢" in arabic.total.text and "192" not in arabic.total.text
    assert arabic.vat[1].vat_text == "١٠٫٩١"
    assert "١٠" in arabic.vat[1].rate_text
    french = receipt_of(demo, basket.receipt_no, "fr")
    assert french.total.text == "192,50\u00a0MAD"  # only Arabic uses them
    assert "1" in formats.format_money(100, "ar")  # the process setting is restored


def test_a_renamed_product_prints_the_name_that_was_sold(demo, basket):
    with demo.write() as uow:
        product = uow.session.execute(
            select(Product).where(Product.sku == "ARG-OIL-100")
        ).scalar_one()
        product.name_en = "Argan oil, new label"
        product.name_fr = "Huile d'argan, nouvelle étiquette"
    receipt = receipt_of(demo, basket.receipt_no, "fr")
    assert receipt.lines[0].name == "Culinary argan oil 100 ml"  # the snapshot


def test_header_and_footer_come_from_settings(demo, basket):
    with demo.write() as uow:
        settings.put(uow.session, "receipt.header", "Foire bio d'Agadir")
        settings.put(uow.session, "receipt.footer", "Échange sous 7 jours")
    receipt = receipt_of(demo, basket.receipt_no)
    assert (receipt.header, receipt.footer) == ("Foire bio d'Agadir", "Échange sous 7 jours")


def test_qr_payload_names_the_sale_and_verifies(demo, basket):
    receipt = receipt_of(demo, basket.receipt_no)
    with demo.read() as s:
        secret = settings.get(s, "receipt.secret")
    assert re.fullmatch(r"COOPOS:R:[0-9A-F]{32}:[A-Z2-7]{16}", receipt.qr_payload)
    assert qr.verify(secret, receipt.qr_payload) == basket.uuid == receipt.sale_uuid
    assert qr.verify(SECRET, receipt.qr_payload) is None  # another shop's secret


# -- QR signing -----------------------------------------------------------------------------

UUID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def test_sign_and_verify_round_trip():
    text = qr.sign(SECRET, UUID)
    assert text.startswith("COOPOS:R:0F1E2D3C4B5A69788796A5B4C3D2E1F0:")
    assert len(text.split(":")[3]) == 16
    assert qr.verify(SECRET, text) == UUID
    assert qr.verify(SECRET, text.lower()) == UUID  # case does not matter to a scanner
    assert qr.verify(SECRET, f"  {text}\n") == UUID
    assert qr.sign(SECRET, UUID) == text  # deterministic


def flip(char: str) -> str:
    return "A" if char != "A" else "B"


def test_a_tampered_signature_or_id_is_refused():
    text = qr.sign(SECRET, UUID)
    head, signature = text.rsplit(":", 1)
    for i in range(len(signature)):
        forged = signature[:i] + flip(signature[i]) + signature[i + 1 :]
        assert qr.verify(SECRET, f"{head}:{forged}") is None
    other_id = "1" + UUID[1:]
    assert qr.verify(SECRET, text.replace(UUID.upper(), other_id.upper())) is None
    # a signature that is genuine for another sale does not vouch for this one
    assert qr.verify(SECRET, f"COOPOS:R:{other_id.upper()}:{signature}") is None


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "COOPOS:R:",
        "hello",
        f"COOPOS:X:{UUID}:AAAAAAAAAAAAAAAA",
        f"COOPOS:R:{UUID}",
        f"COOPOS:R:{UUID[:-1]}:AAAAAAAAAAAAAAAA",
        f"COOPOS:R:{UUID}:AAAAAAAAAAAAAAA1",
        f"COOPOS:R:{UUID}:AAAAAAAAAAAAAAAA:extra",
    ],
)
def test_junk_is_refused(junk):
    assert qr.verify(SECRET, junk) is None


def test_no_secret_verifies_nothing():
    assert qr.verify("", qr.sign(SECRET, UUID)) is None
    with pytest.raises(ValueError):
        qr.sign("", UUID)


def test_qr_matrix_is_small_and_square():
    modules = qr.matrix(qr.sign(SECRET, UUID), border=4)
    # alphanumeric mode keeps it at version 3 (29 modules) + 2 x 4 quiet modules
    assert len(modules) == 37 and all(len(row) == 37 for row in modules)
    assert not any(modules[0]) and not any(row[0] for row in modules)
    assert any(any(row) for row in modules)
