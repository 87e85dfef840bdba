"""PINs are stored as salted scrypt hashes (hashlib.scrypt), never in clear."""

from __future__ import annotations

import hashlib
import hmac
import os
import re

from coopos.domain import keyboard
from coopos.domain.errors import ValidationError
from coopos.i18n import _

# n=2**14, r=8 costs ~16 MiB and tens of milliseconds: slow for an attacker with the file,
# quick enough to try each of a shop's users at login.
_N, _R, _P = 2**14, 8, 1
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


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(normalise_pin(pin).encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(
            normalise_pin(pin).encode(),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=32,
        )
    except (ValueError, TypeError, MemoryError):
        return False  # a damaged stored hash never crashes a login
    return hmac.compare_digest(candidate.hex(), digest)
