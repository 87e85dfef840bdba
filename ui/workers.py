"""Slow work (imports, exports, backups, big reports) runs off the GUI thread.

``run_task(fn, ...)`` calls ``fn(progress)`` on a pool thread; ``progress(done, total)``
may be called from there and reaches the GUI as a signal.  Errors come back as a plain
sentence (a ``CooposError``'s message) or, for a crash, are logged with a report file."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from coopos.domain.errors import CooposError
from coopos.i18n import _
from coopos.logs import log_crash


class _Signals(QObject):
    progress = Signal(int, int)
    done = Signal(object)
    failed = Signal(str)


class Task(QRunnable):
    def __init__(self, fn: Callable[[Callable[[int, int], None]], Any]):
        super().__init__()
        self.fn = fn
        self.signals = _Signals()
        self.setAutoDelete(True)

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn(self.signals.progress.emit)
        except CooposError as exc:
            self.signals.failed.emit(exc.message)
        except Exception as exc:
            path = log_crash(exc)
            self.signals.failed.emit(
                _(
                    "Unexpected error ({error}); details are in {path}",
                    error=type(exc).__name__,
                    path=path,
                )
            )
        else:
            self.signals.done.emit(result)


_running: set[Task] = set()  # keep Python wrappers alive until they report


def run_task(
    fn: Callable[[Callable[[int, int], None]], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[str], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Task:
    task = Task(fn)
    _running.add(task)

    def finish(*_args) -> None:
        _running.discard(task)

    if on_done:
        task.signals.done.connect(on_done)
    if on_error:
        task.signals.failed.connect(on_error)
    if on_progress:
        task.signals.progress.connect(on_progress)
    task.signals.done.connect(finish)
    task.signals.failed.connect(finish)
    QThreadPool.globalInstance().start(task)
    return task


def run_with_progress(
    parent: QWidget,
    title: str,
    fn: Callable[[Callable[[int, int], None]], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[str], None] | None = None,
) -> Task:
    """``run_task`` with a modal progress dialog (the window keeps repainting)."""
    dialog = QProgressDialog(title, "", 0, 0, parent)
    dialog.setCancelButton(None)
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)
    dialog.setWindowTitle(title)

    def progress(done: int, total: int) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(done)

    def close() -> None:
        with contextlib.suppress(RuntimeError):  # its window was closed meanwhile
            dialog.close()

    def done(result: Any) -> None:
        close()
        if on_done:
            on_done(result)

    def failed(message: str) -> None:
        close()
        if on_error:
            on_error(message)

    return run_task(fn, done, failed, progress)
