"""Backups in one read transaction (consistent while the till sells: SQLite's backup API,
or ``VACUUM INTO`` when many pages are free), and a restore that refuses
anything that is not a coopos database of a known schema, and refuses to replace a
database anyone has open (:mod:`coopos.db.lock`).  A restored till finds its place again through
:mod:`coopos.services.recovery`: it never reissues a receipt number, and every event it
made still reaches the server once.

Every shift close also makes an automatic backup (:func:`backup_after_close`, on a worker:
the close never waits for it) beside the database, in ``backups/`` (the user data folder
for the installed app), and a copy in the ``backup.folder`` setting (a USB key) when one
is set.  Automatic backups are compressed with zstandard (``.db.zst``, about a quarter of
the pages in use); a restore reads them and plain ``.db`` files alike.  Automatic backups
older than ``backup.keep_days`` or beyond ``backup.max_mb`` in all are deleted, the
newest :data:`KEEP_NEWEST` always kept (:class:`Retention`); backups made by hand and the
safety copies made before a restore are never deleted."""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import zstandard

from coopos.config import backup_dir
from coopos.db.engine import APPLICATION_ID, open_database
from coopos.db.lock import OpenLock, exclusive
from coopos.db.migrate import known_revisions, upgrade
from coopos.domain.errors import CooposError, ValidationError
from coopos.i18n import _
from coopos.services import recovery

log = logging.getLogger(__name__)

KEEP_NEWEST = 3  # automatic backups kept whatever their age and size
AUTO_PREFIX = "coopos-auto-"
COMPRESSED = ".zst"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
ZSTD_LEVEL = 1  # twice as fast as level 3 for a tenth more bytes (bench/till_storage.py)
MB = 1024 * 1024
CHUNK = 4 * MB
# coopos-auto-20261120-183000-z0012.db.zst (.db before 0.2): only names like this are
# ever pruned.
_AUTO_NAME = re.compile(r"^coopos-auto-(\d{8}-\d{6})(?:-z\d+)?(?:-\d+)?\.db(?:\.zst)?$")


def backup(
    db_path: Path,
    dest: Path | None = None,
    backup_folder: Path | None = None,
    *,
    held: bool = False,
) -> Path:
    """Copy the database to ``dest`` (a file, or a folder to put a dated file in).

    ``held``: the caller holds the database exclusively (a restore's safety copy);
    otherwise the copy holds the shared lock, like any process reading the database."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise ValidationError(_("There is no database at {path}.", path=db_path))
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    if dest is None:
        dest = (backup_folder or backup_dir(db_path)) / f"coopos-{stamp}.db"
    elif dest.is_dir() or str(dest).endswith(("/", "\\")):
        dest = dest / f"coopos-{stamp}.db"
    elif not dest.suffix and not dest.exists():
        raise ValidationError(
            _("The folder {path} does not exist: is the USB key plugged in?", path=dest)
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.resolve() == db_path.resolve():
        raise ValidationError(_("A backup cannot overwrite the database itself."))
    compress = dest.name.endswith(COMPRESSED)
    tmp = dest.with_name(dest.name + ".part")
    plain = dest.with_name(dest.name + ".snapshot") if compress else tmp
    lock = None if held else OpenLock(db_path)
    try:
        plain.unlink(missing_ok=True)  # VACUUM INTO never overwrites a file
        source = sqlite3.connect(db_path, timeout=30)
        try:
            _snapshot(source, plain)
        finally:
            source.close()
    finally:
        if lock is not None:
            lock.release()
    try:
        target = sqlite3.connect(plain)
        try:
            target.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        finally:
            target.close()
        if compress:
            _compress(plain, tmp)
        tmp.replace(dest)
    finally:
        plain.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    return dest


def _snapshot(source: sqlite3.Connection, dest: Path) -> None:
    """Copy the database in one read transaction (a consistent snapshot while the till
    sells).  ``VACUUM INTO`` leaves the free pages out but rebuilds every index (3x
    slower); it is worth it when many pages are free (after the first pruning of a big
    outbox, docs/sync.md), else SQLite's backup API copies the pages as they are."""
    pages = source.execute("PRAGMA page_count").fetchone()[0]
    free = source.execute("PRAGMA freelist_count").fetchone()[0]
    if free * 4 >= pages > 0:
        source.execute("VACUUM INTO ?", (str(dest),))
        return
    target = sqlite3.connect(dest)
    try:
        source.backup(target)  # all pages in one step
    finally:
        target.close()


def _compress(source: Path, dest: Path) -> None:
    compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True)
    with source.open("rb") as src, dest.open("wb") as out:
        compressor.copy_stream(src, out, size=source.stat().st_size)


def is_compressed(path: Path) -> bool:
    with Path(path).open("rb") as fh:
        return fh.read(4) == ZSTD_MAGIC


