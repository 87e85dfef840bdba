"""Discounts: what a seller types (``10%`` or ``10``), what it takes off, and a discount on
the whole sale spread over its lines.

A percentage is kept as basis points and worked out again from the amount it applies to
whenever that amount changes (a quantity changed, a line was added); an amount in MAD
stays as typed, never more than what it is taken from.  The sale's discount is spread
over the lines in proportion to their amounts by largest remainder
(:func:`coopos.domain.money.allocate`): the lines then add up exactly to the total, no
line goes below zero, and the VAT of each rate, taken from that rate's lines, stays right.
"""

from __future__ import annotations

from dataclasses import dataclass

from coopos.domain import keyboard
from coopos.domain.catalog import format_rate_bp, parse_rate_bp
from coopos.domain.errors import ValidationError
from coopos.domain.money import Cents, allocate, format_amount, parse_amount, percent_of
from coopos.i18n import _

# The percent sign as typed: ASCII, Arabic (U+066A), full-width and small forms.
PERCENT_SIGNS = "%٪％﹪"


@dataclass(frozen=True)
class Discount:
    """A percentage (``percent_bp``, 1000 = 10 %) or an amount in centimes."""

    percent_bp: int | None = None
    amount: Cents = 0

    @property
    def is_percent(self) -> bool:
        return self.percent_bp is not None

    def of(self, base: Cents) -> Cents:
        """What it takes off ``base``, as asked (not yet bounded by ``base``)."""
        return percent_of(base, self.percent_bp) if self.percent_bp is not None else self.amount

    def describe(self) -> str:
        """For the audit log: ``10%`` or ``10.00``."""
        if self.percent_bp is not None:
            return f"{format_rate_bp(self.percent_bp)}%"
        return format_amount(self.amount)


def parse_discount(text: str) -> Discount:
    """``10%`` (a percentage) or ``10`` / ``10,50`` / ``10.50`` (MAD), typed on any layout
    or in Arabic-Indic digits (read by :mod:`coopos.domain.keyboard`)."""
    raw = str(text).strip()
    number = raw.strip(PERCENT_SIGNS).strip()
    if not number:
        raise ValidationError(_("Type a discount: 10% for a percentage, 10 for an amount in MAD."))
    if number != raw:  # a percent sign before or after the number
        # The AZERTY digit row is read as digits only when all of it was typed there
        # (as for a PIN): "-5%" is a typo, not 65 %.
        return Discount(percent_bp=parse_rate_bp(keyboard.normalise(number, keyboard.Field.PIN)))
    amount = keyboard.parse_typed(number, parse_amount)
    if amount < 0:
        raise ValidationError(_("A discount cannot be negative."))
    return Discount(amount=amount)


def amount_off(discount: Discount, base: Cents) -> Cents:
    """What ``discount`` takes off ``base`` after ``base`` changed: never below zero,
    never more than ``base`` (an amount larger than a line that shrank is cut to it)."""
    return max(0, min(discount.of(base), max(base, 0)))


def spread(total: Cents, bases: list[Cents]) -> list[Cents]:
    """A discount of ``total`` on the whole sale as one share per line, in proportion to
    the lines' amounts ``bases`` (largest remainder): the shares add up to ``total`` and
    no share is larger than its line."""
    if not bases:
        return []
    if total < 0 or total > sum(bases) or any(b < 0 for b in bases):
        raise ValidationError(_("A discount must be between 0 and the total."))
    return allocate(total, bases)


def within_limit(amount: Cents, base: Cents, limit_bp: int) -> bool:
    """Whether a seller may give ``amount`` off ``base`` without a manager: at most
    ``limit_bp`` basis points of it (the ``discount.seller_limit_bp`` setting)."""
    return amount <= sellers_most(base, limit_bp)


def sellers_most(base: Cents, limit_bp: int) -> Cents:
    """The largest amount a seller may take off ``base`` without a manager."""
    return max(base, 0) * limit_bp // 10000
