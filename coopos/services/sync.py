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

A till with no server configured never calls any of this.
"""

from __future__ import annotations

import json
import logging
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update

from coopos.db.models import Location, OutboxEvent, Sale
from coopos.domain import events
from coopos.domain.errors import StateError, ValidationError
from coopos.i18n import _
from coopos.protocol import parts
from coopos.protocol.limits import MAX_BATCH_BYTES
from coopos.services import settings
from coopos.services import sync_refusals as refusals
from coopos.services.catalog_pull import apply_changes
from coopos.services.context import Context
from coopos.sync.client import READ_SECONDS, SyncClient, SyncFailure, Transport

log = logging.getLogger(__name__)

PUSH_BATCH = 200
ENVELOPE_BYTES = 200  # seq, uuid, kind and created_utc around a payload, as JSON
PART_SECONDS = 2.0  # to wait, per part, for the answer to a multi-part event's last part
PULL_PAGE = 500
MAX_PULL_PAGES = 200  # one round stops there; the next round goes on


@dataclass(frozen=True)
class SyncState:
    """What the status bar shows."""

    configured: bool
    server: str
    waiting: int  # outbox events not acknowledged yet
    last_ok_utc: str  # ISO, "" if never
    last_error: str
    stopped_at: int = 0  # the seq of an event the server refused for good (0: none)

    @property
    def online(self) -> bool:
        return self.configured and not self.last_error and bool(self.last_ok_utc)


@dataclass(frozen=True)
class RoundReport:
    pushed: int
    pulled: int
    waiting: int
    flagged: int


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def state(ctx: Context) -> SyncState:
    with ctx.read() as s:
        values = settings.get_all(s)
        waiting = s.execute(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.acked_utc.is_(None))
        ).scalar_one()
    return SyncState(
        configured=bool(values.get("sync.url") and values.get("sync.token")),
        server=str(values.get("sync.url") or ""),
        waiting=int(waiting),
        last_ok_utc=str(values.get("sync.last_ok_utc") or ""),
        last_error=str(values.get("sync.last_error") or ""),
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
    """Swap a one-time code for this till's identity; returns a sentence saying so."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValidationError(_("The server address starts with https:// (or http://)."))
    if not code.strip():
        raise ValidationError(_("Type the enrollment code given by head office."))
    with ctx.read() as s:
        prefixes = {
            no.rsplit("-", 1)[0] for (no,) in s.execute(select(Sale.receipt_no)).all() if no
        }
        if settings.get(s, "sync.token"):
            raise StateError(
                _("This till is already enrolled with {url}.", url=settings.get(s, "sync.url"))
            )
    client = SyncClient(url, "", transport)
    result = client.enroll(code.strip(), device_name or socket.gethostname(), _now_iso())
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
            "sync.cursor": 0,
            "sync.last_error": "",
            "device.prefix": result.receipt_prefix,
            "device.location": location["code"],
        }.items():
            settings.put(s, key, value)
        uow.audit(
            "sync_enrolled", None, server=url, device=result.device_id, prefix=result.receipt_prefix
        )
    return _(
        "Enrolled with {url} as device {device}: receipts {prefix}-…, location {location}.",
        url=url,
        device=result.device_id,
        prefix=result.receipt_prefix,
        location=location["code"],
    )


# -- one round --------------------------------------------------------------------------------


def sync_once(
    ctx: Context, transport: Transport | None = None, retry_refused: bool = False
) -> RoundReport:
    """Push everything waiting, then pull the catalog.  Raises :class:`SyncFailure` (after
    recording it for the status bar) when the server cannot be used now.

    An event the server refused for good (``sync_refusals``) stops the push but not the
    pull; it is sent again only with ``retry_refused`` (a person asked: "sync now")."""
    client = client_for(ctx, transport)
    try:
        refused: refusals.EventRefused | None = None
        try:
            pushed, flagged = _push_all(ctx, client, retry_refused)
        except refusals.EventRefused as exc:
            pushed = flagged = 0
            refused = exc
        pulled = _pull_all(ctx, client)
        if refused is not None:
            raise refused
    except SyncFailure as exc:
        _record(ctx, error=exc.message)
        raise
    _record(ctx, ok=True)
    waiting = state(ctx).waiting
    ctx.events.publish(events.SYNC_DONE, pushed=pushed, pulled=pulled, waiting=waiting)
    return RoundReport(pushed, pulled, waiting, flagged)


def _record(ctx: Context, ok: bool = False, error: str = "") -> None:
    with ctx.write() as uow:
        if ok:
            settings.put(uow.session, "sync.last_ok_utc", _now_iso())
        settings.put(uow.session, "sync.last_error", error)


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


def _ack(ctx: Context, through: int) -> None:
    with ctx.write() as uow:
        uow.connection.execute(
            update(OutboxEvent)
            .where(OutboxEvent.seq <= through, OutboxEvent.acked_utc.is_(None))
            .values(acked_utc=uow.stamp.utc)
        )


def _push_all(ctx: Context, client: SyncClient, retry_refused: bool = False) -> tuple[int, int]:
    pushed = flagged = 0
    first = _first_unacked(ctx)
    refused = refusals.still_refused(ctx)
    if refused is None or first is None:
        refusals.clear_refused(ctx)
    elif not retry_refused:  # the server said never: no request until a person asks
        raise refusals.EventRefused(refused)
    if first is None:
        return 0, 0
    after = first - 1
    max_events = PUSH_BATCH
    for _round in range(100_000):
        batch = _outbox_batch(ctx, after, max_events)
        if not batch:
            break
        try:
            answer = client.push(batch, _now_iso(), _patience(batch))
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
                # The server holds everything before ``expected``: resume there.
                if expected - 1 == after:
                    raise  # it asks for what was just sent: do not loop
                _ack(ctx, expected - 1)
                after = expected - 1
                continue
            raise
        through = int(answer["acked_through"])
        _ack(ctx, through)
        pushed += int(answer.get("stored", 0))
        flagged += len(answer.get("flagged") or [])
        if through < batch[-1]["seq"]:  # the server took less than sent: resend the rest
            after = through
            continue
        after = batch[-1]["seq"]
    if refused is not None:
        refusals.clear_refused(ctx)  # sent after all: support fixed the server
    return pushed, flagged


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
        page = client.pull(cursor, PULL_PAGE)
        changes = page.get("changes") or []
        new_cursor = int(page.get("cursor", cursor))
        with ctx.write() as uow:  # the page, its search index and the cursor: all or nothing
            apply_changes(uow.session, changes)
            settings.put(uow.session, "sync.cursor", new_cursor)
            if changes:
                uow.publish(events.CATALOG_CHANGED, pulled=len(changes))
        applied += len(changes)
        cursor = new_cursor
        if not page.get("more"):
            break
    return applied
