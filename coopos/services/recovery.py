"""A till that was restored from a backup, or re-enrolled, finds its place again.

The till's counters (receipt, note and Z numbers; the outbox sequence) are only true for
one line of history.  A restore starts a new line from an older point, so the numbers
after that point may already have been issued: on paper, and on the server.  Two sources
tell which:

- the database being replaced, when it is this till's own (same receipt prefix): its
  counters carry over into the restored one, and, for the same enrolled device, its
  events the server has not acknowledged come along to be sent, with its current token
  (:func:`after_restore`);
- the server, which keeps per device the last sequence number and the highest number of
  every series it received: :func:`reconcile` applies its answer (``POST
  /v1/sync/state``) before the first push after a restore, a re-enrollment or a
  sequence conflict.

Until one of them has spoken, an enrolled till refuses to number a document
(``sync.hold_numbers``; :class:`coopos.domain.errors.NumbersOnHold`): a receipt number is
never issued twice with different content.  See docs/sync.md, Recovery.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text, update

from coopos.db.models import OutboxEvent
from coopos.db.uow import HOLD_KEY, UnitOfWork
from coopos.protocol import numbers as protocol_numbers
from coopos.services import settings

RECOVERY_KEY = "sync.recovery"  # "check": ask the server before the next push
CHECK = "check"
OUTBOX = "outbox"
_CARRY = text(
    "INSERT INTO outbox (seq, uuid, kind, payload, created_utc) "
    "VALUES (:seq, :uuid, :kind, :payload, :created_utc)"
)


@dataclass(frozen=True)
class TillFacts:
    """What a till database says about its identity, counters and unsent events."""

    prefix: str
    url: str
    device_id: int | None
    enrolled: bool
    counters: dict[str, int]
    unsent: list[dict[str, Any]] = field(default_factory=list)
    token: str = ""

    def same_device(self, other: TillFacts) -> bool:
        return (
            self.enrolled
            and other.enrolled
            and (self.url, self.device_id) == (other.url, other.device_id)
        )


def read_facts(path: Path) -> TillFacts | None:
    """The facts of the till database at ``path``, or None if it cannot be read."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        values = {
            key: json.loads(raw) for key, raw in conn.execute("SELECT key, value FROM settings")
        }
        counters = dict(conn.execute("SELECT name, last_value FROM sequences").fetchall())
        enrolled = bool(values.get("sync.url") and values.get("sync.token"))
        unsent = []
        if enrolled:
            unsent = [
                {"uuid": u, "kind": k, "payload": p, "created_utc": c}
                for u, k, p, c in conn.execute(
                    "SELECT uuid, kind, payload, created_utc FROM outbox "
                    "WHERE acked_utc IS NULL ORDER BY seq"
                )
            ]
    except (sqlite3.Error, ValueError):
        return None
    finally:
        conn.close()
    return TillFacts(
        prefix=str(values.get("device.prefix") or settings.DEFAULTS["device.prefix"]),
        url=str(values.get("sync.url") or ""),
        device_id=values.get("sync.device_id"),
        enrolled=enrolled,
        counters={str(k): int(v) for k, v in counters.items()},
        unsent=unsent,
        token=str(values.get("sync.token") or ""),
    )


@dataclass(frozen=True)
class RestoreReport:
    carried: int  # unsent events of the replaced database, kept to be sent
    left_behind: int  # unsent events of the replaced database that stay in its copy
    held: bool  # documents cannot be numbered until the server is reached


def _raise_counter(uow: UnitOfWork, name: str, value: int) -> None:
    """The counter ``name`` becomes at least ``value`` (created if missing)."""
    conn = uow.connection
    done = conn.execute(
        text(
            "UPDATE sequences SET last_value = :v WHERE name = :name AND last_value < :v "
            "RETURNING last_value"
        ),
        {"name": name, "v": value},
    ).first()
    if done is None:
        conn.execute(
            text("INSERT OR IGNORE INTO sequences (name, last_value) VALUES (:name, :v)"),
            {"name": name, "v": value},
        )


def after_restore(uow: UnitOfWork, replaced: TillFacts | None, source: str) -> RestoreReport:
    """Inside the restored database, just after the file was put in place."""
    s = uow.session
    values = settings.get_all(s)
    restored = TillFacts(
        prefix=str(values.get("device.prefix") or ""),
        url=str(values.get("sync.url") or ""),
        device_id=values.get("sync.device_id"),
        enrolled=bool(values.get("sync.url") and values.get("sync.token")),
        counters={},
    )
    same_series = replaced is not None and replaced.prefix == restored.prefix
    if same_series:
        assert replaced is not None
        for name, value in replaced.counters.items():
            if name != OUTBOX:
                _raise_counter(uow, name, value)
    have = set(s.execute(select(OutboxEvent.uuid)).scalars())
    missing = [e for e in (replaced.unsent if replaced else []) if e["uuid"] not in have]
    carried = left_behind = 0
    if replaced is not None and restored.enrolled and replaced.same_device(restored):
        last = s.execute(select(func.max(OutboxEvent.seq))).scalar() or 0
        for event in missing:  # copied as stored: the same bytes reach the server
            last += 1
            uow.connection.execute(_CARRY, {"seq": last, **event})
        carried = len(missing)
        _raise_counter(uow, OUTBOX, last)
        # The device's newest credentials: an older backup may hold a token the server
        # replaced since (a re-enrollment) and would have to be enrolled again for nothing.
        settings.put(s, "sync.token", replaced.token)
        settings.put(s, "sync.status", "")
        settings.put(s, "sync.last_error", "")
    else:
        left_behind = len(missing)  # another till's, or a till no longer enrolled
    held = restored.enrolled and not same_series
    if restored.enrolled:
        settings.put(s, RECOVERY_KEY, CHECK)
        settings.put(s, HOLD_KEY, held)
    uow.audit(
        "backup_restored",
        None,
        source=source,
        carried_events=carried,
        counters_from_replaced=same_series,
        numbers_held=held,
    )
    return RestoreReport(carried, left_behind, held)


