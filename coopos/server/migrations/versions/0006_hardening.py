"""Users by location, portal sessions kept on the server, rate-limit hits

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-04

Every user who existed before works at every location that existed (as before: every
till received every user); head office then narrows it with ``coopos server user
locations``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_locations",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_user_locations_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_locations_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "location_id", name=op.f("pk_user_locations")),
    )
    op.execute(
        "INSERT INTO user_locations (user_id, location_id) "
        "SELECT users.id, locations.id FROM users CROSS JOIN locations"
    )
    op.create_table(
        "portal_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.Column("expires_utc", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_portal_sessions_cooperative_id_cooperatives"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_portal_sessions_token_hash")),
    )
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_sessions_cooperative_id"), ["cooperative_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_portal_sessions_expires_utc"), ["expires_utc"], unique=False
        )
    op.create_table(
        "rate_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at_utc", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_hits")),
    )
    with op.batch_alter_table("rate_hits", schema=None) as batch_op:
        batch_op.create_index("ix_rate_hits_kind_key_at", ["kind", "key", "at_utc"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rate_hits", schema=None) as batch_op:
        batch_op.drop_index("ix_rate_hits_kind_key_at")
    op.drop_table("rate_hits")
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_sessions_expires_utc"))
        batch_op.drop_index(batch_op.f("ix_portal_sessions_cooperative_id"))
    op.drop_table("portal_sessions")
    op.drop_table("user_locations")
