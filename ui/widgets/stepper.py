"""A quantity chosen with a finger or the keyboard: − [value] +.

Made for touch screens (two 44 px buttons, no cell editing) and for the keyboard alike:
the value field takes the focus, ``+`` and ``-`` (the main keys or the keypad's) step it,
digits type it (also on an AZERTY digit row or in Arabic-Indic digits, read by
``coopos.domain.keyboard``) and the value is always kept between 0 and the maximum.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

from coopos.domain import keyboard
from coopos.domain.errors import ValidationError
from coopos.domain.quantity import ZERO, quantity
from coopos.i18n.formats import format_qty

TOUCH = 44  # px: the smallest target a finger hits reliably
ONE = Decimal(1)


class Stepper(QWidget):
    """Chooses a quantity from 0 to ``maximum`` in steps of one (a part of a step for
    the last, e.g. 1.250 kg: 1, then 1.250)."""

    changed = Signal(object)  # the new Decimal value

    def __init__(self, maximum: Decimal, parent: QWidget | None = None):
        super().__init__(parent)
        self.maximum = maximum
        self._value = ZERO
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.minus = self._button("−", "stepDown", self.step_down)
        self.field = QLineEdit(format_qty(ZERO))
        self.field.setObjectName("stepValue")
        self.field.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # a number
        self.field.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.field.setMinimumHeight(TOUCH)
        self.field.setFixedWidth(90)
        self.field.textEdited.connect(self._typed)
        self.field.editingFinished.connect(self._show)
        self.field.installEventFilter(self)
        self.plus = self._button("+", "stepUp", self.step_up)
        layout.addWidget(self.minus)
        layout.addWidget(self.field)
        layout.addWidget(self.plus)
        self.setFocusProxy(self.field)
        self._enable()

    def _button(self, text: str, name: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setFixedSize(TOUCH, TOUCH)
        button.setAutoDefault(False)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard stays in the field
        button.setAutoRepeat(True)
        button.clicked.connect(slot)
        return button

    # -- the value ------------------------------------------------------------------------
    def value(self) -> Decimal:
        return self._value

    def set_value(self, value: Decimal) -> None:
        value = min(max(value, ZERO), self.maximum)
        self._show_value(value)
        if value != self._value:
            self._value = value
            self._enable()
            self.changed.emit(value)

    def step_up(self) -> None:
        self.set_value(min(self._value.to_integral_value("ROUND_FLOOR") + ONE, self.maximum))

    def step_down(self) -> None:
        # 1.250 kg steps down to 1, then 0
        self.set_value(self._value.to_integral_value("ROUND_CEILING") - ONE)

    def _show_value(self, value: Decimal) -> None:
        self.field.setText(format_qty(value))

    def _show(self) -> None:
        self._show_value(self._value)

    def _typed(self, text: str) -> None:
        """Digits typed: the value follows (clamped); something else keeps the last one."""
        try:
            value = keyboard.parse_typed(text, quantity) if text.strip() else ZERO
        except ValidationError:
            return
        if value > self.maximum:  # never more than can come back, shown at once
            value = self.maximum
            self._show_value(value)
        value = max(value, ZERO)
        if value != self._value:
            self._value = value
            self._enable()
            self.changed.emit(value)

    def _enable(self) -> None:
        self.minus.setEnabled(self._value > ZERO)
        self.plus.setEnabled(self._value < self.maximum)

    # -- keys ---------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.field and event.type() == QEvent.Type.KeyPress:
            if event.text() == "+" or event.key() == Qt.Key.Key_Plus:
                self.step_up()
                return True
            if event.text() == "-" or event.key() == Qt.Key.Key_Minus:
                self.step_down()
                return True
        if watched is self.field and event.type() == QEvent.Type.FocusIn:
            self.field.selectAll()  # typing replaces the value
        return super().eventFilter(watched, event)
