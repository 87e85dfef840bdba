"""Amounts, quantities and dates in each locale (Babel, not QLocale), both digit systems,
and user input parsed whatever the digits and decimal sign."""

from datetime import datetime
from decimal import Decimal

import pytest

from coopos.domain.money import parse_amount
from coopos.domain.quantity import quantity
from coopos.i18n.formats import format_local_time, format_money, format_qty, use_arabic_digits

NBSP, NNBSP, RLM = "\u00a0", "\u202f", "\u200f"


@pytest.fixture(autouse=True)
def _latin_digits():
    use_arabic_digits(False)
    yield
    use_arabic_digits(False)


def test_money_in_each_locale():
    assert format_money(123450, "fr") == f"1{NNBSP}234,50{NBSP}MAD"
    assert format_money(123450, "ar") == f"{RLM}1.234,50{NBSP}د.م.{RLM}"
    assert format_money(123450, "en") == f"1,234.50{NBSP}MAD"
    assert format_money(-4550, "fr") == f"-45,50{NBSP}MAD"


def test_arabic_indic_digits_option():
    use_arabic_digits(True)
    assert format_money(123450, "ar") == f"{RLM}١٬٢٣٤٫٥٠{NBSP}د.م.{RLM}"
    assert format_qty(Decimal("1.25"), "ar") == "١٫٢٥٠"
    assert format_money(123450, "fr") == f"1{NNBSP}234,50{NBSP}MAD"  # only Arabic changes


def test_quantities():
    assert format_qty(Decimal(3), "fr") == "3"
    assert format_qty(Decimal("1.25"), "fr") == "1,250"
    assert format_qty(Decimal("1.25"), "en") == "1.250"


def test_dates_show_the_device_local_time():
    stamp = "2026-11-22T17:50:23+01:00"
    assert format_local_time(stamp, "fr") == "22/11/2026 17:50"
    assert "17:50" in format_local_time(stamp, "ar")
    assert datetime.fromisoformat(stamp).hour == 17


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("45,50", 4550),
        ("45.50", 4550),
        ("٤٥٫٥٠", 4550),
        ("۴۵,۵۰", 4550),
        ("1 234,50", 123450),
        ("1.234,50", 123450),
        ("١٬٢٣٤٫٥٠", 123450),
        ("200", 20000),
    ],
)
def test_amounts_typed_in_either_digit_system(typed, cents):
    assert parse_amount(typed) == cents


@pytest.mark.parametrize(("typed", "qty"), [("1,250", "1.250"), ("١٫٢٥", "1.250"), ("2", "2")])
def test_weights_typed_in_either_digit_system(typed, qty):
    assert quantity(typed) == Decimal(qty)
