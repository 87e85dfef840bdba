"""Alembic migrations of the server schema (see coopos.server.db.upgrade)."""
