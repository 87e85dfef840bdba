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
import logging
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pydantic import ValidationError as PydanticError
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, selectinload

from coopos.domain import consignment as consignment_rules
from coopos.protocol import numbers as document_numbers
from coopos.protocol import parts, rules
from coopos.protocol import text as text_rules
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
    Quarantine,
    Sale,
    SaleLine,
    SalePayment,
    SaleVat,
    Shift,
    StockMovement,
    User,
)
from coopos.server.validation import Hold, Places, Rejected, clock_flags

DEVICE_TOKEN_PREFIX = "cpd_"
ADMIN_TOKEN_PREFIX = "cpa_"
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U
CODE_LENGTH = 12  # 60 bits
ENROLL_WINDOW = timedelta(minutes=1)
ENROLL_MAX_FAILURES = 5  # per client address and window
DRIFT_LIMIT = timedelta(minutes=5)
PULL_MAX = 1000
PAYOUT_METHODS = consignment_rules.PAYOUT_METHODS

T = TypeVar("T")
log = logging.getLogger(__name__)


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
    # where the device stands (non-zero for a re-enrolled device): the till continues above
    acked_through: int = 0
    numbers: dict[str, int] = field(default_factory=dict)


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
    db: Database,
    code: str,
    device_name: str,
    device_time: str | None,
    ip: str,
    receipt_prefix: str | None = None,
) -> Enrollment:
    """Swap a one-time enrollment code for a device token.  Failed attempts are counted
    per client address; past ``ENROLL_MAX_FAILURES`` a minute the answer is 429.

    ``receipt_prefix``: the prefix the till already numbers its receipts with, if any; a
    code for a device with another prefix is refused (409 ``prefix_mismatch``) and stays
    usable, since that till could not send its receipts under it."""
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
        elif receipt_prefix and receipt_prefix != device.receipt_prefix:
            raise SyncError(
                409,
                "prefix_mismatch",
                f"this code is for device {device.id}, whose receipts are numbered "
                f"{device.receipt_prefix}-…, not {receipt_prefix}-…",
                device_id=device.id,
                receipt_prefix=device.receipt_prefix,
            )
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
                acked_through=device.acked_seq,
                numbers=device_numbers(device),
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
        "locations": [loc.code for loc in u.locations],
    }


def for_location(s: Session, changes: list[dict[str, Any]], location: str) -> list[dict[str, Any]]:
    """What a device at ``location`` may receive of a pulled page: users only in their
    newest snapshot (an older one may hold an old PIN hash), in full where they work,
    withdrawn elsewhere (uuid and version only: the till deactivates them and keeps no
    hash).  A snapshot without ``locations`` was written when every till received every
    user, and every user then worked everywhere (server migration 0006)."""
    keys = {c["key"] for c in changes if c["entity"] == "user"}
    if not keys:
        return changes
    newest = dict(
        s.execute(
            select(CatalogChange.key, func.max(CatalogChange.cursor))
            .where(CatalogChange.entity == "user", CatalogChange.key.in_(keys))
            .group_by(CatalogChange.key)
        ).all()
    )
    kept = []
    for change in changes:
        if change["entity"] == "user":
            if change["cursor"] < newest[change["key"]]:
                continue
            data = change["data"]
            if location not in data.get("locations", [location]):
                data = {"uuid": data["uuid"], "version": data["version"], "withdrawn": True}
            change = {**change, "data": data}
        kept.append(change)
    return kept


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


def pull(db: Database, cursor: int, limit: int = 500, location: str | None = None) -> PullResult:
    """Catalog changes after ``cursor``, oldest first.  The same key may come several
    times: apply them in order, the last one wins.  For a device, ``location`` is its
    own: users are filtered by ``for_location``."""
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
        if location is not None:
            changes = for_location(s, changes, location)
    return PullResult(changes, rows[-1].cursor if rows else cursor, more)


# -- push ----------------------------------------------------------------------------------------


