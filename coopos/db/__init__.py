"""Storage: SQLAlchemy models, Alembic migrations, the unit of work and queries.

Nothing here creates an engine at import time: the caller opens the database with
``coopos.db.engine.open_database(path)``.
"""
