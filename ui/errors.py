"""Errors in plain words: a user error is one sentence; anything else is logged with a
crash report and the user is told where it is — the sale in progress is kept.

Why the database is never damaged by a crash: every write is one SQLite transaction
(``synchronous=FULL``, WAL), so an exception rolls it back and a killed process leaves
the last committed state; the cart in progress is saved after every change (debounced by
a quarter of a second, ``ui.session``), so it comes back at the next start.

A crash Python cannot catch (a fault in Qt, an abort) is written by ``faulthandler`` to
``faults.txt`` in the log folder; the next start turns it into a crash report file and
says where it is (:func:`enable_fault_log`, :func:`take_fault_report`)."""

from __future__ import annotations

import contextlib
import faulthandler
import functools
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QWidget

from coopos.config import log_dir
from coopos.domain.errors import CooposError
from coopos.i18n import N_, _
from coopos.logs import log_crash

FAULTS_FILE = "faults.txt"
_fault_file: TextIO | None = None

log = logging.getLogger(__name__)


# Qt's standard buttons, named by our catalog: Qt ships no Tamazight translation.
STANDARD_BUTTONS = {
    "Ok": N_("OK"),
    "Cancel": N_("Cancel"),
    "Yes": N_("Yes"),
    "No": N_("No"),
    "Close": N_("Close"),
}


def name_standard_buttons(box: QMessageBox | QDialogButtonBox) -> None:
    """Give a message box's or a button box's standard buttons the catalog's words."""
    for key, label in STANDARD_BUTTONS.items():
        button = box.button(getattr(type(box).StandardButton, key))
        if button is not None:
            button.setText(_(label))


def show_error(parent: QWidget | None, message: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, _("coopos"), message, parent=parent)
    box.setObjectName("errorBox")
    name_standard_buttons(box)
    box.open() if parent is not None and parent.isVisible() else box.exec()


def ask_yes_no(parent: QWidget | None, title: str, question: str) -> bool:
    """A question answered Yes or No (Escape: No), in the user's language."""
    box = QMessageBox(QMessageBox.Icon.Question, title, question, parent=parent)
    box.setObjectName("confirmBox")
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    name_standard_buttons(box)
    return box.exec() == QMessageBox.StandardButton.Yes


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


# -- crashes Python cannot catch ---------------------------------------------------------


def take_fault_report() -> Path | None:
    """If the previous run died of a fatal error, move what faulthandler wrote into a
    crash report file and return its path (else None)."""
    faults = log_dir() / FAULTS_FILE
    try:
        if not faults.is_file() or faults.stat().st_size == 0:
            return None
        report = log_dir() / f"crash-{datetime.now():%Y%m%d-%H%M%S-%f}-fatal.txt"
        faults.replace(report)
    except OSError:  # another coopos still has it open (Windows), or a read-only folder
        return None
    log.error("the previous run stopped on a fatal error; report: %s", report)
    return report


def enable_fault_log() -> Path | None:
    """Have faulthandler write fatal errors (segfault, abort) to the log folder."""
    global _fault_file
    if _fault_file is not None:
        return Path(_fault_file.name)
    path = log_dir() / FAULTS_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _fault_file = path.open("a", encoding="utf-8")  # kept open: written on a fault
    except OSError:
        return None
    faulthandler.enable(file=_fault_file, all_threads=True)
    return path


def disable_fault_log() -> None:
    """A clean exit: nothing to report next time."""
    global _fault_file
    if _fault_file is None:
        return
    faulthandler.disable()
    with contextlib.suppress(OSError):
        _fault_file.close()
        path = Path(_fault_file.name)
        if path.stat().st_size == 0:
            path.unlink()
    _fault_file = None


def fault_message(report: Path) -> str:
    return _(
        "coopos stopped unexpectedly last time. The sales saved before were kept, and so "
        "was the sale in progress. A report was written to {path}",
        path=report,
    )
