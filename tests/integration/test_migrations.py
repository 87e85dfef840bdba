"""The schema only ever changes through Alembic: models and migrations never drift, an
old database upgrades in place, a database from the future is refused."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from coopos.db.engine import open_database
from coopos.db.migrate import head_revision, is_coopos_database, upgrade
from coopos.db.models import Base
from coopos.domain.errors import CooposError
from coopos.services.context import Context


def test_models_and_migrations_agree(tmp_path):
    engine = open_database(tmp_path / "m.db")
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # the FTS5 search table is created by a migration and has no model on purpose
    diff = [d for d in diff if not (d[0] == "remove_table" and "product_search" in d[1].name)]
    assert diff == []
    engine.dispose()


def test_pragmas_and_identity(tmp_path):
    engine = open_database(tmp_path / "p.db")
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert is_coopos_database(engine)
    engine.dispose()


def test_upgrade_is_idempotent_and_keeps_data(ctx, db_path):
    from coopos.services import users

    ctx.close()
    again = Context.open(db_path)
    assert [u.name for u in users.list_users(again)] == ["Admin"]
    again.close()


def test_each_migration_step_applies_in_order(tmp_path):
    """Upgrading one revision at a time reaches the same head as a fresh install."""
    from alembic import command

    from coopos.db.migrate import alembic_config

    engine = open_database(tmp_path / "steps.db")
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
    engine.dispose()


def test_a_database_from_a_newer_coopos_is_refused(ctx, db_path):
    ctx.close()
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE alembic_version SET version_num='9999'")
    conn.commit()
    conn.close()
    with pytest.raises(CooposError, match="newer version"):
        Context.open(db_path)
