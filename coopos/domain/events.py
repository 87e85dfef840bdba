"""Core events: services publish what happened after their transaction committed; the
desktop app's bridge re-emits them as Qt signals (the core never knows Qt).

Handlers may run on any thread (a worker's); the Qt bridge queues them to the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Handler = Callable[[str, dict[str, Any]], None]

# Event names
SALE_COMPLETED = "sale.completed"
REFUND_COMPLETED = "refund.completed"
SHIFT_OPENED = "shift.opened"
SHIFT_CLOSED = "shift.closed"
CASH_MOVED = "shift.cash_movement"
STOCK_CHANGED = "stock.changed"
CATALOG_CHANGED = "catalog.changed"
USERS_CHANGED = "users.changed"
SETTINGS_CHANGED = "settings.changed"
LOCATIONS_CHANGED = "locations.changed"
SYNC_DONE = "sync.done"


class EventBus:
    def __init__(self) -> None:
        self._handlers: list[Handler] = []
        self._lock = threading.Lock()

    def subscribe(self, handler: Handler) -> Callable[[], None]:
        with self._lock:
            self._handlers.append(handler)

        def unsubscribe() -> None:
            with self._lock:
                if handler in self._handlers:
                    self._handlers.remove(handler)

        return unsubscribe

    def publish(self, name: str, **payload: Any) -> None:
        with self._lock:
            handlers = list(self._handlers)
        for handler in handlers:
            try:
                handler(name, payload)
            except Exception:  # a broken listener must never undo a committed sale
                log.exception("event handler failed for %s", name)
