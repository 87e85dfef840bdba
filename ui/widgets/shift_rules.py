"""The settings' "Shift" section: the shop's time zone (times are stored in UTC and shown
in it), the blind count, and whether sellers may close a shift alone."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QCompleter, QFormLayout, QGroupBox, QLabel

from coopos.i18n import _
from coopos.i18n.formats import DEFAULT_TIME_ZONE
from ui.theme import set_role


@cache
def zone_names() -> list[str]:
    """Every zone the time zone database knows (the ``tzdata`` package on Windows), the
    Moroccan ones first."""
    names = sorted(available_timezones())
    first = [DEFAULT_TIME_ZONE, "Africa/El_Aaiun"]
    return [*first, *(n for n in names if n not in first)]


class ShiftRulesBox(QGroupBox):
    def __init__(self, parent=None):
        super().__init__(_("Shift"), parent)
        self.setObjectName("shiftRulesBox")
        form = QFormLayout(self)
        self.zone = QComboBox()
        self.zone.setObjectName("time_zone")
        self.zone.setEditable(True)
        self.zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.zone.addItems(zone_names())
        self.zone.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.zone.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.zone.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # Latin names
        form.addRow(_("Time zone"), self.zone)
        self.blind = QCheckBox(_("Blind count: hide the expected cash until the count is entered"))
        self.blind.setObjectName("blind_count")
        form.addRow(self.blind)
        self.sellers_close = QCheckBox(_("Sellers may close the shift without a manager"))
        self.sellers_close.setObjectName("sellers_may_close")
        form.addRow(self.sellers_close)
        note = set_role(QLabel(_("Reports and receipts show times in this zone.")), "muted")
        note.setWordWrap(True)
        form.addRow(note)

    def load(self, values: dict) -> None:
        self.zone.setCurrentText(str(values.get("shop.time_zone") or DEFAULT_TIME_ZONE))
        self.blind.setChecked(bool(values.get("shift.blind_count")))
        self.sellers_close.setChecked(bool(values.get("shift.sellers_may_close")))

    def values(self) -> dict:
        return {
            "shop.time_zone": self.zone.currentText().strip(),
            "shift.blind_count": self.blind.isChecked(),
            "shift.sellers_may_close": self.sellers_close.isChecked(),
        }


__all__ = ["ShiftRulesBox", "zone_names"]
