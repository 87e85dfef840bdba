"""The server's statements as documents, through the renderers the till uses
(:mod:`coopos.printing.statements`): the parties printed on them, and the PDF with its
verification QR code.

Qt is imported only here and only when a document is drawn, so the API never loads it
for sync.  Drawing is serialised: one PDF at a time per process.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from coopos.domain import consignment as rules
from coopos.domain.consignment_engine import Party
from coopos.server import consignment
from coopos.server.consignment_facts import ServerFacts
from coopos.server.db import Database

_DRAWING = threading.Lock()


def prepare_drawing() -> bool:
    """Start Qt (offscreen) in the calling thread: the server's main thread, before it
    serves, as Qt wants.  Without it the first PDF starts Qt in a worker thread, which
    works but is not what Qt documents.  False (logged) if Qt cannot start here: the
    portal then answers PDF downloads with an error, everything else works."""
    try:
        from coopos.printing.render import ensure_gui

        ensure_gui()
        return True
    except Exception:
        import logging

        logging.getLogger(__name__).exception("cannot start Qt: statement PDFs will fail")
        return False


def shop_party(db: Database) -> Party:
    """Head office as set with ``coopos server shop`` (its name at least, always)."""
    with db.read() as s:
        return ServerFacts(s).shop_party()


def cooperative_party(db: Database, code: str, language: str) -> Party:
    with db.read() as s:
        return ServerFacts(s, language).cooperative_party(code)


@dataclass(frozen=True)
class StatementDocument:
    statement: rules.Statement
    scope: consignment.Scope
    code: str  # the QR text that verifies it on this server


def statement(
    db: Database, coop: str, scope: consignment.Scope, language: str
) -> StatementDocument:
    from coopos.i18n import thread_language

    with thread_language(language), db.read() as s:
        found = consignment.settlement(s, coop, scope, language)
    return StatementDocument(found, scope, consignment.statement_code(found, scope))


def save_statement_pdf(
    db: Database, doc: StatementDocument, path: str | Path, language: str
) -> Path:
    from coopos.printing import statements

    shop = shop_party(db)
    coop = cooperative_party(db, doc.statement.cooperative, language)
    with _DRAWING:
        return statements.save_statement_pdf(doc.statement, path, shop, coop, language, doc.code)


def statement_pdf_bytes(db: Database, doc: StatementDocument, language: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="coopos-statement-") as folder:
        path = save_statement_pdf(db, doc, Path(folder) / "statement.pdf", language)
        return path.read_bytes()
