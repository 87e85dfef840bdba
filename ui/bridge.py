"""The single bridge from core events to Qt signals.

Services publish events on ``ctx.events`` (possibly from a worker thread) after their
transaction commits; the bridge re-emits them as Qt signals, which Qt queues to the GUI
thread.  Screens connect to these signals and never poll."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import QObject, Signal

from coopos.domain import events
from coopos.services.context import Context


class CoreBridge(QObject):
    event = Signal(str, dict)  # every core event: name, payload
    sales_changed = Signal()  # a sale or refund was written
    stock_changed = Signal()
    catalog_changed = Signal()
    shift_changed = Signal()
    users_changed = Signal()
    settings_changed = Signal()
    locations_changed = Signal()

    _ROUTES: ClassVar[dict[str, str]] = {
        events.SALE_COMPLETED: "sales_changed",
        events.REFUND_COMPLETED: "sales_changed",
        events.STOCK_CHANGED: "stock_changed",
        events.CATALOG_CHANGED: "catalog_changed",
        events.SHIFT_OPENED: "shift_changed",
        events.SHIFT_CLOSED: "shift_changed",
        events.CASH_MOVED: "shift_changed",
        events.USERS_CHANGED: "users_changed",
        events.SETTINGS_CHANGED: "settings_changed",
        events.LOCATIONS_CHANGED: "locations_changed",
    }

    def __init__(self, ctx: Context, parent: QObject | None = None):
        super().__init__(parent)
        self._unsubscribe = ctx.events.subscribe(self._on_core_event)

    def _on_core_event(self, name: str, payload: dict[str, Any]) -> None:
        self.event.emit(name, payload)
        route = self._ROUTES.get(name)
        if route:
            getattr(self, route).emit()

    def close(self) -> None:
        self._unsubscribe()
