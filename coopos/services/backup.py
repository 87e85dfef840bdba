"""Backups with SQLite's online backup API (consistent while the till sells), and a
restore that refuses anything that is not a coopos database of a known schema."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

from coopos.db.engine import APPLICATION_ID
from coopos.db.migrate import known_revisions
from coopos.domain.errors import ValidationError
from coopos.i18n import _


def backup(db_path: Path, dest: Path | None = None, backup_folder: Path | None = None) -> Path:
    """Copy the database to ``dest`` (a file, or a folder to put a dated file in)."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise ValidationError(_("There is no database at {path}.", path=db_path))
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    if dest is None:
        dest = (backup_folder or db_path.parent / "backups") / f"coopos-{stamp}.db"
    elif dest.is_dir() or str(dest).endswith(("/", "\\")):
        dest = dest / f"coopos-{stamp}.db"
    elif not dest.suffix and not dest.exists():
        raise ValidationError(
            _("The folder {path} does not exist: is the USB key plugged in?", path=dest)
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.resolve() == db_path.resolve():
        raise ValidationError(_("A backup cannot overwrite the database itself."))
    tmp = dest.with_suffix(dest.suffix + ".part")
    source = sqlite3.connect(db_path)
    target = sqlite3.connect(tmp)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        target.close()
        source.close()
    tmp.replace(dest)
    return dest


def check_backup_file(path: Path) -> str:
    """The schema revision of a coopos backup, or ValidationError with the reason."""
    if not path.exists():
        raise ValidationError(_("File not found: {path}", path=path))
    with path.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise ValidationError(_("{path} is not a coopos database.", path=path.name))
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id != APPLICATION_ID:
            raise ValidationError(_("{path} is not a coopos database.", path=path.name))
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            raise ValidationError(_("{path} is damaged and cannot be restored.", path=path.name))
        try:
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        except sqlite3.DatabaseError:
            raise ValidationError(_("{path} is not a coopos database.", path=path.name)) from None
    finally:
        conn.close()
    if revision not in known_revisions():
        raise ValidationError(
            _("{path} comes from a newer version of coopos: update coopos first.", path=path.name)
        )
    return revision


def restore(source: Path, db_path: Path) -> Path | None:
    """Replace the database with ``source``; the current one is backed up first.

    Returns the safety copy of the replaced database (None if there was none).  The
    restored database is upgraded to the current schema on next open."""
    source, db_path = Path(source), Path(db_path)
    check_backup_file(source)
    safety = None
    if db_path.exists():
        safety = backup(
            db_path,
            db_path.parent / "backups" / f"before-restore-{datetime.now():%Y%m%d-%H%M%S}.db",
        )
    tmp = db_path.with_suffix(".restoring")
    shutil.copyfile(source, tmp)
    for suffix in ("-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    tmp.replace(db_path)
    return safety
