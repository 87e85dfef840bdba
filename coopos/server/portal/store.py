"""What the portal keeps between requests, in the server database (never in a process's
memory: any server process answers any request): sessions and rate-limit counts."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select, text

from coopos.server import consignment
from coopos.server.db import Database
from coopos.server.models import PortalSession, RateHit

SESSION_TTL = timedelta(hours=12)
VERIFY_WINDOW = timedelta(minutes=10)
VERIFY_MAX = 30  # statement checks per client address and window


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(db: Database, user: consignment.PortalUser) -> str:
    """A new session for a signed-in cooperative; returns the token for its cookie (only
    its hash is stored).  Expired sessions are cleared on the way."""
    token = secrets.token_urlsafe(32)
    now = db.now()
    with db.write() as s:
        s.execute(delete(PortalSession).where(PortalSession.expires_utc < now))
        s.add(
            PortalSession(
                token_hash=_digest(token),
                cooperative_id=user.cooperative_id,
                generation=user.generation,
                created_utc=now,
                expires_utc=now + SESSION_TTL,
            )
        )
    return token


def session_user(db: Database, token: str) -> consignment.PortalUser | None:
    """The cooperative of a live session: not signed out, not expired, and its access
    code not replaced since (``generation``)."""
    if not token or len(token) > 100:
        return None
    digest = _digest(token)
    with db.read() as s:
        row = s.execute(
            select(PortalSession).where(PortalSession.token_hash == digest)
        ).scalar_one_or_none()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    if row.expires_utc <= db.now():
        return None
    return consignment.portal_user(db, row.cooperative_id, row.generation)


def close_session(db: Database, token: str) -> None:
    """Sign out: the session ends on the server, so a copy of the cookie is worth nothing."""
    if token and len(token) <= 100:
        with db.write() as s:
            s.execute(delete(PortalSession).where(PortalSession.token_hash == _digest(token)))


def allow(db: Database, kind: str, key: str, limit: int, window: timedelta) -> int:
    """Count one request of ``kind`` from ``key``; 0 if allowed, else the seconds to wait.
    On PostgreSQL an advisory lock per (kind, key) makes concurrent requests count in
    turn; SQLite has one writer at a time anyway."""
    now = db.now()
    key = key[:64]
    with db.write() as s:
        if db.dialect == "postgresql":
            lock = int.from_bytes(hashlib.sha256(f"{kind}:{key}".encode()).digest()[:8], "big")
            s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock - 2**63})
        recent = s.execute(
            select(func.count(), func.min(RateHit.at_utc)).where(
                RateHit.kind == kind, RateHit.key == key, RateHit.at_utc > now - window
            )
        ).one()
        if recent[0] >= limit:
            return max(1, int((recent[1] + window - now).total_seconds()))
        s.add(RateHit(kind=kind, key=key, at_utc=now))
        s.execute(delete(RateHit).where(RateHit.kind == kind, RateHit.at_utc < now - window))
    return 0
