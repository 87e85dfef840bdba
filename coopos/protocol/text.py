"""What text may cross the wire.  One definition for the till, which refuses bad text
where it comes in (catalog import, product and cooperative forms, the CLI, notes and
references), and for the server, which quarantines an event that carries it.

Three kinds of text:

- **codes** (SKU, barcode, cooperative, location, fair, receipt and note numbers): no
  control character (NUL, tab, line break, C1 controls, line/paragraph separators), no
  text-direction control (U+202A-202E, U+2066-2069) and no other invisible format
  character (zero-width space, BOM, soft hyphen...): two codes that look the same must be
  the same;
- **names** (products, cooperatives, places): no control character;
- **free text** (notes, reasons, references): no control character but tab and line
  breaks.

None of them may hold a lone surrogate (not Unicode text; no database stores it).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from typing import Any

from coopos.domain.errors import ValidationError
from coopos.i18n import _

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ASCII_CODE = re.compile(r"[\x20-\x7e]*")
_NAME_BAD = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_FREE_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
# What ``clean`` removes: control characters but tab and line breaks, separators,
# direction controls, zero-width space and BOM; lone surrogates become U+FFFD.
_CLEAN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b\ufeff]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


class TextProblem(enum.StrEnum):
    CONTROL = "control"  # NUL, C0/C1 controls, line and paragraph separators
    BIDI = "bidi"  # text-direction override, embedding or isolate
    INVISIBLE = "invisible"  # another invisible format character (in a code)
    NOT_UNICODE = "not_unicode"  # a lone surrogate


def _classify(char: str) -> TextProblem:
    category = unicodedata.category(char)
    if category == "Cs":
        return TextProblem.NOT_UNICODE
    if char in BIDI_CONTROLS:
        return TextProblem.BIDI
    if category == "Cf":
        return TextProblem.INVISIBLE
    return TextProblem.CONTROL


def code_problem(value: str) -> tuple[TextProblem, str] | None:
    """What is wrong with a code, and the first character at fault (None: nothing)."""
    if _ASCII_CODE.fullmatch(value):
        return None
    for char in value:
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            return _classify(char), char
    return None


def name_problem(value: str) -> tuple[TextProblem, str] | None:
    found = _NAME_BAD.search(value)
    return (_classify(found.group()), found.group()) if found else None


def free_text_problem(value: str) -> tuple[TextProblem, str] | None:
    found = _FREE_BAD.search(value)
    return (_classify(found.group()), found.group()) if found else None


def char_name(char: str) -> str:
    """``U+0000`` for a character nobody can see."""
    return f"U+{ord(char):04X}"


def describe(problem: TextProblem, field: str, char: str) -> str:
    """One translated sentence naming the field (``field`` is already translated)."""
    where = char_name(char)
    if problem is TextProblem.BIDI:
        return _(
            "{field} holds an invisible text-direction character ({char}): retype it.",
            field=field,
            char=where,
        )
    if problem is TextProblem.INVISIBLE:
        return _(
            "{field} holds an invisible character ({char}): retype it.", field=field, char=where
        )
    if problem is TextProblem.NOT_UNICODE:
        return _("{field} is not valid text ({char}): retype it.", field=field, char=where)
    return _(
        "{field} holds a control character ({char}, such as NUL or a line break): retype it.",
        field=field,
        char=where,
    )


def _check(found: tuple[TextProblem, str] | None, field: str) -> None:
    if found is not None:
        raise ValidationError(describe(found[0], field, found[1]))


def check_code(value: str, field: str) -> str:
    """``value`` if it is a valid code, else ValidationError naming ``field``."""
    _check(code_problem(value), field)
    return value


def check_name(value: str, field: str) -> str:
    _check(name_problem(value), field)
    return value


def check_free_text(value: str, field: str) -> str:
    _check(free_text_problem(value), field)
    return value


def clean(value: Any) -> Any:
    """``value`` (any JSON value) with what no text rule accepts removed from its strings
    and keys: what head office may choose to apply to a quarantined event."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", _CLEAN.sub("", value))
    if isinstance(value, list):
        return [clean(item) for item in value]
    if isinstance(value, dict):
        return {clean(key): clean(item) for key, item in value.items()}
    return value
