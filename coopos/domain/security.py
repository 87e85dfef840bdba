"""PINs are stored as salted scrypt hashes (hashlib.scrypt), never in clear.

A hash reads ``scrypt$N$r$p$salt$digest$hint``.  A PIN alone identifies a user at login,
so without help the till would run the slow scrypt once per user.  The ``hint`` is 6 bits
of a fast keyed hash (HMAC-SHA256 keyed by the user's own salt): at login every user's
hint is checked in microseconds and scrypt runs only for the one or two whose hint
matches.  The cost: an attacker holding the file tests 64 times fewer PINs with scrypt
(docs/security.md weighs it; a short PIN never resists an offline attack anyway).
Hashes written before the hint (six fields) still verify, with no shortcut.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re

from coopos.domain import keyboard
from coopos.domain.errors import ValidationError
from coopos.i18n import _

# Measured by bench/pin_kdf.py (docs/benchmarks.md): n=2**14, r=12 (24 MiB, 1.5 times the
# cost before) is about 60 ms of CPU here, 150 ms on a cheap laptop: the most that keeps
# a PIN check under 200 ms there.  Older hashes name their own cost.
_N, _R, _P = 2**14, 12, 1
_MAXMEM = 2**27  # room for n=2**16, r=8 (64 MiB), the most a stored hash may ask for
HINT_BITS = 6
_PIN = re.compile(r"^[0-9]{4,8}$")


def normalise_pin(pin: str) -> str:
    """The same PIN whether typed with Latin, Arabic-Indic or Persian digits, or on the
    digit row of an AZERTY keyboard without Shift (``&é"'`` for 1234)."""
    return keyboard.normalise(pin, keyboard.Field.PIN)


def check_pin_format(pin: str) -> str:
    pin = normalise_pin(pin)
    if not _PIN.match(pin):
        raise ValidationError(_("A PIN is 4 to 8 digits."))
    return pin


def _hint(pin: str, salt: bytes) -> int:
    mac = hmac.new(salt, b"coopos-pin-hint:" + pin.encode(), hashlib.sha256).digest()
    return mac[0] >> (8 - HINT_BITS)


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32)


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    pin = normalise_pin(pin)
    digest = _scrypt(pin, salt, _N, _R, _P)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}${_hint(pin, salt)}"


def _parts(stored: str) -> tuple[int, int, int, bytes, str, int | None]:
    fields = stored.split("$")
    if len(fields) == 6:
        fields.append("")
    scheme, n, r, p, salt, digest, hint = fields
    if scheme != "scrypt":
        raise ValueError("not a coopos PIN hash")
    return int(n), int(r), int(p), bytes.fromhex(salt), digest, int(hint) if hint else None


def might_match(pin: str, stored: str) -> bool:
    """False when the stored hint proves ``pin`` wrong (microseconds); True when only the
    slow check can tell (an old hash without hint is always a candidate)."""
    try:
        _n, _r, _p, salt, _digest, hint = _parts(stored)
    except (ValueError, TypeError):
        return False
    return hint is None or hint == _hint(normalise_pin(pin), salt)


def verify_pin(pin: str, stored: str) -> bool:
    try:
        n, r, p, salt, digest, hint = _parts(stored)
        pin = normalise_pin(pin)
        if hint is not None and hint != _hint(pin, salt):
            return False
        candidate = _scrypt(pin, salt, n, r, p)
    except (ValueError, TypeError, MemoryError):
        return False  # a damaged stored hash never crashes a login
    return hmac.compare_digest(candidate.hex(), digest)


def needs_rehash(stored: str) -> bool:
    """An older hash (no hint, or a lower cost than today's): rewrite it at the next
    successful login, while the PIN is known."""
    try:
        n, r, p, _salt, _digest, hint = _parts(stored)
    except (ValueError, TypeError):
        return False
    return hint is None or (n, r, p) != (_N, _R, _P)


def burn_time() -> None:
    """As long as one PIN check: a wrong PIN that matched no hint takes the same time."""
    _scrypt("0000", b"coopos-no-user..", _N, _R, _P)
