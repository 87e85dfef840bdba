"""Refund amounts: pro rata of what was really paid, never more than was sold."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopos.domain.errors import ValidationError
from coopos.domain.sale import refund_amount, refundable_quantity

D = Decimal


def test_refund_whole_line_pays_back_the_net():
    assert refund_amount(D(3), 10000, D(0), 0, D(3)) == 10000


def test_refund_pro_rata():
    # 3 pieces sold for 100.00 (discounts included): one piece is 33.33.
    assert refund_amount(D(3), 10000, D(0), 0, D(1)) == 3333
    # 2 of 3 for 200.00: 133.333 -> 133.33
    assert refund_amount(D(3), 20000, D(0), 0, D(2)) == 13333
    # 1 of 3 for 200.00: 66.666 -> 66.67 (half-up)
    assert refund_amount(D(3), 20000, D(0), 0, D(1)) == 6667
    # 0.500 kg of 1.250 kg sold for 27.50
    assert refund_amount(D("1.250"), 2750, D(0), 0, D("0.500")) == 1100


def test_last_refund_takes_the_exact_rest():
    first = refund_amount(D(3), 10000, D(0), 0, D(1))
    second = refund_amount(D(3), 10000, D(1), first, D(1))
    last = refund_amount(D(3), 10000, D(2), first + second, D(1))
    # each refund brings the total refunded to the rounded share of what was paid:
    # 1/3 -> 33.33, 2/3 -> 66.67, 3/3 -> 100.00
    assert (first, second, last) == (3333, 3334, 3333)
    assert first + second + last == 10000
    assert first + second + last == 10000


def test_refund_more_than_left_is_refused():
    with pytest.raises(ValidationError, match="Only 1 can still be refunded"):
        refund_amount(D(3), 10000, D(2), 6666, D(2))
    with pytest.raises(ValidationError, match="Only 0 can still be refunded"):
        refund_amount(D(3), 10000, D(3), 10000, D(1))
    with pytest.raises(ValidationError):
        refund_amount(D(3), 10000, D(0), 0, D(4))


@pytest.mark.parametrize("qty", [D(0), D(-1)])
def test_refund_quantity_must_be_positive(qty):
    with pytest.raises(ValidationError, match="more than zero"):
        refund_amount(D(3), 10000, D(0), 0, qty)


def test_refundable_quantity():
    assert refundable_quantity(D(3), D(1)) == D(2)
    assert refundable_quantity(D(3), D(3)) == D(0)
    assert refundable_quantity(D(3), D(5)) == D(0)


@st.composite
def line_and_split(draw):
    """A sold line (quantity in thousandths, net amount) and a split of its quantity."""
    sold_milli = draw(st.integers(min_value=1, max_value=20_000))
    net = draw(st.integers(min_value=0, max_value=2_000_000))
    parts = []
    left = sold_milli
    while left > 0 and len(parts) < 9:
        part = draw(st.integers(min_value=1, max_value=left))
        parts.append(part)
        left -= part
    if left:
        parts.append(left)
    return D(sold_milli) / 1000, net, [D(p) / 1000 for p in parts]


def refund_in_steps(sold: Decimal, net: int, parts: list[Decimal]) -> list[int]:
    amounts: list[int] = []
    already_qty = D(0)
    for qty in parts:
        amounts.append(refund_amount(sold, net, already_qty, sum(amounts), qty))
        already_qty += qty
    return amounts


@settings(max_examples=300, deadline=None)
@given(case=line_and_split())
def test_partial_refunds_add_up_to_the_sold_net(case):
    sold, net, parts = case
    assert sum(parts) == sold
    amounts = refund_in_steps(sold, net, parts)
    assert sum(amounts) == net


@settings(max_examples=300, deadline=None)
@given(case=line_and_split())
def test_partial_refunds_never_pay_back_more_than_was_paid(case):
    # "A line is never over-refunded by a rounding centime": at no step may the refunds
    # so far exceed what the customer paid, and no refund takes money back from them.
    sold, net, parts = case
    amounts = refund_in_steps(sold, net, parts)
    running = 0
    for amount in amounts:
        assert amount >= 0, amounts
        running += amount
        assert running <= net, amounts


def test_over_refund_example():
    # 1 kg sold for 0.05: five refunds of 0.100 kg (0.5 centime each, rounded up to 1)
    # already pay back the whole 0.05; a sixth must not pay back a sixth centime.
    amounts = refund_in_steps(D(1), 5, [D("0.1")] * 6 + [D("0.4")])
    assert sum(amounts) == 5
    assert all(a >= 0 for a in amounts), amounts


@settings(max_examples=300, deadline=None)
@given(case=line_and_split(), extra_milli=st.integers(min_value=1, max_value=5_000))
def test_no_sequence_of_refunds_exceeds_the_sold_quantity(case, extra_milli):
    sold, net, parts = case
    extra = D(extra_milli) / 1000
    # Push one part over the quantity that is left: that step must be refused, and so must
    # any refund once the whole line came back.
    index = len(parts) - 1
    already_qty = sum(parts[:index], D(0))
    already_amount = sum(refund_in_steps(sold, net, parts[:index]))
    with pytest.raises(ValidationError):
        refund_amount(sold, net, already_qty, already_amount, parts[index] + extra)
    with pytest.raises(ValidationError):
        refund_amount(sold, net, sold, net, extra)


# -- the same rule through the refund service, on a real database -----------------------------


# Examples share one demo database (a fixture per test, not per example): few of them.
ON_A_DATABASE = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _sell(ctx, seller, items, order_discount=0):
    from coopos.services.checkout import Checkout

    checkout = Checkout(ctx, seller)
    for code, qty in items:
        checkout.scan(code, qty)
    if order_discount:
        checkout.set_order_discount(order_discount)
    checkout.start_payment()
    checkout.pay_exact()
    return checkout.complete()


def _line_sums(ctx, sale_id):
    from sqlalchemy import func, select

    from coopos.db.models import SaleLine

    with ctx.read() as s:
        return s.execute(
            select(func.sum(SaleLine.net_cents)).where(SaleLine.sale_id == sale_id)
        ).scalar()


def test_refund_service_partial_refunds_net_to_zero(demo, users, open_shift):
    from coopos.services import refunds
    from coopos.services.checkout import Approver

    manager = users["Youssef"]
    sale = _sell(demo, manager, [("6111042001017", "3"), ("CSC-VRAC", "1,250")], 1001)
    assert sale.total == 18000 + 2750 - 1001
    approver = Approver.of(manager)
    r1 = refunds.refund(demo, sale.receipt_no, approver, [("ARG-OIL-100", "1")])
    r2 = refunds.refund(demo, sale.receipt_no, approver, [("CSC-VRAC", "0.333")])
    r3 = refunds.refund(demo, sale.receipt_no, approver)  # everything that is left
    assert r1.total < 0 and r2.total < 0 and r3.total < 0
    assert r1.total + r2.total + r3.total == -sale.total
    assert _line_sums(demo, r1.sale_id) == r1.total
    with pytest.raises(ValidationError, match="already refunded"):
        refunds.refund(demo, sale.receipt_no, approver)


@ON_A_DATABASE
@given(
    grams=st.lists(st.integers(min_value=1, max_value=900), min_size=1, max_size=4),
    discount=st.integers(min_value=0, max_value=2000),
)
def test_refund_service_never_exceeds_the_sale(demo, users, open_shift, grams, discount):
    # Each example sells 2.000 kg of bulk couscous (44.00) with an order discount on a
    # shared database, then refunds it in random pieces and finally all that is left.
    from coopos.services import refunds
    from coopos.services.checkout import Approver

    manager = users["Youssef"]
    approver = Approver.of(manager)
    sale = _sell(demo, manager, [("CSC-VRAC", "2")], discount)
    refunded = 0
    sold_milli = 2000
    for g in grams:
        if g >= sold_milli:
            break
        result = refunds.refund(demo, sale.receipt_no, approver, [("CSC-VRAC", D(g) / 1000)])
        assert result.total <= 0
        refunded += result.total
        sold_milli -= g
        assert -refunded <= sale.total
    last = refunds.refund(demo, sale.receipt_no, approver)
    assert last.total <= 0
    assert refunded + last.total == -sale.total


@ON_A_DATABASE
@given(
    counts=st.lists(st.integers(min_value=2, max_value=7), min_size=1, max_size=3),
    line_discounts=st.lists(st.integers(min_value=0, max_value=999), min_size=3, max_size=3),
    order_discount=st.integers(min_value=0, max_value=1500),
    back=st.data(),
)
def test_refunds_by_line_give_back_the_pro_rata_centimes_and_all_of_them_the_total(
    demo, users, open_shift, counts, line_discounts, order_discount, back
):
    # A sale of discounted lines (line and order discounts), refunded line by line as the
    # refund dialog's steppers do: a partial refund pays back exactly the rounded share of
    # what the line was sold for, the preview shows that figure, and refunding every line
    # gives back exactly the sale's total.
    from coopos.domain.money import round_cents
    from coopos.services import refunds
    from coopos.services.checkout import Approver, Checkout, load_sale

    manager = users["Youssef"]
    approver = Approver.of(manager)
    checkout = Checkout(demo, manager)
    for code, count, discount in zip(
        ["ARG-OIL-100", "SAF-1G", "ROS-SOAP"], counts, line_discounts, strict=False
    ):
        line = checkout.scan(code, count)
        checkout.set_line_discount(line.line_id, min(discount, line.gross), approver)
    checkout.set_order_discount(min(order_discount, checkout.totals.total), approver)
    checkout.start_payment()
    checkout.pay_exact()
    sale = checkout.complete()
    with demo.read() as s:
        lines = refunds.refundable_lines(s, load_sale(s, sale.receipt_no))
    given_back = 0
    for ln in lines:
        part = D(back.draw(st.integers(min_value=1, max_value=int(ln.sold) - 1)))
        wanted = {ln.line_id: part}
        with demo.read() as s:
            shown = refunds.amount_back(
                refunds.refundable_lines(s, load_sale(s, sale.receipt_no)), wanted
            )
        result = refunds.refund(demo, sale.receipt_no, approver, line_quantities=wanted)
        assert -result.total == shown == round_cents(D(ln.sold_net) * part / ln.sold)
        given_back -= result.total
    rest = refunds.refund(demo, sale.receipt_no, approver)
    assert given_back - rest.total == sale.total
