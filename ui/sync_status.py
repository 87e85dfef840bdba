"""The background sync loop and its status-bar label.

When the till is enrolled, a round (push, then pull) runs on a worker thread: soon after a
sale or a shift change, and every minute otherwise; when the server cannot be reached the
wait doubles up to ten minutes.  Nothing here blocks the sell screen, and a till with no
server never starts the loop.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel

from coopos.i18n import _
from coopos.i18n.formats import format_utc_time
from coopos.services import sync
from coopos.services.context import Context
from ui.theme import set_role
from ui.workers import run_task

IDLE_MS = 60_000
SOON_MS = 3_000  # after a sale: give the seller's next scans the disk first
FIRST_RETRY_MS = 15_000
MAX_RETRY_MS = 600_000


class SyncLoop(QObject):
    state_changed = Signal(object)  # sync.SyncState

    def __init__(self, ctx: Context, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.state = sync.state(ctx)
        self._running = False
        self._retry_ms = FIRST_RETRY_MS
        self.timer = QTimer(self, singleShot=True)
        self.timer.timeout.connect(self.sync_now)
        if self.state.configured:
            self.timer.start(SOON_MS)

    def refresh(self) -> None:
        if self.ctx.closed:  # a restore is replacing the file
            return
        self.state = sync.state(self.ctx)
        self.state_changed.emit(self.state)
        if self.state.configured and not self.timer.isActive() and not self._running:
            self.timer.start(IDLE_MS)

    def soon(self) -> None:
        """Something worth sending happened (a sale, a shift closed).  A standalone till
        does nothing here: no query after each sale for a server it does not have."""
        if not self.state.configured:
            return
        if not self._running:
            remaining = self.timer.remainingTime() if self.timer.isActive() else IDLE_MS
            self.timer.start(min(remaining, SOON_MS))
        self.refresh_count()

    def refresh_count(self) -> None:
        if self.ctx.closed:  # a restore is replacing the file
            return
        self.state = sync.state(self.ctx)
        self.state_changed.emit(self.state)

    def sync_now(self) -> None:
        if self.ctx.closed:  # a restore is replacing the file
            return
        if self._running or not sync.state(self.ctx).configured:
            return
        self._running = True
        run_task(lambda _progress: sync.sync_once(self.ctx), self._done, self._failed)

    def _done(self, _report) -> None:
        self._running = False
        if self.ctx.closed:
            return
        self._retry_ms = FIRST_RETRY_MS
        self.timer.start(IDLE_MS)
        self.refresh_count()

    def _failed(self, _message: str) -> None:
        self._running = False
        if self.ctx.closed:
            return
        state = sync.state(self.ctx)  # what failed, by the failure's type (recorded)
        if state.status == sync.SyncStatus.REENROLL:
            pass  # nothing to retry until it is enrolled again (settings_changed restarts)
        elif state.status == sync.SyncStatus.REFUSED:
            self.timer.start(MAX_RETRY_MS)  # head office may fix it on the server
        else:
            self.timer.start(self._retry_ms)
            self._retry_ms = min(self._retry_ms * 2, MAX_RETRY_MS)
        self.refresh_count()


def describe(state: sync.SyncState) -> tuple[str, bool]:
    """The status-bar sentence and whether it is a warning."""
    if not state.configured:
        return "", False
    when = ""
    if state.last_ok_utc:  # in the shop's time zone, as every time on screen
        when = format_utc_time(state.last_ok_utc, date=False)
    if state.status == sync.SyncStatus.REENROLL:
        return _("This till must be re-enrolled: ask head office"), True
    if state.numbers_held:
        return _("Restored: connect to the server before selling"), True
    if state.stopped_at:  # an event the server can never take: waiting will not help
        return _("Sending stopped: {n} waiting · tell support", n=state.waiting), True
    if state.status == sync.SyncStatus.REFUSED:
        return _("Sync stopped: tell head office ({n} waiting)", n=state.waiting), True
    if state.last_error:
        text = _("Offline: {n} waiting to send", n=state.waiting)
        if when:
            text += " · " + _("last sync {time}", time=when)
        return text, True
    if state.waiting:
        return _("Online: sending {n}…", n=state.waiting), False
    return _("Online: all sent · {time}", time=when or "—"), False


class SyncLabel(QLabel):
    def __init__(self, loop: SyncLoop, parent=None):
        super().__init__(parent)
        self.setObjectName("syncStatus")
        loop.state_changed.connect(self.show_state)
        self.show_state(loop.state)

    def show_state(self, state: sync.SyncState) -> None:
        text, warning = describe(state)
        set_role(self, "error" if warning else "muted")
        self.setText(text)
        self.setToolTip(sync.advice(state) or state.last_error or state.server)
        self.setVisible(bool(text))
