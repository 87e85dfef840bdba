"""Rotating log files in the user log folder, and crash reports.

``coopos.log`` (1 MB, 5 older files kept) receives the core's loggers (``coopos.*``) and
the desktop app's (``ui.*``); each unexpected error also gets its own ``crash-*.txt``
file with the traceback, whose path the user is told.

Both are written through ``redact``: a crash report is sent to support, and neither may
carry a secret.  The device and admin tokens, enrollment codes, the receipt secret (64 hex
digits), PIN hashes and the parameters of a failed SQL statement (where a token, a PIN
hash or a customer's data would show) are replaced by ``[hidden]``.  PINs never reach an
error message or a log line (tests/integration/test_secrets_at_rest.py greps for them)."""

from __future__ import annotations

import logging
import logging.handlers
import re
import traceback
from datetime import datetime
from pathlib import Path

from coopos.config import log_dir

_configured = False
# The core and the desktop app (the ui package logs under its module names).
LOGGERS = ("coopos", "ui")
HIDDEN = "[hidden]"
_PATTERNS = [
    re.compile(r"\bcp[da]_[A-Za-z0-9_\-]{16,}"),  # device and admin tokens
    re.compile(r"(?i)\b(bearer)\s+[^\s'\"]+"),  # an Authorization header's value
    re.compile(r"\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b"),
    re.compile(r"\b[0-9a-fA-F]{64}\b"),  # the receipt secret, SHA-256 digests
    re.compile(r"scrypt\$[^\s'\",)]+"),  # a PIN hash
    re.compile(r"(?m)^\[parameters: .*$"),  # SQLAlchemy: a failed statement's values
    re.compile(r"(?m)^\[SQL parameters: .*$"),
]


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)} {HIDDEN}" if m.re.groups else HIDDEN, text)
    return text


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


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
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
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
            redact("".join(traceback.format_exception(type(exc), exc, exc.__traceback__))),
            encoding="utf-8",
        )
    except OSError:
        pass
    return path
