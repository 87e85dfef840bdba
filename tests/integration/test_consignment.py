"""Consignment on a till: a fair with three cooperatives, dispatch from the shop and
straight from a cooperative, sales and refunds at the stand, a count with missing and
extra goods, explanations, returns, payouts, statements.  The numbers must add up to the
centime, for the scenario and for random fairs (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from coopos.cli import main
from coopos.db.models import Product, Sale
from coopos.domain import consignment as rules
from coopos.domain.errors import StateError, ValidationError
from coopos.printing import statements
from coopos.services import consignment, lookups, refunds, shifts
from coopos.services.checkout import Approver, Checkout

FAIR = "AGA26"
STAND = "STAND-AGA26"


def sell(ctx, user, items, method="cash"):
    checkout = Checkout(ctx, user)
    for sku, qty in items:
        checkout.scan(sku, Decimal(qty) if qty else None)
    checkout.start_payment()
    checkout.add_payment(method, checkout.totals.total)
    return checkout.complete()


@pytest.fixture
def fair(demo, users):
    consignment.create_fair(demo, FAIR, "Foire d'Agadir", "Agadir")
    consignment.dispatch(demo, FAIR, [("SAF-1G", "10"), ("ARG-OIL-100", "5")], "SHOP")
    consignment.dispatch(demo, FAIR, [("AML-250", "6"), ("AML-VRAC", "2.000")], "COOP:TIFAW")
    consignment.dispatch(demo, FAIR, [("CSC-VRAC", "5.000")], "SHOP")
    # the till sells at the stand
    shifts.open_shift(demo, users["Fatima"].id, 0, STAND)
    return demo


def statement_of(ctx, coop):
    with ctx.read() as s:
        return consignment.settlement(s, coop, FAIR)


def recon(ctx, coop=None):
    with ctx.read() as s:
        return consignment.reconciliation(s, FAIR, cooperative=coop)


def stand_sales_total(ctx) -> int:
    with ctx.read() as s:
        stand = lookups.location(s, STAND)
        return s.execute(
            select(func.coalesce(func.sum(Sale.total_cents), 0)).where(Sale.location_id == stand.id)
        ).scalar_one()


def test_a_fair_from_dispatch_to_statements_adds_up(fair, users):
    ctx = fair
    fatima, youssef = users["Fatima"], users["Youssef"]
    first = sell(ctx, fatima, [("SAF-1G", "3"), ("AML-250", None), ("AML-VRAC", "0.500")])
    sell(ctx, fatima, [("ARG-OIL-100", "2"), ("CSC-VRAC", "1.250")], "card")
    refunds.refund(ctx, first.receipt_no, Approver.of(youssef), [("SAF-1G", 1)])
    # Count: one argan oil missing, a saffron box found extra, amlou as expected.
    results = consignment.count_fair(
        ctx,
        FAIR,
        [("SAF-1G", "9"), ("ARG-OIL-100", "2"), ("AML-250", "5"), ("AML-VRAC", "1.500")],
        youssef.id,
    )
    found = {r.sku: r for r in results}
    assert found["SAF-1G"].expected == 8 and found["SAF-1G"].difference == 1
    assert found["ARG-OIL-100"].difference == -1
    assert found["CSC-VRAC"].counted == 0 and found["CSC-VRAC"].expected == Decimal("3.75")

    rows = {r.sku: r for r in recon(ctx).rows}
    saf = rows["SAF-1G"]
    assert (saf.sent, saf.sold, saf.refunded, saf.counted) == (10, 3, 1, 9)
    assert saf.variance == -1  # one more than the books: extra
    assert rows["ARG-OIL-100"].variance == 1 and rows["ARG-OIL-100"].variance_cents == 6000
    assert rows["CSC-VRAC"].variance == Decimal("3.750")  # couscous gone: nobody counted it
    for row in rows.values():  # the variance is the count's difference, product by product
        assert row.variance == -found[row.sku].difference

    # The manager explains the argan oil (a sample), and it stays explained.
    consignment.explain_variance(ctx, FAIR, "ARG-OIL-100", Decimal(1), "sample", youssef.id)
    argan = {r.sku: r for r in recon(ctx).rows}["ARG-OIL-100"]
    assert argan.variance == 1 and argan.explained == 1 and argan.unexplained == 0
    with ctx.read() as s:  # explaining after the count did not take the oil off twice
        from coopos.services.inventory import on_hand

        stand = lookups.location(s, STAND)
        product = lookups.product_by_code(s, "ARG-OIL-100")
        assert on_hand(s, product.id, stand.id) == 2

    # Goods back after the close count: to the shop and to their cooperative.
    consignment.return_goods(ctx, FAIR, [("SAF-1G", "9"), ("ARG-OIL-100", "2")], "SHOP")
    consignment.return_goods(ctx, FAIR, [("AML-250", "5"), ("AML-VRAC", "1.500")], "COOP:TIFAW")
    assert {r.sku: r.variance for r in recon(ctx).rows} == {
        sku: r.variance for sku, r in rows.items()
    }  # the closing returns move what was counted: the reconciliation does not change

    consignment.add_payout(ctx, "TIFAW", 5000, "cash", fair_code=FAIR)
    total = 0
    for coop in ("ASAFU", "TIFAW", "BARAK"):
        st_ = statement_of(ctx, coop)
        assert st_.payable_cents + st_.commission_cents == st_.net_sales_cents
        total += st_.net_sales_cents
    assert total == stand_sales_total(ctx)  # every centime sold at the stand, once
    tifaw = statement_of(ctx, "TIFAW")
    assert tifaw.paid_cents == 5000 and tifaw.balance_cents == tifaw.payable_cents - 5000
    asafu = statement_of(ctx, "ASAFU")
    assert asafu.refunded and asafu.refunds_cents == -4500

    consignment.close_fair(ctx, FAIR)
    with pytest.raises(StateError, match="closed"):
        consignment.dispatch(ctx, FAIR, [("SAF-1G", "1")], "SHOP")


def test_rules_and_refusals(fair, users):
    ctx = fair
    with pytest.raises(StateError, match="Count the stand"):
        consignment.close_fair(ctx, FAIR)
    with pytest.raises(ValidationError, match="do not belong to TIFAW"):
        consignment.dispatch(ctx, FAIR, [("SAF-1G", "1")], "COOP:TIFAW")
    with pytest.raises(ValidationError, match="transfer or cheque number"):
        consignment.add_payout(ctx, "TIFAW", 100, "cheque")
    with pytest.raises(ValidationError):
        consignment.add_payout(ctx, "TIFAW", 0, "cash")
    with pytest.raises(ValidationError, match="already exists"):
        consignment.create_fair(ctx, FAIR, "Again")


def test_commission_rules_apply_when_sold(fair, users):
    ctx = fair
    # TIFAW: 12 % in general, 20 % on amlou above 100 MAD, 8 % below
    consignment.set_commission_rule(ctx, "TIFAW", 1200)
    with ctx.read() as s:
        category = lookups.product_by_code(s, "AML-250").category.code
    consignment.set_commission_rule(ctx, "TIFAW", 800, category=category, tiers=[(10000, 2000)])
    sell(ctx, users["Fatima"], [("AML-250", None), ("ARG-OIL-100", None)])
    st_ = statement_of(ctx, "TIFAW")
    by_sku = {r.sku: r for r in st_.sold}
    assert by_sku["AML-250"].commission_cents == 520  # 8 % of 65.00 (below the tier)
    assert by_sku["ARG-OIL-100"].commission_cents == 720  # 12 % of 60.00
    rule = rules.CommissionRule("X", None, 800, (rules.Tier(10000, 2000),))
    assert rule.rate_for(9999) == 800 and rule.rate_for(10000) == 2000


def test_statement_documents(fair, users, tmp_path, qapp):
    from PySide6.QtGui import QImage

    ctx = fair
    sell(ctx, users["Fatima"], [("AML-250", None), ("ARG-OIL-100", "2")])
    consignment.add_payout(ctx, "TIFAW", 5000, "transfer", "VIR-2026-118", FAIR)
    st_ = statement_of(ctx, "TIFAW")
    code = rules.statement_code(st_, rules.scope_of(FAIR))
    parsed = rules.parse_statement_code(code)
    assert parsed.fair == FAIR and parsed.payable_cents == st_.payable_cents
    with ctx.read() as s:
        shop = consignment.shop_party(s)
        coop = consignment.cooperative_party(s, "TIFAW", "fr")
    for language in ("fr", "ar"):
        pdf = statements.save_statement_pdf(
            st_, tmp_path / f"st-{language}.pdf", shop, coop, language, code
        )
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    csv_text = statements.statement_csv(st_, "fr")
    assert "AML-250" in csv_text and "VIR-2026-118" not in csv_text
    xlsx = statements.save_statement_xlsx(st_, tmp_path / "st.xlsx", "ar")
    from openpyxl import load_workbook

    book = load_workbook(xlsx)
    assert len(book.sheetnames) == 2 and book.active.sheet_view.rightToLeft
    slip = statements.statement_slip(st_, shop, coop, "fr", code)
    assert isinstance(slip, QImage) and slip.width() == 576
    import zxingcpp

    found = [
        b.text
        for b in zxingcpp.read_barcodes(_pil(slip))
        if b.format == zxingcpp.BarcodeFormat.QRCode
    ]
    assert found == [code]


def _pil(image):
    from PIL import Image
    from PySide6.QtGui import QImage

    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    data = bytes(grey.constBits())[: grey.bytesPerLine() * grey.height()]
    return Image.frombytes(
        "L", (grey.width(), grey.height()), data, "raw", "L", grey.bytesPerLine()
    )


def test_cli_fair_and_reports(demo_path, tmp_path, capsys):
    db = ["--db", str(demo_path)]
    assert main([*db, "fair", "create", FAIR, "--name", "Foire d'Agadir"]) == 0
    assert main([*db, "fair", "dispatch", FAIR, "--item", "SAF-1G:4", "--from", "SHOP"]) == 0
    assert "BL-T01-00001" in capsys.readouterr().out
    assert main([*db, "shift", "open", "--user", "Fatima", "--location", STAND]) == 0
    assert main([*db, "sale", "--item", "SAF-1G:2", "--pay", "cash:exact"]) == 0
    assert main([*db, "fair", "count", FAIR, "--item", "SAF-1G:1", "--pin", "250917"]) == 0
    assert main([*db, "payout", "add", "ASAFU", "50", "--method", "cash", "--fair", FAIR]) == 0
    capsys.readouterr()
    assert main([*db, "report", "reconciliation", "--fair", FAIR, "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert '"variance": "1"' in out or '"variance": "1.000"' in out
    assert main([*db, "report", "settlement", "--coop", "ASAFU", "--fair", FAIR]) == 0
    out = capsys.readouterr().out
    assert "COOPOS:S:ASAFU:F=AGA26:" in out and "Balance" in out
    for fmt, name in (("pdf", "s.pdf"), ("xlsx", "s.xlsx"), ("csv", "s.csv"), ("slip", "s.png")):
        target = tmp_path / name
        args = [*db, "report", "settlement", "--coop", "ASAFU", "--fair", FAIR]
        assert main([*args, "--format", fmt, "--output", str(target)]) == 0
        assert target.stat().st_size > 0
    rec = tmp_path / "r.pdf"
    args = [*db, "report", "reconciliation", "--fair", FAIR, "--format", "pdf"]
    assert main([*args, "--output", str(rec), "--lang", "ar"]) == 0
    assert main([*db, "fair", "note", "BL-T01-00001", "--pdf", str(tmp_path / "n.pdf")]) == 0
    assert main([*db, "fair", "close", FAIR]) == 0
    capsys.readouterr()
    # one sentence for a mistake, nothing half-done
    assert main([*db, "report", "settlement", "--coop", "ASAFU"]) == 1
    assert "--fair" in capsys.readouterr().err
    assert main([*db, "fair", "dispatch", "NOPE", "--item", "SAF-1G:1", "--from", "SHOP"]) == 1
    assert "Unknown fair" in capsys.readouterr().err


# -- random fairs -------------------------------------------------------------------------------

SKUS = ["SAF-1G", "ARG-OIL-100", "AML-250", "CSC-VRAC", "SAF-TEA-100", "AML-HON-250"]


@st.composite
def fairs(draw):
    sent = {
        sku: draw(st.integers(1, 6))
        for sku in draw(st.sets(st.sampled_from(SKUS), min_size=1, max_size=4))
    }
    sales = draw(
        st.lists(
            st.lists(
                st.tuples(st.sampled_from(sorted(sent)), st.integers(1, 2)), min_size=1, max_size=3
            ),
            max_size=5,
        )
    )
    refund_first = draw(st.booleans())
    shrink = {sku: draw(st.integers(-1, 1)) for sku in sent}  # missing (+) or extra (-)
    return sent, sales, refund_first, shrink


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=fairs())
def test_random_fairs_keep_the_identities(_demo_template, tmp_path_factory, case):
    from coopos.services.backup import backup
    from coopos.services.context import Context

    sent, sales, refund_first, shrink = case
    path = backup(_demo_template, tmp_path_factory.mktemp("fair") / "till.db")
    ctx = Context.open(path)
    try:
        with ctx.read() as s:
            fatima = lookups.user_by_name(s, "Fatima")
            youssef = lookups.user_by_name(s, "Youssef")
        consignment.create_fair(ctx, FAIR, "Random fair")
        consignment.dispatch(ctx, FAIR, [(k, str(v)) for k, v in sent.items()], "SHOP")
        shifts.open_shift(ctx, fatima.id, 0, STAND)
        receipts = []
        for basket in sales:
            items = [(sku, str(q) if not sku.endswith("VRAC") else f"{q}.250") for sku, q in basket]
            receipts.append(sell(ctx, fatima, items))
        if refund_first and receipts:
            sku = sales[0][0][0]
            refunds.refund(ctx, receipts[0].receipt_no, Approver.of(youssef), [(sku, 1)])
        with ctx.read() as s:
            stand = lookups.location(s, STAND)
            from coopos.services.inventory import on_hand_by_product

            books = {
                s.get(Product, pid).sku: q for pid, q in on_hand_by_product(s, stand.id).items()
            }
        counted = [(sku, str(max(Decimal(0), books.get(sku, 0) - shrink[sku]))) for sku in sent]
        results = {r.sku: r for r in consignment.count_fair(ctx, FAIR, counted, youssef.id)}
        for row in recon(ctx).rows:
            assert row.variance == -results[row.sku].difference
        total = 0
        for coop in {r.cooperative for r in recon(ctx).rows}:
            st_ = statement_of(ctx, coop)
            assert st_.payable_cents + st_.commission_cents == st_.net_sales_cents
            total += st_.net_sales_cents
        assert total == stand_sales_total(ctx)
    finally:
        ctx.close()
