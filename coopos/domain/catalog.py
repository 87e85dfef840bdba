"""Catalog rules: units, roles, names and commission rates."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from coopos.domain.errors import ValidationError
from coopos.domain.money import to_decimal
from coopos.i18n import N_, _

LANGUAGES = ("ar", "fr", "en", "zgh")


class Unit(enum.StrEnum):
    PIECE = "piece"
    KG = "kg"
    G = "g"
    L = "l"
    ML = "ml"

    @classmethod
    def parse(cls, text: str) -> Unit:
        key = (text or "piece").strip().lower()
        key = {"pc": "piece", "pcs": "piece", "u": "piece", "unit": "piece", "": "piece"}.get(
            key, key
        )
        try:
            return cls(key)
        except ValueError:
            raise ValidationError(
                _("Unknown unit “{unit}”: use piece, kg, g, l or ml.", unit=text)
            ) from None

    @property
    def weighed(self) -> bool:
        """Sold by weight or volume: the quantity is a decimal typed or read from a scale."""
        return self is not Unit.PIECE

    @property
    def label(self) -> str:
        """As shown to people (كغ, ⴽⴳ); the CLI and files keep the English ``value``."""
        return _(UNIT_LABELS[self])


UNIT_LABELS = {
    Unit.PIECE: N_("piece"),
    Unit.KG: N_("kg"),
    Unit.G: N_("g"),
    Unit.L: N_("l"),
    Unit.ML: N_("ml"),
}


def unit_label(unit: str) -> str:
    """A stored unit (``kg``) as shown in the current language; unknown text as it is."""
    try:
        return Unit(unit).label
    except ValueError:
        return unit


class Role(enum.StrEnum):
    SELLER = "seller"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def is_manager(self) -> bool:
        return self in (Role.MANAGER, Role.ADMIN)

    @property
    def label(self) -> str:
        return _(ROLE_LABELS[self])


ROLE_LABELS = {Role.SELLER: N_("Seller"), Role.MANAGER: N_("Manager"), Role.ADMIN: N_("Admin")}


def pick_name(names: dict[str, str | None], language: str) -> str:
    """The name in ``language``, else the first one available (fr, ar, en, zgh)."""
    if names.get(language):
        return names[language] or ""
    for lang in ("fr", "ar", "en", "zgh"):
        if names.get(lang):
            return names[lang] or ""
    return ""


def sold_name(snapshot: str, names: dict[str, str | None] | None, sku: str, language: str) -> str:
    """The name to show for a product sold under ``snapshot``: its name in ``language``
    while the catalog still holds the name that was sold (in any language), else the name
    that was sold (the product was renamed since, or is gone: ``names`` is None)."""
    if names is not None and (snapshot in {n for n in names.values() if n} or snapshot == sku):
        return pick_name(names, language) or snapshot
    return snapshot


def parse_rate_bp(text: str | int | Decimal) -> int:
    """A percentage (``15``, ``12,5``, ``12.5 %``) to basis points (1250)."""
    try:
        value = to_decimal(str(text).replace("%", "")) if not isinstance(text, Decimal) else text
        bp = value * 100
    except (ValidationError, InvalidOperation):
        raise ValidationError(_("“{text}” is not a percentage.", text=text)) from None
    if bp != bp.to_integral_value() or not 0 <= bp <= 10000:
        raise ValidationError(_("A percentage must be between 0 and 100.", text=text))
    return int(bp)


def format_rate_bp(bp: int) -> str:
    whole, part = divmod(bp, 100)
    return f"{whole}" if part == 0 else f"{whole}.{part:02d}".rstrip("0")


def released_barcodes(
    wanted: Mapping[str, Iterable[str]], held: Mapping[str, Iterable[str]]
) -> dict[str, set[str]]:
    """For a catalog import: the barcodes each product of the file gives up (``held``
    now, not in its row of ``wanted``), by SKU.  They are freed before any barcode is
    given, because barcodes may change hands within one file (two products swap theirs)."""
    lost = {sku: set(held.get(sku, ())) - set(codes) for sku, codes in wanted.items()}
    return {sku: codes for sku, codes in lost.items() if codes}
