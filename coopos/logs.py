"""Rotating log files in the user log folder, and crash reports.

``coopos.log`` (1 MB, 5 older files kept) receives the core's loggers (``coopos.*``) and
the desktop app's (``ui.*``); each unexpected error also gets its own ``crash-*.txt``
file with the traceback, whose path the user is told."""

from __future__ import annotations

import logging
import logging.handlers
import traceback
from datetime import datetime
from pathlib import Path

from coopos.config import log_dir

_configured = False
# The core and the desktop app (the ui package logs under its module names).
LOGGERS = ("coopos", "ui")


def setup_logging(level: int = logging.INFO) -> Path | None:
    global _configured
    if _configured:
        return None
    folder = log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            folder / "coopos.log", maxBytes=1_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        return None  # a read-only home must not stop the till
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(level)
    _configured = True
    return folder / "coopos.log"


def log_crash(exc: BaseException) -> Path:
    """Write a crash report file and log the traceback; returns the report's path."""
    logging.getLogger("coopos").error("unexpected error", exc_info=exc)
    folder = log_dir()
    path = folder / f"crash-{datetime.now():%Y%m%d-%H%M%S-%f}.txt"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
            encoding="utf-8",
        )
    except OSError:
        pass
    return path
