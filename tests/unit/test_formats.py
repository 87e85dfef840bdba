"""Amounts, quantities and dates in each locale (Babel, not QLocale), both digit systems,
and user input parsed whatever the digits and decimal sign."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from coopos.domain.money import parse_amount
from coopos.domain.quantity import quantity
from coopos.i18n.formats import (
    format_local_time,
    format_money,
    format_percent_rate,
    format_qty,
    format_utc_time,
    time_zone,
    to_shop_time,
    use_arabic_digits,
    use_time_zone,
)

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


# -- times stored in UTC, shown in the shop's time zone ----------------------------------------


@pytest.fixture
def _shop_zone():
    use_time_zone(None)
    yield
    use_time_zone(None)


@pytest.mark.usefixtures("_shop_zone")
def test_a_utc_time_is_shown_in_casablanca_by_default():
    moment = datetime(2026, 12, 4, 14, 52, 2)  # a naive *_utc column
    assert format_utc_time(moment, "fr") == "4 déc. 2026, 15:52"
    assert format_utc_time(moment, "en") == "4 Dec 2026, 15:52"
    assert format_utc_time(moment, "fr", date=False) == "15:52"
    assert format_utc_time(moment, "fr", time=False) == "4 déc. 2026"
    assert format_utc_time(moment, "fr", seconds=True).endswith("15:52:02")
    # the same instant written with an offset, or as text
    assert format_utc_time("2026-12-04T14:52:02+00:00", "fr") == "4 déc. 2026, 15:52"
    assert format_utc_time(datetime(2026, 12, 4, 15, 52, tzinfo=UTC), "fr").endswith("16:52")


@pytest.mark.usefixtures("_shop_zone")
def test_arabic_dates_name_the_month_and_keep_no_iso_form():
    text = format_utc_time(datetime(2026, 12, 4, 14, 52), "ar")
    assert text == "4 دجنبر 2026، 15:52"
    use_arabic_digits(True)
    assert format_utc_time(datetime(2026, 12, 4, 14, 52), "ar") == "٤ دجنبر ٢٠٢٦، ١٥:٥٢"


@pytest.mark.usefixtures("_shop_zone")
def test_morocco_goes_back_to_utc_during_ramadan():
    assert format_utc_time(datetime(2026, 3, 1, 12, 0), "fr", date=False) == "12:00"
    assert format_utc_time(datetime(2026, 6, 1, 12, 0), "fr", date=False) == "13:00"


@pytest.mark.usefixtures("_shop_zone")
def test_the_shops_zone_is_chosen_once_or_given_per_call():
    moment = datetime(2026, 12, 4, 20, 30)
    assert format_utc_time(moment, "fr", "Asia/Tokyo") == "5 déc. 2026, 05:30"
    use_time_zone("America/New_York")
    assert format_utc_time(moment, "fr") == "4 déc. 2026, 15:30"
    assert to_shop_time(moment).utcoffset().total_seconds() == -5 * 3600
    use_time_zone("Nowhere/Atlantis")  # an unknown zone falls back to Casablanca
    assert format_utc_time(moment, "fr", date=False) == "21:30"
    with pytest.raises(ValueError):
        time_zone("Nowhere/Atlantis")


def test_percent_rates():
    assert format_percent_rate(10, "fr") == f"10{NBSP}%"
    assert format_percent_rate(20, "en") == "20%"
