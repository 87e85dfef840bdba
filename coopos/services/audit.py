"""Verify the hash chain of the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from coopos.db.models import AuditEntry
from coopos.domain.audit import ChainEntry, first_broken
from coopos.services.context import Context


@dataclass(frozen=True)
class AuditCheck:
    entries: int
    broken_at: int | None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(ctx: Context) -> AuditCheck:
    with ctx.read() as s:
        rows = s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
        entries = [
            ChainEntry(
                e.seq, e.at_utc, e.at_local, e.user_id, e.action, e.details, e.prev_hash, e.hash
            )
            for e in rows
        ]
    return AuditCheck(len(entries), first_broken(entries))


def recent(ctx: Context, limit: int = 100) -> list[AuditEntry]:
    with ctx.read() as s:
        return list(
            s.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)).scalars()
        )
