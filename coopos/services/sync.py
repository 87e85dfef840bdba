"""Sync use cases on the till: enroll with the central server, then rounds of push (the
outbox, exactly once) and pull (the catalog head office owns).

- Push sends unacknowledged outbox rows in ``seq`` order, in batches.  The server answers
  the sequence number it holds everything up to; those rows get ``acked_utc``.  A lost
  answer is harmless: the batch is sent again and acknowledged as duplicates.  A
  ``sequence_gap`` answer names where to resume.
- Pull applies catalog changes page by page; each page and its cursor are saved in one
  transaction, so a crash half-way resumes where it stopped.  Pulled changes are not put
  in the outbox (they came from the server).  Sales already made keep their prices.

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
from coopos.domain import events
from coopos.domain.errors import StateError, ValidationError
from coopos.i18n import _
from coopos.services import settings
from coopos.services.catalog import reindex
from coopos.services.context import Context
from coopos.sync.client import SyncClient, SyncFailure, Transport

log = logging.getLogger(__name__)

PUSH_BATCH = 200
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

    @property
    def online(self) -> bool:
        return self.configured and not self.last_error and bool(self.last_ok_utc)


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
    return SyncState(
        configured=bool(values.get("sync.url") and values.get("sync.token")),
        server=str(values.get("sync.url") or ""),
        waiting=int(waiting),
        last_ok_utc=str(values.get("sync.last_ok_utc") or ""),
        last_error=str(values.get("sync.last_error") or ""),
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


def sync_once(ctx: Context, transport: Transport | None = None) -> RoundReport:
    """Push everything waiting, then pull the catalog.  Raises :class:`SyncFailure` (after
    recording it for the status bar) when the server cannot be used now."""
    client = client_for(ctx, transport)
    try:
        pushed, flagged, held = _push_all(ctx, client)
        pulled = _pull_all(ctx, client)
    except SyncFailure as exc:
        _record(ctx, error=exc.message)
        raise
    _record(ctx, ok=True)
    waiting = state(ctx).waiting
    ctx.events.publish(events.SYNC_DONE, pushed=pushed, pulled=pulled, waiting=waiting)
    return RoundReport(pushed, pulled, waiting, flagged, held)


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


def _ack(ctx: Context, through: int) -> None:
    with ctx.write() as uow:
        uow.connection.execute(
            update(OutboxEvent)
            .where(OutboxEvent.seq <= through, OutboxEvent.acked_utc.is_(None))
            .values(acked_utc=uow.stamp.utc)
        )


def _push_all(ctx: Context, client: SyncClient) -> tuple[int, int, int]:
    pushed = flagged = held = 0
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
        except SyncFailure as exc:
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
        for event in answer.get("quarantined") or []:  # acknowledged: never sent again
            held += 1
            log.warning(
                "the server quarantined event %s (%s): %s",
                event.get("seq"),
                event.get("code"),
                event.get("message"),
            )
        if through < batch[-1]["seq"]:  # the server took less than sent: resend the rest
            after = through
            continue
        after = batch[-1]["seq"]
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
