"""What a keyboard or a barcode scanner typed, read back as it was meant.

A USB scanner is a keyboard: it sends key positions, and the computer's layout turns them
into characters.  A scanner set for a US keyboard, on a French or Belgian AZERTY computer,
types ``&é"'(-è_çà`` for ``1234567890`` (the digits are shifted there), ``Q`` for ``A``,
``)`` for ``-``...  Sellers also type with Arabic-Indic (``٠١٢``) or Persian (``۰۱۲``) digits.

:func:`readings` is the one place that undoes this, for every field where a code, a PIN,
an amount or a quantity is typed (the desktop app and the CLI).  A code is always tried as
typed first, so a real code is never mangled; the un-mapped readings only come after.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from typing import TypeVar

from coopos.domain.errors import NotFoundError, ValidationError
from coopos.i18n import _

T = TypeVar("T")


class Field(enum.Enum):
    CODE = "code"  # a barcode, a SKU, a receipt number
    PIN = "pin"
    NUMBER = "number"  # an amount or a quantity


# Arabic-Indic (U+0660...) and Eastern Arabic-Indic / Persian (U+06F0...) digits.
FOLD_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)


def _keys(us: str, typed: str) -> dict[str, str]:
    """What each US key types on a layout, read back: {typed char: US char}."""
    assert len(us) == len(typed)
    return {t: u for u, t in zip(us, typed, strict=True) if t != u}


# The same physical keys, as a US layout and as the AZERTY layouts name them (unshifted,
# then shifted).  Shifted digits (US ``!@#...``) type digits on AZERTY: left out, so that
# digits are never read back as punctuation.  Dead keys (``^`` ``¨``) type nothing alone.
_US = "1234567890-=qwertyuiopasdfghjkl;zxcvbnm,./`'" + '_+QWERTYUIOPASDFGHJKL:ZXCVBNM<>?"]}\\|'
FRENCH = _keys(
    _US,
    "&é\"'(-è_çà)=azertyuiopqsdfghjklmwxcvbn,;:!²ù" + "°+AZERTYUIOPQSDFGHJKLMWXCVBN?./§%$£*µ",
)
BELGIAN = _keys(
    _US,
    "&é\"'(§è!çà)-azertyuiopqsdfghjklmwxcvbn,;:=²ù" + "°_AZERTYUIOPQSDFGHJKLMWXCVBN?./+%$*µ£",
)
LAYOUTS = {"fr": FRENCH, "be": BELGIAN}

# The digit row of both AZERTY layouts, unshifted: what a PIN or an amount typed without
# Shift (or by a US-set scanner) looks like.  The two layouts never disagree on a key.
_DIGIT_ROW = str.maketrans({**{k: v for k, v in FRENCH.items() if v.isdigit()}, "§": "6", "!": "8"})
_ROW_CHARS = frozenset("&é\"'(-§è_!çà")
_STRONG_ROW_CHARS = _ROW_CHARS - {"-", "'"}  # rare in codes, names and amounts
_EAN_SHAPE = re.compile(r"\d{8}|\d{12,14}")


def fold_digits(text: str) -> str:
    """Arabic-Indic and Persian digits as ASCII digits; everything else as is."""
    return text.translate(FOLD_DIGITS)


def readings(text: str, field: Field = Field.CODE) -> list[str]:
    """The ways ``text`` may have been meant, the likeliest first, never empty.

    - a code: as typed (digits folded), then un-mapped from the French and the Belgian
      AZERTY layouts (what a scanner set for a US keyboard types there);
    - a number: as typed, then with the AZERTY digit row read as digits;
    - a PIN (digits only, so nothing else can be meant): typed wholly on the digit row, as
      the digits of those keys.
    """
    typed = fold_digits(str(text).strip())
    if field is Field.PIN:
        # Only a PIN typed wholly on the digit row: "-1234" is a typo, not 61234.
        row = typed and all(ch in _ROW_CHARS for ch in typed)
        return [typed.translate(_DIGIT_ROW) if row else typed]
    if field is Field.NUMBER:
        candidates = [typed, typed.translate(_DIGIT_ROW)]
    else:
        candidates = [
            typed,
            *("".join(keys.get(ch, ch) for ch in typed) for keys in LAYOUTS.values()),
        ]
    return list(dict.fromkeys(candidates))


def normalise(text: str, field: Field) -> str:
    """The likeliest reading (for a PIN, the only one)."""
    return readings(text, field)[0]


def parse_typed(text: str, parse: Callable[[str], T], field: Field = Field.NUMBER) -> T:
    """``parse`` of the first reading it accepts; if none, the error about the text as typed."""
    first: ValidationError | None = None
    for reading in readings(text, field):
        try:
            return parse(reading)
        except ValidationError as exc:
            first = first or exc
    assert first is not None
    raise first


def looks_mangled(text: str) -> bool:
    """A scan that nothing matched and that looks typed through the wrong layout: mostly
    AZERTY digit-row characters, or a reading shaped like an EAN/UPC barcode."""
    typed = fold_digits(str(text).strip())
    if not typed:
        return False
    strong = sum(ch in _STRONG_ROW_CHARS for ch in typed)
    if len(typed) >= 4 and strong * 2 >= len(typed):
        return True
    return not _EAN_SHAPE.fullmatch(typed) and any(
        _EAN_SHAPE.fullmatch(r) for r in readings(typed)[1:]
    )


def unknown_code(code: str) -> NotFoundError:
    """The error for a scanned code that matches nothing, with the likely cause."""
    if looks_mangled(code):
        return NotFoundError(
            _(
                "Unknown barcode “{code}”: the scanner is probably set for another keyboard "
                "layout than this computer; in the scanner's set-up guide, scan the code for "
                "this computer's layout (e.g. French AZERTY).",
                code=code,
            )
        )
    return NotFoundError(_("Unknown barcode “{code}”: nothing was added.", code=code))


def whole_digits(text: str) -> int:
    """How many digits a typed amount has before its decimal separator, whatever the
    layout or digit system (``1 234,50`` has 4): a barcode has more than any amount."""
    number = readings(text, Field.NUMBER)[-1].replace(" ", "")
    separators = [i for i in (number.rfind(","), number.rfind(".")) if i >= 0]
    if separators and len(number) - max(separators) - 1 <= 2:  # cents after it
        number = number[: max(separators)]
    return sum(ch.isdigit() for ch in number)
