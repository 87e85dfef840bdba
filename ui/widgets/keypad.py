"""Touch keypads: a PIN pad, and a dialog to type an amount or a quantity.

What is typed goes through ``coopos.domain.keyboard``: Arabic-Indic and Persian digits, and
the digit row of an AZERTY keyboard without Shift (``&é"'``), read as the digits meant."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from coopos.domain import keyboard
from coopos.domain.errors import CooposError
from coopos.domain.money import Cents, parse_amount
from coopos.domain.quantity import quantity
from coopos.i18n import _
from ui.errors import name_standard_buttons
from ui.theme import set_role


class KeyField(QLineEdit):
    """A line edit that leaves the screen's keys to the screen: a line edit takes Ctrl+Z
    (undo its text), Delete and Ctrl+Delete for itself, so the screen's shortcuts on those
    keys would never fire while it has the focus (and it always has it)."""

    def __init__(self, always: tuple[str, ...] = (), when_empty: tuple[str, ...] = (), parent=None):
        super().__init__(parent)
        self._always = [QKeySequence(k) for k in always]
        self._when_empty = [QKeySequence(k) for k in when_empty]

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride:
            keys = QKeySequence(event.keyCombination())
            if keys in self._always or (keys in self._when_empty and not self.text()):
                event.ignore()  # not ours: let the screen's shortcut fire
                return True
        return super().event(event)


class Keypad(QWidget):
    """Digits in the usual phone layout; keys insert into ``target``.  7-8-9 stay left to
    right in Arabic too, as on Arabic phones and calculators."""

    def __init__(self, target: QLineEdit, decimal: bool = False, parent=None):
        super().__init__(parent)
        self.target = target
        self.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        grid = QGridLayout(self)
        grid.setSpacing(6)
        keys = ["7", "8", "9", "4", "5", "6", "1", "2", "3", "," if decimal else "", "0", "⌫"]
        for i, key in enumerate(keys):
            if not key:
                continue
            button = QPushButton(key)
            button.setMinimumSize(64, 56)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setObjectName(f"key_{'back' if key == '⌫' else key}")
            button.clicked.connect(lambda _c=False, k=key: self.press(k))
            grid.addWidget(button, i // 3, i % 3)

    def press(self, key: str) -> None:
        if key == "⌫":
            self.target.backspace()
        else:
            self.target.insert(key)


class PinPad(QWidget):
    """A PIN field (``pinInput``) with a keypad; Enter or OK submits."""

    submitted = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.field = QLineEdit()
        self.field.setObjectName("pinInput")
        self.field.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.field.setPlaceholderText(_("PIN"))
        self.field.setMaxLength(8)
        self.field.returnPressed.connect(self.submit)
        layout.addWidget(self.field)
        layout.addWidget(Keypad(self.field))
        ok = set_role(QPushButton(_("OK")), "primary")
        ok.setObjectName("pinSubmit")
        ok.setAutoDefault(False)  # Enter in the field submits once, not twice
        ok.clicked.connect(self.submit)
        layout.addWidget(ok)

    def submit(self) -> None:
        pin = self.field.text().strip()
        self.field.clear()
        if pin:
            self.submitted.emit(pin)

    def focus(self) -> None:
        self.field.setFocus()


class ValueDialog(QDialog):
    """Ask for an amount (MAD) or a quantity, typed or on the keypad; both digit systems
    and ``,`` ``.`` ``٫`` are accepted.  ``value`` holds the parsed result."""

    def __init__(
        self, title: str, prompt: str, kind: str = "amount", initial: str = "", parent=None
    ):
        super().__init__(parent)
        self.kind = kind
        self.value: Cents | Decimal | None = None
        self.setObjectName("valueDialog")
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(prompt))
        self.field = QLineEdit(initial)
        self.field.setObjectName("valueInput")
        self.field.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # "1,250" not ",1250"
        self.field.selectAll()
        layout.addWidget(self.field)
        layout.addWidget(Keypad(self.field, decimal=True))
        self.error = set_role(QLabel(), "error")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        name_standard_buttons(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.field.setFocus()

    def parse(self, text: str):
        """The value typed (a dialog for other values overrides this)."""
        parse = parse_amount if self.kind == "amount" else quantity
        value = keyboard.parse_typed(text, parse)
        if self.kind == "quantity" and value <= 0:
            raise CooposError(_("The quantity must be more than zero."))
        return value

    def accept(self) -> None:
        try:
            self.value = self.parse(self.field.text())
        except CooposError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        super().accept()


def ask_value(parent, title: str, prompt: str, kind: str = "amount", initial: str = ""):
    dialog = ValueDialog(title, prompt, kind, initial, parent)
    return dialog.value if dialog.exec() == QDialog.DialogCode.Accepted else None
