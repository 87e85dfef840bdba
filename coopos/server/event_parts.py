"""Multi-part events on the server (docs/sync.md, "Multi-part events").

A push stores parts (``event.part``) like any other event; this module turns the batch's
new events into the *logical* events to project: an ordinary event stands for itself, a
group's last part stands for the whole event (its parts' data joined), the other parts
for nothing.  A group's parts are consecutive events of one device, so the parts stored
by earlier pushes are read back from ``events`` when the last one arrives, and the whole
is projected exactly once: in the transaction that stores its last part.

Anything that breaks a group (a part missing, out of order, interrupted by another event,
or data that does not join into a JSON object) raises :class:`PartError` naming the
event's ``seq``; the push refuses it like any unreadable payload.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from coopos.protocol import parts
from coopos.protocol.parts import Part
from coopos.server.models import Event


class Pushed(Protocol):
    seq: int
    kind: str
    payload: Any


class GroupError(ValueError):
    def __init__(self, seq: int, reason: str):
        super().__init__(reason)
        self.seq = seq
        self.reason = reason


@dataclass(frozen=True)
class Logical:
    """What to project for one pushed event: ``whole`` is ``(kind, payload)`` when the
    event is the last part of a group, ``None`` when it is an ordinary event."""

    event: Any
    whole: tuple[str, dict[str, Any]] | None = None


def _read(seq: int, payload: Any) -> Part:
    try:
        return parts.read_part(payload)
    except parts.PartError as exc:
        raise GroupError(seq, str(exc)) from None


def _stored_before(s: Session, device_id: int, first_seq: int, count: int) -> dict[int, Any]:
    """The device's ``count`` stored events just before ``first_seq``, by seq (kind and
    parsed payload; an ordinary event's payload is not needed, only its kind)."""
    if count <= 0:
        return {}
    rows = s.execute(
        select(Event.seq, Event.kind, Event.payload).where(
            Event.device_id == device_id,
            Event.seq >= first_seq - count,
            Event.seq < first_seq,
        )
    )
    return {
        row.seq: (row.kind, json.loads(row.payload) if row.kind == parts.PART_KIND else None)
        for row in rows
    }


def logical_events(s: Session, device_id: int, new: Sequence[Pushed]) -> list[Logical]:
    """The events to project for ``new`` (the batch's events above the device's
    high-water mark, in ``seq`` order without a hole)."""
    if not new:
        return []
    read = {e.seq: _read(e.seq, e.payload) for e in new if e.kind == parts.PART_KIND}
    first = new[0].seq
    # An unfinished group stored by an earlier push continues with the first new event.
    before = _stored_before(s, device_id, first, 1).get(first - 1)
    open_part = _read(first - 1, before[1]) if before and before[0] == parts.PART_KIND else None
    result: list[Logical] = []
    for event in new:
        part = read.get(event.seq)
        if open_part is not None and open_part.part < open_part.parts:
            if part is None or (part.group, part.part) != (open_part.group, open_part.part + 1):
                raise GroupError(
                    event.seq,
                    f"event {event.seq} interrupts group {open_part.group} after part "
                    f"{open_part.part} of {open_part.parts}",
                )
        elif part is not None and part.part != 1:
            raise GroupError(event.seq, f"part {part.part} of group {part.group} comes first")
        open_part = part
        if part is None:
            result.append(Logical(event))
        elif part.part == part.parts:
            result.append(Logical(event, _whole(s, device_id, new, read, event.seq, part)))
    return result


def _whole(
    s: Session,
    device_id: int,
    new: Sequence[Pushed],
    read: dict[int, Part],
    last_seq: int,
    last: Part,
) -> tuple[str, dict[str, Any]]:
    first_seq = last_seq - last.parts + 1
    missing = new[0].seq - first_seq  # parts stored by earlier pushes
    stored = {
        seq: _read(seq, payload)
        for seq, (kind, payload) in _stored_before(s, device_id, new[0].seq, missing).items()
        if kind == parts.PART_KIND
    }
    group = [read.get(seq) or stored.get(seq) for seq in range(first_seq, last_seq + 1)]
    if any(part is None for part in group):
        raise GroupError(last_seq, f"group {last.group} misses some of its {last.parts} parts")
    try:
        return parts.join([part for part in group if part is not None])
    except parts.PartError as exc:
        raise GroupError(last_seq, str(exc)) from None
