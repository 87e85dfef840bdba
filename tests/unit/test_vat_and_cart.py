"""VAT extraction and cart pricing (line and order discounts, commissions)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopos.domain.errors import ValidationError
from coopos.domain.money import percent_of
from coopos.domain.sale import CartLine, price_lines
from coopos.domain.vat import VAT_RATES, VatLine, check_vat_rate, vat_breakdown, vat_included

# -- VAT ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gross", "rate", "vat"),
    [
        (12000, 20, 2000),  # 120.00 at 20 % contains 20.00
        (11000, 10, 1000),  # 110.00 at 10 % contains 10.00
        (11400, 14, 1400),
        (10700, 7, 700),
        (10000, 0, 0),
        (6000, 10, 545),  # 60.00 / 11 = 5.4545 -> 5.45
        (10000, 20, 1667),  # 16.666 -> 16.67
        (10000, 7, 654),  # 6.542 -> 6.54
        (10000, 14, 1228),  # 12.280 -> 12.28
        (3, 20, 1),  # 0.5 centime -> 1 (half-up)
        (9, 20, 2),  # 1.5 -> 2
        (0, 20, 0),
        (-12000, 20, -2000),  # refunds carry negative VAT
    ],
)
def test_vat_included_hand_checked(gross, rate, vat):
    assert vat_included(gross, rate) == vat


@pytest.mark.parametrize("rate", VAT_RATES)
def test_vat_included_matches_the_price_before_vat(rate):
    # A price of 100.00 excluding VAT is (100 + rate).00 including VAT: the VAT is rate.00.
    assert vat_included((100 + rate) * 100, rate) == rate * 100


@pytest.mark.parametrize(
    ("text", "rate"), [(0, 0), (7, 7), ("10", 10), (" 14 ", 14), ("20%", 20), ("20 %", 20)]
)
def test_check_vat_rate_accepts_moroccan_rates(text, rate):
    assert check_vat_rate(text) == rate


@pytest.mark.parametrize("text", [5, "5", "abc", "", "19.6", -10, 100, "10.5"])
def test_check_vat_rate_refuses_other_rates(text):
    with pytest.raises(ValidationError, match="not one of"):
        check_vat_rate(text)


def test_vat_breakdown_groups_by_rate_and_rounds_per_rate():
    # Three lines of 0.03 at 20 %: 3 x 0.5 centime rounded once on 0.09 (1.5 -> 2),
    # not three times (3 x 1 = 3).
    lines = vat_breakdown([(20, 3), (10, 11000), (20, 3), (20, 3)])
    assert lines == [VatLine(10, 11000, 1000), VatLine(20, 9, 2)]
    assert lines[0].net == 10000


# -- cart pricing -------------------------------------------------------------------------------


def make_line(
    price: int,
    qty: str | Decimal = "1",
    vat: int = 20,
    discount: int = 0,
    bp: int = 1500,
    by_weight: bool = False,
    n: int = 1,
) -> CartLine:
    return CartLine(
        product_id=n,
        sku=f"SKU-{n}",
        name=f"Product {n}",
        unit="kg" if by_weight else "piece",
        sold_by_weight=by_weight,
        list_price=price,
        quantity=Decimal(qty),
        vat_rate=vat,
        cooperative_id=1,
        cooperative_code="COOP",
        commission_bp=bp,
        discount=discount,
    )


def test_price_lines_without_discounts():
    totals = price_lines([make_line(6000, "2", vat=10), make_line(2200, "1.250", vat=0, n=2)])
    assert totals.gross == 12000 + 2750
    assert totals.total == 14750
    assert totals.line_discounts == 0
    assert totals.order_discount == 0
    assert [p.net for p in totals.lines] == [12000, 2750]
    assert totals.vat == [VatLine(0, 2750, 0), VatLine(10, 12000, 1091)]


def test_weighed_gross_is_rounded_half_up():
    # 22.00 MAD/kg x 0.333 kg = 7.326 MAD -> 7.33; 0.05 MAD/kg x 0.100 kg = 0.5 centime -> 1
    assert make_line(2200, "0.333", by_weight=True).gross == 733
    assert make_line(5, "0.100", by_weight=True).gross == 1


def test_line_discount():
    totals = price_lines([make_line(10000, "2", discount=1500), make_line(5000, n=2)])
    assert totals.gross == 25000
    assert totals.line_discounts == 1500
    assert totals.total == 23500
    assert [p.net for p in totals.lines] == [18500, 5000]
    assert [p.order_discount for p in totals.lines] == [0, 0]
    assert totals.discounts == 1500


def test_order_discount_is_allocated_in_proportion():
    lines = [make_line(20000, n=1), make_line(10000, vat=10, n=2), make_line(10000, vat=0, n=3)]
    totals = price_lines(lines, order_discount=1000)
    assert [p.order_discount for p in totals.lines] == [500, 250, 250]
    assert [p.net for p in totals.lines] == [19500, 9750, 9750]
    assert totals.total == 39000
    assert totals.order_discount == 1000
    assert [(v.rate, v.gross) for v in totals.vat] == [(0, 9750), (10, 9750), (20, 19500)]
    assert [v.vat for v in totals.vat] == [0, 886, 3250]


def test_order_discount_allocation_uses_largest_remainder():
    lines = [make_line(1000, n=1), make_line(1000, n=2), make_line(1000, n=3)]
    totals = price_lines(lines, order_discount=100)
    assert [p.order_discount for p in totals.lines] == [34, 33, 33]
    assert totals.total == 2900


def test_order_discount_is_allocated_after_line_discounts():
    # Line 1: 100.00 - 50.00 = 50.00; line 2: 50.00.  A 10.00 order discount splits 5/5.
    lines = [make_line(10000, discount=5000, n=1), make_line(5000, n=2)]
    totals = price_lines(lines, order_discount=1000)
    assert [p.order_discount for p in totals.lines] == [500, 500]
    assert totals.total == 9000
    assert totals.discounts == 6000


def test_commission_per_line():
    lines = [make_line(9999, bp=1500, n=1), make_line(10000, bp=1250, n=2)]
    totals = price_lines(lines)
    assert [p.commission for p in totals.lines] == [1500, 1250]  # 1499.85 -> 1500


def test_empty_cart():
    totals = price_lines([], order_discount=500)
    assert totals.total == 0
    assert totals.gross == 0
    assert totals.order_discount == 0
    assert totals.lines == []
    assert totals.vat == []


@st.composite
def carts(draw):
    n = draw(st.integers(min_value=1, max_value=8))
    lines = []
    for i in range(n):
        by_weight = draw(st.booleans())
        if by_weight:
            qty = Decimal(draw(st.integers(min_value=1, max_value=50_000))) / 1000
        else:
            qty = Decimal(draw(st.integers(min_value=1, max_value=20)))
        line = make_line(
            price=draw(st.integers(min_value=0, max_value=100_000)),
            qty=qty,
            vat=draw(st.sampled_from(VAT_RATES)),
            bp=draw(st.integers(min_value=0, max_value=10_000)),
            by_weight=by_weight,
            n=i + 1,
        )
        line.discount = draw(st.integers(min_value=0, max_value=line.gross))
        lines.append(line)
    before = sum(line.net_before_order_discount for line in lines)
    order_discount = draw(st.integers(min_value=0, max_value=before))
    return lines, order_discount


@settings(max_examples=300, deadline=None)
@given(cart=carts())
def test_cart_invariants(cart):
    lines, order_discount = cart
    totals = price_lines(lines, order_discount)
    gross = sum(line.gross for line in lines)
    line_discounts = sum(line.discount for line in lines)

    assert totals.gross == gross
    assert totals.line_discounts == line_discounts
    assert totals.order_discount == order_discount
    assert totals.total == sum(p.net for p in totals.lines)
    assert totals.total == gross - line_discounts - order_discount
    assert sum(v.gross for v in totals.vat) == totals.total
    assert sum(p.order_discount for p in totals.lines) == order_discount
    for v in totals.vat:
        assert v.gross == sum(p.net for p in totals.lines if p.line.vat_rate == v.rate)
        assert v.vat == vat_included(v.gross, v.rate)
    for p in totals.lines:
        assert p.commission == percent_of(p.net, p.line.commission_bp)
        # A line is never discounted below zero.
        assert 0 <= p.order_discount <= p.line.net_before_order_discount
        assert p.net >= 0
