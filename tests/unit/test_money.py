"""Money: parsing what people type, formatting, percentages and exact allocation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopos.domain.errors import ValidationError
from coopos.domain.money import allocate, format_amount, parse_amount, percent_of

# -- parse_amount ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("45.50", 4550),
        ("45,50", 4550),
        ("1 234,50", 123450),
        ("1\u00a0234,50", 123450),  # no-break space, as spreadsheets write it
        ("1.234,50", 123450),
        ("1,234.50", 123450),
        ("٤٥٫٥٠", 4550),  # Arabic-Indic digits and Arabic decimal separator
        ("١٬٢٣٤٫٥٠", 123450),  # ... with the Arabic thousands separator
        ("۴۵", 4500),  # Persian digits
        ("45 MAD", 4500),
        ("45 mad", 4500),
        ("45 DH", 4500),
        ("45 د.م.", 4500),
        ("45", 4500),
        ("0", 0),
        ("0,05", 5),
        ("-45.50", -4550),
        ("-45,50", -4550),
        ("\u221245,50", -4550),  # the typographic minus sign
        ("1.234.567", 123456700),  # several dots can only be thousands separators
        ("1,234,567", 123456700),
        ("  12,3  ", 1230),
    ],
)
def test_parse_amount_accepts_what_people_type(text, cents):
    assert parse_amount(text) == cents


def test_parse_amount_of_int_is_whole_dirhams():
    assert parse_amount(45) == 4500
    assert parse_amount(-3) == -300


def test_parse_amount_of_decimal():
    assert parse_amount(Decimal("12.34")) == 1234


@pytest.mark.parametrize("text", ["abc", "12abc", "4 5x", "--45", "1.2.3,4,5", "-"])
def test_parse_amount_refuses_non_numbers(text):
    with pytest.raises(ValidationError, match="not a number"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["", "   ", "MAD", "د.م."])
def test_parse_amount_refuses_missing_amount(text):
    with pytest.raises(ValidationError, match="missing"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["45.555", "45,555", "0.001", Decimal("1.005")])
def test_parse_amount_refuses_more_than_two_decimals(text):
    with pytest.raises(ValidationError, match="more than two decimals"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["1.234", "1,234"])
def test_parse_amount_single_separator_with_three_digits_is_a_decimal_and_refused(text):
    # One separator followed by three digits is read as a decimal separator, so
    # "1.234" and "1,234" are 1.234 MAD (three decimals) and refused, never 1234 MAD.
    with pytest.raises(ValidationError, match="more than two decimals"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["9" * 30, "1000000000", "-1 000 000 000,00"])
def test_parse_amount_huge_input_is_a_validation_error(text):
    # What a user types must end in a ValidationError, not in a raw decimal exception;
    # a billion dirhams or more is a typo.
    with pytest.raises(ValidationError, match="too large"):
        parse_amount(text)


def test_parse_amount_just_below_the_limit():
    assert parse_amount("999 999 999,99") == 99_999_999_999


# -- format_amount ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (0, "0.00"),
        (5, "0.05"),
        (50, "0.50"),
        (4550, "45.50"),
        (123450, "1234.50"),
        (-5, "-0.05"),
        (-4550, "-45.50"),
        (100000000, "1000000.00"),
    ],
)
def test_format_amount(cents, text):
    assert format_amount(cents) == text


def test_format_amount_with_currency():
    assert format_amount(4550, currency=True) == "45.50 MAD"
    assert format_amount(-1, currency=True) == "-0.01 MAD"


# -- percent_of ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "bp", "expected"),
    [
        (10000, 1500, 1500),  # 15 % of 100.00
        (1, 5000, 1),  # 0.5 -> 1 (half-up)
        (3, 5000, 2),  # 1.5 -> 2
        (10, 1500, 2),  # 1.5 -> 2
        (3, 1500, 0),  # 0.45 -> 0
        (7, 1000, 1),  # 0.7 -> 1
        (14, 1000, 1),  # 1.4 -> 1
        (-1, 5000, -1),  # half away from zero
        (-10, 1500, -2),
        (-3, 1500, 0),
        (12345, 0, 0),
        (12345, 10000, 12345),
        (999, 1250, 125),  # 124.875 -> 125
    ],
)
def test_percent_of_rounds_half_up(cents, bp, expected):
    assert percent_of(cents, bp) == expected


# -- allocate -----------------------------------------------------------------------------------


def test_allocate_largest_remainder():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(-100, [1, 1, 1]) == [-34, -33, -33]
    assert allocate(1000, [6000, 3000, 1000]) == [600, 300, 100]
    # 10 * 2/3 = 6.67 and 10 * 1/3 = 3.33: the larger remainder gets the centime.
    assert allocate(10, [200, 100]) == [7, 3]


def test_allocate_tie_goes_to_the_first_line():
    assert allocate(1, [1, 1]) == [1, 0]
    assert allocate(3, [1, 1]) == [2, 1]


def test_allocate_edge_cases():
    assert allocate(500, []) == []
    assert allocate(0, [10, 20]) == [0, 0]
    # Nothing to weigh by: the first line takes it all, the sum stays exact.
    assert allocate(5, [0, 0]) == [5, 0]
    assert allocate(700, [0, 250, 0]) == [0, 700, 0]


weights_st = st.lists(st.integers(min_value=0, max_value=10_000_000), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(total=st.integers(min_value=-10_000_000, max_value=10_000_000), weights=weights_st)
def test_allocate_properties(total, weights):
    parts = allocate(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts) == total
    base = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert part == 0 or (part > 0) == (total > 0)
        if base:
            exact = Decimal(total) * weight / base
            assert abs(Decimal(part) - exact) < 1, (part, exact)


@settings(max_examples=300, deadline=None)
@given(cents=st.integers(min_value=-(10**11) + 1, max_value=10**11 - 1))
def test_format_parse_round_trip(cents):
    assert parse_amount(format_amount(cents)) == cents
    assert parse_amount(format_amount(cents, currency=True)) == cents
