"""The server's database: SQLite for a single association (no set-up), PostgreSQL through
psycopg 3 in production.  The caller opens it (``Database.open(url)``); nothing here
connects at import time.

SQLite gets the till's pragmas (WAL, full sync, foreign keys, busy timeout) and write
transactions that start with ``BEGIN IMMEDIATE``, so concurrent requests queue for the
write lock instead of failing half-way.  PostgreSQL runs at READ COMMITTED and relies on
row locks (the device row for a push, the change clock for catalog writes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from coopos.config import data_dir
from coopos.domain.errors import StateError, ValidationError
from coopos.i18n import _

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "coopos_server_version"
BUSY_TIMEOUT_S = 30
WRITE = {"coopos_write": True}
# Several server processes may start at once on one PostgreSQL: one migrates, the
# others wait on this advisory lock and then find the schema at head.
_MIGRATION_LOCK = 0x434F4F50_53525652  # "COOPSRVR", a positive bigint


def default_url() -> str:
    return f"sqlite:///{data_dir() / 'server.db'}"


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 (the driver we ship)."""
    url = url.strip()
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # the "begin" listener starts transactions
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.close()


def _sqlite_begin(connection) -> None:
    write = connection.get_execution_options().get("coopos_write")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def create_server_engine(url: str, echo: bool = False, **kwargs) -> Engine:
    """An engine on ``url`` (SQLite file or PostgreSQL), not migrated."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except Exception:
        raise ValidationError(_("“{url}” is not a database URL.", url=url)) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        args = {"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
        engine = create_engine(url, echo=echo, connect_args=args, **kwargs)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend == "postgresql":
        if parsed.get_driver_name() != "psycopg":
            raise ValidationError(
                _("Use a postgresql+psycopg:// URL (psycopg 3) for PostgreSQL.", url=url)
            )
        return create_engine(url, echo=echo, pool_pre_ping=True, **kwargs)
    raise ValidationError(
        _("The server runs on SQLite or PostgreSQL, not on “{backend}”.", backend=backend)
    )


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# -- migrations -------------------------------------------------------------------------------


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE}
        ).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to head, in one transaction.  Safe on every start."""
    known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        revision = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE}
        ).get_current_revision()
        if revision is not None and revision not in known:
            raise StateError(
                _("This server database comes from a newer version of coopos: update first.")
            )
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


# -- sessions ---------------------------------------------------------------------------------


class Database:
    """The engine, and transactions on it: ``read()`` and ``write()`` sessions."""

    def __init__(self, engine: Engine, now: Callable[[], datetime] = utcnow):
        self.engine = engine
        self.now = now  # naive UTC; tests replace it

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @classmethod
    def open(cls, url: str | None = None, migrate: bool = True, **engine_args) -> Database:
        engine = create_server_engine(url or default_url(), **engine_args)
        if migrate:
            try:
                upgrade(engine)
            except Exception:
                engine.dispose()
                raise
        return cls(engine)

    @contextmanager
    def read(self) -> Iterator[Session]:
        session = Session(self.engine, expire_on_commit=False, autoflush=False)
        try:
            yield session
        finally:
            session.close()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed if the block ends normally, else rolled back."""
        session = Session(self.engine, expire_on_commit=False)
        try:
            session.connection(execution_options=WRITE)  # SQLite: BEGIN IMMEDIATE now
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
