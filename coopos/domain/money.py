"""Money is an ``int`` number of centimes of dirham (MAD).  Never a float.

Parsing accepts what people type and what spreadsheets write: ``45.50``, ``45,50``,
``1 234,50``, ``1.234,50``, Arabic-Indic digits ``٤٥٫٥٠`` and a ``MAD``/``DH``/``د.م.`` sign.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from coopos.domain.errors import ValidationError
from coopos.domain.keyboard import FOLD_DIGITS
from coopos.i18n import _

Cents = int

# Arabic-Indic and Persian digits to ASCII (the keyboard module's table), separators too.
_DIGITS = dict(FOLD_DIGITS)
_DIGITS.update(
    {
        ord("٫"): ",",  # Arabic decimal separator
        ord("٬"): " ",  # Arabic thousands separator
        ord("\u00a0"): " ",
        ord("\u202f"): " ",
        ord("’"): " ",  # Swiss-style grouping sometimes pasted in
        ord("'"): " ",
        ord("\u2212"): "-",
    }
)
_CURRENCY = re.compile(r"(?i)(mad|dhs?|د\.?\s?م\.?|درهم)")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")

CENT = Decimal("0.01")
# No till takes a billion dirhams at once; bigger is a typo (and would overflow Decimal).
MAX_AMOUNT = Decimal(10**9)


def normalise_number_text(text: str) -> str:
    """Fold digit systems and separators to a plain ``1234.5`` form (or raise)."""
    raw = str(text).translate(_DIGITS)
    raw = _CURRENCY.sub("", raw).strip().replace(" ", "")
    if not raw:
        raise ValidationError(_("An amount is missing."))
    comma, dot = raw.rfind(","), raw.rfind(".")
    if comma >= 0 and dot >= 0:
        # The right-most separator is the decimal one; the other groups thousands.
        if comma > dot:
            raw = raw.replace(".", "").replace(",", ".")
        else:
            raw = raw.replace(",", "")
    elif comma >= 0:
        raw = raw.replace(",", ".") if raw.count(",") == 1 else raw.replace(",", "")
    elif raw.count(".") > 1:
        raw = raw.replace(".", "")
    if not _NUMBER.match(raw):
        raise ValidationError(_("“{text}” is not a number.", text=text))
    return raw


def to_decimal(text: str) -> Decimal:
    try:
        return Decimal(normalise_number_text(text))
    except InvalidOperation as exc:  # pragma: no cover - regex already guards this
        raise ValidationError(_("“{text}” is not a number.", text=text)) from exc


def parse_amount(text: str | int | Decimal) -> Cents:
    """Parse an amount in MAD to centimes; more than 2 decimals is refused, not rounded."""
    if isinstance(text, int):
        return text * 100
    value = text if isinstance(text, Decimal) else to_decimal(text)
    if abs(value) >= MAX_AMOUNT:
        raise ValidationError(_("“{text}” is too large an amount.", text=text))
    if value != value.quantize(CENT):
        raise ValidationError(_("“{text}” has more than two decimals.", text=text))
    return int(value * 100)


def round_cents(value: Decimal) -> Cents:
    """Round a Decimal number of centimes half-up (away from zero on .5) to an int."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_amount(cents: Cents, currency: bool = False) -> str:
    """Plain, locale-neutral form (``1234.50``) used by the CLI and CSV exports.

    Locale-aware formatting (``1 234,50 MAD``, ``1.234,50 د.م.``) is in ``coopos.i18n.formats``.
    """
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    text = f"{sign}{whole}.{part:02d}"
    return f"{text} MAD" if currency else text


def percent_of(cents: Cents, basis_points: int) -> Cents:
    """``cents * basis_points / 10000`` rounded half-up; 1500 basis points = 15 %."""
    return round_cents(Decimal(cents) * basis_points / Decimal(10000))


def allocate(total: Cents, weights: list[Cents]) -> list[Cents]:
    """Split ``total`` across ``weights`` proportionally so that the parts add up exactly.

    Largest-remainder method: used to spread an order discount over the lines so that
    per-line, per-rate and per-cooperative figures always sum to the order's.
    """
    if not weights:
        return []
    base = sum(weights)
    if base == 0:
        parts = [0] * len(weights)
        parts[0] = total
        return parts
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    exact = [Decimal(magnitude) * w / base for w in weights]
    parts = [int(x) for x in exact]
    remainder = magnitude - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (exact[i] - parts[i], -i), reverse=True)
    for i in order[:remainder]:
        parts[i] += 1
    return [sign * p for p in parts]
