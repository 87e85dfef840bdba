"""Devices (enrollment codes, revoke, re-enroll) and admin tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from coopos.domain.errors import NotFoundError, StateError, ValidationError
from coopos.i18n import _
from coopos.server import sync
from coopos.server.admin.common import (
    _PREFIX,
    CODE_HOURS,
    DEFAULT_LOCATION,
    _location,
)
from coopos.server.db import Database
from coopos.server.models import (
    AdminToken,
    Device,
)

# -- devices ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewDevice:
    id: int
    code: str  # shown once; only its hash is stored
    expires_utc: datetime
    receipt_prefix: str
    location: str


@dataclass(frozen=True)
class DeviceInfo:
    id: int
    name: str
    location: str
    receipt_prefix: str
    status: str  # pending | expired | enrolled | revoked
    last_seen_utc: datetime | None
    last_ip: str | None
    clock_offset_ms: int | None
    acked_seq: int

    @property
    def drift(self) -> bool:
        """The device's clock is off by more than ``sync.DRIFT_LIMIT``."""
        limit = sync.DRIFT_LIMIT.total_seconds() * 1000
        return self.clock_offset_ms is not None and abs(self.clock_offset_ms) > limit


def _free_prefix(s: Session) -> str:
    used = set(s.execute(select(Device.receipt_prefix)).scalars())
    n = 1
    while f"T{n:02d}" in used:
        n += 1
    return f"T{n:02d}"


def add_device(
    db: Database,
    location: str = DEFAULT_LOCATION,
    prefix: str | None = None,
    name: str = "",
    hours: int = CODE_HOURS,
) -> NewDevice:
    """A device waiting for its till: a one-time enrollment code valid ``hours``."""
    if prefix is not None:
        prefix = prefix.strip().upper()
        if not _PREFIX.match(prefix):
            raise ValidationError(
                _("A receipt prefix is 1 to 8 letters or digits (not “{prefix}”).", prefix=prefix)
            )
    if not 1 <= hours <= 24 * 30:
        raise ValidationError(_("A code is valid from 1 hour to 30 days."))
    code = sync.new_enrollment_code()
    now = db.now()
    try:
        with db.write() as s:
            loc = _location(s, location)
            chosen = prefix or _free_prefix(s)
            # Prefixes of revoked devices stay taken: their receipts exist.
            if s.execute(select(Device.id).where(Device.receipt_prefix == chosen)).first():
                raise ValidationError(
                    _("Receipt prefix {prefix} is already used by another device.", prefix=chosen)
                )
            device = Device(
                name=name.strip()[:100],
                location=loc,
                receipt_prefix=chosen,
                code_hash=sync.hash_secret(sync.normalise_code(code)),
                code_expires_utc=now + timedelta(hours=hours),
                created_utc=now,
                acked_seq=0,
            )
            s.add(device)
            s.flush()
            return NewDevice(device.id, code, device.code_expires_utc, chosen, loc.code)
    except IntegrityError:
        # another head-office user took the same prefix at the same moment
        raise StateError(_("That receipt prefix was just taken: try again.")) from None


def _device_info(device: Device, now: datetime) -> DeviceInfo:
    if device.revoked_utc is not None:
        status = "revoked"
    elif device.token_hash is not None:
        status = "enrolled"
    elif device.code_expires_utc is not None and device.code_expires_utc > now:
        status = "pending"
    else:
        status = "expired"
    return DeviceInfo(
        id=device.id,
        name=device.name,
        location=device.location.code,
        receipt_prefix=device.receipt_prefix,
        status=status,
        last_seen_utc=device.last_seen_utc,
        last_ip=device.last_ip,
        clock_offset_ms=device.clock_offset_ms,
        acked_seq=device.acked_seq,
    )


def list_devices(db: Database) -> list[DeviceInfo]:
    now = db.now()
    with db.read() as s:
        devices = s.execute(
            select(Device).options(selectinload(Device.location)).order_by(Device.id)
        ).scalars()
        return [_device_info(d, now) for d in devices]


def revoke_device(db: Database, device_id: int) -> DeviceInfo:
    """Refuse the device from now on (its token and any unused code)."""
    now = db.now()
    with db.write() as s:
        device = s.get(Device, device_id, options=[selectinload(Device.location)])
        if device is None:
            raise NotFoundError(_("No device {id}.", id=device_id))
        if device.revoked_utc is None:
            device.revoked_utc = now
            device.code_hash = None
        return _device_info(device, now)


def reenroll_device(db: Database, device_id: int, hours: int = CODE_HOURS) -> NewDevice:
    """A fresh one-time code for an existing device (revoked, or its till restored on a
    new laptop): the same device, receipt prefix, location and sequence, so the till
    keeps its unsent sales and its numbering.  The device's current token stops working
    at once; the till that enrolls with the code gets a new one."""
    if not 1 <= hours <= 24 * 30:
        raise ValidationError(_("A code is valid from 1 hour to 30 days."))
    code = sync.new_enrollment_code()
    now = db.now()
    with db.write() as s:
        device = s.get(
            Device, device_id, options=[selectinload(Device.location)], with_for_update=True
        )
        if device is None:
            raise NotFoundError(_("No device {id}.", id=device_id))
        device.revoked_utc = None
        device.token_hash = None
        device.code_hash = sync.hash_secret(sync.normalise_code(code))
        device.code_expires_utc = now + timedelta(hours=hours)
        return NewDevice(
            device.id, code, device.code_expires_utc, device.receipt_prefix, device.location.code
        )


# -- admin tokens -------------------------------------------------------------------------------


def new_admin_token(db: Database, name: str = "") -> tuple[int, str]:
    """A head-office token for catalog edits through the API; shown once."""
    token = sync.new_token(sync.ADMIN_TOKEN_PREFIX)
    with db.write() as s:
        row = AdminToken(
            name=name.strip()[:100], token_hash=sync.hash_secret(token), created_utc=db.now()
        )
        s.add(row)
        s.flush()
        return row.id, token


def list_admin_tokens(db: Database) -> list[AdminToken]:
    with db.read() as s:
        return list(s.execute(select(AdminToken).order_by(AdminToken.id)).scalars())


def revoke_admin_token(db: Database, token_id: int) -> None:
    with db.write() as s:
        row = s.get(AdminToken, token_id)
        if row is None:
            raise NotFoundError(_("No admin token {id}.", id=token_id))
        row.revoked_utc = row.revoked_utc or db.now()
