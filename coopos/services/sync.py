"""Sync use cases on the till: enroll with the central server, then rounds of push (the
outbox, exactly once) and pull (the catalog head office owns).

- Push sends unacknowledged outbox rows in ``seq`` order, in batches bounded by count and
  bytes.  The server answers the sequence number it holds everything up to; those rows get
  ``acked_utc``.  A lost answer is harmless: the batch is sent again and acknowledged as
  duplicates.  A ``sequence_gap`` answer names where to resume.  An event the server can
  never accept stops the push with a clear error instead of being sent forever
  (``sync_refusals``).
- Pull applies catalog changes page by page (``catalog_pull``: each page as its final
  state, so any sequence of edits converges); each page, its search index and its cursor
  are saved in one transaction, so a crash half-way resumes where it stopped.  Pulled
  changes are not put in the outbox (they came from the server).  Sales already made keep
  their prices.
- Recovery: after a restore, a re-enrollment or a ``sequence_conflict``, the round first
  asks the server where this device stands (``POST /v1/sync/state``) and lines the till's
  counters and unsent events up after it (:mod:`coopos.services.recovery`).
- Each round records a :class:`SyncStatus` decided on the failure's type: offline (try
  again), re-enroll (head office must give a new code), refused (head office must look).

A till with no server configured never calls any of this.
"""

from __future__ import annotations

import json
import logging
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update

from coopos.db.models import Location, OutboxEvent, Sale
from coopos.db.uow import HOLD_KEY
from coopos.domain import events
from coopos.domain.errors import StateError, ValidationError
from coopos.i18n import _
from coopos.protocol import catalog_page, parts
from coopos.protocol.limits import MAX_BATCH_BYTES
from coopos.services import recovery, settings, storage
from coopos.services import sync_refusals as refusals
from coopos.services.catalog_pull import apply_changes
from coopos.services.context import Context
from coopos.sync.client import (
    READ_SECONDS,
    DeviceNotAccepted,
    PrefixMismatch,
    SequenceConflict,
    ServerBusy,
    ServerUnreachable,
    SyncClient,
    SyncFailure,
    Transport,
)

log = logging.getLogger(__name__)

PUSH_BATCH = 200
ENVELOPE_BYTES = 200  # seq, uuid, kind and created_utc around a payload, as JSON
PART_SECONDS = 2.0  # to wait, per part, for the answer to a multi-part event's last part
PULL_PAGE = 500
MAX_PULL_PAGES = 200  # one round stops there; the next round goes on
STATE_BATCH = 1000  # uuids per POST /v1/sync/state


class SyncStatus(StrEnum):
    """What the last round found; ``sync.status``."""

    NEVER = ""  # enrolled, no round yet
    OK = "ok"
    OFFLINE = "offline"  # the network or the server: sync tries again by itself
    REENROLL = "reenroll"  # revoked, or a new code pending: ask head office, enroll again
    REFUSED = "refused"  # the server refuses what the till sends: head office must look


def status_of(failure: SyncFailure) -> SyncStatus:
    if isinstance(failure, ServerUnreachable | ServerBusy):
        return SyncStatus.OFFLINE
    if isinstance(failure, DeviceNotAccepted):
        return SyncStatus.REENROLL
    return SyncStatus.REFUSED


@dataclass(frozen=True)
class SyncState:
    """What the status bar shows."""

    configured: bool
    server: str
    waiting: int  # outbox events not acknowledged yet
    last_ok_utc: str  # ISO, "" if never
    last_error: str
    status: SyncStatus = SyncStatus.NEVER
    recovering: bool = False  # restored or re-enrolled: the next round asks the server first
    numbers_held: bool = False  # no receipt can be numbered until then
    stopped_at: int = 0  # the seq of an event the server refused for good (0: none)

    @property
    def online(self) -> bool:
        return self.configured and self.status == SyncStatus.OK and bool(self.last_ok_utc)

    @property
    def must_reenroll(self) -> bool:
        return self.configured and self.status == SyncStatus.REENROLL


