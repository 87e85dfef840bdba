"""product search index (FTS5 over text normalised in Python)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # rowid = products.id.  The text is already folded by coopos.domain.search.normalise
    # (harakat, hamza, accents, digits), so the tokenizer only splits on spaces/punctuation.
    op.execute(
        "CREATE VIRTUAL TABLE product_search USING fts5("
        "text, tokenize = \"unicode61 remove_diacritics 0\", prefix = '1 2 3')"
    )


def downgrade() -> None:
    op.execute("DROP TABLE product_search")
