"""An event as the server received it, and what a push answers (flags, holds)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from coopos.protocol.events import DOCUMENT_KINDS
from coopos.server.validation import Hold, Rejected


@dataclass
class _Incoming:
    seq: int
    uuid: str
    kind: str  # as stored: the kind received, escaped if no column can hold it
    payload: dict[str, Any]
    text: str
    sha: str
    created_utc: datetime | None  # None: the envelope's time could not be read
    envelope: dict[str, str] = field(default_factory=dict)  # kind and time as received
    problem: Rejected | None = None  # found before projecting (envelope, stored text)
    model: Any = None
    id: int | None = None

    @property
    def document_uuid(self) -> str | None:
        found = self.payload.get("uuid") if self.kind in DOCUMENT_KINDS else None
        return found if isinstance(found, str) and _HEX32.fullmatch(found) else None


_HEX32 = re.compile(r"[0-9a-f]{32}")


@dataclass
class Flag:
    seq: int
    uuid: str
    code: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class PushResult:
    acked_through: int
    duplicates: int
    stored: int
    flagged: list[Flag]
    quarantined: list[Hold] = field(default_factory=list)
