"""The numbered documents of a till, as both the till and the server count them.

A till numbers its receipts (``T03-000812``), its delivery and return notes
(``BL-T03-00014``, ``BR-T03-00002``) and its Z reports from gap-free counters.  The server
keeps, per device, the highest number of each *series* it has received, so that a till
restored from an older backup (or re-enrolled on a new laptop) continues above them and
never issues a number twice with different content (docs/sync.md, Recovery).

Series names are the till's own counter names (``coopos.db.uow.UnitOfWork.next_value``),
except the receipt series, which the till keys by its prefix (``receipt:T03``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from coopos.protocol.events import DOCUMENT_KINDS, EventKind

RECEIPT = "receipt"
NOTE_KINDS = ("dispatch", "return")
Z_REPORT = "z_report"
SERIES = (RECEIPT, *(f"note:{kind}" for kind in NOTE_KINDS), Z_REPORT)
MAX_NUMBER = 2**53  # beyond any real till; keeps JSON and both databases exact


def _digits(text: Any) -> int | None:
    if isinstance(text, str) and text.isascii() and text.isdigit():
        value = int(text)
        return value if 0 < value < MAX_NUMBER else None
    return None


def receipt_number(receipt_no: Any, prefix: str) -> int | None:
    """``T03-000812`` with prefix ``T03`` -> 812; anything else -> None."""
    if not isinstance(receipt_no, str) or not receipt_no.startswith(f"{prefix}-"):
        return None
    return _digits(receipt_no[len(prefix) + 1 :])


def note_number(number: Any, prefix: str) -> int | None:
    """``BL-T03-00014`` with prefix ``T03`` -> 14."""
    if not isinstance(number, str) or f"-{prefix}-" not in number:
        return None
    return _digits(number.rsplit(f"-{prefix}-", 1)[1])


def document_numbers(kind: str, payload: Mapping[str, Any], prefix: str) -> dict[str, int]:
    """The numbers an outbox event of ``kind`` uses, by series (from the raw payload, so
    an event the server cannot project still counts)."""
    found: dict[str, int] = {}
    if kind in DOCUMENT_KINDS:
        number = receipt_number(payload.get("receipt_no"), prefix)
        if number:
            found[RECEIPT] = number
    elif kind == EventKind.STOCK_MOVEMENTS:
        note = payload.get("note")
        if isinstance(note, Mapping) and note.get("kind") in NOTE_KINDS:
            number = note_number(note.get("number"), prefix)
            if number:
                found[f"note:{note['kind']}"] = number
    elif kind == EventKind.SHIFT_CLOSED:
        z = payload.get("z_number")
        if isinstance(z, int) and not isinstance(z, bool) and 0 < z < MAX_NUMBER:
            found[Z_REPORT] = z
    return found


def highest(maps: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """Series by series, the largest number of any of ``maps``."""
    result: dict[str, int] = {}
    for numbers in maps:
        for series, value in numbers.items():
            if series in SERIES and isinstance(value, int) and value > result.get(series, 0):
                result[series] = value
    return result


def till_counter(series: str, prefix: str) -> str:
    """The till's counter (``sequences.name``) for a series."""
    return f"{RECEIPT}:{prefix}" if series == RECEIPT else series
