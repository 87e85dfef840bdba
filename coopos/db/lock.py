"""Who has a till database open, across processes.

Every process that opens the database holds a *shared* lock on a small file beside it
(``coopos.db.lock``) for as long as it has the database open; a restore takes the lock
*exclusive* and is refused while anyone else holds it, so that the file is never replaced
under a till that is selling into it.  The operating system drops a dead process's lock,
so a crash never leaves the database "in use".  (SQLite's own locks cannot tell: an idle
connection in WAL mode holds none on the database file.)

Locks are ``flock``-style (per open file, not per process): within one process too, the
desktop must close its own connections before it may restore.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import portalocker
from portalocker import LockFlags

from coopos.domain.errors import StateError
from coopos.i18n import _

WAIT_S = 30  # an opener waits this long for a restore to finish


class DatabaseInUse(StateError):
    """Another process (or this one) has the database open."""


def lock_path(db_path: str | Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".lock")


class OpenLock:
    """The shared lock of one open engine; released by :meth:`release` or when dropped."""

    def __init__(self, db_path: str | Path, wait_s: float = WAIT_S):
        self._lock = portalocker.Lock(
            lock_path(db_path),
            mode="a",
            timeout=wait_s,
            check_interval=0.05,
            flags=LockFlags.SHARED | LockFlags.NON_BLOCKING,
        )
        try:
            self._lock.acquire()
        except portalocker.exceptions.LockException:
            raise DatabaseInUse(
                _(
                    "The database {path} is being restored by another program: try again "
                    "in a moment.",
                    path=Path(db_path).name,
                )
            ) from None

    def release(self) -> None:
        self._lock.release()


@contextmanager
def exclusive(db_path: str | Path) -> Iterator[None]:
    """Hold the database for oneself, or raise :class:`DatabaseInUse` at once."""
    lock = portalocker.Lock(
        lock_path(db_path),
        mode="a",
        timeout=0,
        fail_when_locked=True,
        flags=LockFlags.EXCLUSIVE | LockFlags.NON_BLOCKING,
    )
    try:
        lock.acquire()
    except portalocker.exceptions.LockException:
        raise DatabaseInUse(
            _(
                "coopos is using this database in another window or command: close it "
                "(and stop any till selling on it), then restore."
            )
        ) from None
    try:
        yield
    finally:
        lock.release()
