"""Head office's quarantine: events a till pushed that the server stored and acknowledged
but could not project (docs/sync.md, "Quarantine").  They count nowhere until head office
replays them, after fixing what they depend on (a cooperative, a stand linked to its
fair, a server upgrade for an unknown kind), or discards them with a reason.

A replay re-runs the projection of the event exactly as stored, with head office's data
as it is now, under the same lock as a push of that device.  With ``clean`` it first
removes from the event's text what no text rule accepts (NUL, control and direction
characters): head office's decision, recorded on the entry; the stored event itself is
never changed.  Replaying a sale also replays the refunds that waited for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coopos.domain.errors import NotFoundError, StateError, ValidationError
from coopos.i18n import _
from coopos.protocol import text
from coopos.server import sync
from coopos.server.db import Database
from coopos.server.models import Device, Event, EventFlag, Quarantine

STATUSES = ("open", "replayed", "discarded")


@dataclass(frozen=True)
class Entry:
    id: int
    device_id: int
    receipt_prefix: str
    seq: int
    uuid: str
    kind: str
    code: str
    message: str
    detail: dict[str, Any]
    status: str
    attempts: int
    received_utc: datetime
    updated_utc: datetime
    resolved_utc: datetime | None
    resolved_by: str
    resolution: str
    waits_for_seq: int | None  # the quarantined event it waits for (same device or not)
    document_uuid: str | None


@dataclass(frozen=True)
class Details:
    """An entry with the event as received and the entries waiting for it."""

    entry: Entry
    payload: Any
    envelope: dict[str, Any]
    created_utc: datetime
    flags: list[dict[str, Any]]
    waiting: list[Entry]


@dataclass
class Replayed:
    """What one replay did: ``status`` is ``replayed``, or ``open`` (held again, with its
    new ``code``)."""

    entry: Entry
    flagged: list[sync.Flag] = field(default_factory=list)
    dependents: list[Replayed] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.entry.status


def _select():
    waited = Event.__table__.alias("waited")
    return (
        select(
            Quarantine,
            Event.seq,
            Event.uuid,
            Event.kind,
            Event.received_utc,
            Device.receipt_prefix,
            waited.c.seq,
        )
        .join(Event, Event.id == Quarantine.event_id)
        .join(Device, Device.id == Quarantine.device_id)
        .outerjoin(waited, waited.c.id == Quarantine.waits_for_event_id)
    )


def _entry(row) -> Entry:
    q, seq, uuid, kind, received, prefix, waits_for_seq = row
    return Entry(
        id=q.id,
        device_id=q.device_id,
        receipt_prefix=prefix,
        seq=seq,
        uuid=uuid,
        kind=kind,
        code=q.code,
        message=q.message,
        detail=json.loads(q.detail or "{}"),
        status=q.status,
        attempts=q.attempts,
        received_utc=received,
        updated_utc=q.updated_utc,
        resolved_utc=q.resolved_utc,
        resolved_by=q.resolved_by,
        resolution=q.resolution,
        waits_for_seq=waits_for_seq,
        document_uuid=q.document_uuid,
    )


def _load(s: Session, entry_id: int) -> Entry:
    row = s.execute(_select().where(Quarantine.id == entry_id)).first()
    if row is None:
        raise NotFoundError(_("No quarantined event {id}.", id=entry_id))
    return _entry(row)


def entries(
    db: Database,
    status: str | None = "open",
    device_id: int | None = None,
    code: str | None = None,
    limit: int = 100,
    after: int = 0,
) -> list[Entry]:
    """Quarantined events, oldest first (``status`` None: all of them), from the one after
    entry ``after``."""
    stmt = (
        _select()
        .where(Quarantine.id > after)
        .order_by(Quarantine.id)
        .limit(max(1, min(limit, 1000)))
    )
    if status:
        if status not in STATUSES:
            raise ValidationError(_("A status is open, replayed or discarded."))
        stmt = stmt.where(Quarantine.status == status)
    if device_id is not None:
        stmt = stmt.where(Quarantine.device_id == device_id)
    if code:
        stmt = stmt.where(Quarantine.code == code)
    with db.read() as s:
        return [_entry(row) for row in s.execute(stmt)]


def open_counts(db: Database) -> dict[int, int]:
    """Open entries per device."""
    with db.read() as s:
        return dict(
            s.execute(
                select(Quarantine.device_id, func.count())
                .where(Quarantine.status == "open")
                .group_by(Quarantine.device_id)
            ).all()
        )


def details(db: Database, entry_id: int) -> Details:
    with db.read() as s:
        entry = _load(s, entry_id)
        q = s.get(Quarantine, entry_id)
        event = s.get(Event, q.event_id)
        waiting = [
            _entry(row)
            for row in s.execute(
                _select().where(Quarantine.waits_for_event_id == q.event_id).order_by(Quarantine.id)
            )
        ]
        flags = flags_of_event(s, event.id)
        return Details(
            entry,
            json.loads(event.payload),
            json.loads(q.envelope or "{}"),
            event.created_utc,
            flags,
            waiting,
        )


def replay(db: Database, entry_id: int, clean: bool = False, by: str = "") -> Replayed:
    """Project a quarantined event again (and what waited for it), in one transaction."""
    with db.write() as s:
        found = s.execute(select(Quarantine.device_id).where(Quarantine.id == entry_id)).first()
        if found is None:
            raise NotFoundError(_("No quarantined event {id}.", id=entry_id))
        return _replay(s, db.now(), entry_id, clean, by)


def replay_all(
    db: Database,
    device_id: int | None = None,
    code: str | None = None,
    clean: bool = False,
    by: str = "",
) -> list[Replayed]:
    """Replay every open entry (of a device, of a code), oldest first; each in its own
    transaction, so one that fails again does not undo the others."""
    results: list[Replayed] = []
    after = 0
    while True:
        page = entries(db, "open", device_id, code, limit=1000, after=after)
        if not page:
            return results
        for entry in page:
            try:
                results.append(replay(db, entry.id, clean, by))
            except StateError:
                continue  # already replayed with the sale it waited for
        after = page[-1].id


def _replay(s: Session, now: datetime, entry_id: int, clean: bool, by: str) -> Replayed:
    q = s.execute(select(Quarantine).where(Quarantine.id == entry_id)).scalar_one()
    device = sync.lock_device(s, q.device_id)
    s.refresh(q, with_for_update=True)  # a concurrent replay may have resolved it
    if q.status != "open":
        raise StateError(
            _("Quarantined event {id} is already {status}.", id=entry_id, status=q.status)
        )
    event = s.get(Event, q.event_id)
    incoming = sync.reload(s, event, json.loads(q.envelope or "{}"), clean)
    flags, holds = sync.project(s, now, device, [incoming])
    q.attempts += 1
    q.updated_utc = now
    if holds:
        hold = holds[0]
        q.code, q.message = hold.code[:32], sync.safe_text(hold.message)
        q.detail = sync.stored_text(hold.detail)
        q.waits_for_event_id = hold.waits_for_event_id
        s.flush()
        return Replayed(_load(s, entry_id), flags)
    q.status = "replayed"
    q.resolved_utc = now
    q.resolved_by = by[:100]
    q.resolution = "cleaned" if clean else ""
    s.flush()
    result = Replayed(_load(s, entry_id), flags)
    waiting = s.execute(
        select(Quarantine.id)
        .join(Event, Event.id == Quarantine.event_id)
        .where(Quarantine.waits_for_event_id == event.id, Quarantine.status == "open")
        .order_by(Event.device_id, Event.seq)
    ).scalars()
    for dependent in list(waiting):
        result.dependents.append(_replay(s, now, dependent, False, by))
    return result


def discard(db: Database, entry_id: int, reason: str, by: str = "") -> Entry:
    """Set a quarantined event aside for good (it stays stored, with the reason)."""
    reason = text.check_free_text(reason.strip(), _("The reason"))
    if not reason:
        raise ValidationError(_("Say why this event is discarded."))
    with db.write() as s:
        q = s.execute(
            select(Quarantine).where(Quarantine.id == entry_id).with_for_update()
        ).scalar_one_or_none()
        if q is None:
            raise NotFoundError(_("No quarantined event {id}.", id=entry_id))
        if q.status != "open":
            raise StateError(
                _("Quarantined event {id} is already {status}.", id=entry_id, status=q.status)
            )
        now = db.now()
        q.status, q.resolved_utc, q.updated_utc = "discarded", now, now
        q.resolved_by, q.resolution = by[:100], reason[:2000]
        s.flush()
        return _load(s, entry_id)


# -- flags per device (what head office watches besides the quarantine) -----------------


def flags_of_event(s: Session, event_id: int) -> list[dict[str, Any]]:
    return [
        {"code": code, "detail": json.loads(detail)}
        for code, detail in s.execute(
            select(EventFlag.code, EventFlag.detail)
            .where(EventFlag.event_id == event_id)
            .order_by(EventFlag.id)
        )
    ]


@dataclass(frozen=True)
class FlagCount:
    device_id: int
    receipt_prefix: str
    code: str
    events: int
    last_received_utc: datetime


def flag_summary(
    db: Database, device_id: int | None = None, prefix: str | None = None
) -> list[FlagCount]:
    """How many events of each device carry each flag (``prefix``: only codes starting
    with it, e.g. ``clock_``), and when the last one arrived."""
    stmt = (
        select(
            Event.device_id,
            Device.receipt_prefix,
            EventFlag.code,
            func.count(func.distinct(Event.id)),
            func.max(Event.received_utc),
        )
        .join(Event, Event.id == EventFlag.event_id)
        .join(Device, Device.id == Event.device_id)
        .group_by(Event.device_id, Device.receipt_prefix, EventFlag.code)
        .order_by(Event.device_id, EventFlag.code)
    )
    if device_id is not None:
        stmt = stmt.where(Event.device_id == device_id)
    if prefix:
        stmt = stmt.where(EventFlag.code.startswith(prefix))
    with db.read() as s:
        return [FlagCount(*row) for row in s.execute(stmt)]


__all__ = [
    "Details",
    "Entry",
    "Replayed",
    "details",
    "discard",
    "entries",
    "flag_summary",
    "flags_of_event",
    "open_counts",
    "replay",
    "replay_all",
]
