"""Sync use cases on the till: enroll with the central server, then rounds of push (the
outbox, exactly once) and pull (the catalog head office owns).

- Push sends unacknowledged outbox rows in ``seq`` order, in batches.  The server answers
  the sequence number it holds everything up to; those rows get ``acked_utc``.  A lost
  answer is harmless: the batch is sent again and acknowledged as duplicates.  A
  ``sequence_gap`` answer names where to resume.
- Pull applies catalog changes page by page; each page and its cursor are saved in one
  transaction, so a crash half-way resumes where it stopped.  Pulled changes are not put
  in the outbox (they came from the server).  Sales already made keep their prices.
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

from coopos.db.models import (
    Category,
    Cooperative,
    Fair,
    Location,
    OutboxEvent,
    Product,
    ProductBarcode,
    Sale,
    User,
)
from coopos.db.uow import HOLD_KEY
from coopos.domain import events
from coopos.domain.errors import StateError, ValidationError
from coopos.i18n import _
from coopos.services import recovery, settings
from coopos.services.catalog import reindex
from coopos.services.context import Context
from coopos.sync.client import (
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


def sync_once(ctx: Context, transport: Transport | None = None) -> RoundReport:
    """Push everything waiting, then pull the catalog.  Raises a :class:`SyncFailure`
    subclass (after recording it for the status bar) when the server cannot be used now."""
    client = client_for(ctx, transport)
    try:
        with ctx.read() as s:
            if recovery.recovery_needed(s):
                recover(ctx, client)
        pushed, flagged, held = _push_all(ctx, client)
        pulled = _pull_all(ctx, client)
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


def _outbox_batch(ctx: Context, after: int) -> list[dict[str, Any]]:
    """Events after ``after``, acknowledged or not: after a ``sequence_gap`` the server
    may ask again for events it acknowledged once (a server restored from a backup)."""
    with ctx.read() as s:
        rows = s.execute(
            select(OutboxEvent)
            .where(OutboxEvent.seq > after)
            .order_by(OutboxEvent.seq)
            .limit(PUSH_BATCH)
        ).scalars()
        return [
            {
                "seq": row.seq,
                "uuid": row.uuid,
                "kind": row.kind,
                "payload": json.loads(row.payload),
                "created_utc": row.created_utc.isoformat(),
            }
            for row in rows
        ]


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


def _push_all(ctx: Context, client: SyncClient) -> tuple[int, int, int]:
    pushed = flagged = held = 0
    recovered = False
    first = _first_unacked(ctx)
    if first is None:
        return 0, 0, 0
    after = first - 1
    for _round in range(10_000):
        batch = _outbox_batch(ctx, after)
        if not batch:
            break
        try:
            answer = client.push(batch, _now_iso())
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
            expected = exc.detail.get("expected") if exc.status == 409 else None
            if exc.detail.get("code") == "sequence_gap" and isinstance(expected, int):
                # The server holds everything before ``expected`` (it lost the rest to a
                # restore of its own): resend from there, acknowledged rows included.
                if expected - 1 >= after:
                    raise  # it asks for what was just sent: do not loop
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
    return pushed, flagged, held


def _pull_all(ctx: Context, client: SyncClient) -> int:
    with ctx.read() as s:
        cursor = int(settings.get(s, "sync.cursor") or 0)
    applied = 0
    for _page in range(MAX_PULL_PAGES):
        page = client.pull(cursor, PULL_PAGE)
        changes = page.get("changes") or []
        new_cursor = int(page.get("cursor", cursor))
        with ctx.write() as uow:
            touched = apply_changes(uow.session, changes)
            settings.put(uow.session, "sync.cursor", new_cursor)
            if changes:
                uow.publish(events.CATALOG_CHANGED, pulled=len(changes))
        if touched:
            with ctx.write() as uow:
                reindex(uow.session, [uow.session.get(Product, pid) for pid in touched])
        applied += len(changes)
        cursor = new_cursor
        if not page.get("more"):
            break
    return applied


# -- applying the catalog ---------------------------------------------------------------------


def _names(target: Any, data: dict[str, Any]) -> None:
    for lang in ("ar", "fr", "en", "zgh"):
        key = f"name_{lang}"
        if key in data:
            setattr(target, key, data[key])


def _by(session, model, **where):
    return session.execute(select(model).filter_by(**where)).scalar_one_or_none()


def apply_changes(session, changes: list[dict[str, Any]]) -> set[int]:
    """Upsert pulled catalog rows by their natural keys; returns the product ids touched
    (their search index is rebuilt afterwards)."""
    products: set[int] = set()
    for change in changes:
        entity, data = change.get("entity"), change.get("data") or {}
        if entity == "fair":
            row = _by(session, Fair, code=data["code"]) or Fair(code=data["code"])
            row.name, row.city = data.get("name") or data["code"], data.get("city") or ""
            row.starts_on = _date(data.get("starts_on"))
            row.ends_on = _date(data.get("ends_on"))
            session.add(row)
        elif entity == "location":
            row = _by(session, Location, code=data["code"]) or Location(code=data["code"])
            row.kind, row.name = data["kind"], data.get("name") or data["code"]
            row.active = bool(data.get("active", True))
            fair = _by(session, Fair, code=data["fair"]) if data.get("fair") else None
            row.fair_id = fair.id if fair else None
            session.add(row)
        elif entity == "cooperative":
            row = _by(session, Cooperative, code=data["code"]) or Cooperative(code=data["code"])
            _names(row, data)
            for key in ("odco_number", "ice", "phone", "city"):
                setattr(row, key, data.get(key) or "")
            row.commission_bp = int(data.get("commission_bp") or 0)
            row.active = bool(data.get("active", True))
            session.add(row)
        elif entity == "category":
            row = _by(session, Category, code=data["code"]) or Category(code=data["code"])
            _names(row, data)
            session.add(row)
        elif entity == "product":
            products.add(_apply_product(session, data))
        elif entity == "user":
            _apply_user(session, data)
        else:
            log.warning("pulled an unknown catalog entity %r: ignored", entity)
        session.flush()
    return products


def _date(value):
    from datetime import date

    return date.fromisoformat(value) if value else None


def _apply_product(session, data: dict[str, Any]) -> int:
    # Look everything up before a new row joins the session (autoflush would insert it
    # half-filled).
    coop = _by(session, Cooperative, code=data["cooperative"])
    if coop is None:  # pulled out of order by an old server: a placeholder to fill
        coop = Cooperative(code=data["cooperative"], name_fr=data["cooperative"])
        session.add(coop)
        session.flush()
    category = _by(session, Category, code=data["category"]) if data.get("category") else None
    row = _by(session, Product, sku=data["sku"])
    if row is None:
        row = Product(sku=data["sku"], uuid=data.get("uuid") or None)
    _names(row, data)
    row.cooperative_id = coop.id
    row.category_id = category.id if category else None
    row.unit = data.get("unit") or "piece"
    row.sold_by_weight = bool(data.get("sold_by_weight"))
    row.price_cents = int(data["price_cents"])
    row.vat_rate = int(data["vat_rate"])
    row.active = bool(data.get("active", True))
    session.add(row)
    session.flush()
    wanted = set(data.get("barcodes") or [])
    for barcode in list(row.barcodes):
        if barcode.barcode not in wanted:
            session.delete(barcode)
    session.flush()
    have = {b.barcode for b in row.barcodes}
    for code in wanted - have:
        existing = session.get(ProductBarcode, code)
        if existing is not None:  # moved to this product at head office
            existing.product_id = row.id
        else:
            session.add(ProductBarcode(barcode=code, product_id=row.id))
    session.flush()
    return row.id


def _apply_user(session, data: dict[str, Any]) -> None:
    if data.get("withdrawn"):
        # a user of another location (or one moved away): no PIN hash may stay here
        row = _by(session, User, uuid=data["uuid"])
        if row is not None:
            row.active, row.pin_hash = False, "!"
        return
    row = _by(session, User, uuid=data["uuid"]) or _by(session, User, name=data["name"])
    if row is None:
        row = User(uuid=data["uuid"], name=data["name"])
        session.add(row)
    row.name, row.role, row.pin_hash = data["name"], data["role"], data["pin_hash"]
    row.language = data.get("language")
    row.active = bool(data.get("active", True))
