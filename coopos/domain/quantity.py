"""Quantities are Decimals with 3 places (grams of a kilo, millilitres of a litre).

They are stored as integer thousandths so that SQL sums stay exact.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from coopos.domain.errors import ValidationError
from coopos.domain.money import to_decimal
from coopos.i18n import _

QUANTUM = Decimal("0.001")
ONE = Decimal(1)
ZERO = Decimal(0)
MAX_QUANTITY = Decimal(10**9)


def quantity(value: str | int | Decimal) -> Decimal:
    """A quantity from user text or a number; more than 3 decimals is refused."""
    if isinstance(value, int):
        return Decimal(value).quantize(QUANTUM)
    dec = value if isinstance(value, Decimal) else to_decimal(value)
    if abs(dec) >= MAX_QUANTITY:
        raise ValidationError(_("“{text}” is too large a quantity.", text=value))
    if dec != dec.quantize(QUANTUM, rounding=ROUND_HALF_UP):
        raise ValidationError(_("“{text}” has more than three decimals.", text=value))
    return dec.quantize(QUANTUM)


def to_milli(qty: Decimal) -> int:
    return int(qty.quantize(QUANTUM) * 1000)


def from_milli(milli: int | None) -> Decimal:
    return (Decimal(milli or 0) / 1000).quantize(QUANTUM)


def format_quantity(qty: Decimal) -> str:
    """``3`` for whole numbers, ``1.250`` for weights."""
    if qty == qty.to_integral_value():
        return str(int(qty))
    return f"{qty.quantize(QUANTUM)}"
