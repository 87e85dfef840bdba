"""Quantities are Decimals with 3 places (grams of a kilo, millilitres of a litre).

They are stored as integer thousandths so that SQL sums stay exact.
"""

from __future__ import annotations

from dataclasses import dataclass
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


# -- quantities that make no sense ------------------------------------------------------------


@dataclass(frozen=True)
class QuantityDoubt:
    """Why a typed quantity looks like a mistake, for the seller to confirm or correct."""

    quantity: Decimal
    on_hand: Decimal | None  # the stock here, when the quantity is above it
    limit: Decimal | None  # the shop's maximum for the unit, when the quantity is above it
    likely: Decimal | None  # what was probably meant (grams typed in a kg field)


# Weights and volumes whose small unit a seller may type by mistake (250 for 0.250 kg).
_BIG_UNITS = ("kg", "l")
# A whole number at least this large in a kg (or l) field reads as grams (or ml).
GRAMS_FROM = Decimal(50)


def unit_limit(unit: str, max_pieces: int, max_kg: int) -> Decimal | None:
    """The shop's plausible maximum for one line in ``unit`` (None: no maximum)."""
    if unit in ("g", "ml"):
        limit = max_kg * 1000
    elif unit in ("kg", "l"):
        limit = max_kg
    else:
        limit = max_pieces
    return Decimal(limit) if limit > 0 else None


def quantity_doubt(
    qty: Decimal,
    unit: str,
    on_hand: Decimal | None,
    limit: Decimal | None,
    already: Decimal = ZERO,
) -> QuantityDoubt | None:
    """A doubt when ``qty`` (with what is ``already`` in the cart) is above the stock on
    hand (when some is recorded) or above the unit's maximum; with the likely meaning when
    it looks typed in grams in a kg field."""

    def above(total: Decimal) -> tuple[bool, bool]:
        return (
            on_hand is not None and on_hand > 0 and total > on_hand,
            limit is not None and total > limit,
        )

    above_stock, above_limit = above(already + qty)
    if not (above_stock or above_limit):
        return None
    likely = None
    if unit in _BIG_UNITS and qty >= GRAMS_FROM and qty == qty.to_integral_value():
        small = (qty / 1000).quantize(QUANTUM)
        if not any(above(already + small)):
            likely = small
    return QuantityDoubt(
        qty, on_hand if above_stock else None, limit if above_limit else None, likely
    )
