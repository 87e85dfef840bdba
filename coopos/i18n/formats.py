"""Numbers, amounts and dates in the user's locale, with Babel (not QLocale, whose fr_MA
differs).  ``1 234,50 MAD`` in French, ``1.234,50 د.م.`` in Arabic; optionally
Arabic-Indic digits.  Times stored in UTC are shown in the shop's time zone
(:func:`format_utc_time`), Africa/Casablanca unless the settings say otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_datetime as babel_datetime
from babel.dates import format_skeleton
from babel.numbers import format_currency, format_decimal, format_percent

from coopos.domain.quantity import format_quantity
from coopos.i18n import current_language

LOCALES = {"ar": "ar_MA", "fr": "fr_MA", "zgh": "zgh", "en": "en_GB"}
# Babel's English and Tamazight patterns glue the code to the number; keep a space.
_PATTERNS = {"en": "#,##0.00\u00a0¤", "zgh": "#,##0.00\u00a0¤"}

_arabic_digits = False
DEFAULT_TIME_ZONE = "Africa/Casablanca"
_time_zone: tzinfo = ZoneInfo(DEFAULT_TIME_ZONE)
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


def format_percent_rate(rate: int | Decimal, language: str | None = None) -> str:
    """A rate given in percent (a VAT rate of ``10``) as the locale writes it: ``10 %``."""
    language = language or current_language()
    text = format_percent(
        Decimal(rate) / 100, locale=locale_of(language), numbering_system=_numbering(language)
    )
    return _digits(text, language)


# -- time zones --------------------------------------------------------------------------


def time_zone(name: str | None) -> tzinfo:
    """The zone named ``name`` (an IANA name such as ``Africa/Casablanca``); ``ValueError``
    for a name the time zone database does not know.  Empty: the default zone."""
    name = (name or "").strip() or DEFAULT_TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def use_time_zone(name: str | None) -> None:
    """The shop's time zone for every time shown from now on (the app calls it at start
    and when the settings change).  An unknown name keeps the default zone."""
    global _time_zone
    try:
        _time_zone = time_zone(name)
    except ValueError:
        _time_zone = ZoneInfo(DEFAULT_TIME_ZONE)


def shop_time_zone() -> tzinfo:
    return _time_zone


def to_shop_time(moment: datetime | str, zone: tzinfo | str | None = None) -> datetime:
    """A stored time (a naive ``*_utc`` column is UTC; an ISO text with an offset is taken
    as it says) as an aware datetime in ``zone`` (default: the shop's)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if isinstance(zone, str):
        zone = time_zone(zone)
    return moment.astimezone(zone or _time_zone)


def format_utc_time(
    moment: datetime | str,
    language: str | None = None,
    zone: tzinfo | str | None = None,
    *,
    date: bool = True,
    time: bool = True,
    seconds: bool = False,
) -> str:
    """A stored UTC time as the shop reads it: in its time zone, in the user's language
    (``4 déc. 2026 15:52``, ``4 دجنبر 2026، 15:52``), with the date, the time or both."""
    language = language or current_language()
    locale = Locale.parse(locale_of(language))
    local = to_shop_time(moment, zone)
    day = format_skeleton("yMMMd", local, locale=locale)
    clock = format_skeleton("Hms" if seconds else "Hm", local, locale=locale)
    if date and time:
        # the locale's own way of joining a date and a time ("{1} {0}", "{1}، {0}")
        pattern = str(locale.datetime_formats.get("medium", "{1} {0}"))
        text = pattern.replace("{1}", day).replace("{0}", clock).replace("'", "")
    else:
        text = day if date else clock
    return _digits(text, language)