def unpack(source: Path, dest: Path) -> Path:
    """Write the plain database of the backup ``source`` (compressed or not) to ``dest``."""
    tmp = dest.with_name(dest.name + ".part")
    try:
        if is_compressed(source):
            stream = zstandard.ZstdDecompressor().decompressobj()
            with source.open("rb") as src, tmp.open("wb") as out:
                while chunk := src.read(CHUNK):
                    out.write(stream.decompress(chunk))
            if not stream.eof:  # cut short: a copy pulled out half-way
                raise zstandard.ZstdError("truncated")
        else:
            shutil.copyfile(source, tmp)
        tmp.replace(dest)
    except zstandard.ZstdError:
        raise ValidationError(
            _("{path} is damaged and cannot be restored.", path=source.name)
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
    return dest


@contextlib.contextmanager
def _readable(path: Path) -> Iterator[Path]:
    """The backup as a plain SQLite file, decompressed in a temporary folder if needed."""
    if not is_compressed(path):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="coopos-check-") as folder:
        yield unpack(path, Path(folder) / "backup.db")


def check_backup_file(path: Path) -> str:
    """The schema revision of a coopos backup (``.db`` or ``.db.zst``), or
    ValidationError with the reason."""
    path = Path(path)
    if not path.exists():
        raise ValidationError(_("File not found: {path}", path=path))
    with _readable(path) as plain:
        return _check_plain(plain, path.name)


def _check_plain(path: Path, name: str) -> str:
    with path.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise ValidationError(_("{path} is not a coopos database.", path=name))
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id != APPLICATION_ID:
            raise ValidationError(_("{path} is not a coopos database.", path=name))
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            raise ValidationError(_("{path} is damaged and cannot be restored.", path=name))
        try:
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        except sqlite3.DatabaseError:
            raise ValidationError(_("{path} is not a coopos database.", path=name)) from None
    finally:
        conn.close()
    if revision not in known_revisions():
        raise ValidationError(
            _("{path} comes from a newer version of coopos: update coopos first.", path=name)
        )
    return revision


@dataclass(frozen=True)
class Restored:
    safety: Path | None  # the replaced database, as it was
    report: recovery.RestoreReport


def restore(source: Path, db_path: Path) -> Restored:
    """Replace the database with ``source``; the current one is backed up first.

    Refused (:class:`coopos.db.lock.DatabaseInUse`) while any process, this one included,
    has the database open.  The restored database is upgraded to the current schema, takes
    the replaced one's document counters when both are the same till (same receipt
    prefix), and keeps that till's unsent events to send them."""
    source, db_path = Path(source), Path(db_path)
    if not source.exists():
        raise ValidationError(_("File not found: {path}", path=source))
    db_path.parent.mkdir(parents=True, exist_ok=True)  # a new laptop has no folder yet
    tmp = db_path.with_suffix(".restoring")
    try:
        unpack(source, tmp)  # a compressed backup is checked once decompressed
        _check_plain(tmp, source.name)
        return _replace(tmp, source.name, db_path)
    finally:
        tmp.unlink(missing_ok=True)


