"""Multi-part events on the server (docs/sync.md, "Multi-part events").

A push stores parts (``event.part``) like any other event; this module turns the batch's
new events into the *logical* events to project: an ordinary event stands for itself, a
group's last part stands for the whole event (its parts' data joined), the other parts
for nothing.  A group's parts are consecutive events of one device, so the parts stored
by earlier pushes are read back from ``events`` when the last one arrives, and the whole
is projected exactly once: in the transaction that stores its last part.  A group whose
last part never comes is kept (its parts stored) and never counted.

What cannot make a whole event (a part that is not one, a last part whose group misses
a part or whose data does not join into a JSON object) is a ``problem`` of that one
event, with the reason; the caller treats it as any unreadable payload.
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


@dataclass(frozen=True)
class Logical:
    """What to project for one pushed event: ``whole`` is ``(kind, payload)`` when the
    event is the last part of a group; ``problem`` says why the event cannot be read."""

    event: Any
    whole: tuple[str, dict[str, Any]] | None = None
    problem: str | None = None


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
    read: dict[int, Part] = {}
    result: list[Logical] = []
    for event in new:
        if event.kind != parts.PART_KIND:
            result.append(Logical(event))
            continue
        try:
            part = read[event.seq] = parts.read_part(event.payload)
            if part.part == part.parts:
                whole = _whole(s, device_id, read, event.seq, stored_below=new[0].seq)
                result.append(Logical(event, whole=whole))
        except parts.PartError as exc:
            result.append(Logical(event, problem=str(exc)))
    return result


def stored_whole(s: Session, device_id: int, seq: int, payload: Any) -> tuple[str, dict]:
    """The whole event that the stored last part ``seq`` stands for (to project it
    again, e.g. a replay); raises ``PartError`` when it cannot be made."""
    return _whole(s, device_id, {seq: parts.read_part(payload)}, seq, stored_below=seq)


def _whole(
    s: Session, device_id: int, read: dict[int, Part], last_seq: int, stored_below: int
) -> tuple[str, dict[str, Any]]:
    """Join the group that ends at ``last_seq``: its parts are in ``read`` or stored
    below ``stored_below``."""
    last = read[last_seq]
    first_seq = last_seq - last.parts + 1
    stored = {
        seq: parts.read_part(payload)
        for seq, (kind, payload) in _stored_before(
            s, device_id, stored_below, stored_below - first_seq
        ).items()
        if kind == parts.PART_KIND
    }
    group = [read.get(seq) or stored.get(seq) for seq in range(first_seq, last_seq + 1)]
    if any(part is None for part in group):
        raise parts.PartError(f"group {last.group} misses some of its {last.parts} parts")
    return parts.join([part for part in group if part is not None])
