"""What every use case needs: the database engine and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from coopos.db.engine import open_database
from coopos.db.migrate import upgrade
from coopos.db.uow import UnitOfWork
from coopos.domain.clock import Clock


@dataclass
class Context:
    engine: Engine
    clock: Clock = field(default_factory=Clock)
    path: Path | None = None

    def write(self) -> UnitOfWork:
        """A write transaction: ``with ctx.write() as uow: ...`` commits or rolls back."""
        return UnitOfWork(self.engine, self.clock)

    def read(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @classmethod
    def open(cls, path: str | Path, clock: Clock | None = None) -> Context:
        """Open (creating if needed) and migrate the database at ``path``."""
        engine = open_database(path)
        upgrade(engine)
        return cls(engine=engine, clock=clock or Clock(), path=Path(path))

    def close(self) -> None:
        self.engine.dispose()