def _replace(tmp: Path, source_name: str, db_path: Path) -> Restored:
    with exclusive(db_path):
        safety = replaced = None
        if db_path.exists():
            safety = backup_dir(db_path) / f"before-restore-{datetime.now():%Y%m%d-%H%M%S}.db"
            try:
                backup(db_path, safety, held=True)
                replaced = recovery.read_facts(safety)
            except sqlite3.DatabaseError:  # a damaged database: keep its bytes as they are
                log.warning("the replaced database cannot be read: copied as is", exc_info=True)
                _copy(db_path, safety)
        for suffix in ("-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        tmp.replace(db_path)
        engine = open_database(db_path, lock=False)  # the exclusive lock is ours
        try:
            from coopos.services.context import Context

            upgrade(engine)
            with Context(engine=engine, path=db_path).write() as uow:
                report = recovery.after_restore(uow, replaced, source_name)
        finally:
            engine.dispose()
    return Restored(safety, report)


# -- automatic backups at shift close ----------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    """One automatic backup: where it went (``local`` or ``usb``), or why it did not."""

    where: str
    path: Path | None
    error: str | None = None
    pruned: int = 0  # old automatic backups deleted by the retention

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def message(self) -> str:
        """One sentence for the user."""
        if self.error:
            return self.error
        return _("Backup written: {path}", path=self.path)


@dataclass(frozen=True)
class Retention:
    """Which automatic backups stay in a folder: the newest ``keep_newest`` always; the
    others while younger than ``days`` and while all of them together fit in
    ``max_bytes`` (settings ``backup.keep_days`` and ``backup.max_mb``; 0: no limit)."""

    days: int = 60
    max_bytes: int = 2048 * MB
    keep_newest: int = KEEP_NEWEST

    @classmethod
    def from_settings(cls, values: dict[str, Any]) -> Retention:
        return cls(
            days=int(values.get("backup.keep_days") or 0),
            max_bytes=int(values.get("backup.max_mb") or 0) * MB,
        )


def automatic_name(z_number: int | None = None, now: datetime | None = None) -> str:
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    z = f"-z{z_number:04d}" if z_number is not None else ""
    return f"{AUTO_PREFIX}{stamp}{z}.db{COMPRESSED}"


def is_automatic_backup(path: Path) -> bool:
    return path.is_file() and _AUTO_NAME.match(path.name) is not None


def _made(path: Path) -> datetime:
    match = _AUTO_NAME.match(path.name)
    assert match is not None
    return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S")


def prune_automatic(
    folder: Path, retention: Retention | None = None, now: datetime | None = None
) -> list[Path]:
    """Delete the automatic backups in ``folder`` that ``retention`` does not keep.

    Only files named by :func:`automatic_name` (or its ``.db`` of older versions) are
    touched, by the date in their name: a user's own files on the USB key, hand-made
    backups and safety copies stay."""
    retention = retention or Retention()
    now = now or datetime.now()
    ours = sorted(
        (p for p in Path(folder).iterdir() if is_automatic_backup(p)),
        key=lambda p: (_made(p), p.name),
        reverse=True,
    )
    too_old = now - timedelta(days=retention.days) if retention.days else None
    removed, total = [], 0
    for rank, path in enumerate(ours):
        size = path.stat().st_size
        if rank >= retention.keep_newest and (
            (too_old is not None and _made(path) < too_old)
            or (retention.max_bytes and total + size > retention.max_bytes)
        ):
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                log.warning("could not delete the old backup %s", path, exc_info=True)
            continue
        total += size
    return removed


def _unique(folder: Path, name: str) -> Path:
    """Never overwrite an earlier backup (two closes in the same second)."""
    path = folder / name
    stem, dot, suffix = name.partition(".")
    n = 1
    while path.exists():
        path = folder / f"{stem}-{n}{dot}{suffix}"
        n += 1
    return path


def _reason(exc: BaseException) -> str:
    if isinstance(exc, CooposError):
        return exc.message
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _copy(source: Path, dest: Path) -> Path:
    tmp = dest.with_name(dest.name + ".part")
    shutil.copyfile(source, tmp)
    tmp.replace(dest)  # a half-copied file never has the final name
    return dest


def backup_after_close(
    db_path: Path,
    usb_folder: str | Path | None = None,
    z_number: int | None = None,
    retention: Retention | None = None,
    now: datetime | None = None,
) -> list[BackupResult]:
    """Back the database up after a shift close; never raises.

    Called once the close has committed, on a worker (the desktop) or after the Z report
    is printed (the command line): a backup that fails (full disk, USB key pulled out)
    must not undo or block the close, so each failure becomes one sentence in the
    results instead of an exception."""
    db_path = Path(db_path)
    name = automatic_name(z_number, now)
    results: list[BackupResult] = []
    local: Path | None = None
    folder = backup_dir(db_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        local = backup(db_path, _unique(folder, name))
        pruned = prune_automatic(folder, retention, now)
        results.append(BackupResult("local", local, pruned=len(pruned)))
    except (CooposError, OSError, sqlite3.Error) as exc:
        log.exception("automatic backup into %s failed", folder)
        results.append(
            BackupResult(
                "local",
                None,
                _(
                    "The automatic backup could not be written in {folder} ({reason}).",
                    folder=folder,
                    reason=_reason(exc),
                ),
            )
        )
    if usb_folder:
        usb = Path(usb_folder)
        if not usb.is_dir():
            results.append(
                BackupResult(
                    "usb",
                    None,
                    _(
                        "The backup folder {path} is not there (is the USB key plugged in?): "
                        "the shift is closed all the same.",
                        path=usb,
                    ),
                )
            )
            return results
        try:
            dest = _unique(usb, name)
            path = _copy(local, dest) if local is not None else backup(db_path, dest)
            pruned = prune_automatic(usb, retention, now)
            results.append(BackupResult("usb", path, pruned=len(pruned)))
        except (CooposError, OSError, sqlite3.Error) as exc:
            log.exception("automatic backup into %s failed", usb)
            results.append(
                BackupResult(
                    "usb",
                    None,
                    _(
                        "The backup could not be copied to {path} ({reason}): the shift is "
                        "closed all the same.",
                        path=usb,
                        reason=_reason(exc),
                    ),
                )
            )
    return results


def backup_before_upgrade(db_path: Path, head: str | None = None) -> Path | None:
    """Before a newer coopos upgrades an older database in place, keep a copy of it as it
    was (``backups/before-upgrade-REVISION-DATE.db``): the upgrade is one transaction,
    but an installer's update is the one moment a seller cannot undo by hand.

    Returns the copy, or None when there is nothing to upgrade (new, current, newer, or
    not a coopos database: opening it says why).  Reads two values, so a start with a
    current database costs nothing."""
    from coopos.db.migrate import head_revision

    db_path = Path(db_path)
    if not db_path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                return None
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    revision = row[0] if row else None
    if revision is None or revision == (head or head_revision()):
        return None
    if revision not in known_revisions():
        return None  # from a newer coopos: refused when opened, never touched
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return backup(db_path, backup_dir(db_path) / f"before-upgrade-{revision}-{stamp}.db")
