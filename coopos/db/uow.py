"""Unit of work: one SQLite write transaction, all or nothing.

It also owns what every business write needs in that same transaction: gap-free
sequences, the hash-chained audit log and the outbox.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session

from coopos.db.engine import WRITE
from coopos.db.models import AuditEntry, OutboxEvent, new_uuid
from coopos.domain.audit import GENESIS, canonical, entry_hash
from coopos.domain.clock import Clock, Stamp
from coopos.domain.errors import NumbersOnHold
from coopos.domain.events import EventBus
from coopos.i18n import _
from coopos.protocol import events, parts
from coopos.protocol.limits import MAX_EVENT_BYTES

_NEXT_VALUE = text(
    "UPDATE sequences SET last_value = last_value + 1 WHERE name = :name RETURNING last_value"
)
_NEW_SEQUENCE = text("INSERT INTO sequences (name, last_value) VALUES (:name, 1)")
_LAST_AUDIT = text("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
_INSERT_AUDIT = insert(AuditEntry.__table__)
# Counters of printed documents (receipts, notes, Z reports): held after a restore until
# the till learns from the server which numbers it already issued (services.recovery).
DOCUMENT_COUNTERS = ("receipt:", "note:", "z_report")
HOLD_KEY = "sync.hold_numbers"
_HOLD = text(f"SELECT value FROM settings WHERE key = '{HOLD_KEY}'")
_INSERT_OUTBOX = insert(OutboxEvent.__table__)


class UnitOfWork:
    def __init__(self, engine: Engine, clock: Clock, events: EventBus | None = None):
        self.engine = engine
        self.clock = clock
        self.events = events
        self._pending: list[tuple[str, dict[str, Any]]] = []
        self.session: Session
        self.stamp: Stamp

    def __enter__(self) -> UnitOfWork:
        self.session = Session(self.engine, expire_on_commit=False, autoflush=True)
        # BEGIN IMMEDIATE: take the write lock now, not half-way through the sale.
        # Hot-path statements (sequences, audit, outbox, documents) run on this connection
        # directly, prepared once: the ORM's per-statement work cost more than SQLite's.
        self.connection = self.session.connection(execution_options=WRITE)
        self.stamp = self.clock.now()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
                self._pending.clear()
        finally:
            self.session.close()
        if self.events is not None:
            for name, payload in self._pending:
                self.events.publish(name, **payload)
        self._pending.clear()

    def publish(self, name: str, **payload: Any) -> None:
        """Announce ``name`` to listeners once (and only if) the transaction commits."""
        self._pending.append((name, payload))

    # -- sequences ---------------------------------------------------------------------
    def next_value(self, name: str) -> int:
        """Next value of a gap-free counter; rolled back with the transaction."""
        self.session.flush()  # ORM changes first, so statement order stays the code's order
        if name.startswith(DOCUMENT_COUNTERS) and self.connection.execute(_HOLD).scalar() == "true":
            raise NumbersOnHold(
                _(
                    "This till was restored from a backup: connect it to the server once "
                    "(Settings, Sync now) so that its receipt numbers continue after the "
                    "last ones head office has, then sell."
                )
            )
        current = self.connection.execute(_NEXT_VALUE, {"name": name}).scalar()
        if current is None:
            self.connection.execute(_NEW_SEQUENCE, {"name": name})
            current = 1
        return int(current)

    # -- audit log ---------------------------------------------------------------------
    def audit(self, action: str, user_id: int | None, /, **details: Any) -> int:
        self.session.flush()
        last = self.connection.execute(_LAST_AUDIT).first()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        at_utc = self.stamp.utc.isoformat(timespec="microseconds")
        body = canonical(details)
        digest = entry_hash(prev, seq, at_utc, self.stamp.local, user_id, action, body)
        self.connection.execute(
            _INSERT_AUDIT,
            {
                "seq": seq,
                "at_utc": at_utc,
                "at_local": self.stamp.local,
                "user_id": user_id,
                "action": action,
                "details": body,
                "prev_hash": prev,
                "hash": digest,
            },
        )
        return seq

    # -- outbox --------------------------------------------------------------------------
    def outbox(self, kind: events.EventKind, payload: dict[str, Any]) -> int:
        """Queue an event for the server; returns its sequence number (its last part's
        when it is too large for one event and goes in parts).  The payload must have
        its kind's shape (:mod:`coopos.protocol.events`): a typo fails here, in the
        till's tests, not as a quarantined event at head office."""
        kind = events.EventKind(kind)
        payload = events.build(kind, payload)
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
        if len(text) * 4 > MAX_EVENT_BYTES and parts.size(text) > MAX_EVENT_BYTES:
            group = new_uuid()
            for part in parts.split(kind, text, group):
                seq = self._outbox_row(parts.PART_KIND, parts.encode(part))
            return seq
        return self._outbox_row(kind, text)

    def _outbox_row(self, kind: str, text: str) -> int:
        seq = self.next_value("outbox")
        self.connection.execute(
            _INSERT_OUTBOX,
            {
                "seq": seq,
                "uuid": new_uuid(),
                "kind": kind,
                "payload": text,
                "created_utc": self.stamp.utc,
            },
        )
        return seq