@dataclass
class _Incoming:
    seq: int
    uuid: str
    kind: str  # as stored: the kind received, escaped if no column can hold it
    payload: dict[str, Any]
    text: str
    sha: str
    created_utc: datetime | None  # None: the envelope's time could not be read
    envelope: dict[str, str] = field(default_factory=dict)  # kind and time as received
    problem: Rejected | None = None  # found before projecting (envelope, stored text)
    model: Any = None
    id: int | None = None

    @property
    def document_uuid(self) -> str | None:
        found = self.payload.get("uuid") if self.kind in DOCUMENT_KINDS else None
        return found if isinstance(found, str) and _HEX32.fullmatch(found) else None


DOCUMENT_KINDS = ("sale.completed", "refund.completed")
_HEX32 = re.compile(r"[0-9a-f]{32}")


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
    quarantined: list[Hold] = field(default_factory=list)


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


def device_numbers(device: Device) -> dict[str, int]:
    try:
        stored = json.loads(device.numbers or "{}")
    except ValueError:
        stored = {}
    return document_numbers.highest([stored]) if isinstance(stored, dict) else {}


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


class _Projection:
    """Turns a batch of stored events into sales, shifts, cash and stock movements, with
    few statements per batch (not per event).  ``add`` refuses (``Rejected``) an event
    that breaks a rule or that the device may not write; ``resolve`` what needs a look
    at the database; both leave nothing of that event behind.  Flags, never refuses,
    what head office should check."""

    def __init__(self, s: Session, now: datetime, device: Device):
        self.s = s
        self.now = now
        self.device = device
        self.location = device.location.code
        self.fair = device.location.fair.code if device.location.fair else None
        self.prefix = device.receipt_prefix + "-"
        self.places = Places(s, device)
        self.flags: list[Flag] = []
        self._flag_rows: list[dict[str, Any]] = []
        self.docs: list[tuple[_Incoming, schemas.DocumentIn]] = []
        self.movements: list[tuple[_Incoming, schemas.MovementIn, str | None]] = []
        self.cash: list[tuple[_Incoming, schemas.CashMovementIn]] = []
        self.shift_events: list[tuple[_Incoming, Any]] = []
        # consignment (fairs): notes, counts, closings, payouts
        self.notes: list[tuple[_Incoming, schemas.StockMovementsIn]] = []
        self.counts: list[tuple[_Incoming, schemas.FairCountedIn]] = []
        self.closings: list[tuple[_Incoming, schemas.FairClosedIn]] = []
        self.payouts: list[tuple[_Incoming, schemas.PayoutIn]] = []
        # documents held back in this batch (uuid -> event id): their refunds wait
        self.held_documents: dict[str, int | None] = {}

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

    def _drop(self, event: _Incoming) -> None:
        """Forget whatever was collected for ``event`` (it is held back)."""
        for name in ("docs", "movements", "cash", "shift_events", "notes", "counts"):
            setattr(self, name, [t for t in getattr(self, name) if t[0] is not event])
        self.closings = [t for t in self.closings if t[0] is not event]
        self.payouts = [t for t in self.payouts if t[0] is not event]
        self.flags = [f for f in self.flags if f.seq != event.seq]
        self._flag_rows = [r for r in self._flag_rows if r["event_id"] != event.id]

    def add(self, event: _Incoming) -> None:
        """Check one event and collect what it projects; ``Rejected`` leaves nothing."""
        try:
            self._add(event)
        except Rejected:
            self._drop(event)
            raise

    def _add(self, event: _Incoming) -> None:
        model_type = schemas.PAYLOADS.get(event.kind)
        if model_type is None:
            raise Rejected("unknown_kind", f"this server does not know {event.kind!r} events")
        try:
            model = model_type.model_validate(event.payload)
        except PydanticError as exc:
            errors = [
                {"loc": ".".join(str(p) for p in err["loc"]), "msg": err["msg"]}
                for err in exc.errors(include_url=False, include_input=False)[:10]
            ]
            raise Rejected(
                "invalid_event", f"the {event.kind} payload is invalid", errors=errors
            ) from None
        problems = rules.check_event(event.kind, event.payload)
        if problems:
            raise Rejected.of_problems(problems)
        event.model = model
        if isinstance(model, schemas.DocumentIn):
            self._add_document(event, model)
        elif isinstance(model, schemas.StockMovementsIn) and model.note is not None:
            for code, detail in self.places.note(model):
                self.flag(event, code, **detail)
            self.movements += [(event, m, None) for m in model.movements]
            self.notes.append((event, model))
        elif isinstance(model, schemas.StockMovementsIn):
            for code, detail in self.places.stock(model.movements, model.fair):
                self.flag(event, code, **detail)
            self.movements += [(event, m, None) for m in model.movements]
        elif isinstance(model, schemas.FairCountedIn):
            for code, detail in self.places.count(model):
                self.flag(event, code, **detail)
            self.movements += [(event, m, None) for m in model.movements]
            self.counts.append((event, model))
        elif isinstance(model, schemas.FairClosedIn):
            if self.places.stands_of(model.fair) is None:
                self.flag(event, "unknown_fair", fair=model.fair)
            self.closings.append((event, model))
        elif isinstance(model, schemas.PayoutIn):
            if model.fair and self.places.stands_of(model.fair) is None:
                self.flag(event, "unknown_fair", fair=model.fair)
            self.payouts.append((event, model))
        elif isinstance(model, schemas.CashMovementIn):
            self.cash.append((event, model))
        else:  # shift opened or closed: applied in sequence order by write()
            if isinstance(model, schemas.ShiftOpenedIn):
                self.places.own(model.location)
            self.shift_events.append((event, model))

    def _add_document(self, event: _Incoming, doc: schemas.DocumentIn) -> None:
        self.places.own(doc.location)
        if not doc.receipt_no.startswith(self.prefix):
            raise Rejected(
                "forbidden_prefix",
                f"this device numbers receipts {self.prefix}…, not {doc.receipt_no}",
                receipt_no=doc.receipt_no,
            )
        for movement in doc.stock_movements:
            self.places.own(movement.location)
        if doc.refund_of:
            self._wait_for_original(doc.refund_of)
        self.docs.append((event, doc))

    def _wait_for_original(self, original: str) -> None:
        """A refund of a quarantined sale waits with it: it is held until the sale is
        replayed (then replayed with it), so the refund never counts without its sale."""
        waits = self.held_documents.get(original)
        status = "open" if original in self.held_documents else None
        if status is None:
            found = self.s.execute(
                select(Quarantine.event_id, Quarantine.status)
                .where(Quarantine.document_uuid == original, Quarantine.status != "replayed")
                .order_by(Quarantine.id)
            ).first()
            if (
                found is None
                or self.s.execute(select(Sale.id).where(Sale.uuid == original)).first()
            ):
                return
            waits, status = found
        if status == "discarded":
            raise Rejected(
                "original_discarded",
                "the sale this refunds was discarded by head office",
                refund_of=original,
            )
        raise Rejected(
            "waiting_for_original",
            "the sale this refunds is quarantined: replaying it replays this refund",
            waits_for_event_id=waits,
            refund_of=original,
        )

    def resolve(self) -> list[tuple[_Incoming, Rejected]]:
        """Checks that need the database, for the whole batch at once: a shift belongs to
        this device, a payout's cooperative is known.  Returns the events held back."""
        rejected: list[tuple[_Incoming, Rejected]] = []
        owners = self._shift_owners(
            [m.uuid for _e, m in self.shift_events] + [m.shift for _e, m in self.cash]
        )
        for event, shift_uuid in [(e, m.uuid) for e, m in self.shift_events] + [
            (e, m.shift) for e, m in self.cash
        ]:
            shift = owners.get(shift_uuid)
            if shift is not None and shift.device_id != self.device.id:
                rejected.append(
                    (event, Rejected("forbidden_shift", "this shift belongs to another device"))
                )
        rejected += self._collisions()
        if self.payouts:
            coops = {m.cooperative for _e, m in self.payouts}
            known = set(
                self.s.execute(
                    select(Cooperative.code).where(Cooperative.code.in_(coops))
                ).scalars()
            )
            rejected += [
                (
                    event,
                    Rejected(
                        "unknown_cooperative",
                        f"head office has no cooperative {model.cooperative}",
                        cooperative=model.cooperative,
                    ),
                )
                for event, model in self.payouts
                if model.cooperative not in known
            ]
        for event, _why in rejected:
            self._drop(event)
        return rejected

    def _collisions(self) -> list[tuple[_Incoming, Rejected]]:
        """Documents numbered like another document (another uuid) already stored or
        earlier in the batch: never projected over it."""
        if not self.docs:
            return []
        uuids = {d.uuid for _e, d in self.docs}
        receipts = {d.receipt_no for _e, d in self.docs}
        seen = set(self.s.execute(select(Sale.uuid).where(Sale.uuid.in_(uuids))).scalars())
        taken = set(
            self.s.execute(select(Sale.receipt_no).where(Sale.receipt_no.in_(receipts))).scalars()
        )
        found = []
        for event, doc in self.docs:
            if doc.uuid in seen:
                continue  # the same document again: flagged duplicate_document when written
            if doc.receipt_no in taken:
                why = Rejected(
                    "receipt_collision",
                    f"receipt {doc.receipt_no} is already another document's",
                    receipt_no=doc.receipt_no,
                )
                found.append((event, why))
                continue
            seen.add(doc.uuid)
            taken.add(doc.receipt_no)
        return found

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
        shifts = self._shift_owners(model.uuid for _e, model in self.shift_events)
        for event, model in self.shift_events:
            shift = shifts.get(model.uuid)
            if isinstance(model, schemas.ShiftOpenedIn):
                if shift is not None and shift.opened_utc is not None:
                    self.flag(event, "duplicate_document", uuid=model.uuid)
                    continue
                if shift is None:  # (else closed first: its opening was held, now replayed)
                    shift = Shift(
                        uuid=model.uuid,
                        device_id=self.device.id,
                        location_code=model.location,
                        status="open",
                    )
                    self.s.add(shift)
                    shifts[model.uuid] = shift
                shift.location_code = model.location
                shift.opened_by_uuid = model.opened_by
                shift.opened_utc = _time(model.opened_utc)
                shift.opened_local = model.opened_local
                shift.float_cents = model.float
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
                shift.closed_utc = _time(model.closed_utc)
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
        known = set(self.s.execute(select(Sale.uuid).where(Sale.uuid.in_(uuids))).scalars())
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
            known.add(doc.uuid)
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
                        "created_utc": _time(d.created_utc),
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
            if shifts.get(move.shift) is None:
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
                    "created_utc": _time(move.created_utc),
                    "created_local": move.created_local,
                }
            )
        if rows:
            self.s.execute(insert(CashMovement.__table__), rows)

    def _write_consignment(self) -> None:
        """Notes, counts, closings and payouts."""
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
                        "closed_utc": _time(m.closed_utc),
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
                    "created_utc": _time(first.created_utc) if first else event.created_utc,
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
            at = _time(model.counted_utc)
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
        rows = []
        for event, model in self.payouts:
            if model.uuid in known:
                self.flag(event, "duplicate_document", uuid=model.uuid)
                continue
            known.add(model.uuid)
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
                    "paid_utc": _time(model.paid_utc),
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
                    "created_utc": _time(move.created_utc),
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


def _time(value: str) -> datetime:
    try:
        return parse_utc(value)
    except ValueError as exc:  # the rules checked it: a bug, held by project()
        raise Rejected("invalid_time", str(exc)) from None


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
