"""Where coopos keeps its files on this machine (platformdirs).

The installed app (a frozen bundle) keeps nothing beside its program files, which an
update replaces: the database, its backups and the logs live in the user's folders.

- Linux: ``~/.local/share/coopos`` (data), ``~/.local/state/coopos/log`` (logs);
- Windows: ``%LOCALAPPDATA%\\coopos`` (data), ``%LOCALAPPDATA%\\coopos\\Logs`` (logs);
- macOS: ``~/Library/Application Support/coopos``, ``~/Library/Logs/coopos``.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path, user_log_path

APP_NAME = "coopos"


def data_dir() -> Path:
    override = os.environ.get("COOPOS_DATA_DIR")
    return Path(override) if override else user_data_path(APP_NAME, appauthor=False)


def default_db_path() -> Path:
    """``--db PATH`` wins, then ``$COOPOS_DB``, then the user data folder."""
    override = os.environ.get("COOPOS_DB")
    return Path(override) if override else data_dir() / "coopos.db"


def backup_dir(db_path: Path) -> Path:
    """Backups of a database go beside it, in ``backups/``: the user data folder's for the
    till's own database.  A database elsewhere (``--db``) keeps its backups apart, so the
    pruning of automatic backups never mixes two databases."""
    return Path(db_path).parent / "backups"


def log_dir() -> Path:
    override = os.environ.get("COOPOS_LOG_DIR")
    return Path(override) if override else user_log_path(APP_NAME, appauthor=False)
