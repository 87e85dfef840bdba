"""Bring a database to the newest schema, in place, with Alembic.

Opening a database that another process writes to (the desktop app selling while a
command runs) must not fail: :func:`upgrade` only reads when the schema is current, and
when it is not, migrates inside ``BEGIN IMMEDIATE`` so that it waits its turn on the busy
timeout instead of failing half-way with "database is locked"."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from coopos.db.engine import APPLICATION_ID, WRITE

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _up_to_date(conn: Connection, head: str) -> bool:
    if conn.execute(text("PRAGMA application_id")).scalar() != APPLICATION_ID:
        return False
    return MigrationContext.configure(conn).get_current_revision() == head


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to head.  Safe to call on every start, from any number
    of processes at once: a current database is only read."""
    head = head_revision()
    with engine.connect() as conn:
        if _up_to_date(conn, head):
            return
    # Take the write lock first (the busy timeout applies to BEGIN IMMEDIATE), then look
    # again: another process may have migrated while this one waited.
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        if _up_to_date(conn, head):
            return
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        conn.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")


def is_coopos_database(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("PRAGMA application_id")).scalar() == APPLICATION_ID
