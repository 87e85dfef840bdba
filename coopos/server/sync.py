"""The sync protocol (docs/sync.md), independent of HTTP: enrollment, authentication,
push (store every event exactly once, then project it), pull (catalog changes in commit
order) and the change log that numbers catalog writes.

Errors of the protocol are ``SyncError``: an HTTP status, a stable ``code`` the till can
act on, a message for people, and extra fields (``expected`` for a sequence gap...).
Messages here are for machines and logs, so they are not translated.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pydantic import ValidationError as PydanticError
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, selectinload

from coopos.server import event_parts, schemas
from coopos.server.db import Database
from coopos.server.models import (
    AdminToken,
    CashMovement,
    CatalogChange,
    Category,
    ChangeClock,
    ConsignmentNote,
    Cooperative,
    Device,
    EnrollFailure,
    Event,
    EventFlag,
    Fair,
    FairClosing,
    FairCount,
    Location,
    Payout,
    Product,
    Sale,
    SaleLine,
    SalePayment,
    SaleVat,
    Shift,
    StockMovement,
    User,
)

DEVICE_TOKEN_PREFIX = "cpd_"
ADMIN_TOKEN_PREFIX = "cpa_"
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U
CODE_LENGTH = 12  # 60 bits
ENROLL_WINDOW = timedelta(minutes=1)
ENROLL_MAX_FAILURES = 5  # per client address and window
DRIFT_LIMIT = timedelta(minutes=5)
PULL_MAX = 1000
PAYOUT_METHODS = ("cash", "transfer", "cheque")

T = TypeVar("T")


class SyncError(Exception):
    """A refusal the till can act on: HTTP ``status``, stable ``code``, extra fields."""

    def __init__(self, status: int, code: str, message: str, **extra: Any):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    @property
    def detail(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


# -- secrets and times ------------------------------------------------------------------------


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def new_enrollment_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: str) -> str:
    """What a person may type for a code: any case, dashes and spaces, O for 0, I/L for 1."""
    cleaned = "".join(code.split()).replace("-", "").upper()
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def parse_utc(value: str) -> datetime:
    """An ISO 8601 time to naive UTC.  Both ``2026-11-22T19:15:23.7`` and
    ``2026-11-22 19:15:23.7`` are accepted; without an offset the time is UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise ValueError(f"{str(value)[:40]!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def iso_utc(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds") + "Z"


def canonical(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def check_text(value: Any, path: str = "payload") -> None:
    """Refuse text no database column can hold: NUL characters and lone surrogates."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise ValueError(f"{where} holds a NUL character")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(f"{where} is not valid Unicode text") from None
        elif isinstance(item, dict):
            for key, sub in item.items():
                stack.append((key, f"{where} key"))
                stack.append((sub, f"{where}.{key}"))
        elif isinstance(item, list):
            stack.extend((sub, f"{where}[{i}]") for i, sub in enumerate(item))


# -- enrollment and authentication --------------------------------------------------------------


@dataclass(frozen=True)
class Enrollment:
    device_id: int
    token: str
    receipt_prefix: str
    location: dict[str, str]
    server_time: str


@dataclass(frozen=True)
class Principal:
    """Who is calling: an enrolled device or a head-office admin token."""

    kind: str  # "device" | "admin"
    id: int
    location_code: str | None = None
    receipt_prefix: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"


def _offset_ms(now: datetime, device_time: str | None) -> int | None:
    if not device_time:
        return None
    try:
        return round((now - parse_utc(device_time)).total_seconds() * 1000)
    except (ValueError, OverflowError):
        raise SyncError(422, "invalid_device_time", "device_time is not an ISO 8601 time") from None


def enroll(
    db: Database, code: str, device_name: str, device_time: str | None, ip: str
) -> Enrollment:
    """Swap a one-time enrollment code for a device token.  Failed attempts are counted
    per client address; past ``ENROLL_MAX_FAILURES`` a minute the answer is 429."""
    now = db.now()
    offset = _offset_ms(now, device_time)
    try:
        check_text([code, device_name])
    except ValueError:
        raise SyncError(422, "invalid_request", "the code or the device name is not text") from None
    failure: SyncError | None = None
    with db.write() as s:
        if db.dialect == "postgresql":
            # One attempt per address at a time, across processes: parallel guesses cannot
            # all pass the count before any failure is recorded.  (SQLite: one writer.)
            key = int.from_bytes(hashlib.sha256(ip.encode()).digest()[:8], "big", signed=True)
            s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        recent = s.execute(
            select(func.count())
            .select_from(EnrollFailure)
            .where(EnrollFailure.ip == ip, EnrollFailure.at_utc > now - ENROLL_WINDOW)
        ).scalar_one()
        if recent >= ENROLL_MAX_FAILURES:
            raise SyncError(
                429,
                "rate_limited",
                "too many failed enrollment attempts: wait a minute",
                retry_after=int(ENROLL_WINDOW.total_seconds()),
            )
        device = s.execute(
            select(Device)
            .where(Device.code_hash == hash_secret(normalise_code(code)))
            .options(selectinload(Device.location))
            .with_for_update()
        ).scalar_one_or_none()
        if device is None or device.revoked_utc is not None:
            failure = SyncError(401, "invalid_code", "unknown or already used enrollment code")
        elif device.code_expires_utc is None or device.code_expires_utc <= now:
            failure = SyncError(401, "code_expired", "this enrollment code has expired")
        if failure is not None:
            s.add(EnrollFailure(ip=ip[:64], at_utc=now))
            # keep the table small: old failures no longer count
            s.execute(
                EnrollFailure.__table__.delete().where(
                    EnrollFailure.at_utc < now - timedelta(hours=1)
                )
            )
        else:
            assert device is not None
            token = new_token(DEVICE_TOKEN_PREFIX)
            device.token_hash = hash_secret(token)
            device.code_hash = None  # one time only
            device.code_expires_utc = None
            device.enrolled_utc = now
            device.name = device_name.strip()[:100] or device.name
            device.last_seen_utc, device.last_ip, device.clock_offset_ms = now, ip[:64], offset
            location = device.location
            result = Enrollment(
                device_id=device.id,
                token=token,
                receipt_prefix=device.receipt_prefix,
                location={"code": location.code, "kind": location.kind, "name": location.name},
                server_time=iso_utc(now),
            )
    if failure is not None:
        raise failure
    return result


def authenticate(db: Database, token: str | None, device_time: str | None, ip: str) -> Principal:
    """The device or admin behind a bearer token; records the device's contact and clock."""
    if not token:
        raise SyncError(401, "missing_token", "send Authorization: Bearer <token>")
    now = db.now()
    digest = hash_secret(token)
    with db.write() as s:
        if token.startswith(ADMIN_TOKEN_PREFIX):
            admin = s.execute(
                select(AdminToken).where(AdminToken.token_hash == digest)
            ).scalar_one_or_none()
            if admin is None:
                raise SyncError(401, "invalid_token", "unknown token")
            if admin.revoked_utc is not None:
                raise SyncError(403, "token_revoked", "this admin token was revoked")
            admin.last_used_utc = now
            return Principal("admin", admin.id)
        device = s.execute(
            select(Device).where(Device.token_hash == digest).options(selectinload(Device.location))
        ).scalar_one_or_none()
        if device is None:
            raise SyncError(401, "invalid_token", "unknown token")
        if device.revoked_utc is not None:
            raise SyncError(403, "device_revoked", "this device was revoked: enroll it again")
        offset = _offset_ms(now, device_time)
        device.last_seen_utc, device.last_ip = now, ip[:64]
        if offset is not None:
            device.clock_offset_ms = offset
        return Principal("device", device.id, device.location.code, device.receipt_prefix)


# -- catalog change log and pull ------------------------------------------------------------------

ENTITY_ORDER = ("fair", "location", "cooperative", "category", "product", "user")
_BUMP_CLOCK = text("UPDATE change_clock SET value = value + :n WHERE id = 1 RETURNING value")


def _names(row: Any) -> dict[str, str | None]:
    return {f"name_{lang}": name for lang, name in row.names.items()}


def _fair_data(f: Fair) -> dict[str, Any]:
    return {
        "code": f.code,
        "name": f.name,
        "city": f.city,
        "starts_on": f.starts_on.isoformat() if f.starts_on else None,
        "ends_on": f.ends_on.isoformat() if f.ends_on else None,
        "version": f.version,
    }


def _location_data(loc: Location) -> dict[str, Any]:
    return {
        "code": loc.code,
        "kind": loc.kind,
        "name": loc.name,
        "fair": loc.fair.code if loc.fair else None,
        "active": loc.active,
        "version": loc.version,
    }


def _cooperative_data(c: Cooperative) -> dict[str, Any]:
    return {
        "code": c.code,
        **_names(c),
        "odco_number": c.odco_number,
        "ice": c.ice,
        "phone": c.phone,
        "city": c.city,
        "commission_bp": c.commission_bp,
        "active": c.active,
        "version": c.version,
    }


def _category_data(c: Category) -> dict[str, Any]:
    return {"code": c.code, **_names(c), "version": c.version}


def _user_data(u: User) -> dict[str, Any]:
    return {
        "uuid": u.uuid,
        "name": u.name,
        "role": u.role,
        "pin_hash": u.pin_hash,
        "language": u.language,
        "active": u.active,
        "version": u.version,
    }


def product_data(p: Product) -> dict[str, Any]:
    return {
        "sku": p.sku,
        "uuid": p.uuid,
        **_names(p),
        "cooperative": p.cooperative.code,
        "category": p.category.code if p.category else None,
        "unit": p.unit,
        "sold_by_weight": p.sold_by_weight,
        "price_cents": p.price_cents,
        "vat_rate": p.vat_rate,
        "barcodes": sorted(b.barcode for b in p.barcodes),
        "active": p.active,
        "version": p.version,
    }


# entity name, its key, its data: what pull serves for each kind of catalog row
_SNAPSHOTS: dict[type, tuple[str, Callable[[Any], str], Callable[[Any], dict[str, Any]]]] = {
    Fair: ("fair", lambda r: r.code, _fair_data),
    Location: ("location", lambda r: r.code, _location_data),
    Cooperative: ("cooperative", lambda r: r.code, _cooperative_data),
    Category: ("category", lambda r: r.code, _category_data),
    Product: ("product", lambda r: r.sku, product_data),
    User: ("user", lambda r: r.uuid, _user_data),
}


def snapshot(row: Any) -> tuple[str, str, dict[str, Any]]:
    """(entity, key, data) of a catalog row, as pull serves it."""
    entity, key, data = _SNAPSHOTS[type(row)]
    return entity, key(row), data(row)


class ChangeLog:
    """The catalog rows one transaction touched.  ``finish()`` numbers them, at the very
    end of the transaction, from the one-row change clock.

    Why at the end: numbers taken earlier (a sequence at insert time) are handed out in
    start order, not commit order; a reader could see 7 committed while 6 is still open,
    move its cursor to 7 and never see 6.  Here the UPDATE of the clock row locks it until
    commit (PostgreSQL; SQLite has one writer at a time anyway), so a later writer gets a
    larger number only after this one committed: cursor order is commit order."""

    def __init__(self, session: Session, now: datetime):
        self.session = session
        self.now = now
        self._rows: dict[tuple[type, int], Any] = {}

    def touch(self, *rows: Any) -> None:
        for row in rows:
            self._rows[(type(row), id(row))] = row

    def finish(self) -> list[int]:
        """Write the snapshots; returns their cursors (empty if nothing was touched)."""
        if not self._rows:
            return []
        self.session.flush()  # versions bumped, ids assigned
        snaps = [snapshot(row) for row in self._rows.values()]
        # a row's references come first: fairs before locations, cooperatives before products
        snaps.sort(key=lambda item: ENTITY_ORDER.index(item[0]))
        last = int(self.session.execute(_BUMP_CLOCK, {"n": len(snaps)}).scalar_one())
        first = last - len(snaps) + 1
        self.session.execute(
            insert(CatalogChange.__table__),
            [
                {
                    "cursor": first + i,
                    "entity": entity,
                    "key": key,
                    "data": canonical(data),
                    "committed_utc": self.now,
                }
                for i, (entity, key, data) in enumerate(snaps)
            ],
        )
        self._rows.clear()
        return list(range(first, last + 1))


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True  # another writer created the same code first: the retry will see it
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code in ("40P01", "40001")  # deadlock, serialization failure


def catalog_write(
    db: Database, work: Callable[[ChangeLog], T], attempts: int = 3, dry_run: bool = False
) -> T:
    """Run ``work`` in one catalog-writing transaction, numbered by ``ChangeLog.finish``;
    retried when a concurrent writer won a race (unique code, deadlock)."""
    for attempt in range(attempts):
        try:
            with db.write() as session:
                log = ChangeLog(session, db.now())
                result = work(log)
                if dry_run:
                    session.rollback()
                else:
                    log.finish()
            return result
        except (IntegrityError, OperationalError) as exc:
            if attempt == attempts - 1 or not _retryable(exc):
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class PullResult:
    changes: list[dict[str, Any]]
    cursor: int
    more: bool


def pull(db: Database, cursor: int, limit: int = 500) -> PullResult:
    """Catalog changes after ``cursor``, oldest first.  The same key may come several
    times: apply them in order, the last one wins."""
    if cursor < 0:
        raise SyncError(422, "invalid_cursor", "the cursor is a number >= 0")
    limit = max(1, min(limit, PULL_MAX))
    with db.read() as s:
        clock = s.execute(select(ChangeClock.value).where(ChangeClock.id == 1)).scalar_one()
        if cursor > clock:
            # the till holds a cursor from another (or a restored) server database
            raise SyncError(409, "cursor_ahead", "the cursor is ahead of the server", last=clock)
        rows = (
            s.execute(
                select(CatalogChange)
                .where(CatalogChange.cursor > cursor)
                .order_by(CatalogChange.cursor)
                .limit(limit + 1)
            )
            .scalars()
            .all()
        )
    more = len(rows) > limit
    rows = rows[:limit]
    changes = [
        {"cursor": r.cursor, "entity": r.entity, "key": r.key, "data": json.loads(r.data)}
        for r in rows
    ]
    return PullResult(changes, rows[-1].cursor if rows else cursor, more)


# -- push ----------------------------------------------------------------------------------------


@dataclass
class _Incoming:
    seq: int
    uuid: str
    kind: str
    payload: dict[str, Any]
    text: str
    sha: str
    created_utc: datetime
    model: Any = None
    id: int | None = None


@dataclass
class Flag:
    seq: int
    uuid: str
    code: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class PushResult:
    acked_through: int
    duplicates: int
    stored: int
    flagged: list[Flag]


def _prepare(event: schemas.EventIn) -> _Incoming:
    try:
        check_text(event.kind, "kind")
        check_text(event.payload)
        created = parse_utc(event.created_utc)
    except ValueError as exc:
        raise SyncError(422, "invalid_event", str(exc), seq=event.seq) from None
    body = canonical(event.payload)
    return _Incoming(
        seq=event.seq,
        uuid=event.uuid,
        kind=event.kind,
        payload=event.payload,
        text=body,
        sha=hashlib.sha256(body.encode()).hexdigest(),
        created_utc=created,
    )


def _same(a: _Incoming, uuid: str, kind: str, sha: str) -> bool:
    return a.uuid == uuid and a.kind == kind and a.sha == sha


def push(
    db: Database, device_id: int, events: list[schemas.EventIn], device_time: str | None = None
) -> PushResult:
    """Store a batch of outbox events, exactly once, in one transaction.

    Events at or below the device's high-water mark must equal what is stored (duplicates,
    acknowledged again); the rest must continue the sequence without a hole."""
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
        device = s.execute(
            select(Device)
            .where(Device.id == device_id)
            .options(selectinload(Device.location).selectinload(Location.fair))
            .with_for_update()  # one batch of a device at a time
        ).scalar_one()
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
        flags = _store(s, db.now(), device, new) if new else []
        if new:
            device.acked_seq = new[-1].seq
        if offset is not None:
            device.clock_offset_ms = offset
        acked = device.acked_seq
    return PushResult(acked, len(old) + repeats, len(new), flags)


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


def _store(s: Session, now: datetime, device: Device, new: list[_Incoming]) -> list[Flag]:
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
    projected = _logical(s, device.id, new)
    for event in projected:
        model = schemas.PAYLOADS.get(event.kind)
        if model is None:
            continue
        try:
            event.model = model.model_validate(event.payload)
        except PydanticError as exc:
            errors = [
                {"loc": ".".join(str(p) for p in err["loc"]), "msg": err["msg"]}
                for err in exc.errors(include_url=False, include_input=False)[:10]
            ]
            raise SyncError(
                422,
                "invalid_event",
                f"the {event.kind} payload is invalid",
                seq=event.seq,
                errors=errors,
            ) from None
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
                    "created_utc": e.created_utc,
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
    ids_by_seq = {e.seq: e.id for e in new}
    projection = _Projection(s, now, device)
    for event in projected:
        event.id = ids_by_seq[event.seq]  # a whole event: its last part's row
        projection.add(event)
    projection.write()
    return projection.flags


def _logical(s: Session, device_id: int, new: list[_Incoming]) -> list[_Incoming]:
    """The events to project: ordinary events as they are, and each multi-part group as
    its whole event in place of its last part (``event_parts``); other parts are only
    stored."""
    projected = []
    for item in event_parts.logical_events(s, device_id, new):
        last = item.event
        if item.problem is not None:
            raise SyncError(422, "invalid_event", item.problem, seq=last.seq)
        if item.whole is None:
            projected.append(last)
            continue
        kind, payload = item.whole
        try:
            check_text(payload)  # the joined text may hold escapes of what a part may not
        except ValueError as exc:
            raise SyncError(422, "invalid_event", str(exc), seq=last.seq) from None
        projected.append(
            _Incoming(
                seq=last.seq,
                uuid=last.payload["group"],
                kind=kind,
                payload=payload,
                text="",
                sha="",
                created_utc=last.created_utc,
            )
        )
    return projected


class _Projection:
    """Turns a batch of stored events into sales, shifts, cash and stock movements, with
    few statements per batch (not per event).  Refuses (403) what the device may not
    write; flags, never refuses, what head office should check."""

    def __init__(self, s: Session, now: datetime, device: Device):
        self.s = s
        self.now = now
        self.device = device
        self.location = device.location.code
        self.fair = device.location.fair.code if device.location.fair else None
        self.prefix = device.receipt_prefix + "-"
        self.flags: list[Flag] = []
        self._flag_rows: list[dict[str, Any]] = []
        self.docs: list[tuple[_Incoming, schemas.DocumentIn]] = []
        self.movements: list[tuple[_Incoming, schemas.MovementIn, str | None]] = []
        self.cash: list[tuple[_Incoming, schemas.CashMovementIn]] = []
        self.shift_events: list[_Incoming] = []
        # consignment (fairs): notes, counts, closings, payouts
        self.notes: list[tuple[_Incoming, schemas.StockMovementsIn]] = []
        self.counts: list[tuple[_Incoming, schemas.FairCountedIn]] = []
        self.closings: list[tuple[_Incoming, schemas.FairClosedIn]] = []
        self.payouts: list[tuple[_Incoming, schemas.PayoutIn]] = []
        self._places: dict[tuple[int, str], _Incoming] = {}  # locations named by fair events
        self._fair_stands: dict[str, set[str]] | None = None

    # -- collecting -------------------------------------------------------------------------
    def flag(self, event: _Incoming, code: str, **detail: Any) -> None:
        self.flags.append(Flag(event.seq, event.uuid, code, detail))
        self._flag_rows.append(
            {
                "event_id": event.id,
                "code": code,
                "detail": canonical(detail),
                "created_utc": self.now,
            }
        )

    def forbid(self, event: _Incoming, code: str, message: str, **extra: Any) -> None:
        raise SyncError(403, code, message, seq=event.seq, **extra)

    def _own_location(self, event: _Incoming, location: str) -> None:
        if location != self.location:
            self.forbid(
                event,
                "forbidden_location",
                f"this device writes for location {self.location}, not {location}",
                location=location,
            )

    def add(self, event: _Incoming) -> None:
        model = event.model
        if model is None:
            self.flag(event, "unknown_kind", kind=event.kind)
        elif isinstance(model, schemas.DocumentIn):
            expected = "sale" if event.kind == "sale.completed" else "refund"
            if model.kind != expected:
                raise SyncError(
                    422,
                    "invalid_event",
                    f"a {event.kind} event carries a {model.kind}",
                    seq=event.seq,
                )
            self._own_location(event, model.location)
            if not model.receipt_no.startswith(self.prefix):
                self.forbid(
                    event,
                    "forbidden_prefix",
                    f"this device numbers receipts {self.prefix}…, not {model.receipt_no}",
                    receipt_no=model.receipt_no,
                )
            for movement in model.stock_movements:
                self._own_location(event, movement.location)
            self.docs.append((event, model))
        elif isinstance(model, schemas.StockMovementsIn) and (model.note or model.fair):
            note = model.note
            fair = note.fair if note else model.fair
            ends = {note.from_, note.to} if note else set()
            self._consigned(event, fair, model.movements, ends)
            if note is not None:
                self.notes.append((event, model))
        elif isinstance(model, schemas.FairCountedIn):
            self._consigned(event, model.fair, model.movements, {model.location})
            self.counts.append((event, model))
        elif isinstance(model, schemas.FairClosedIn):
            if self.stands_of(model.fair) is None:
                self.flag(event, "unknown_fair", fair=model.fair)
            self.closings.append((event, model))
        elif isinstance(model, schemas.PayoutIn):
            self.payouts.append((event, model))
        elif isinstance(model, schemas.StockMovementsIn):
            outgoing = {
                m.reference
                for m in model.movements
                if m.reason == "transfer_out" and m.location == self.location
            }
            for movement in model.movements:
                # a transfer out of this location may bring goods into another one
                incoming = movement.reason == "transfer_in" and movement.reference in outgoing
                if not incoming:
                    self._own_location(event, movement.location)
                self.movements.append((event, movement, None))
        elif isinstance(model, schemas.CashMovementIn):
            self.cash.append((event, model))
        else:  # shift opened or closed: applied in sequence order by write()
            if isinstance(model, schemas.ShiftOpenedIn):
                self._own_location(event, model.location)
            self.shift_events.append(event)

    def stands_of(self, fair: str) -> set[str] | None:
        """The stand locations of a fair head office knows (None: an unknown fair)."""
        if self._fair_stands is None:
            self._fair_stands = {}
            for fair_code, stand in self.s.execute(
                select(Fair.code, Location.code).outerjoin(Location, Location.fair_id == Fair.id)
            ):
                stands = self._fair_stands.setdefault(fair_code.upper(), set())
                if stand is not None:
                    stands.add(stand)
        return self._fair_stands.get(fair.upper())

    def _consigned(
        self,
        event: _Incoming,
        fair: str | None,
        movements: list[schemas.MovementIn],
        ends: set[str],
    ) -> None:
        """Movements of a fair's note or count.  They may be at the device's location, at a
        stand of the fair, or at a place the note or count names (a dispatch's source, a
        return's destination, the counted stand): a till at the shop sends goods to a
        stand and takes them back; a till at the stand receives them from a cooperative.
        An unknown fair is stored and flagged."""
        stands: set[str] = set()
        if fair:
            known = self.stands_of(fair)
            if known is None:
                self.flag(event, "unknown_fair", fair=fair)
            stands = known or set()
        allowed = {self.location} | stands | {e for e in ends if not e.upper().startswith("COOP:")}
        for movement in movements:
            if movement.location not in allowed:
                self._own_location(event, movement.location)  # refused: 403
            self._places.setdefault((event.seq, movement.location), event)
            self.movements.append((event, movement, None))

    # -- writing ------------------------------------------------------------------------------
    def write(self) -> None:
        self._write_shifts()
        self._write_documents()
        self._write_cash()
        self._write_consignment()
        self._write_movements()
        if self._flag_rows:
            self.s.execute(insert(EventFlag.__table__), self._flag_rows)
            flagged = {row["event_id"] for row in self._flag_rows}
            self.s.execute(update(Event).where(Event.id.in_(flagged)).values(flagged=True))

    def _shift_owners(self, uuids: Iterable[str]) -> dict[str, Shift]:
        uuids = set(uuids)
        if not uuids:
            return {}
        rows = self.s.execute(select(Shift).where(Shift.uuid.in_(uuids))).scalars()
        return {row.uuid: row for row in rows}

    def _write_shifts(self) -> None:
        shifts = self._shift_owners(e.model.uuid for e in self.shift_events)
        for event in self.shift_events:
            model = event.model
            shift = shifts.get(model.uuid)
            if shift is not None and shift.device_id != self.device.id:
                self.forbid(event, "forbidden_shift", "this shift belongs to another device")
            if isinstance(model, schemas.ShiftOpenedIn):
                if shift is not None:
                    self.flag(event, "duplicate_document", uuid=model.uuid)
                    continue
                shift = Shift(
                    uuid=model.uuid,
                    device_id=self.device.id,
                    location_code=model.location,
                    status="open",
                    opened_by_uuid=model.opened_by,
                    opened_utc=_time(model.opened_utc, event),
                    opened_local=model.opened_local,
                    float_cents=model.float,
                )
                self.s.add(shift)
                shifts[model.uuid] = shift
            else:
                if shift is None:
                    self.flag(event, "unknown_shift", shift=model.uuid)
                    shift = Shift(
                        uuid=model.uuid,
                        device_id=self.device.id,
                        location_code=self.location,
                    )
                    self.s.add(shift)
                    shifts[model.uuid] = shift
                shift.status = "closed"
                shift.closed_by_uuid = model.closed_by
                shift.closed_utc = _time(model.closed_utc, event)
                shift.closed_local = model.closed_local
                shift.z_number = model.z_number
                shift.counts = canonical(model.counts)
                shift.expected = canonical(model.expected)
                shift.net_total_cents = model.net_total
        self.s.flush()

    def _write_documents(self) -> None:
        if not self.docs:
            return
        uuids = {d.uuid for _, d in self.docs}
        receipts = {d.receipt_no for _, d in self.docs}
        known = set(self.s.execute(select(Sale.uuid).where(Sale.uuid.in_(uuids))).scalars())
        used = set(
            self.s.execute(select(Sale.receipt_no).where(Sale.receipt_no.in_(receipts))).scalars()
        )
        skus = {ln.sku for _, d in self.docs for ln in d.lines}
        prices = {
            sku: price
            for sku, price in self.s.execute(
                select(Product.sku, Product.price_cents).where(Product.sku.in_(skus))
            )
        }
        kept: list[tuple[_Incoming, schemas.DocumentIn]] = []
        for event, doc in self.docs:
            if doc.uuid in known:
                self.flag(event, "duplicate_document", uuid=doc.uuid)
                continue
            if doc.receipt_no in used:
                self.flag(event, "receipt_collision", receipt_no=doc.receipt_no)
                continue
            known.add(doc.uuid)
            used.add(doc.receipt_no)
            kept.append((event, doc))
            self._check_document(event, doc, prices)
        if not kept:
            return
        sales = Sale.__table__
        sale_ids = (
            self.s.execute(
                insert(sales).returning(sales.c.id, sort_by_parameter_order=True),
                [
                    {
                        "uuid": d.uuid,
                        "event_id": e.id,
                        "device_id": self.device.id,
                        "receipt_no": d.receipt_no,
                        "kind": d.kind,
                        "refund_of_uuid": d.refund_of,
                        "refund_of_id": None,
                        "location_code": d.location,
                        "fair_code": self.fair,
                        "shift_uuid": d.shift,
                        "seller_uuid": d.seller,
                        "created_utc": _time(d.created_utc, e),
                        "created_local": d.created_local,
                        "local_day": d.created_local[:10],
                        "gross_cents": d.gross,
                        "discount_cents": d.discount,
                        "order_discount_cents": d.order_discount,
                        "total_cents": d.total,
                        "change_cents": d.change,
                        "note": d.note,
                    }
                    for e, d in kept
                ],
            )
            .scalars()
            .all()
        )
        lines, payments, vat = [], [], []
        for (event, doc), sale_id in zip(kept, sale_ids, strict=True):
            lines += [
                {
                    "sale_id": sale_id,
                    "line_no": ln.line_no,
                    "sku": ln.sku,
                    "name": ln.name,
                    "unit": ln.unit,
                    "quantity_milli": ln.quantity,
                    "list_price_cents": ln.list_price,
                    "unit_price_cents": ln.unit_price,
                    "vat_rate": ln.vat_rate,
                    "cooperative_code": ln.cooperative,
                    "commission_bp": ln.commission_bp,
                    "gross_cents": ln.gross,
                    "line_discount_cents": ln.line_discount,
                    "order_discount_cents": ln.order_discount,
                    "net_cents": ln.net,
                    "commission_cents": ln.commission,
                    "refund_of_line_no": ln.refund_of_line_no,
                }
                for ln in doc.lines
            ]
            payments += [
                {
                    "sale_id": sale_id,
                    "method": p.method,
                    "amount_cents": p.amount,
                    "tendered_cents": p.tendered,
                    "reference": p.reference,
                }
                for p in doc.payments
            ]
            vat += [
                {"sale_id": sale_id, "rate": v.rate, "gross_cents": v.gross, "vat_cents": v.vat}
                for v in doc.vat
            ]
            self.movements += [(event, m, doc.uuid) for m in doc.stock_movements]
        for table, rows in ((SaleLine, lines), (SalePayment, payments), (SaleVat, vat)):
            if rows:
                self.s.execute(insert(table.__table__), rows)
        self._link_refunds(kept)

    def _check_document(
        self, event: _Incoming, doc: schemas.DocumentIn, prices: dict[str, int]
    ) -> None:
        for line in doc.lines:
            price = prices.get(line.sku)
            if price is None:
                self.flag(event, "unknown_sku", sku=line.sku, line_no=line.line_no)
            elif doc.kind == "sale" and line.list_price != price:
                # sold offline at the price of the day: kept, but head office may look
                self.flag(
                    event,
                    "price_differs",
                    sku=line.sku,
                    line_no=line.line_no,
                    sold_cents=line.list_price,
                    catalog_cents=price,
                )
        net = sum(line.net for line in doc.lines)
        paid = sum(p.amount for p in doc.payments)
        if net != doc.total or paid != doc.total:
            self.flag(event, "totals_mismatch", total=doc.total, lines_net=net, payments=paid)

    def _link_refunds(self, kept: list[tuple[_Incoming, schemas.DocumentIn]]) -> None:
        """Point refunds at their original sale, in either arrival order (a refund may
        come from another till before the sale it refunds)."""
        targets = {d.refund_of for _, d in kept if d.refund_of} | {d.uuid for _, d in kept}
        original = Sale.__table__.alias("original")
        sales = Sale.__table__
        self.s.execute(
            update(sales)
            .where(sales.c.refund_of_id.is_(None), sales.c.refund_of_uuid.in_(targets))
            .values(
                refund_of_id=select(original.c.id)
                .where(original.c.uuid == sales.c.refund_of_uuid)
                .scalar_subquery()
            )
        )
        refunds = {d.uuid: e for e, d in kept if d.refund_of}
        if refunds:
            unlinked = self.s.execute(
                select(Sale.uuid, Sale.refund_of_uuid).where(
                    Sale.uuid.in_(refunds), Sale.refund_of_id.is_(None)
                )
            )
            for uuid, refund_of in unlinked:
                self.flag(refunds[uuid], "unknown_original", refund_of=refund_of)

    def _write_cash(self) -> None:
        if not self.cash:
            return
        shifts = self._shift_owners(m.shift for _, m in self.cash)
        known = set(
            self.s.execute(
                select(CashMovement.uuid).where(
                    CashMovement.uuid.in_({m.uuid for _, m in self.cash})
                )
            ).scalars()
        )
        rows = []
        for event, move in self.cash:
            shift = shifts.get(move.shift)
            if shift is not None and shift.device_id != self.device.id:
                self.forbid(event, "forbidden_shift", "this shift belongs to another device")
            if shift is None:
                self.flag(event, "unknown_shift", shift=move.shift)
            if move.uuid in known:
                self.flag(event, "duplicate_document", uuid=move.uuid)
                continue
            known.add(move.uuid)
            rows.append(
                {
                    "uuid": move.uuid,
                    "device_id": self.device.id,
                    "shift_uuid": move.shift,
                    "amount_cents": move.amount,
                    "reason": move.reason,
                    "created_utc": _time(move.created_utc, event),
                    "created_local": move.created_local,
                }
            )
        if rows:
            self.s.execute(insert(CashMovement.__table__), rows)

    def _write_consignment(self) -> None:
        """Notes, counts, closings and payouts; locations a fair event names that head
        office does not know are flagged (their stock is kept under that code)."""
        if self._places:
            codes = {loc for _, loc in self._places}
            known = set(
                self.s.execute(select(Location.code).where(Location.code.in_(codes))).scalars()
            )
            for (_seq, loc), event in self._places.items():
                if loc not in known:
                    self.flag(event, "unknown_location", location=loc)
        self._write_notes()
        self._write_counts()
        if self.closings:
            self.s.execute(
                insert(FairClosing.__table__),
                [
                    {
                        "event_id": e.id,
                        "device_id": self.device.id,
                        "fair_code": m.fair,
                        "closed_utc": _time(m.closed_utc, e),
                    }
                    for e, m in self.closings
                ],
            )
        self._write_payouts()

    def _write_notes(self) -> None:
        if not self.notes:
            return
        known = set(
            self.s.execute(
                select(ConsignmentNote.uuid).where(
                    ConsignmentNote.uuid.in_({m.note.uuid for _, m in self.notes if m.note})
                )
            ).scalars()
        )
        rows = []
        for event, model in self.notes:
            note = model.note
            assert note is not None
            if note.uuid in known:
                self.flag(event, "duplicate_document", uuid=note.uuid)
                continue
            known.add(note.uuid)
            coop = next(
                (end[5:21] for end in (note.from_, note.to) if end.upper().startswith("COOP:")),
                None,
            )
            first = model.movements[0] if model.movements else None
            rows.append(
                {
                    "uuid": note.uuid,
                    "event_id": event.id,
                    "device_id": self.device.id,
                    "number": note.number,
                    "kind": note.kind,
                    "fair_code": note.fair,
                    "from_code": note.from_,
                    "to_code": note.to,
                    "cooperative_code": coop,
                    "created_utc": _time(first.created_utc, event) if first else event.created_utc,
                    "created_local": first.created_local if first else iso_utc(event.created_utc),
                }
            )
        if rows:
            self.s.execute(insert(ConsignmentNote.__table__), rows)

    def _write_counts(self) -> None:
        if not self.counts:
            return
        places = {(m.fair, m.location) for _, m in self.counts}
        counted = set(
            self.s.execute(
                select(FairCount.fair_code, FairCount.location_code)
                .where(FairCount.fair_code.in_({f for f, _ in places}))
                .distinct()
            ).all()
        )
        rows = []
        for event, model in self.counts:
            if (model.fair, model.location) in counted:
                # the latest count wins in the reconciliation
                self.flag(event, "recounted", fair=model.fair, location=model.location)
            counted.add((model.fair, model.location))
            at = _time(model.counted_utc, event)
            rows += [
                {
                    "event_id": event.id,
                    "device_id": self.device.id,
                    "fair_code": model.fair,
                    "location_code": model.location,
                    "sku": sku,
                    "counted_milli": milli,
                    "counted_utc": at,
                }
                for sku, milli in model.counts.items()
            ]
        if rows:
            self.s.execute(insert(FairCount.__table__), rows)

    def _write_payouts(self) -> None:
        if not self.payouts:
            return
        known = set(
            self.s.execute(
                select(Payout.uuid).where(Payout.uuid.in_({m.uuid for _, m in self.payouts}))
            ).scalars()
        )
        coops = {m.cooperative for _, m in self.payouts}
        known_coops = set(
            self.s.execute(select(Cooperative.code).where(Cooperative.code.in_(coops))).scalars()
        )
        rows = []
        for event, model in self.payouts:
            if model.uuid in known:
                self.flag(event, "duplicate_document", uuid=model.uuid)
                continue
            known.add(model.uuid)
            if model.cooperative not in known_coops:
                self.flag(event, "unknown_cooperative", cooperative=model.cooperative)
            if model.fair and self.stands_of(model.fair) is None:
                self.flag(event, "unknown_fair", fair=model.fair)
            if model.method not in PAYOUT_METHODS:
                self.flag(event, "unknown_method", method=model.method)
            if model.amount <= 0:
                self.flag(event, "invalid_amount", amount=model.amount)
            rows.append(
                {
                    "uuid": model.uuid,
                    "event_id": event.id,
                    "device_id": self.device.id,
                    "cooperative_code": model.cooperative,
                    "amount_cents": model.amount,
                    "method": model.method,
                    "reference": model.reference,
                    "fair_code": model.fair,
                    "paid_utc": _time(model.paid_utc, event),
                    "paid_local": model.paid_local,
                    "note": model.note,
                    "received_utc": self.now,
                }
            )
        if rows:
            self.s.execute(insert(Payout.__table__), rows)

    def _write_movements(self) -> None:
        if not self.movements:
            return
        uuids = {m.uuid for _, m, _ in self.movements}
        skus = {m.sku for _, m, _ in self.movements}
        known = set(
            self.s.execute(
                select(StockMovement.uuid).where(StockMovement.uuid.in_(uuids))
            ).scalars()
        )
        catalog = set(self.s.execute(select(Product.sku).where(Product.sku.in_(skus))).scalars())
        rows = []
        unknown_flagged: set[tuple[int, str]] = set()
        decreased: dict[tuple[str, str], _Incoming] = {}
        for event, move, sale_uuid in self.movements:
            if move.uuid in known:
                self.flag(event, "duplicate_movement", uuid=move.uuid)
                continue
            known.add(move.uuid)
            if move.sku not in catalog and (event.seq, move.sku) not in unknown_flagged:
                unknown_flagged.add((event.seq, move.sku))
                if sale_uuid is None:  # a sale's unknown SKU is already flagged by its line
                    self.flag(event, "unknown_sku", sku=move.sku)
            if move.quantity < 0:
                decreased[(move.location, move.sku)] = event
            rows.append(
                {
                    "uuid": move.uuid,
                    "device_id": self.device.id,
                    "event_id": event.id,
                    "sale_uuid": sale_uuid,
                    "sku": move.sku,
                    "location_code": move.location,
                    "quantity_milli": move.quantity,
                    "reason": move.reason,
                    "reference": move.reference,
                    "note": move.note,
                    "created_utc": _time(move.created_utc, event),
                    "created_local": move.created_local,
                }
            )
        if rows:
            self.s.execute(insert(StockMovement.__table__), rows)
        if decreased:
            # Never refused: a till sells what is on its shelf even if the books disagree.
            levels = on_hand(self.s, {loc for loc, _ in decreased}, {sku for _, sku in decreased})
            for (location, sku), event in decreased.items():
                level = levels.get((location, sku), 0)
                if level < 0:
                    self.flag(
                        event, "negative_stock", location=location, sku=sku, quantity_milli=level
                    )


def _time(value: str, event: _Incoming) -> datetime:
    try:
        return parse_utc(value)
    except ValueError as exc:
        raise SyncError(422, "invalid_event", str(exc), seq=event.seq) from None


def on_hand(
    s: Session, locations: set[str] | None = None, skus: set[str] | None = None
) -> dict[tuple[str, str], int]:
    """Stock (thousandths) per (location, sku): the sum of every movement there."""
    stmt = select(
        StockMovement.location_code, StockMovement.sku, func.sum(StockMovement.quantity_milli)
    ).group_by(StockMovement.location_code, StockMovement.sku)
    if locations is not None:
        stmt = stmt.where(StockMovement.location_code.in_(locations))
    if skus is not None:
        stmt = stmt.where(StockMovement.sku.in_(skus))
    return {(loc, sku): int(total or 0) for loc, sku, total in s.execute(stmt)}


__all__ = [
    "ChangeLog",
    "Enrollment",
    "Flag",
    "Principal",
    "PullResult",
    "PushResult",
    "SyncError",
    "authenticate",
    "catalog_write",
    "enroll",
    "on_hand",
    "pull",
    "push",
]
