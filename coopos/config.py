"""Where coopos keeps its files on this machine (platformdirs)."""

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


def log_dir() -> Path:
    override = os.environ.get("COOPOS_LOG_DIR")
    return Path(override) if override else user_log_path(APP_NAME, appauthor=False)