def advice(state: SyncState) -> str:
    """What a person must do about this till's sync, in one sentence ("" if nothing)."""
    if not state.configured:
        return ""
    if state.status == SyncStatus.REENROLL:
        return _(
            "This till must be re-enrolled: ask head office for a new code, then enroll it "
            "again here. Its unsent sales are kept."
        )
    if state.numbers_held:
        return _(
            "This till was restored from a backup: connect it to the server once before "
            "selling, so that its receipt numbers continue after the last ones head office has."
        )
    if state.status == SyncStatus.REFUSED:
        return _(
            "The server refuses what this till sends: sync stopped, nothing is lost. Tell "
            "head office."
        )
    if state.recovering:
        return _("This till was restored or enrolled again: the next sync checks with head office.")
    return ""


@dataclass(frozen=True)
class RoundReport:
    pushed: int
    pulled: int
    waiting: int
    flagged: int
    held: int = 0  # quarantined by the server: stored, not counted until head office acts


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def state(ctx: Context) -> SyncState:
    with ctx.read() as s:
        values = settings.get_all(s)
        waiting = s.execute(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.acked_utc.is_(None))
        ).scalar_one()
    try:
        status = SyncStatus(values.get("sync.status") or "")
    except ValueError:
        status = SyncStatus.NEVER
    return SyncState(
        configured=bool(values.get("sync.url") and values.get("sync.token")),
        server=str(values.get("sync.url") or ""),
        waiting=int(waiting),
        last_ok_utc=str(values.get("sync.last_ok_utc") or ""),
        last_error=str(values.get("sync.last_error") or ""),
        status=status,
        recovering=values.get(recovery.RECOVERY_KEY) == recovery.CHECK,
        numbers_held=bool(values.get(HOLD_KEY)),
        stopped_at=int((values.get("sync.refused") or {}).get("seq") or 0),
    )


def client_for(ctx: Context, transport: Transport | None = None) -> SyncClient:
    with ctx.read() as s:
        url = str(settings.get(s, "sync.url") or "")
        token = str(settings.get(s, "sync.token") or "")
    if not url or not token:
        raise StateError(_("This till is not enrolled with a server: it works on its own."))
    return SyncClient(url, token, transport)


# -- enrollment -------------------------------------------------------------------------------


