"""Time: stored in UTC with the device's local time (and its offset) beside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class Stamp:
    utc: datetime  # naive, UTC
    local: str  # ISO 8601 with offset, e.g. 2026-11-22T17:50:23+01:00

    @property
    def local_date(self) -> str:
        return self.local[:10]


class Clock:
    """The system clock.  Tests pass a ``FixedClock``."""

    def now(self) -> Stamp:
        aware = datetime.now(UTC)
        return Stamp(aware.replace(tzinfo=None), aware.astimezone().isoformat(timespec="seconds"))


class FixedClock(Clock):
    def __init__(self, start: datetime, offset_hours: int = 1, step_seconds: int = 0):
        self.current = start.replace(tzinfo=None)
        self.offset = timedelta(hours=offset_hours)
        self.step = timedelta(seconds=step_seconds)

    def now(self) -> Stamp:
        utc = self.current
        self.current += self.step
        local = (utc + self.offset).replace(tzinfo=None)
        sign = "+" if self.offset >= timedelta(0) else "-"
        hours, rest = divmod(abs(int(self.offset.total_seconds())), 3600)
        return Stamp(
            utc, f"{local.isoformat(timespec='seconds')}{sign}{hours:02d}:{rest // 60:02d}"
        )
