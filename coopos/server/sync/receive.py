"""Push: store every event exactly once (by device and sequence), then project it; the
device's state for a till that recovers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, selectinload

from coopos.protocol import numbers as document_numbers
from coopos.protocol import parts, rules
from coopos.protocol import text as text_rules
from coopos.server import event_parts, schemas
from coopos.server.db import Database
from coopos.server.models import (
    Device,
    Event,
    EventFlag,
    Location,
    Quarantine,
)
from coopos.server.sync.auth import _offset_ms, device_numbers
from coopos.server.sync.common import (
    SyncError,
    canonical,
    log,
    parse_utc,
)
from coopos.server.sync.incoming import Flag, PushResult, _Incoming
from coopos.server.sync.projection import _Projection
from coopos.server.validation import Hold, Rejected, clock_flags


def storable(text: str) -> bool:
    """Text every database column holds: no NUL, valid Unicode."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def safe_text(value: str) -> str:
    """``value``, or with what no column holds escaped (a message quoting a payload)."""
    return value if storable(value) else json.dumps(value)[1:-1]


def stored_text(payload: Any) -> str:
    """Canonical JSON that any text column holds (escaped when it carries what cannot be
    written as UTF-8); the same payload always gives the same text."""
    body = canonical(payload)
    if storable(body):  # json escapes NUL and control characters itself
        return body
    return json.dumps(payload, sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def _prepare(event: schemas.EventIn) -> _Incoming:
    """An event as stored, whatever it holds: what is wrong with its envelope becomes
    its ``problem`` (it will be quarantined), never an error for the whole batch."""
    body = stored_text(event.payload)
    kind = event.kind if storable(event.kind) else json.dumps(event.kind)[1:-1][:64]
    problem = None
    created: datetime | None = None
    try:
        created = parse_utc(event.created_utc)
        if not rules.EARLIEST <= created < rules.LATEST:
            raise ValueError(f"{event.created_utc[:40]!r} is outside 2000-2099")
    except (ValueError, OverflowError) as exc:
        created = None
        problem = Rejected("invalid_time", f"created_utc: {exc}", field="created_utc")
    if kind != event.kind:
        problem = Rejected("invalid_text", "the kind is not text a column can hold", field="kind")
    return _Incoming(
        seq=event.seq,
        uuid=event.uuid,
        kind=kind,
        payload=event.payload,
        text=body,
        sha=hashlib.sha256(body.encode()).hexdigest(),
        created_utc=created,
        envelope={
            "kind": json.dumps(event.kind)[1:-1],
            "created_utc": json.dumps(event.created_utc)[1:-1],
        },
        problem=problem,
    )


def reload(s: Session, event: Event, envelope: dict[str, str], clean: bool = False) -> _Incoming:
    """A stored event, to project it again (a replay); ``clean`` removes from its text
    what no text rule accepts (the stored event itself is never changed).  A group's last
    part comes back as the whole event it stands for."""
    stored = json.loads(event.payload)
    incoming = _Incoming(
        seq=event.seq,
        uuid=event.uuid,
        kind=event.kind,
        payload=stored if isinstance(stored, dict) else {},
        text=event.payload,
        sha=event.payload_sha256,
        created_utc=event.created_utc,
        envelope=envelope,
        id=event.id,
    )
    if event.kind == parts.PART_KIND:
        try:
            incoming = _whole_event(
                incoming, *event_parts.stored_whole(s, event.device_id, event.seq, stored)
            )
        except parts.PartError as exc:
            incoming.problem = Rejected("invalid_part", str(exc))
    if clean:
        incoming.payload = text_rules.clean(incoming.payload)
    return incoming


def _same(a: _Incoming, uuid: str, kind: str, sha: str) -> bool:
    return a.uuid == uuid and a.kind == kind and a.sha == sha


def push(
    db: Database, device_id: int, events: list[schemas.EventIn], device_time: str | None = None
) -> PushResult:
    """Store a batch of outbox events, exactly once, in one transaction.

    Events at or below the device's high-water mark must equal what is stored (duplicates,
    acknowledged again); the rest must continue the sequence without a hole.  Every new
    event is stored and acknowledged; one the server cannot project is quarantined."""
    offset = _offset_ms(db.now(), device_time)
    try:
        return _push(db, device_id, events, offset)
    except SyncError:
        if offset is not None:  # the batch was refused, the clock reading still counts
            record_clock(db, device_id, offset)
        raise


def record_clock(db: Database, device_id: int, offset_ms: int) -> None:
    with db.write() as s:
        s.execute(update(Device).where(Device.id == device_id).values(clock_offset_ms=offset_ms))


def _push(
    db: Database, device_id: int, events: list[schemas.EventIn], offset: int | None
) -> PushResult:
    if len(events) > schemas.MAX_EVENTS:
        raise SyncError(413, "too_many_events", f"at most {schemas.MAX_EVENTS} events per batch")
    incoming: dict[int, _Incoming] = {}
    repeats = 0
    for event in sorted(events, key=lambda e: e.seq):
        item = _prepare(event)
        seen = incoming.get(item.seq)
        if seen is None:
            incoming[item.seq] = item
        elif _same(seen, item.uuid, item.kind, item.sha):
            repeats += 1  # the same event twice in one batch
        else:
            raise SyncError(
                409, "sequence_conflict", "two different events share a seq", seq=item.seq
            )
    batch = list(incoming.values())
    with db.write() as s:
        device = lock_device(s, device_id)
        if device.revoked_utc is not None:
            raise SyncError(403, "device_revoked", "this device was revoked")
        high = device.acked_seq
        old = [e for e in batch if e.seq <= high]
        new = [e for e in batch if e.seq > high]
        _verify_stored(s, device.id, old)
        if new and any(e.seq != high + 1 + i for i, e in enumerate(new)):
            raise SyncError(
                409,
                "sequence_gap",
                f"events must continue the sequence from {high + 1} without a hole",
                expected=high + 1,
                acked_through=high,
            )
        flags, holds = _store(s, db.now(), device, new) if new else ([], [])
        if new:
            device.acked_seq = new[-1].seq
            _count_numbers(device, new)
        if offset is not None:
            device.clock_offset_ms = offset
        acked = device.acked_seq
    return PushResult(acked, len(old) + repeats, len(new), flags, holds)


def lock_device(s: Session, device_id: int) -> Device:
    """The device row, locked until commit: one batch (or replay) of a device at a time."""
    return s.execute(
        select(Device)
        .where(Device.id == device_id)
        .options(selectinload(Device.location).selectinload(Location.fair))
        .with_for_update()
    ).scalar_one()


def _count_numbers(device: Device, new: list[_Incoming]) -> None:
    """Remember the highest receipt, note and Z numbers the device sent (from the raw
    payloads: an event the projection cannot use still took its number)."""
    prefix = device.receipt_prefix
    found = [document_numbers.document_numbers(e.kind, e.payload, prefix) for e in new]
    highest = document_numbers.highest([device_numbers(device), *found])
    text_ = canonical(highest)
    if text_ != device.numbers:
        device.numbers = text_


@dataclass(frozen=True)
class DeviceState:
    device_id: int
    receipt_prefix: str
    location: dict[str, str]
    acked_through: int
    numbers: dict[str, int]
    held: dict[str, int]


def device_state(db: Database, device_id: int, uuids: list[str]) -> DeviceState:
    """Where a device stands: its last sequence number, the highest number of each of its
    document series, and which of ``uuids`` it already sent (uuid -> seq).  A till asks
    after a restore or a re-enrollment, before pushing (docs/sync.md, Recovery)."""
    with db.read() as s:
        device = s.execute(
            select(Device).where(Device.id == device_id).options(selectinload(Device.location))
        ).scalar_one()
        held = (
            dict(
                s.execute(
                    select(Event.uuid, Event.seq).where(
                        Event.device_id == device_id, Event.uuid.in_(set(uuids))
                    )
                ).all()
            )
            if uuids
            else {}
        )
        location = device.location
        return DeviceState(
            device_id=device.id,
            receipt_prefix=device.receipt_prefix,
            location={"code": location.code, "kind": location.kind, "name": location.name},
            acked_through=device.acked_seq,
            numbers=device_numbers(device),
            held=held,
        )


def _verify_stored(s: Session, device_id: int, old: list[_Incoming]) -> None:
    if not old:
        return
    stored = {
        row.seq: row
        for row in s.execute(
            select(Event.seq, Event.uuid, Event.kind, Event.payload_sha256).where(
                Event.device_id == device_id, Event.seq.in_([e.seq for e in old])
            )
        )
    }
    for event in old:
        row = stored.get(event.seq)
        if row is None or row.uuid != event.uuid:
            raise SyncError(
                409,
                "sequence_conflict",
                f"seq {event.seq} is already stored with another event",
                seq=event.seq,
                stored_uuid=row.uuid if row else None,
            )
        if not _same(event, row.uuid, row.kind, row.payload_sha256):
            raise SyncError(
                409,
                "uuid_conflict",
                f"event {event.uuid} is already stored with another payload",
                seq=event.seq,
                uuid=event.uuid,
            )


def _store(
    s: Session, now: datetime, device: Device, new: list[_Incoming]
) -> tuple[list[Flag], list[Hold]]:
    uuids = [e.uuid for e in new]
    if len(set(uuids)) != len(uuids):
        dup = next(u for u in uuids if uuids.count(u) > 1)
        raise SyncError(409, "uuid_conflict", "two events of the batch share a uuid", uuid=dup)
    taken = s.execute(select(Event.uuid, Event.seq).where(Event.uuid.in_(uuids))).first()
    if taken is not None:
        seq = next(e.seq for e in new if e.uuid == taken.uuid)
        raise SyncError(
            409, "uuid_conflict", f"event {taken.uuid} is already stored", seq=seq, uuid=taken.uuid
        )
    events = Event.__table__
    ids = (
        s.execute(
            insert(events).returning(events.c.id, sort_by_parameter_order=True),
            [
                {
                    "device_id": device.id,
                    "seq": e.seq,
                    "uuid": e.uuid,
                    "kind": e.kind,
                    "payload": e.text,
                    "payload_sha256": e.sha,
                    "created_utc": e.created_utc or now,
                    "received_utc": now,
                    "flagged": False,
                }
                for e in new
            ],
        )
        .scalars()
        .all()
    )
    for event, event_id in zip(new, ids, strict=True):
        event.id = event_id
    flags, holds = project(s, now, device, _logical(s, device.id, new))
    flags += _clock(s, now, device, new)
    write_holds(s, now, device.id, holds, {e.seq: e.envelope for e in new})
    return flags, holds


def write_holds(
    s: Session, now: datetime, device_id: int, holds: list[Hold], envelopes: dict[int, dict]
) -> None:
    """Quarantine rows for events held back at push (a replay updates its own row)."""
    if holds:
        s.execute(
            insert(Quarantine.__table__),
            [
                {
                    "event_id": h.event_id,
                    "device_id": device_id,
                    "code": h.code[:32],
                    "message": safe_text(h.message),
                    "detail": stored_text(h.detail),
                    "envelope": stored_text(envelopes.get(h.seq, {})),
                    "document_uuid": h.document_uuid,
                    "waits_for_event_id": h.waits_for_event_id,
                    "status": "open",
                    "attempts": 1,
                    "created_utc": now,
                    "updated_utc": now,
                    "resolved_by": "",
                    "resolution": "",
                }
                for h in holds
            ],
        )


def _clock(s: Session, now: datetime, device: Device, new: list[_Incoming]) -> list[Flag]:
    """Flag events whose time is implausible (``validation.clock_flags``) and move the
    device's clock reference on."""
    reference = None
    if device.clock_seq is not None and device.clock_utc is not None:
        reference = (device.clock_seq, device.clock_utc)
    times = [(e.seq, e.created_utc) for e in new if e.created_utc is not None]
    found, reference = clock_flags(times, now, reference)
    if reference is not None:
        device.clock_seq, device.clock_utc = reference
    by_seq = {e.seq: e for e in new}
    flags = [Flag(seq, by_seq[seq].uuid, code, detail) for seq, code, detail in found]
    write_flags(s, now, [(by_seq[f.seq].id, f.code, f.detail) for f in flags])
    return flags


def write_flags(s: Session, now: datetime, rows: list[tuple[int | None, str, dict]]) -> None:
    if not rows:
        return
    s.execute(
        insert(EventFlag.__table__),
        [
            {"event_id": event_id, "code": code, "detail": canonical(detail), "created_utc": now}
            for event_id, code, detail in rows
        ],
    )
    flagged = {event_id for event_id, _c, _d in rows}
    s.execute(update(Event).where(Event.id.in_(flagged)).values(flagged=True))


def project(
    s: Session, now: datetime, device: Device, events: list[_Incoming], clean: bool = False
) -> tuple[list[Flag], list[Hold]]:
    """Validate and project stored events (in ``seq`` order): the flags raised, and the
    events held back (quarantined).  One event never fails the others: what breaks a
    rule is held; should projecting the batch still fail (a bug, a constraint nobody
    foresaw), each event is projected on its own and the one that fails is held."""
    holds: list[Hold] = []

    def held(event: _Incoming, why: Rejected) -> None:
        holds.append(
            Hold(
                event.seq,
                event.uuid,
                why.code,
                why.message,
                why.detail,
                event.id,
                event.document_uuid,
                why.waits_for_event_id,
            )
        )

    projection = _Projection(s, now, device)
    for event in events:
        try:
            if event.problem is not None:
                raise event.problem
            projection.add(event)
        except Rejected as why:
            held(event, why)
            if event.document_uuid:  # its refunds in this batch wait for it
                projection.held_documents[event.document_uuid] = event.id
    for event, why in projection.resolve():
        held(event, why)
    try:
        with s.begin_nested():
            projection.write()
        return projection.flags, holds
    except Exception:  # one event must not block the queue
        log.exception("projecting a batch failed: projecting its events one by one")
    flags: list[Flag] = []
    done = {h.seq for h in holds}
    for event in events:
        if event.seq in done:
            continue
        single = _Projection(s, now, device)
        try:
            with s.begin_nested():
                single.add(event)
                rejected = single.resolve()
                if rejected:
                    raise rejected[0][1]
                single.write()
            flags += single.flags
        except Rejected as why:
            held(event, why)
        except Exception as exc:
            log.exception("projecting event %s of device %s failed", event.seq, device.id)
            held(event, Rejected("projection_failed", f"{type(exc).__name__}: see the log"))
    return flags, holds


def _logical(s: Session, device_id: int, new: list[_Incoming]) -> list[_Incoming]:
    """The events to project: ordinary events as they are, and each multi-part group as
    its whole event in place of its last part (``event_parts``); other parts are only
    stored.  A group that cannot be made whole is quarantined at its last part."""
    projected = []
    for item in event_parts.logical_events(s, device_id, new):
        last = item.event
        if item.problem is not None:
            last.problem = last.problem or Rejected("invalid_part", item.problem)
            projected.append(last)
        elif item.whole is None:
            projected.append(last)
        else:
            projected.append(_whole_event(last, *item.whole))
    return projected


def _whole_event(last: _Incoming, kind: str, payload: dict[str, Any]) -> _Incoming:
    """The whole event a group's last part stands for: its uuid is the group's, its row
    the last part's (flags and quarantine point there)."""
    return _Incoming(
        seq=last.seq,
        uuid=str(last.payload.get("group")),
        kind=kind,
        payload=payload,
        text=last.text,
        sha=last.sha,
        created_utc=last.created_utc,
        envelope=last.envelope,
        problem=last.problem,
        id=last.id,
    )
