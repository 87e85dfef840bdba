"""The receipt's QR code: the sale's id, signed with the shop's secret.

    COOPOS:R:<SALE UUID, 32 hex digits>:<SIGNATURE, 16 base32 characters>

The signature is HMAC-SHA256 over ``coopos-receipt-v1:<uuid>`` keyed with the per-shop
secret (setting ``receipt.secret``, random, set when the database is created), truncated
to 10 bytes (80 bits) and written in base32.  Everything is upper case so that the QR
code can use its compact alphanumeric mode (version 3, 29 x 29 modules, at level M).

A scanner (the till, head office) looks the sale up by its uuid and checks the signature
with :func:`verify`: a receipt whose id or signature was changed is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

PREFIX = "COOPOS:R:"
SIGNATURE_BYTES = 10
_CONTEXT = b"coopos-receipt-v1:"
_UUID = re.compile(r"^[0-9a-f]{32}$")
_SIGNATURE = re.compile(r"^[A-Z2-7]{16}$")


def _normalise_uuid(sale_uuid: str) -> str:
    value = sale_uuid.strip().replace("-", "").lower()
    if not _UUID.match(value):
        raise ValueError(f"not a sale uuid: {sale_uuid!r}")
    return value


def signature(secret: str, sale_uuid: str) -> str:
    """The 16-character base32 signature of a sale's uuid."""
    if not secret:
        raise ValueError("the receipt secret is empty")
    digest = hmac.new(
        secret.encode("utf-8"),
        _CONTEXT + _normalise_uuid(sale_uuid).encode("ascii"),
        hashlib.sha256,
    ).digest()
    return base64.b32encode(digest[:SIGNATURE_BYTES]).decode("ascii")


def sign(secret: str, sale_uuid: str) -> str:
    """The QR text of a sale: ``COOPOS:R:<UUID>:<SIGNATURE>``."""
    return f"{PREFIX}{_normalise_uuid(sale_uuid).upper()}:{signature(secret, sale_uuid)}"


def verify(secret: str, text: str) -> str | None:
    """The sale's uuid (lower-case hex, as stored) if ``text`` is a QR text signed with
    ``secret``; ``None`` for anything else (other shop, edited id or signature, junk)."""
    if not secret or not isinstance(text, str):
        return None
    parts = text.strip().split(":")
    if len(parts) != 4 or parts[0].upper() != "COOPOS" or parts[1].upper() != "R":
        return None
    sale_uuid, given = parts[2].lower(), parts[3].upper()
    if not _UUID.match(sale_uuid) or not _SIGNATURE.match(given):
        return None
    expected = signature(secret, sale_uuid)
    return sale_uuid if hmac.compare_digest(expected, given) else None


def matrix(text: str, border: int = 4) -> list[list[bool]]:
    """The QR code's modules (True = dark), quiet zone of ``border`` modules included."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    code.add_data(text)
    code.make(fit=True)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]
