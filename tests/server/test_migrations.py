"""The server schema only changes through its Alembic migrations, on SQLite and on
PostgreSQL: models and migrations never drift, and upgrading is safe to repeat."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from coopos.domain.errors import CooposError
from coopos.server.db import (
    VERSION_TABLE,
    Database,
    create_server_engine,
    current_revision,
    head_revision,
    normalise_url,
    upgrade,
)
from coopos.server.models import ServerBase


def test_models_and_migrations_agree(empty_url):
    engine = create_server_engine(empty_url)
    upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE, "compare_type": True}
        )
        assert compare_metadata(context, ServerBase.metadata) == []
    engine.dispose()


def test_upgrade_is_idempotent_and_seeds_the_change_clock(empty_url):
    engine = create_server_engine(empty_url)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, value FROM change_clock")).all() == [(1, 0)]
    engine.dispose()


def test_a_database_from_a_newer_server_is_refused(empty_url):
    Database.open(empty_url).dispose()
    engine = create_server_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(CooposError, match="newer version"):
        Database.open(empty_url)


def test_sqlite_pragmas(tmp_path):
    database = Database.open(f"sqlite:///{tmp_path / 'p.db'}")
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    database.dispose()


def test_database_urls():
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    for bad in ("mysql://u@h/db", "postgresql+psycopg2://u@h/db", "::"):
        with pytest.raises(CooposError):
            create_server_engine(bad)
