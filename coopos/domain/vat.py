"""Moroccan VAT (TVA).  Prices are VAT-inclusive; the VAT is extracted per rate from the
VAT-inclusive total of that rate and rounded to the centime."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from coopos.domain.errors import ValidationError
from coopos.domain.money import Cents, round_cents
from coopos.i18n import _

VAT_RATES = (0, 7, 10, 14, 20)


def check_vat_rate(rate: int | str) -> int:
    try:
        value = int(str(rate).strip().rstrip("%").strip())
    except ValueError:
        value = -1
    if value not in VAT_RATES:
        raise ValidationError(_("VAT rate {rate} is not one of 0, 7, 10, 14 or 20 %.", rate=rate))
    return value


def vat_included(gross: Cents, rate: int) -> Cents:
    """VAT contained in a VAT-inclusive amount: gross * rate / (100 + rate), half-up."""
    return round_cents(Decimal(gross) * rate / Decimal(100 + rate))


@dataclass(frozen=True)
class VatLine:
    rate: int
    gross: Cents  # VAT included
    vat: Cents

    @property
    def net(self) -> Cents:
        return self.gross - self.vat


def vat_breakdown(amounts: Iterable[tuple[int, Cents]]) -> list[VatLine]:
    """Group ``(rate, gross)`` pairs by rate and extract VAT from each rate's total."""
    totals: dict[int, Cents] = {}
    for rate, gross in amounts:
        totals[rate] = totals.get(rate, 0) + gross
    return [
        VatLine(rate, gross, vat_included(gross, rate)) for rate, gross in sorted(totals.items())
    ]
