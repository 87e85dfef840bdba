"""The till's files are its user's alone: the database (PIN hashes, the sync token, the
receipt secret), its backups, the logs and crash reports.

- On Linux and macOS every file coopos creates is 0600 and every folder 0700: the
  entry point sets the process umask to 077 before anything is written (SQLite gives a
  database's ``-wal`` and ``-shm`` files the mode of the database itself).  Folders and
  files left by an older coopos (0755/0644) are narrowed at start by ``secure_tree``.
- On Windows the data and logs live under ``%LOCALAPPDATA%`` (``C:\\Users\\NAME\\AppData
  \\Local\\coopos``), whose access list, inherited from the user's profile, gives the
  user, SYSTEM and the Administrators group access and other users none.  coopos keeps
  that inherited list and changes nothing; POSIX modes do not exist there
  (``os.chmod`` only sets read-only), so ``secure_tree`` does nothing.  A ``--db`` outside
  the profile (``C:\\coopos``) gets that folder's access list: docs/security.md says so.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
_POSIX = os.name == "posix"


def private_umask() -> None:
    """New files 0600, new folders 0700, for the rest of the process (POSIX)."""
    if _POSIX:
        os.umask(0o077)


def _narrow(path: Path, mode: int) -> None:
    with contextlib.suppress(OSError):  # not ours, or gone: nothing to protect here
        current = stat.S_IMODE(path.lstat().st_mode)
        if current & ~mode:
            path.chmod(current & mode)


def secure_tree(folders: Iterable[Path]) -> None:
    """Folders coopos owns (data, backups, logs) 0700 and their files 0600, as an older
    version may have left them.  Symbolic links are left alone."""
    if not _POSIX:
        return
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir() or folder.is_symlink():
            continue
        _narrow(folder, PRIVATE_DIR)
        for root, dirs, files in os.walk(folder):
            for name in dirs:
                if not Path(root, name).is_symlink():
                    _narrow(Path(root, name), PRIVATE_DIR)
            for name in files:
                if not Path(root, name).is_symlink():
                    _narrow(Path(root, name), PRIVATE_FILE)


def secure_database(path: Path) -> None:
    """A database named with ``--db`` outside the data folder: the file and its
    companions 0600 (never its folder, which may be the user's Documents)."""
    if not _POSIX:
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = Path(f"{path}{suffix}")
        if candidate.is_file() and not candidate.is_symlink():
            _narrow(candidate, PRIVATE_FILE)


def secure_start(db_path: Path | None = None) -> None:
    """What every coopos process does first: the umask, then the folders it owns."""
    from coopos.config import backup_dir, data_dir, log_dir

    private_umask()
    folders = [data_dir(), log_dir()]
    if db_path is not None:
        secure_database(Path(db_path))
        folders.append(backup_dir(Path(db_path)))
    secure_tree(folders)


__all__ = ["private_umask", "secure_database", "secure_start", "secure_tree"]
