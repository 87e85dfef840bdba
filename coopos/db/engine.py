"""Open a coopos SQLite database with the pragmas a till needs.

- WAL, so readers (reports, the UI) never block the writer (the checkout);
- ``synchronous=FULL``: a committed sale survives a power cut;
- foreign keys on;
- write transactions start with ``BEGIN IMMEDIATE`` so two writers queue on the busy
  timeout instead of failing half-way with "database is locked".
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event

# PRAGMA application_id: marks the file as a coopos database (checked by restore).
APPLICATION_ID = 0x434F4F50  # "COOP"
BUSY_TIMEOUT_S = 30
WRITE = {"coopos_write": True}


def _on_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy's "begin" event below decide how transactions start.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.close()


def _on_begin(connection) -> None:
    mode = "IMMEDIATE" if connection.get_execution_options().get("coopos_write") else "DEFERRED"
    connection.exec_driver_sql(f"BEGIN {mode}")


def open_database(path: str | Path, echo: bool = False) -> Engine:
    """An engine on the SQLite file at ``path`` (created if missing, not migrated)."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite:///{path}",
        echo=echo,
        connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine
