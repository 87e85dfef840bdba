"""The shape of the codes the till and the server both create and exchange: a
cooperative's, a location's, a fair's.  One rule each, applied wherever one is typed
(the till's screens and CLI, the server's admin) and by the catalog import.

Codes are ASCII letters, digits, ``-`` and ``_``, so that they print on any receipt
printer, sort the same everywhere and survive a spreadsheet.  The columns hold 32
characters (16 for a cooperative); a fair's code is at most 26 so that its stand,
``STAND-<fair>``, still fits a location's 32.  The server allowed 32 for a fair before
this rule was shared: fairs it already holds keep their codes (nothing is migrated), a new
one follows the rule.
"""

from __future__ import annotations

import re

from coopos.domain.errors import ValidationError
from coopos.i18n import _

COOPERATIVE_MAX = 16
LOCATION_MAX = 32
FAIR_MAX = 26

_COOPERATIVE = re.compile(rf"[A-Za-z0-9_\-]{{1,{COOPERATIVE_MAX}}}")
_LOCATION = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_\-]{{0,{LOCATION_MAX - 1}}}")
_FAIR = re.compile(rf"[A-Za-z0-9_\-]{{1,{FAIR_MAX}}}")


def is_cooperative_code(code: str) -> bool:
    return bool(_COOPERATIVE.fullmatch(code))


def is_location_code(code: str) -> bool:
    return bool(_LOCATION.fullmatch(code))


def is_fair_code(code: str) -> bool:
    return bool(_FAIR.fullmatch(code))


def location_code(code: str) -> str:
    """A typed location code, in capitals; ``ValidationError`` if it breaks the rule."""
    code = code.strip().upper()
    if not is_location_code(code):
        raise ValidationError(
            _("A location code is 1 to 32 letters, digits, - or _ (not “{code}”).", code=code)
        )
    return code


def fair_code(code: str) -> str:
    """A typed fair code, in capitals; ``ValidationError`` if it breaks the rule."""
    code = code.strip().upper()
    if not is_fair_code(code):
        raise ValidationError(
            _("A fair code is 1 to 26 letters, digits, - or _ (not “{code}”).", code=code)
        )
    return code


__all__ = [
    "COOPERATIVE_MAX",
    "FAIR_MAX",
    "LOCATION_MAX",
    "fair_code",
    "is_cooperative_code",
    "is_fair_code",
    "is_location_code",
    "location_code",
]
