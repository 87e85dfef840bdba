"""Alembic environment of the server schema: run with a connection passed in
``config.attributes`` by ``coopos.server.db.upgrade``."""

from alembic import context

from coopos.server.db import VERSION_TABLE
from coopos.server.models import ServerBase

config = context.config
target_metadata = ServerBase.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # pragma: no cover - only coopos.server.db calls us
        raise RuntimeError("server migrations run through coopos.server.db.upgrade")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