# -- what the server says ------------------------------------------------------------------


@dataclass(frozen=True)
class ServerState:
    """``POST /v1/sync/state``: the device's high-water mark and the events it holds."""

    acked_through: int
    numbers: dict[str, int]
    held: dict[str, int]  # uuid -> seq, among the uuids asked about
    prefix: str


@dataclass(frozen=True)
class Reconciled:
    acknowledged: int  # unsent here, but the server had them
    renumbered: int  # moved above the server's last sequence number


def unsent_uuids(uow_or_session) -> list[str]:
    return list(
        uow_or_session.execute(
            select(OutboxEvent.uuid)
            .where(OutboxEvent.acked_utc.is_(None))
            .order_by(OutboxEvent.seq)
        ).scalars()
    )


def reconcile(uow: UnitOfWork, state: ServerState) -> Reconciled:
    """Make this till's counters continue above the server's, and its unsent events line
    up after the server's last sequence number (each still sent exactly once)."""
    s, conn = uow.session, uow.connection
    unsent = conn.execute(
        select(OutboxEvent.seq, OutboxEvent.uuid)
        .where(OutboxEvent.acked_utc.is_(None))
        .order_by(OutboxEvent.seq)
    ).all()
    max_acked = (
        conn.execute(
            select(func.max(OutboxEvent.seq)).where(OutboxEvent.acked_utc.is_not(None))
        ).scalar()
        or 0
    )
    held = {seq: state.held[uuid] for seq, uuid in unsent if uuid in state.held}
    # An event the server holds takes the server's seq, unless an acknowledged row is in
    # the way (a till whose old version acknowledged rows the server did not have): then
    # it stays where it is, acknowledged all the same.
    in_the_way = set(
        conn.execute(
            select(OutboxEvent.seq).where(
                OutboxEvent.seq.in_(list(held.values())), OutboxEvent.acked_utc.is_not(None)
            )
        ).scalars()
    )
    moves = dict(held)
    while True:  # a held event that stays is in the way of another one in turn
        staying = in_the_way | {seq for seq, target in moves.items() if target == seq}
        blocked = [seq for seq, target in moves.items() if target != seq and target in staying]
        if not blocked:
            break
        moves.update({seq: seq for seq in blocked})
    base = max(state.acked_through, max_acked, *moves.values(), 0)
    last = base
    for seq, _uuid in unsent:  # the rest follow the server's last one, in their order
        if seq not in held:
            last += 1
            moves[seq] = last
    moving = {seq: new for seq, new in moves.items() if seq != new}
    if held:
        conn.execute(
            update(OutboxEvent)
            .where(OutboxEvent.seq.in_(list(held)))
            .values(acked_utc=uow.stamp.utc)
        )
    for seq in moving:  # two steps: no two rows ever share a seq on the way
        conn.execute(update(OutboxEvent).where(OutboxEvent.seq == seq).values(seq=-seq))
    for seq, new in moving.items():
        conn.execute(update(OutboxEvent).where(OutboxEvent.seq == -seq).values(seq=new))
    top = conn.execute(select(func.max(OutboxEvent.seq))).scalar() or 0
    conn.execute(
        text("INSERT OR REPLACE INTO sequences (name, last_value) VALUES (:n, :v)"),
        {"n": OUTBOX, "v": max(top, last, state.acked_through)},
    )
    apply_numbers(uow, state.numbers, str(settings.get(s, "device.prefix") or state.prefix))
    settings.put(s, RECOVERY_KEY, "")
    settings.put(s, HOLD_KEY, False)
    result = Reconciled(len(held), sum(1 for seq in moving if seq not in held))
    uow.audit(
        "sync_recovered",
        None,
        server_acked_through=state.acked_through,
        acknowledged=result.acknowledged,
        renumbered=result.renumbered,
        numbers=state.numbers,
    )
    return result


def apply_numbers(uow: UnitOfWork, numbers: dict[str, int], prefix: str) -> None:
    """The till's document counters continue above the server's highest numbers."""
    for series, value in numbers.items():
        if series in protocol_numbers.SERIES and isinstance(value, int) and value > 0:
            _raise_counter(uow, protocol_numbers.till_counter(series, prefix), value)


def recovery_needed(session) -> bool:
    return settings.get(session, RECOVERY_KEY) == CHECK
