"""The checkout state machine on the demo shop (real SQLite files, no mocks)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from coopos.db.models import AuditEntry, Sale, SaleLine, SalePayment
from coopos.domain.errors import PermissionDenied, StateError, ValidationError
from coopos.domain.sale import Payment, PaymentMethod
from coopos.services import inventory, shifts
from coopos.services.checkout import Approver, Checkout, CheckoutState

ARGAN_100 = "6111042001017"  # ARG-OIL-100, 60.00 MAD, VAT 10 %, sold by the piece
BULK_COUSCOUS = "CSC-VRAC"  # 22.00 MAD per kg, VAT 0 %

TABLES = ("sales", "sale_lines", "sale_payments", "sale_vat", "stock_movements", "outbox")


def row_counts(ctx) -> dict[str, int]:
    with ctx.read() as s:
        counts = {t: s.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in TABLES}
        counts["audit_log"] = s.execute(text("SELECT COUNT(*) FROM audit_log")).scalar()
        counts["receipt_seq"] = s.execute(
            text("SELECT COALESCE(MAX(last_value), 0) FROM sequences WHERE name = 'receipt:T01'")
        ).scalar()
    return counts


def audit_entries(ctx, action: str) -> list[AuditEntry]:
    with ctx.read() as s:
        return list(
            s.execute(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
            ).scalars()
        )


@pytest.fixture
def seller(users):
    return users["Fatima"]


@pytest.fixture
def manager(users):
    return users["Youssef"]


# -- illegal transitions ----------------------------------------------------------------------


def test_new_checkout_is_an_empty_cart(demo, seller):
    checkout = Checkout(demo, seller)
    assert checkout.state is CheckoutState.CART
    assert checkout.lines == []
    assert checkout.totals.total == 0


def test_pay_before_start_payment(demo, seller, open_shift):
    checkout = Checkout(demo, seller)
    checkout.scan(ARGAN_100)
    with pytest.raises(StateError):
        checkout.add_payment(PaymentMethod.CASH, 6000)
    with pytest.raises(StateError):
        checkout.pay_exact()
    assert checkout.payments == []
    assert checkout.state is CheckoutState.CART


def test_scan_during_payment(demo, seller, open_shift):
    checkout = Checkout(demo, seller)
    checkout.scan(ARGAN_100)
    checkout.start_payment()
    with pytest.raises(StateError):
        checkout.scan(ARGAN_100)
    assert len(checkout.lines) == 1
    assert checkout.lines[0].quantity == 1
    assert checkout.totals.total == 6000


def test_cart_changes_refused_during_payment(demo, seller, manager, open_shift):
    checkout = Checkout(demo, seller)
    line = checkout.scan(ARGAN_100)
    checkout.start_payment()
    with pytest.raises(StateError):
        checkout.set_quantity(line.line_id, "3")
    with pytest.raises(StateError):
        checkout.remove_line(line.line_id)
    with pytest.raises(StateError):
        checkout.set_line_discount(line.line_id, 100, Approver.of(manager))
    with pytest.raises(StateError):
        checkout.set_order_discount(100, Approver.of(manager))
    with pytest.raises(StateError):
        checkout.override_price(line.line_id, 100, Approver.of(manager))
    assert checkout.totals.total == 6000


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_a_refusal_is_a_sentence_never_a_state_name(demo, seller, open_shift, language):
    """It used to say "the sale is payment" (the state's name) in every language."""
    from coopos.i18n import set_language

    set_language(language)
    try:
        checkout = Checkout(demo, seller)
        line = checkout.scan(ARGAN_100)
        refusals = []
        for state_change, attempt in [
            (lambda: None, lambda: checkout.complete()),
            (checkout.start_payment, lambda: checkout.set_quantity(line.line_id, "3")),
            (checkout.void, lambda: checkout.scan(ARGAN_100)),
        ]:
            state_change()
            with pytest.raises(StateError) as refused:
                attempt()
            refusals.append(refused.value.message)
    finally:
        set_language("en")
    assert len(set(refusals)) == 3  # each says what is going on
    if language == "en":
        assert refusals == [
            "Start the payment first.",
            "The sale is being paid: go back to the cart to change it.",
            "This sale was cancelled: start a new sale.",
        ]
    else:  # translated, with no English state name left in it
        names = {state.value for state in CheckoutState}
        assert not any(names & set(m.replace(".", " ").split()) for m in refusals), refusals


def test_complete_from_cart(demo, seller, open_shift):
    checkout = Checkout(demo, seller)
    checkout.scan(ARGAN_100)
    before = row_counts(demo)
    with pytest.raises(StateError):
        checkout.complete()
    assert row_counts(demo) == before
    assert checkout.state is CheckoutState.CART


def test_start_payment_on_empty_cart(demo, seller, open_shift):
    checkout = Checkout(demo, seller)
    with pytest.raises(StateError, match="empty"):
        checkout.start_payment()
    assert checkout.state is CheckoutState.CART


def test_start_payment_twice(demo, seller, open_shift):
    checkout = Checkout(demo, seller)
    checkout.scan(ARGAN_100)
    checkout.start_payment()
    with pytest.raises(StateError):
        checkout.start_payment()


def test_back_to_cart_clears_payments(demo, seller, open_shift):
    checkout = Checkout(demo, seller)
    checkout.scan(ARGAN_100)
    checkout.start_payment()
    checkout.add_payment(PaymentMethod.CARD, 3000)
    checkout.back_to_cart()
    assert checkout.state is CheckoutState.CART
    assert checkout.payments == []
    checkout.scan(ARGAN_100)
    assert checkout.totals.total == 12000


def test_nothing_after_completion(demo, seller, open_shift):
    checkout = Checkout(demo, seller)
    checkout.scan(ARGAN_100)
    checkout.start_payment()
    checkout.pay_exact()
    checkout.complete()
    assert checkout.state is CheckoutState.COMPLETED
    for action in (
        lambda: checkout.scan(ARGAN_100),
        checkout.start_payment,
        checkout.complete,
        checkout.void,
        checkout.back_to_cart,
    ):
        with pytest.raises(StateError):
            action()
    with demo.read() as s:
        assert s.execute(text("SELECT COUNT(*) FROM sales")).scalar() == 1


def test_card_above_remaining_is_refused(demo, seller, open_shift):
    checkout = Checkout(demo, seller)
    checkout.scan(ARGAN_100)
    checkout.start_payment()
    with pytest.raises(ValidationError, match="Only cash can give change"):
        checkout.add_payment(PaymentMethod.CARD, 6001)
    with pytest.raises(ValidationError, match="more than zero"):
        checkout.add_payment(PaymentMethod.CASH, 0)
    assert checkout.payments == []


def test_short_payment_cannot_complete(demo, seller, open_shift):
    checkout = Checkout(demo, seller)
    checkout.scan(ARGAN_100)
    checkout.start_payment()
    checkout.add_payment(PaymentMethod.CASH, 5000)
    before = row_counts(demo)
    with pytest.raises(ValidationError, match=r"10\.00 MAD is still to pay"):
        checkout.complete()
    assert row_counts(demo) == before
    assert checkout.state is CheckoutState.PAYMENT


# -- void ---------------------------------------------------------------------------------------


def test_void_audits_the_cart(demo, seller, open_shift):
    checkout = Checkout(demo, seller)
    checkout.scan(ARGAN_100)
    checkout.scan(ARGAN_100)
    checkout.scan(BULK_COUSCOUS, "0,500")
    before = row_counts(demo)
    checkout.void("customer left")
    assert checkout.state is CheckoutState.VOIDED
    entries = audit_entries(demo, "sale_voided")
    assert len(entries) == 1
    assert entries[0].user_id == seller.id
    details = json.loads(entries[0].details)
    assert details == {
        "reason": "customer left",
        "lines": ["2 x ARG-OIL-100 @ 60.00", "0.500 x CSC-VRAC @ 22.00"],
        "total": "131.00",
    }
    after = row_counts(demo)
    assert after["sales"] == before["sales"] == 0
    assert after["audit_log"] == before["audit_log"] + 1
    with pytest.raises(StateError):
        checkout.scan(ARGAN_100)


def test_void_from_payment(demo, seller, open_shift):
    checkout = Checkout(demo, seller)
    checkout.scan(ARGAN_100)
    checkout.start_payment()
    checkout.add_payment(PaymentMethod.CASH, 2000)
    checkout.void()
    assert checkout.state is CheckoutState.VOIDED
    assert len(audit_entries(demo, "sale_voided")) == 1
    with pytest.raises(StateError):
        checkout.complete()


def test_void_empty_cart_writes_nothing(demo, seller):
    checkout = Checkout(demo, seller)
    before = row_counts(demo)
    checkout.void()
    assert checkout.state is CheckoutState.VOIDED
    assert row_counts(demo) == before


def test_removed_line_is_audited(demo, seller, open_shift):
    checkout = Checkout(demo, seller)
    line = checkout.scan(ARGAN_100)
    checkout.scan(BULK_COUSCOUS, "1")
    checkout.remove_line(line.line_id, reason="wrong product")
    assert [ln.sku for ln in checkout.lines] == ["CSC-VRAC"]
    (entry,) = audit_entries(demo, "line_removed")
    assert json.loads(entry.details) == {
        "sku": "ARG-OIL-100",
        "quantity": "1.000",
        "amount": "60.00",
        "reason": "wrong product",
    }


# -- listeners ------------------------------------------------------------------------------------


def test_listeners_are_called_on_change(demo, seller, open_shift):
    checkout = Checkout(demo, seller)
    seen: list[tuple[str, int, int]] = []
    checkout.on_change(lambda c: seen.append((c.state.value, len(c.lines), c.totals.total)))
    other: list[Checkout] = []
    checkout.on_change(other.append)

    line = checkout.scan(ARGAN_100)
    checkout.scan(ARGAN_100)
    checkout.set_quantity(line.line_id, "3")
    checkout.start_payment()
    checkout.add_payment(PaymentMethod.CASH, 20000)
    checkout.complete()

    assert seen == [
        ("cart", 1, 6000),
        ("cart", 1, 12000),
        ("cart", 1, 18000),
        ("payment", 1, 18000),
        ("payment", 1, 18000),
        ("completed", 1, 18000),
    ]
    assert len(other) == len(seen)
    assert all(c is checkout for c in other)


def test_listeners_not_called_on_refused_action(demo, seller, open_shift):
    checkout = Checkout(demo, seller)
    calls: list[Checkout] = []
    checkout.on_change(calls.append)
    with pytest.raises(StateError):
        checkout.start_payment()
    with pytest.raises(ValidationError):
        checkout.scan(BULK_COUSCOUS)
    assert calls == []


# -- scanning -----------------------------------------------------------------------------------


def test_same_piece_barcode_twice_makes_one_line(demo, seller):
    checkout = Checkout(demo, seller)
    first = checkout.scan(ARGAN_100)
    second = checkout.scan(ARGAN_100)
    assert second is first
    assert len(checkout.lines) == 1
    assert checkout.lines[0].quantity == Decimal(2)
    assert checkout.lines[0].sku == "ARG-OIL-100"
    assert checkout.totals.total == 12000


def test_barcode_and_sku_of_the_same_product_share_a_line(demo, seller):
    checkout = Checkout(demo, seller)
    checkout.scan(ARGAN_100)
    checkout.scan("ARG-OIL-100", "2")
    assert len(checkout.lines) == 1
    assert checkout.lines[0].quantity == 3


def test_unknown_barcode(demo, seller):
    from coopos.domain.errors import NotFoundError

    checkout = Checkout(demo, seller)
    with pytest.raises(NotFoundError):
        checkout.scan("0000000000000")
    with pytest.raises(ValidationError):
        checkout.scan("   ")
    assert checkout.lines == []


def test_weighed_product_needs_a_quantity(demo, seller):
    checkout = Checkout(demo, seller)
    with pytest.raises(ValidationError, match="sold by weight"):
        checkout.scan(BULK_COUSCOUS)
    assert checkout.lines == []
    line = checkout.scan(BULK_COUSCOUS, "1,250")
    assert line.quantity == Decimal("1.250")
    assert line.sold_by_weight
    assert line.gross == 2750  # 22.00 x 1.250
    assert checkout.totals.total == 2750


def test_weighed_product_scanned_twice_makes_two_lines(demo, seller):
    checkout = Checkout(demo, seller)
    checkout.scan(BULK_COUSCOUS, "1,250")
    checkout.scan(BULK_COUSCOUS, "0.750")
    assert [ln.quantity for ln in checkout.lines] == [Decimal("1.250"), Decimal("0.750")]
    assert checkout.totals.total == 2750 + 1650


@pytest.mark.parametrize("qty", ["1,5", "0", "-1", "1.2345", "abc", "10001"])
def test_bad_quantities_are_refused(demo, seller, qty):
    checkout = Checkout(demo, seller)
    with pytest.raises(ValidationError):
        checkout.scan(ARGAN_100, qty)
    assert checkout.lines == []


# -- discounts ----------------------------------------------------------------------------------


def test_seller_discount_within_limit(demo, seller):
    checkout = Checkout(demo, seller)
    line = checkout.scan(ARGAN_100)
    checkout.set_line_discount(line.line_id, 300)  # 5 % of 60.00: the sellers' limit
    assert checkout.totals.total == 5700


def test_seller_discount_above_limit_needs_a_manager(demo, seller, manager):
    checkout = Checkout(demo, seller)
    line = checkout.scan(ARGAN_100)
    with pytest.raises(PermissionDenied):
        checkout.set_line_discount(line.line_id, 301)
    assert line.discount == 0
    assert checkout.totals.total == 6000
    checkout.set_line_discount(line.line_id, 1000, Approver.of(manager))
    assert line.discount == 1000
    assert checkout.totals.total == 5000
    assert checkout.approvals == [
        {"action": "line_discount", "by": manager.id, "sku": "ARG-OIL-100", "amount": "10.00"}
    ]


def test_seller_order_discount_above_limit_needs_a_manager(demo, seller, manager):
    checkout = Checkout(demo, seller)
    checkout.scan(ARGAN_100, "2")
    with pytest.raises(PermissionDenied):
        checkout.set_order_discount(601)  # 5 % of 120.00 is 6.00
    assert checkout.order_discount == 0
    checkout.set_order_discount(2000, Approver.of(manager))
    assert checkout.totals.total == 10000


def test_seller_percent_discount_above_limit(demo, seller):
    checkout = Checkout(demo, seller)
    line = checkout.scan(ARGAN_100)
    checkout.set_line_discount_percent(line.line_id, "5")
    assert line.discount == 300
    with pytest.raises(PermissionDenied):
        checkout.set_line_discount_percent(line.line_id, "5,5")
    assert line.discount == 300


def test_seller_cannot_be_an_approver(seller):
    with pytest.raises(PermissionDenied):
        Approver.of(seller)


def test_manager_needs_no_approver(demo, manager):
    checkout = Checkout(demo, manager)
    line = checkout.scan(ARGAN_100)
    checkout.set_line_discount(line.line_id, 3000)
    assert checkout.totals.total == 3000


def test_discount_bounds(demo, manager):
    checkout = Checkout(demo, manager)
    line = checkout.scan(ARGAN_100)
    with pytest.raises(ValidationError):
        checkout.set_line_discount(line.line_id, 6001)
    with pytest.raises(ValidationError):
        checkout.set_line_discount(line.line_id, -1)
    with pytest.raises(ValidationError):
        checkout.set_order_discount(6001)


def test_approved_discount_is_audited_with_the_sale(demo, seller, manager, open_shift):
    checkout = Checkout(demo, seller)
    line = checkout.scan(ARGAN_100)
    checkout.set_line_discount(line.line_id, 1000, Approver.of(manager))
    checkout.start_payment()
    checkout.pay_exact()
    result = checkout.complete()
    (entry,) = audit_entries(demo, "line_discount")
    assert entry.user_id == manager.id
    assert json.loads(entry.details) == {
        "receipt": result.receipt_no,
        "sku": "ARG-OIL-100",
        "amount": "10.00",
    }


def test_price_override_needs_an_approver(demo, seller, manager):
    checkout = Checkout(demo, seller)
    line = checkout.scan(ARGAN_100)
    with pytest.raises(PermissionDenied):
        checkout.override_price(line.line_id, 5000, None)
    checkout.override_price(line.line_id, 5000, Approver.of(manager))
    assert checkout.totals.total == 5000
    # An overridden line is no longer merged with a new scan of the product.
    checkout.scan(ARGAN_100)
    assert [ln.price for ln in checkout.lines] == [5000, 6000]


def test_lowering_a_quantity_never_makes_the_total_negative(demo, manager):
    checkout = Checkout(demo, manager)
    line = checkout.scan(ARGAN_100, "2")
    checkout.set_order_discount(10000)  # 100.00 off 120.00
    checkout.set_quantity(line.line_id, "1")  # the cart is now worth 60.00
    assert checkout.order_discount <= 6000
    assert checkout.totals.total >= 0
    assert all(p.net >= 0 for p in checkout.totals.lines)


def test_a_line_discount_after_an_order_discount_never_makes_the_total_negative(demo, manager):
    checkout = Checkout(demo, manager)
    line = checkout.scan(ARGAN_100, "2")
    checkout.set_order_discount(10000)
    checkout.set_line_discount(line.line_id, 5000)  # the lines are now worth 70.00
    assert checkout.order_discount <= 7000
    assert checkout.totals.total >= 0


def test_removing_a_line_caps_the_order_discount(demo, manager):
    checkout = Checkout(demo, manager)
    checkout.scan(ARGAN_100)
    couscous = checkout.scan(BULK_COUSCOUS, "5")  # 110.00
    checkout.set_order_discount(10000)
    checkout.remove_line(couscous.line_id)
    assert checkout.order_discount == 6000
    assert checkout.totals.total == 0


# -- crash survival -------------------------------------------------------------------------------


def test_snapshot_restore_round_trip_in_payment(demo, seller, manager, open_shift):
    checkout = Checkout(demo, seller)
    argan = checkout.scan(ARGAN_100, "2")
    checkout.scan(BULK_COUSCOUS, "1,250")
    checkout.set_line_discount(argan.line_id, 1500, Approver.of(manager))
    checkout.set_order_discount(250)
    checkout.start_payment()
    checkout.add_payment(PaymentMethod.CARD, 5000, "AUTH-77")

    # The snapshot is written to disk as JSON: go through JSON like the app does.
    data = json.loads(json.dumps(checkout.snapshot()))
    restored = Checkout.restore(demo, data)

    assert restored.state is CheckoutState.PAYMENT
    assert restored.seller_id == seller.id
    assert restored.lines == checkout.lines
    assert [ln.quantity for ln in restored.lines] == [Decimal(2), Decimal("1.250")]
    assert restored.order_discount == 250
    assert restored.payments == [Payment(PaymentMethod.CARD, 5000, "AUTH-77")]
    assert restored.approvals == checkout.approvals
    assert restored.totals == checkout.totals
    assert restored.totals.total == 12000 - 1500 + 2750 - 250
    assert restored.tender == checkout.tender

    restored.add_payment(PaymentMethod.CASH, 10000)
    result = restored.complete()
    assert result.receipt_no == "T01-000001"
    assert result.total == 13000
    assert result.change == 5000 + 10000 - 13000
    with demo.read() as s:
        payments = s.execute(
            select(SalePayment.method, SalePayment.amount_cents, SalePayment.tendered_cents)
            .where(SalePayment.sale_id == result.sale_id)
            .order_by(SalePayment.id)
        ).all()
        assert [tuple(p) for p in payments] == [("card", 5000, 5000), ("cash", 8000, 10000)]
        line_nets = s.execute(
            select(SaleLine.net_cents).where(SaleLine.sale_id == result.sale_id)
        ).scalars()
        assert sum(line_nets) == 13000
    assert len(audit_entries(demo, "line_discount")) == 1


def test_snapshot_restore_in_cart(demo, seller):
    checkout = Checkout(demo, seller)
    checkout.scan(ARGAN_100)
    restored = Checkout.restore(demo, json.loads(json.dumps(checkout.snapshot())))
    assert restored.state is CheckoutState.CART
    assert restored.lines == checkout.lines
    restored.scan(ARGAN_100)  # still merges into the restored line
    assert len(restored.lines) == 1
    assert restored.lines[0].quantity == 2


# -- all or nothing, gap-free receipt numbers --------------------------------------------------


def paid_checkout(ctx, seller) -> Checkout:
    checkout = Checkout(ctx, seller)
    checkout.scan(ARGAN_100)
    checkout.scan(BULK_COUSCOUS, "1,250")
    checkout.start_payment()
    checkout.add_payment(PaymentMethod.CASH, 10000)
    return checkout


def test_complete_without_open_shift_writes_nothing(demo, seller):
    checkout = paid_checkout(demo, seller)
    before = row_counts(demo)
    with pytest.raises(StateError, match="No shift is open"):
        checkout.complete()
    assert row_counts(demo) == before
    assert before["sales"] == 0
    assert before["receipt_seq"] == 0
    assert checkout.state is CheckoutState.PAYMENT
    assert checkout.result is None


def test_failed_complete_leaves_the_receipt_sequence_untouched(demo, seller):
    checkout = paid_checkout(demo, seller)
    with pytest.raises(StateError):
        checkout.complete()
    shifts.open_shift(demo, seller.id, 50000)
    result = checkout.complete()
    assert result.receipt_no == "T01-000001"
    assert result.total == 6000 + 2750
    assert result.change == 10000 - 8750
    second = paid_checkout(demo, seller).complete()
    assert second.receipt_no == "T01-000002"


def test_failure_after_the_number_was_taken_rolls_everything_back(
    demo, seller, open_shift, monkeypatch
):
    # Fault injection inside the transaction, after the receipt number, the sale, its
    # lines, payments and VAT rows were written: everything must be rolled back.
    checkout = paid_checkout(demo, seller)
    before = row_counts(demo)

    def broken_write_movements(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(inventory, "write_movements", broken_write_movements)
    with pytest.raises(RuntimeError, match="disk full"):
        checkout.complete()
    assert row_counts(demo) == before
    assert checkout.state is CheckoutState.PAYMENT

    monkeypatch.undo()
    result = checkout.complete()
    assert result.receipt_no == "T01-000001"
    after = row_counts(demo)
    assert after["sales"] == before["sales"] + 1
    assert after["sale_lines"] == before["sale_lines"] + 2
    assert after["stock_movements"] == before["stock_movements"] + 2
    assert after["receipt_seq"] == 1


def test_completed_sale_is_stored_whole(demo, seller, open_shift):
    checkout = paid_checkout(demo, seller)
    result = checkout.complete()
    with demo.read() as s:
        sale = s.get(Sale, result.sale_id)
        assert (sale.gross_cents, sale.total_cents, sale.change_cents) == (8750, 8750, 1250)
        assert sale.shift_id == open_shift.id
        assert sale.seller_id == seller.id
        assert [(ln.sku, ln.quantity_milli, ln.net_cents) for ln in sale.lines] == [
            ("ARG-OIL-100", 1000, 6000),
            ("CSC-VRAC", 1250, 2750),
        ]
        assert [(v.rate, v.gross_cents, v.vat_cents) for v in sale.vat] == [
            (0, 2750, 0),
            (10, 6000, 545),
        ]
        moves = s.execute(
            text("SELECT quantity_milli, reason FROM stock_movements WHERE sale_id = :id"),
            {"id": result.sale_id},
        ).all()
        assert sorted(tuple(m) for m in moves) == [(-1250, "sale"), (-1000, "sale")]


# -- quantities that make no sense ------------------------------------------------------------


def test_quantity_doubts_read_the_stock_here_and_the_settings(demo, seller, open_shift):
    from coopos.services import settings

    checkout = Checkout(demo, seller)
    line = checkout.scan(ARGAN_100)  # 40 in stock at the shop, 1 already in the cart
    pid = line.product_id
    assert checkout.quantity_doubt(pid, Decimal(39)) is None  # 40 in all
    assert checkout.quantity_doubt(pid, Decimal(40)).on_hand == 40  # 41 in all
    assert checkout.quantity_doubt(pid, Decimal(40), line.line_id) is None  # the line's new qty
    settings.update(demo, {"quantity.max_pieces": 10})
    doubt = checkout.quantity_doubt(pid, Decimal(12), line.line_id)
    assert (doubt.on_hand, doubt.limit) == (None, 10)
    with pytest.raises(ValidationError):
        settings.update(demo, {"quantity.max_kg": -1})
