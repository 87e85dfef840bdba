"""Errors in plain words: a user error is one sentence; anything else is logged with a
crash report and the user is told where it is — the sale in progress is kept."""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from coopos.domain.errors import CooposError
from coopos.i18n import _
from coopos.logs import log_crash

log = logging.getLogger(__name__)


def show_error(parent: QWidget | None, message: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, _("coopos"), message, parent=parent)
    box.setObjectName("errorBox")
    box.open() if parent is not None and parent.isVisible() else box.exec()


def crash_message(exc: BaseException) -> str:
    path = log_crash(exc)
    return _(
        "Something unexpected went wrong ({error}). The sale in progress is kept. "
        "A report was written to {path}",
        error=type(exc).__name__,
        path=path,
    )


def guarded(report: Callable[[str], None] | None = None):
    """Decorate a slot: a CooposError's sentence goes to ``report`` (or a message box);
    an unexpected exception is logged and reported, never raised into Qt's event loop."""

    def wrap(fn):
        @functools.wraps(fn)
        def inner(self, *args: Any, **kwargs: Any):
            sink = report or getattr(self, "report_error", None)
            try:
                return fn(self, *args, **kwargs)
            except CooposError as exc:
                (sink or (lambda m: show_error(self, m)))(exc.message)
            except Exception as exc:
                (sink or (lambda m: show_error(self, m)))(crash_message(exc))
            return None

        return inner

    return wrap


def install_excepthook() -> None:
    """Last line of defence for exceptions raised inside Qt callbacks."""

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        message = crash_message(exc.with_traceback(tb))
        log.error("unhandled exception: %s", message)
        with contextlib.suppress(Exception):
            show_error(None, message)

    sys.excepthook = hook
