"""Events too large for one push travel as parts (docs/sync.md, "Multi-part events").

An operation whose payload is over ``MAX_EVENT_BYTES`` (a catalog import with stock, the
count of a whole shop, a delivery note of thousands of lines...) is written by the till,
in the one transaction of the operation, as ``m`` consecutive outbox events of kind
``event.part``, each with its own ``seq`` and ``uuid``::

    {"group": "<uuid of the whole event>", "kind": "<kind of the whole event>",
     "part": n, "parts": m, "data": "<n-th slice of the whole payload's JSON text>"}

Joined in order, the ``data`` slices are the whole payload's JSON text.  The server stores
each part like any other event and projects the whole event once, in the transaction that
stores its last part; until then the parts are kept and nothing of them is counted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from coopos.protocol.limits import MAX_EVENT_BYTES, MAX_PARTS

PART_KIND = "event.part"
_UUID = re.compile(r"^[0-9a-f]{32}$")
_MAX_KIND = 64


class PartError(ValueError):
    """A part, or a group of parts, that cannot make a whole event; the text says why."""


@dataclass(frozen=True)
class Part:
    group: str
    kind: str
    part: int
    parts: int
    data: str


def encode(payload: Any) -> str:
    """A payload's JSON text as it travels: compact, UTF-8 (not ASCII-escaped)."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _quoted_size(piece: str) -> int:
    """Bytes ``piece`` takes as a JSON string, without its two quotes."""
    return size(json.dumps(piece, ensure_ascii=False)) - 2


def _slices(text: str, budget: int) -> list[str]:
    """Cut ``text`` in pieces that each take at most ``budget`` bytes as JSON strings."""
    pieces: list[str] = []
    pos = 0
    while pos < len(text):
        n = budget  # a character takes at least one byte: never more fit
        while True:
            piece = text[pos : pos + n]
            cost = _quoted_size(piece)
            if cost <= budget:
                break
            n = max(1, min(n - 1, n * budget // cost))  # escapes and multi-byte letters
        pieces.append(piece)
        pos += len(piece)
    return pieces


def split(kind: str, text: str, group: str, limit: int = MAX_EVENT_BYTES) -> list[dict[str, Any]]:
    """The part payloads that carry the payload ``text`` of a ``kind`` event, each under
    ``limit`` bytes as JSON."""
    if kind == PART_KIND:
        raise PartError("a part cannot be split again")
    envelope = {"group": group, "kind": kind, "part": MAX_PARTS, "parts": MAX_PARTS, "data": ""}
    budget = limit - size(encode(envelope))
    if budget < 16:
        raise PartError(f"{limit} bytes leave no room for data in a part")
    pieces = _slices(text, budget)
    if len(pieces) > MAX_PARTS:
        raise PartError(f"{len(pieces)} parts is more than {MAX_PARTS}")
    return [
        {"group": group, "kind": kind, "part": n, "parts": len(pieces), "data": piece}
        for n, piece in enumerate(pieces, start=1)
    ]


def read_part(payload: Any) -> Part:
    """An ``event.part`` payload, checked; unknown extra fields are ignored."""
    if not isinstance(payload, dict):
        raise PartError("a part's payload is an object")
    group, kind = payload.get("group"), payload.get("kind")
    number, parts, data = payload.get("part"), payload.get("parts"), payload.get("data")
    if not isinstance(group, str) or not _UUID.match(group):
        raise PartError("a part's group is a uuid of 32 lowercase hex digits")
    if not isinstance(kind, str) or not 0 < len(kind) <= _MAX_KIND or kind == PART_KIND:
        raise PartError(f"a part's kind is the whole event's kind (1-{_MAX_KIND} characters)")
    numbers = (number, parts)
    if any(isinstance(v, bool) or not isinstance(v, int) for v in numbers):
        raise PartError("a part's part and parts are whole numbers")
    if not 1 <= number <= parts <= MAX_PARTS:
        raise PartError(f"part {number} of {parts} is not 1 <= part <= parts <= {MAX_PARTS}")
    if not isinstance(data, str):
        raise PartError("a part's data is text")
    return Part(group, kind, number, parts, data)


def join(parts: list[Part]) -> tuple[str, dict[str, Any]]:
    """The whole event (kind, payload) of a group's parts, given in order."""
    if not parts:
        raise PartError("no part")
    first = parts[0]
    if len(parts) != first.parts:
        raise PartError(f"group {first.group} has {len(parts)} of its {first.parts} parts")
    for n, part in enumerate(parts, start=1):
        if (part.group, part.kind, part.parts) != (first.group, first.kind, first.parts):
            raise PartError(f"part {n} of group {first.group} belongs to another event")
        if part.part != n:
            raise PartError(f"group {first.group} has part {part.part} where {n} should be")
    try:
        payload = json.loads("".join(part.data for part in parts))
    except ValueError:
        raise PartError(f"the parts of group {first.group} do not join into JSON") from None
    if not isinstance(payload, dict):
        raise PartError(f"the parts of group {first.group} do not join into an object")
    return first.kind, payload
