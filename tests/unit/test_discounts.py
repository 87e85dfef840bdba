"""Discounts as a seller types them, and a discount on the whole sale spread over its lines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopos.domain.discount import Discount, amount_off, parse_discount, spread, within_limit
from coopos.domain.errors import ValidationError
from coopos.domain.sale import price_lines
from coopos.domain.vat import VAT_RATES
from tests.unit.test_vat_and_cart import make_line


@pytest.mark.parametrize(
    ("typed", "discount"),
    [
        ("10%", Discount(percent_bp=1000)),
        ("10 %", Discount(percent_bp=1000)),
        ("%10", Discount(percent_bp=1000)),
        ("12,5%", Discount(percent_bp=1250)),
        ("12.5%", Discount(percent_bp=1250)),
        ("١٠٪", Discount(percent_bp=1000)),  # Arabic-Indic digits and the Arabic percent sign
        ("&à%", Discount(percent_bp=1000)),  # 10 typed on the AZERTY digit row without Shift
        ("10", Discount(amount=1000)),
        ("5", Discount(amount=500)),
        ("10,50", Discount(amount=1050)),
        ("10.50", Discount(amount=1050)),
        ("٥", Discount(amount=500)),
        ("(", Discount(amount=500)),  # 5 on the AZERTY digit row
        ("0", Discount(amount=0)),
    ],
)
def test_a_typed_discount_is_a_percentage_or_an_amount(typed, discount):
    assert parse_discount(typed) == discount


@pytest.mark.parametrize("typed", ["", "%", "abc", "101%", "-5%", "-5", "1,234%", "10.555"])
def test_what_is_not_a_discount_is_refused(typed):
    with pytest.raises(ValidationError):
        parse_discount(typed)


def test_what_a_discount_takes_off():
    assert Discount(percent_bp=1000).of(6000) == 600
    assert Discount(percent_bp=1000).of(6005) == 601  # 60.05: half a centime rounds up
    assert Discount(amount=500).of(6000) == 500
    assert amount_off(Discount(amount=5000), 3000) == 3000  # the line shrank: cut to it
    assert amount_off(Discount(percent_bp=1000), 3000) == 300  # worked out again
    assert Discount(percent_bp=1250).describe() == "12.5%"
    assert Discount(amount=1050).describe() == "10.50"


def test_the_sellers_limit():
    assert within_limit(300, 6000, 500)  # 5 % of 60.00
    assert not within_limit(301, 6000, 500)


def test_spread_by_largest_remainder_hand_checked():
    # 10.00 over 30.00 + 30.00 + 30.00: 3.33 each and the odd centime to the first.
    assert spread(1000, [3000, 3000, 3000]) == [334, 333, 333]
    assert spread(0, [100, 200]) == [0, 0]
    assert spread(300, [100, 200]) == [100, 200]
    assert spread(500, []) == []
    with pytest.raises(ValidationError):
        spread(301, [100, 200])
    with pytest.raises(ValidationError):
        spread(-1, [100, 200])


@st.composite
def carts(draw):
    """A cart of 1-8 lines (line discounts within each line) and an order discount typed as
    a percentage or an amount, within what is left."""
    lines = []
    for n in range(draw(st.integers(1, 8))):
        price = draw(st.integers(0, 500_000))
        qty = draw(st.integers(1, 20))
        off = draw(st.integers(0, price * qty))
        lines.append(make_line(price, qty, draw(st.sampled_from(VAT_RATES)), off, n=n))
    base = sum(ln.net_before_order_discount for ln in lines)
    if draw(st.booleans()):
        order = Discount(percent_bp=draw(st.integers(0, 10000)))
    else:
        order = Discount(amount=draw(st.integers(0, base)))
    return lines, amount_off(order, base)


@given(carts())
def test_an_order_discount_spread_over_the_lines_adds_up(cart):
    lines, order_discount = cart
    totals = price_lines(lines, order_discount)
    shares = [p.order_discount for p in totals.lines]
    assert sum(shares) == order_discount  # the spread adds up exactly
    assert all(p.net >= 0 for p in totals.lines)  # no line below zero
    assert totals.total >= 0
    assert totals.total == totals.gross - totals.discounts
    assert totals.total == sum(p.net for p in totals.lines)
    # Each rate's VAT is taken from the sum of that rate's lines, and the rates add up.
    for vat in totals.vat:
        assert vat.gross == sum(p.net for p in totals.lines if p.line.vat_rate == vat.rate)
    assert sum(v.gross for v in totals.vat) == totals.total
    # The share follows the line's weight: never more than one centime off proportional.
    base = sum(ln.net_before_order_discount for ln in lines)
    for p in totals.lines:
        exact = Decimal(order_discount) * p.line.net_before_order_discount / base if base else 0
        assert abs(p.order_discount - exact) < 1 or base == 0


@given(
    st.integers(0, 500_000),
    st.integers(1, 50),
    st.integers(1, 50),
    st.integers(0, 10000),
)
def test_a_percentage_follows_the_quantity_and_never_exceeds_the_line(price, before, after, bp):
    discount = Discount(percent_bp=bp)
    first = amount_off(discount, price * before)
    again = amount_off(discount, price * after)
    assert 0 <= first <= price * before and 0 <= again <= price * after
    assert again == discount.of(price * after)
