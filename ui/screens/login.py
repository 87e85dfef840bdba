"""Login: a PIN alone identifies the user; user tiles are a shortcut that only fill in
whose PIN is expected (the PIN still decides)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from coopos.db.models import User
from coopos.domain.errors import CooposError
from coopos.i18n import _, current_language
from coopos.services import settings, users
from ui.session import AppSession
from ui.theme import set_role
from ui.widgets.keypad import PinPad


class LoginScreen(QWidget):
    logged_in = Signal(object)  # User

    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.language = current_language()  # its texts' language
        self.setObjectName("loginScreen")
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        column = QVBoxLayout()
        outer.addLayout(column, 2)
        outer.addStretch(1)
        self.shop = set_role(QLabel(), "title")
        self.shop.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column.addStretch(1)
        column.addWidget(self.shop)
        self.hint = set_role(QLabel(_("Type your PIN")), "muted")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column.addWidget(self.hint)
        self.tiles = QGridLayout()
        column.addLayout(self.tiles)
        self.error = set_role(QLabel(), "error")
        self.error.setObjectName("loginError")
        self.error.hide()
        column.addWidget(self.error)
        self.pad = PinPad()
        self.pad.submitted.connect(self.try_pin)
        column.addWidget(self.pad)
        column.addStretch(1)
        session.bridge.users_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        with self.session.ctx.read() as s:
            self.shop.setText(settings.get(s, "shop.name") or "coopos")
        while self.tiles.count():
            self.tiles.takeAt(0).widget().deleteLater()
        active = [u for u in users.list_users(self.session.ctx) if u.active]
        for i, user in enumerate(active[:8]):
            tile = set_role(QToolButton(), "chip")
            tile.setText(user.name)
            tile.setCheckable(True)
            tile.setAutoExclusive(True)
            tile.setObjectName(f"userTile_{user.name}")
            tile.clicked.connect(lambda _c=False, u=user: self.pick(u))
            self.tiles.addWidget(tile, i // 4, i % 4)

    def pick(self, user: User) -> None:
        self.hint.setText(_("{name}, type your PIN", name=user.name))
        self.pad.focus()

    def try_pin(self, pin: str) -> None:
        try:
            user = users.authenticate(self.session.ctx, pin)
        except CooposError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        reason = users.pin_change_due(user, pin)
        if reason is not None and not self.choose_new_pin(user, reason):
            self.error.setText(_("Choose a new PIN to log in."))
            self.error.show()
            return
        self.error.hide()
        self.hint.setText(_("Type your PIN"))
        self.logged_in.emit(user)

    def choose_new_pin(self, user: User, reason: str) -> bool:
        """A PIN set before today's rules (or one another user tried to take): its owner
        chooses a new one before going on."""
        from PySide6.QtWidgets import QDialog

        from ui.screens.users import PinDialog

        dialog = PinDialog(self.session, user, self, reason=reason)
        return dialog.exec() == QDialog.DialogCode.Accepted and dialog.saved

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.error.hide()
        self.pad.focus()
