"""Moroccan cash: the notes and coins counted at shift close."""

from __future__ import annotations

from coopos.domain.errors import ValidationError
from coopos.domain.money import Cents, format_amount
from coopos.i18n import _

# Notes 200/100/50/20 MAD, coins 10/5/2/1/0.50 MAD, in centimes.
DENOMINATIONS: tuple[Cents, ...] = (20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50)
NOTES: tuple[Cents, ...] = (2000, 5000, 10000, 20000)  # quick-tender buttons


def count_cash(counts: dict[Cents, int]) -> Cents:
    total = 0
    for denomination, n in counts.items():
        if denomination not in DENOMINATIONS:
            raise ValidationError(
                _("{value} MAD is not a Moroccan note or coin.", value=format_amount(denomination))
            )
        if n < 0:
            raise ValidationError(_("A count cannot be negative."))
        total += denomination * n
    return total
