"""Alembic environment: run with a connection passed in ``config.attributes``."""

from alembic import context

from coopos.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # pragma: no cover - only the coopos helpers call us
        raise RuntimeError("coopos migrations run through coopos.db.migrate")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: copy-and-move instead
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