def enroll(
    ctx: Context, url: str, code: str, transport: Transport | None = None, device_name: str = ""
) -> str:
    """Swap a one-time code for this till's identity; returns a sentence saying so.

    A till the server no longer accepts (revoked, or head office made a new code for it)
    enrolls again the same way, with the code head office gives for *this* device: it
    keeps its unsent events and continues its numbering (docs/sync.md, Recovery)."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValidationError(_("The server address starts with https:// (or http://)."))
    if not code.strip():
        raise ValidationError(_("Type the enrollment code given by head office."))
    current = state(ctx)
    if current.configured and not current.must_reenroll and not _token_refused(ctx, transport):
        raise StateError(_("This till is already enrolled with {url}.", url=current.server))
    with ctx.read() as s:
        prefixes = {
            no.rsplit("-", 1)[0] for (no,) in s.execute(select(Sale.receipt_no)).all() if no
        }
        prefix = str(settings.get(s, "device.prefix") or "")
    # A till that already numbered receipts keeps its prefix: the server refuses a code for
    # another one without using it up.
    ours = prefix if prefix in prefixes or current.configured else ""
    client = SyncClient(url, "", transport, prefix=ours or next(iter(sorted(prefixes)), ""))
    try:
        result = client.enroll(code.strip(), device_name or socket.gethostname(), _now_iso())
    except PrefixMismatch as exc:
        advice = _prefix_advice(exc, client.prefix, current)
        raise PrefixMismatch(advice, exc.status, exc.detail) from None
    if prefixes - {result.receipt_prefix}:
        raise StateError(
            _(
                "This till already has receipts numbered {ours}-… but the server gave it "
                "{theirs}-…: ask head office to revoke device {device} and make a code with "
                "“--prefix {ours}”.",
                ours=sorted(prefixes)[0],
                theirs=result.receipt_prefix,
                device=result.device_id,
            )
        )
    location = result.location
    with ctx.write() as uow:
        s = uow.session
        if s.execute(select(Location.id).where(Location.code == location["code"])).first() is None:
            s.add(Location(code=location["code"], kind=location["kind"], name=location["name"]))
        for key, value in {
            "sync.url": url,
            "sync.token": result.token,
            "sync.device_id": result.device_id,
            "sync.last_error": "",
            "sync.status": SyncStatus.NEVER.value,
            "device.prefix": result.receipt_prefix,
            "device.location": location["code"],
        }.items():
            settings.put(s, key, value)
        if not current.configured:
            settings.put(s, "sync.cursor", 0)
        # A device with a past on the server (re-enrolled): numbering continues above its
        # numbers now, and unsent events are lined up after its last sequence number.
        recovery.apply_numbers(uow, result.numbers, result.receipt_prefix)
        settings.put(s, HOLD_KEY, False)
        if result.acked_through:
            settings.put(s, recovery.RECOVERY_KEY, recovery.CHECK)
        uow.audit(
            "sync_enrolled",
            None,
            server=url,
            device=result.device_id,
            prefix=result.receipt_prefix,
            again=current.configured,
        )
    if result.acked_through:
        try:
            recover(ctx, SyncClient(url, result.token, transport))
        except SyncFailure:
            log.info("recovery after enrollment waits for the next round", exc_info=True)
    return _(
        "Enrolled with {url} as device {device}: receipts {prefix}-…, location {location}.",
        url=url,
        device=result.device_id,
        prefix=result.receipt_prefix,
        location=location["code"],
    )


def _token_refused(ctx: Context, transport: Transport | None) -> bool:
    """Does the server refuse this till's token (revoked, or re-enrollment pending) though
    no round has said so yet?  Then a new code may replace it."""
    try:
        client_for(ctx, transport).state([])
    except DeviceNotAccepted as exc:
        _record(ctx, SyncStatus.REENROLL, exc.message)
        return True
    except SyncFailure:
        return False
    return False


def _prefix_advice(exc: PrefixMismatch, ours: str, current: SyncState) -> str:
    if current.configured:  # this till is a device already: it needs a code for itself
        return _(
            "This code is for another till (receipts {theirs}-…): ask head office for a new "
            "code for this one (“coopos server device reenroll” with its device number).",
            theirs=exc.detail.get("receipt_prefix", "?"),
        )
    return _(
        "This till already has receipts numbered {ours}-… but the code is for {theirs}-…: "
        "ask head office for a code made with “--prefix {ours}”.",
        ours=ours,
        theirs=exc.detail.get("receipt_prefix", "?"),
    )


# -- one round --------------------------------------------------------------------------------


def sync_once(
    ctx: Context, transport: Transport | None = None, retry_refused: bool = False
) -> RoundReport:
    """Push everything waiting, then pull the catalog.  Raises a :class:`SyncFailure`
    subclass (after recording it for the status bar) when the server cannot be used now.

    An event the server refused for good (``sync_refusals``) stops the push but not the
    pull; it is sent again only with ``retry_refused`` (a person asked: "sync now")."""
    client = client_for(ctx, transport)
    try:
        with ctx.read() as s:
            if recovery.recovery_needed(s):
                recover(ctx, client)
        refused: refusals.EventRefused | None = None
        try:
            pushed, flagged, held = _push_all(ctx, client, retry_refused)
        except refusals.EventRefused as exc:
            pushed = flagged = held = 0
            refused = exc
        pulled = _pull_all(ctx, client)
        if refused is not None:
            raise refused
    except SyncFailure as exc:
        _record(ctx, status_of(exc), exc.message)
        raise
    _record(ctx, SyncStatus.OK)
    waiting = state(ctx).waiting
    ctx.events.publish(events.SYNC_DONE, pushed=pushed, pulled=pulled, waiting=waiting)
    return RoundReport(pushed, pulled, waiting, flagged, held)


def _record(ctx: Context, status: SyncStatus, error: str = "") -> None:
    with ctx.write() as uow:
        if status == SyncStatus.OK:
            settings.put(uow.session, "sync.last_ok_utc", _now_iso())
        settings.put(uow.session, "sync.last_error", error)
        settings.put(uow.session, "sync.status", status.value)


def recover(ctx: Context, client: SyncClient) -> recovery.Reconciled:
    """Ask the server where this device stands and which unsent events it already holds,
    then line the till up after it (one local transaction)."""
    with ctx.read() as s:
        uuids = recovery.unsent_uuids(s)
    answer: dict[str, Any] = {}
    held: dict[str, int] = {}
    for start in range(0, max(len(uuids), 1), STATE_BATCH):
        answer = client.state(uuids[start : start + STATE_BATCH])
        held.update({str(k): int(v) for k, v in (answer.get("held") or {}).items()})
    server = recovery.ServerState(
        acked_through=int(answer["acked_through"]),
        numbers={str(k): int(v) for k, v in (answer.get("numbers") or {}).items()},
        held=held,
        prefix=str(answer.get("receipt_prefix") or ""),
    )
    with ctx.write() as uow:
        result = recovery.reconcile(uow, server)
    log.info("recovered: %s", result)
    return result


def _first_unacked(ctx: Context) -> int | None:
    with ctx.read() as s:
        return s.execute(
            select(func.min(OutboxEvent.seq)).where(OutboxEvent.acked_utc.is_(None))
        ).scalar()


def _outbox_batch(ctx: Context, after: int, max_events: int = PUSH_BATCH) -> list[dict[str, Any]]:
    """Events after ``after``, acknowledged or not: after a ``sequence_gap`` the server
    may ask again for events it acknowledged once (a server restored from a backup).  Up
    to ``max_events`` and ``MAX_BATCH_BYTES``; the first one whatever its size."""
    table = OutboxEvent.__table__
    query = (
        select(table.c.seq, table.c.uuid, table.c.kind, table.c.payload, table.c.created_utc)
        .where(table.c.seq > after)
        .order_by(table.c.seq)
        .limit(max_events)
        .execution_options(yield_per=8)  # large events are read a few at a time
    )
    batch: list[dict[str, Any]] = []
    total = 0
    with ctx.read() as s:
        for row in s.execute(query):
            total += parts.size(row.payload) + ENVELOPE_BYTES
            if batch and total > MAX_BATCH_BYTES:
                break
            batch.append(
                {
                    "seq": row.seq,
                    "uuid": row.uuid,
                    "kind": row.kind,
                    "payload": json.loads(row.payload),
                    "created_utc": row.created_utc.isoformat(),
                }
            )
    return batch


def _ack(ctx: Context, after: int, through: int) -> None:
    """Acknowledge the rows of a batch the server confirmed, and only those: an
    acknowledged row is one the server holds, the same, under the same seq."""
    with ctx.write() as uow:
        uow.connection.execute(
            update(OutboxEvent)
            .where(
                OutboxEvent.seq > after,
                OutboxEvent.seq <= through,
                OutboxEvent.acked_utc.is_(None),
            )
            .values(acked_utc=uow.stamp.utc)
        )


def _push_all(
    ctx: Context, client: SyncClient, retry_refused: bool = False
) -> tuple[int, int, int]:
    pushed = flagged = held = 0
    recovered = False
    first = _first_unacked(ctx)
    refused = refusals.still_refused(ctx)
    if refused is None or first is None:
        refusals.clear_refused(ctx)
    elif not retry_refused:  # the server said never: no request until a person asks
        raise refusals.EventRefused(refused)
    if first is None:
        return 0, 0, 0
    after = first - 1
    max_events = PUSH_BATCH
    for _round in range(100_000):
        batch = _outbox_batch(ctx, after, max_events)
        if not batch:
            break
        try:
            answer = client.push(batch, _now_iso(), _patience(batch))
        except SequenceConflict:
            # Another line of this device's history is on the server (a restore, a file
            # copied back by hand): line up after it once, then go on.
            if recovered:
                raise
            recovered = True
            recover(ctx, client)
            first = _first_unacked(ctx)
            if first is None:
                break
            after = first - 1
            continue
        except SyncFailure as exc:
            if exc.status == refusals.TOO_LARGE:
                if len(batch) > 1:  # smaller batches, down to one event alone
                    max_events = len(batch) // 2
                    continue
                event = batch[0]
                if refusals.splittable(event) and client.high_water(_now_iso()) < event["seq"]:
                    refusals.split_in_place(ctx, event["seq"])
                    continue
                raise refusals.refuse(ctx, event, exc) from exc
            if exc.status in refusals.UNREADABLE:  # sent again, refused again
                seq = exc.detail.get("seq")
                event = next((e for e in batch if e["seq"] == seq), batch[0])
                raise refusals.refuse(ctx, event, exc) from exc
            expected = exc.detail.get("expected") if exc.status == 409 else None
            if exc.detail.get("code") == "sequence_gap" and isinstance(expected, int):
                # The server holds everything before ``expected`` (it lost the rest to a
                # restore of its own): resend from there, acknowledged rows included.
                if expected - 1 >= after:
                    raise  # it asks for what was just sent: do not loop
                storage.check_resend(ctx, expected)  # pruned here: say so, do not loop
                after = expected - 1
                continue
            raise
        last = batch[-1]["seq"]
        through = int(answer["acked_through"])
        _ack(ctx, after, min(through, last))
        pushed += int(answer.get("stored", 0))
        flagged += len(answer.get("flagged") or [])
        for event in answer.get("quarantined") or []:  # acknowledged: never sent again
            held += 1
            log.warning(
                "the server quarantined event %s (%s): %s",
                event.get("seq"),
                event.get("code"),
                event.get("message"),
            )
        if through < last:  # the server took less than sent: resend the rest
            after = through
            continue
        after = last
    if refused is not None:
        refusals.clear_refused(ctx)  # sent after all: support fixed the server
    return pushed, flagged, held


def _patience(batch: list[dict[str, Any]]) -> float | None:
    """Seconds to wait for a push's answer when it ends a multi-part event, which the
    server projects whole before it answers (a lost answer is harmless, but it would show
    the till offline); None: the usual wait."""
    ending = sum(
        int(e["payload"].get("parts") or 0)
        for e in batch
        if e["kind"] == parts.PART_KIND and e["payload"].get("part") == e["payload"].get("parts")
    )
    return READ_SECONDS + PART_SECONDS * ending if ending else None


def _pull_all(ctx: Context, client: SyncClient) -> int:
    with ctx.read() as s:
        cursor = int(settings.get(s, "sync.cursor") or 0)
    applied = 0
    for _page in range(MAX_PULL_PAGES):
        page = catalog_page.read_page(client.pull(cursor, PULL_PAGE), cursor)
        changes, new_cursor = page["changes"], page["cursor"]
        with ctx.write() as uow:  # the page, its search index and the cursor: all or nothing
            apply_changes(uow.session, changes)
            settings.put(uow.session, "sync.cursor", new_cursor)
            if changes:
                uow.publish(events.CATALOG_CHANGED, pulled=len(changes))
        applied += len(changes)
        cursor = new_cursor
        if not page["more"]:
            break
    return applied
