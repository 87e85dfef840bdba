"""Devices and authentication: enrollment by one-time code, device and admin tokens,
the device's clock offset and document numbers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

from coopos.protocol import numbers as document_numbers
from coopos.server.db import Database
from coopos.server.models import (
    AdminToken,
    Device,
    EnrollFailure,
)
from coopos.server.sync.common import (
    ADMIN_TOKEN_PREFIX,
    DEVICE_TOKEN_PREFIX,
    ENROLL_MAX_FAILURES,
    ENROLL_WINDOW,
    SyncError,
    check_text,
    hash_secret,
    iso_utc,
    new_token,
    normalise_code,
    parse_utc,
)

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


def device_numbers(device: Device) -> dict[str, int]:
    try:
        stored = json.loads(device.numbers or "{}")
    except ValueError:
        stored = {}
    return document_numbers.highest([stored]) if isinstance(stored, dict) else {}
