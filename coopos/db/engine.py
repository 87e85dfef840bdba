"""Open a coopos SQLite database with the pragmas a till needs.

- WAL, so readers (reports, the UI) never block the writer (the checkout);
- ``synchronous=FULL``: a committed sale survives a power cut;
- foreign keys on;
- write transactions start with ``BEGIN IMMEDIATE`` so two writers queue on the busy
  timeout instead of failing half-way with "database is locked";
- a shared lock on ``<database>.lock`` for as long as the engine is open
  (:mod:`coopos.db.lock`), so that a restore can tell nobody is using the file.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event

from coopos.db.lock import OpenLock
from coopos.domain.errors import StateError
from coopos.i18n import _

# PRAGMA application_id: marks the file as a coopos database (checked by restore).
APPLICATION_ID = 0x434F4F50  # "COOP"
BUSY_TIMEOUT_S = 30
WRITE = {"coopos_write": True}


def _on_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy's "begin" event below decide how transactions start.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _on_begin(connection) -> None:
    mode = "IMMEDIATE" if connection.get_execution_options().get("coopos_write") else "DEFERRED"
    connection.exec_driver_sql(f"BEGIN {mode}")


def open_database(path: str | Path, echo: bool = False, lock: bool = True) -> Engine:
    """An engine on the SQLite file at ``path`` (created if missing, not migrated).

    ``lock=False`` only for the one who already holds the database exclusively (a
    restore); everyone else holds the shared lock until :func:`close_database`."""
    path = Path(path)
    memory = str(path) == ":memory:"
    if not memory:
        path.parent.mkdir(parents=True, exist_ok=True)
    held = OpenLock(path) if lock and not memory else None
    engine = create_engine(
        f"sqlite:///{path}",
        echo=echo,
        connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    engine.coopos_lock = held  # type: ignore[attr-defined]  # dropped with the engine
    return engine


def is_closed(engine: Engine) -> bool:
    return bool(getattr(engine, "coopos_closed", False))


def close_database(engine: Engine) -> None:
    """Close every connection and let go of the file: this engine opens no new
    connection afterwards (a stray one would write to a file being restored)."""
    engine.dispose()
    engine.coopos_closed = True  # type: ignore[attr-defined]
    held = getattr(engine, "coopos_lock", None)
    if held is not None:
        engine.coopos_lock = None  # type: ignore[attr-defined]
        held.release()

    @event.listens_for(engine, "do_connect")
    def _closed(*_args, **_kwargs):
        raise StateError(_("This database was closed: start coopos again."))
