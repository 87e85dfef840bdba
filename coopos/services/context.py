"""What every use case needs: the database engine and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from coopos.db.engine import close_database, is_closed, open_database
from coopos.db.migrate import current_revision, known_revisions, upgrade
from coopos.db.uow import UnitOfWork
from coopos.domain.clock import Clock
from coopos.domain.errors import StateError
from coopos.domain.events import EventBus
from coopos.i18n import _


@dataclass
class Context:
    engine: Engine
    clock: Clock = field(default_factory=Clock)
    path: Path | None = None
    events: EventBus = field(default_factory=EventBus)

    def write(self) -> UnitOfWork:
        """A write transaction: ``with ctx.write() as uow: ...`` commits or rolls back."""
        return UnitOfWork(self.engine, self.clock, self.events)

    def read(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @classmethod
    def open(cls, path: str | Path, clock: Clock | None = None) -> Context:
        """Open (creating if needed) and migrate the database at ``path``."""
        engine = open_database(path)
        revision = current_revision(engine)
        if revision is not None and revision not in known_revisions():
            close_database(engine)
            raise StateError(
                _("This database comes from a newer version of coopos: update coopos first.")
            )
        try:
            upgrade(engine)
        except BaseException:
            close_database(engine)
            raise
        return cls(engine=engine, clock=clock or Clock(), path=Path(path))

    def close(self) -> None:
        """Close the database (and let go of its lock file): a restore may replace it."""
        close_database(self.engine)

    @property
    def closed(self) -> bool:
        return is_closed(self.engine)

    def reopen(self) -> None:
        """After :meth:`close`, open the same file again (a restore that was refused)."""
        if self.closed and self.path is not None:
            self.engine = open_database(self.path)
