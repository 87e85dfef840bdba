"""The audit log is append-only and hash-chained: each entry's hash covers its own
content and the previous entry's hash, so editing or deleting any row breaks the chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical(details: dict[str, Any]) -> str:
    return json.dumps(details, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(
    prev_hash: str,
    seq: int,
    at_utc: str,
    at_local: str,
    user_id: int | None,
    action: str,
    details: str,
) -> str:
    fields = [prev_hash, str(seq), at_utc, at_local, str(user_id or ""), action, details]
    body = "\x1f".join(fields)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainEntry:
    seq: int
    at_utc: str
    at_local: str
    user_id: int | None
    action: str
    details: str
    prev_hash: str
    hash: str


def first_broken(entries: list[ChainEntry]) -> int | None:
    """Sequence number of the first entry that does not verify, or None if all do."""
    prev = GENESIS
    expected_seq = 1
    for e in entries:
        if e.seq != expected_seq or e.prev_hash != prev:
            return e.seq
        if entry_hash(prev, e.seq, e.at_utc, e.at_local, e.user_id, e.action, e.details) != e.hash:
            return e.seq
        prev = e.hash
        expected_seq += 1
    return None
