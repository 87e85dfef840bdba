"""Numbers, amounts and dates in the user's locale, with Babel (not QLocale, whose fr_MA
differs).  ``1 234,50 MAD`` in French, ``1.234,50 د.م.`` in Arabic; optionally
Arabic-Indic digits."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from babel.dates import format_datetime as babel_datetime
from babel.numbers import format_currency, format_decimal

from coopos.domain.quantity import format_quantity
from coopos.i18n import current_language

LOCALES = {"ar": "ar_MA", "fr": "fr_MA", "zgh": "zgh", "en": "en_GB"}
# Babel's English and Tamazight patterns glue the code to the number; keep a space.
_PATTERNS = {"en": "#,##0.00\u00a0¤", "zgh": "#,##0.00\u00a0¤"}

_arabic_digits = False
# Babel's "arab" numbering system changes the separators (٬ ٫) but keeps Latin digits.
_TO_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def use_arabic_digits(on: bool) -> None:
    global _arabic_digits
    _arabic_digits = on


def locale_of(language: str | None = None) -> str:
    return LOCALES.get(language or current_language(), "en_GB")


def _numbering(language: str) -> str:
    return "arab" if _arabic_digits and language == "ar" else "latn"


def _digits(text: str, language: str) -> str:
    return text.translate(_TO_ARABIC_INDIC) if _numbering(language) == "arab" else text


def format_money(cents: int, language: str | None = None) -> str:
    language = language or current_language()
    value = Decimal(cents) / 100
    text = format_currency(
        value,
        "MAD",
        format=_PATTERNS.get(language),
        locale=locale_of(language),
        numbering_system=_numbering(language),
    )
    return _digits(text, language)


def format_qty(qty: Decimal, language: str | None = None) -> str:
    """Whole numbers without decimals, weights with their 3 decimals."""
    text = format_quantity(qty)
    value = Decimal(text)
    language = language or current_language()
    pattern = "#,##0" if value == value.to_integral_value() else "#,##0.000"
    text = format_decimal(
        value, format=pattern, locale=locale_of(language), numbering_system=_numbering(language)
    )
    return _digits(text, language)


def format_local_time(local_iso: str, language: str | None = None) -> str:
    """A stored ``*_local`` ISO time, shown as the device saw it (short form)."""
    moment = datetime.fromisoformat(local_iso)
    return babel_datetime(moment.replace(tzinfo=None), format="short", locale=locale_of(language))
