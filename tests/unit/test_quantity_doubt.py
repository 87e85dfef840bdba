"""Quantities that make no sense: above the stock here or the unit's maximum, and grams
typed in a kg field offered as the likely mistake."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopos.domain.quantity import QuantityDoubt, quantity_doubt, unit_limit

D = Decimal
quantities = st.decimals(min_value=D("0.001"), max_value=D(100000), places=3)
stocks = st.none() | st.decimals(min_value=D(-50), max_value=D(1000), places=3)
limits = st.none() | st.integers(min_value=1, max_value=500).map(D)


def test_the_issue_s_examples():
    assert quantity_doubt(D(999), "kg", D(18), D(50)) == QuantityDoubt(
        D(999), D(18), D(50), D("0.999")
    )
    assert quantity_doubt(D(5000), "piece", D(40), D(200)) == QuantityDoubt(
        D(5000), D(40), D(200), None
    )
    assert quantity_doubt(D(250), "kg", D("6.5"), D(50)).likely == D("0.250")


def test_plausible_quantities_pass_silently():
    assert quantity_doubt(D("1.250"), "kg", D(18), D(50)) is None
    assert quantity_doubt(D(3), "piece", D(40), D(200)) is None
    assert quantity_doubt(D(3), "piece", D(0), D(200)) is None  # no stock recorded: no nag
    assert quantity_doubt(D(3), "piece", None, None) is None


def test_what_is_already_in_the_cart_counts():
    doubt = quantity_doubt(D(5), "piece", D(40), D(200), already=D(38))
    assert doubt == QuantityDoubt(D(5), D(40), None, None)


def test_grams_are_only_offered_for_kg_and_litres():
    assert quantity_doubt(D(250), "piece", None, D(200)).likely is None
    assert quantity_doubt(D(750), "l", None, D(50)).likely == D("0.750")
    assert quantity_doubt(D(60000), "g", None, unit_limit("g", 200, 50)).likely is None


def test_unit_limits_follow_the_settings():
    assert unit_limit("piece", 200, 50) == 200
    assert unit_limit("kg", 200, 50) == 50
    assert unit_limit("ml", 200, 50) == 50000
    assert unit_limit("kg", 200, 0) is None  # 0: no maximum


@given(qty=quantities, on_hand=stocks, limit=limits, unit=st.sampled_from(["kg", "piece", "l"]))
def test_a_doubt_exactly_when_a_bound_is_passed(qty, on_hand, limit, unit):
    doubt = quantity_doubt(qty, unit, on_hand, limit)
    above_stock = on_hand is not None and on_hand > 0 and qty > on_hand
    above_limit = limit is not None and qty > limit
    assert (doubt is not None) == (above_stock or above_limit)
    if doubt is not None:
        assert (doubt.on_hand is not None) == above_stock
        assert (doubt.limit is not None) == above_limit
        if doubt.likely is not None:  # what is offered instead is itself plausible
            assert quantity_doubt(doubt.likely, unit, on_hand, limit) is None
            assert doubt.likely * 1000 == qty


@pytest.mark.parametrize("unit", ["kg", "l"])
def test_a_whole_number_below_fifty_is_not_read_as_grams(unit):
    assert quantity_doubt(D(25), unit, D(18), D(50)).likely is None
