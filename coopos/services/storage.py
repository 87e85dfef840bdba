"""Keep the till's database from growing without end (docs/sync.md, "Pruning").

Every sale puts its whole document in the outbox; once the server acknowledged it, the
server keeps it, and the till's own copy is only needed again in two cases: a server
restored from a backup that asks for events it had acknowledged (``sequence_gap``), and
the recovery of a restored till (:mod:`coopos.services.recovery`), which reads the
newest acknowledged sequence number.  So :func:`prune_outbox` deletes acknowledged rows
once they are older than ``outbox.retention_days`` (30 by default), and never:

- a row the server has not acknowledged;
- the newest acknowledged row (recovery lines unsent events up after it);
- a business row (sales, stock movements...) or the audit log: only the outbox is pruned.

It runs after a shift close on the backup's worker (:func:`after_close`), never in the
sale path, in small transactions so that a sale made meanwhile waits one batch at most.
If a server ever asks again for a pruned event, the push stops with
:class:`EventsPruned` instead of asking forever."""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.exc import SQLAlchemyError

from coopos.db.models import OutboxEvent
from coopos.domain.errors import CooposError
from coopos.i18n import _
from coopos.services import backup, settings
from coopos.services.context import Context
from coopos.sync.client import SyncFailure

log = logging.getLogger(__name__)

RETENTION_KEY = "outbox.retention_days"
PRUNED_KEY = "sync.pruned_through"  # the highest sequence number ever pruned
PRUNE_BATCH = 100  # rows per transaction: about 10 ms of write lock (2.5 KB each)
# Between two transactions: a sale waiting for the lock (SQLite's busy handler sleeps
# 1, 2, 5, 10 ms... between tries) gets it instead of the next batch.
PRUNE_PAUSE = 0.01


class EventsPruned(SyncFailure):
    """The server asks again for events this till deleted after the server had
    acknowledged them (the server lost them: restored from an older backup).  Sending
    cannot go on by itself; head office restores the server's data."""

    retry = False

    def __init__(self, asked: int, pruned_through: int):
        super().__init__(
            _(
                "The server asks again for events from number {asked} on, but this till "
                "deleted events up to number {pruned} after the server had confirmed "
                "them. Sync stopped, the till's own data is whole: tell head office to "
                "restore the server's data from its backup.",
                asked=asked,
                pruned=pruned_through,
            ),
            status=409,
            detail={"code": "events_pruned", "expected": asked, "pruned_through": pruned_through},
        )
        self.asked = asked
        self.pruned_through = pruned_through


@dataclass(frozen=True)
class Pruned:
    rows: int  # outbox rows deleted by this run
    through: int  # the highest sequence number pruned so far (0: none ever)


def pruned_through(session) -> int:
    return int(settings.get(session, PRUNED_KEY) or 0)


def check_resend(ctx: Context, asked: int) -> None:
    """Raise :class:`EventsPruned` when the server asks for events from ``asked`` on and
    some of them were pruned here."""
    with ctx.read() as s:
        through = pruned_through(s)
    if asked <= through:
        raise EventsPruned(asked, through)


def prune_outbox(
    ctx: Context,
    days: int | None = None,
    now: datetime | None = None,
    batch: int = PRUNE_BATCH,
) -> Pruned:
    """Delete acknowledged outbox rows acknowledged more than ``days`` ago (the
    ``outbox.retention_days`` setting by default), ``batch`` rows per transaction."""
    with ctx.read() as s:
        if days is None:
            days = int(settings.get(s, RETENTION_KEY) or 0)
        through = pruned_through(s)
        newest_acked = s.execute(
            select(func.max(OutboxEvent.seq)).where(OutboxEvent.acked_utc.is_not(None))
        ).scalar()
    if days <= 0 or newest_acked is None:  # 0: keep everything
        return Pruned(0, through)
    cutoff = (now or ctx.clock.now().utc) - timedelta(days=days)
    table = OutboxEvent.__table__
    old = (table.c.acked_utc.is_not(None), table.c.acked_utc < cutoff)
    # Found in a read (it scans the kept rows too, and must not hold the write lock
    # meanwhile), deleted in small write transactions that check each row again.
    with ctx.read() as s:
        seqs = list(
            s.execute(
                select(table.c.seq).where(*old, table.c.seq < newest_acked).order_by(table.c.seq)
            ).scalars()
        )
    rows = 0
    for start in range(0, len(seqs), batch):
        if start:
            time.sleep(PRUNE_PAUSE)
        chunk = seqs[start : start + batch]
        with ctx.write() as uow:
            done = uow.connection.execute(delete(table).where(table.c.seq.in_(chunk), *old))
            if done.rowcount:
                through = max(through, chunk[-1])
                settings.put(uow.session, PRUNED_KEY, through)
        rows += done.rowcount
    if rows:
        log.info("pruned %d acknowledged outbox rows (through seq %d)", rows, through)
    return Pruned(rows, through)


def after_close(
    ctx: Context, usb_folder: str | Path | None, z_number: int | None
) -> list[backup.BackupResult]:
    """What follows a shift close, off the sale path (a worker thread in the desktop):
    prune the outbox, then back up (the backup is smaller for it).  Never raises: a
    pruning that fails is logged and tried again at the next close."""
    retention = None  # the defaults, if the settings cannot be read
    try:
        prune_outbox(ctx)
        with ctx.read() as s:
            retention = backup.Retention.from_settings(settings.get_all(s))
    except (SQLAlchemyError, sqlite3.Error, CooposError):  # busy, or the app is closing
        log.exception("pruning the outbox failed: tried again at the next close")
    return backup.backup_after_close(ctx.path, usb_folder, z_number, retention)
