"""Wrong PINs: an increasing delay, then a lock that a manager clears.

A PIN alone identifies a user, so a wrong PIN names no one: the count is the till's
(login screen, lock screen, manager approval, the command line; one database, one
count, also across processes, since every attempt is one write transaction).

- The first ``FREE_TRIES`` wrong PINs within ``DELAY_WINDOW`` cost nothing; each one
  after waits twice as long before the next try (1 s, 2 s, 4 s ... up to ``MAX_DELAY``).
- ``LOCK_AFTER`` wrong PINs within ``LOCK_WINDOW`` lock the till's PIN entry.  A
  successful login does not reset that count, so a seller cannot wipe their guesses
  by logging in between them.
- While locked, only a manager's or an admin's PIN is accepted (it unlocks), once
  right away and then once every ``LOCKED_DELAY``; a manager can also unlock from the
  users screen or ``coopos user unlock``.

Every wrong PIN is written to the hash-chained audit log (``pin_failed``), as are the
lock and the unlock.  Times come from the context's clock (tests move it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from coopos.db.models import PinFailure
from coopos.domain.errors import PermissionDenied
from coopos.i18n import _, ngettext

FREE_TRIES = 3
DELAY_WINDOW = timedelta(minutes=15)
MAX_DELAY = timedelta(seconds=60)
LOCK_AFTER = 10
LOCK_WINDOW = timedelta(hours=1)
LOCKED_DELAY = timedelta(minutes=10)
KEEP = timedelta(days=1)


class PinWait(PermissionDenied):
    """Too many wrong PINs: no PIN is checked before ``seconds`` have passed."""

    def __init__(self, seconds: int):
        super().__init__(
            ngettext(
                "Too many wrong PINs: try again in {n} second.",
                "Too many wrong PINs: try again in {n} seconds.",
                seconds,
            )
        )
        self.seconds = seconds


class PinLocked(PermissionDenied):
    """The till's PIN entry is locked: only a manager's PIN opens it."""

    def __init__(self) -> None:
        super().__init__(
            _("The till is locked after too many wrong PINs: a manager must unlock it.")
        )


@dataclass(frozen=True)
class GuardState:
    recent: int  # wrong PINs within the delay window
    last_hour: int  # wrong PINs within the lock window
    locked: bool
    wait: timedelta  # before the next PIN may be checked

    @property
    def wait_seconds(self) -> int:
        return int(-(-self.wait.total_seconds() // 1))  # rounded up


def state(session: Session, now: datetime) -> GuardState:
    lock = session.execute(
        select(PinFailure.id).where(PinFailure.kind == "lock").order_by(PinFailure.id.desc())
    ).first()
    failures = session.execute(
        select(PinFailure.id, PinFailure.at_utc)
        .where(PinFailure.kind == "failure", PinFailure.at_utc > now - LOCK_WINDOW)
        .order_by(PinFailure.id)
    ).all()
    recent = [at for _id, at in failures if at > now - DELAY_WINDOW]
    if lock is not None:
        # one try at once after the lock (the manager who comes), then one per LOCKED_DELAY
        after = [at for id_, at in failures if id_ > lock.id]
        wait = after[-1] + LOCKED_DELAY - now if after else timedelta(0)
        return GuardState(len(recent), len(failures), True, max(wait, timedelta(0)))
    wait = timedelta(0)
    if len(recent) >= FREE_TRIES:
        delay = min(timedelta(seconds=2 ** (len(recent) - FREE_TRIES)), MAX_DELAY)
        wait = max(recent[-1] + delay - now, timedelta(0))
    return GuardState(len(recent), len(failures), False, wait)


def check(session: Session, now: datetime) -> GuardState:
    """The state, or ``PinWait`` when the next PIN may not be checked yet."""
    current = state(session, now)
    if current.wait > timedelta(0):
        raise PinWait(current.wait_seconds)
    return current


def record_failure(uow, purpose: str) -> GuardState:
    """Count (and audit) one wrong PIN; lock the till when it is one too many."""
    s: Session = uow.session
    now = uow.stamp.utc
    s.add(PinFailure(at_utc=now, kind="failure", purpose=purpose[:40]))
    s.execute(
        delete(PinFailure).where(PinFailure.kind == "failure", PinFailure.at_utc < now - KEEP)
    )
    s.flush()
    current = state(s, now)
    uow.audit("pin_failed", None, purpose=purpose, in_last_hour=current.last_hour)
    if not current.locked and current.last_hour >= LOCK_AFTER:
        s.add(PinFailure(at_utc=now, kind="lock", purpose=purpose[:40]))
        s.flush()
        uow.audit("pins_locked", None, after=current.last_hour)
        current = state(s, now)
    return current


def clear(uow, actor_id: int) -> bool:
    """Unlock (a manager did it, or typed their PIN on the locked till); True if it was
    locked.  The wrong PINs are forgotten: the audit log keeps them."""
    s: Session = uow.session
    was_locked = s.execute(select(PinFailure.id).where(PinFailure.kind == "lock")).first()
    s.execute(delete(PinFailure))
    if was_locked:
        uow.audit("pins_unlocked", actor_id)
    return was_locked is not None


def status(ctx) -> GuardState:
    with ctx.read() as s:
        return state(s, ctx.clock.now().utc)
