"""Users: who may log in, with which role.  A PIN alone identifies a user at login, so
PINs are unique and typed twice.  Every change is made by (and audited to) the manager
who is logged in; only an admin manages admins."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from coopos.db.models import User
from coopos.domain.catalog import Role
from coopos.domain.errors import CooposError, ValidationError
from coopos.domain.pin_policy import check_pin
from coopos.domain.security import normalise_pin
from coopos.i18n import N_, _
from coopos.services import pin_guard, users
from coopos.services.reports import Column, Table
from ui.errors import crash_message, guarded
from ui.models import TableModel
from ui.session import AppSession
from ui.theme import set_role
from ui.widgets.approval import approve
from ui.widgets.forms import dialog_buttons, error_label, read_only_view, select_row
from ui.widgets.keypad import Keypad

# Language names are written in their own language, whatever the interface language.
LANGUAGE_NAMES = {"ar": "العربية", "fr": "Français", "zgh": "ⵜⴰⵎⴰⵣⵉⵖⵜ", "en": "English"}
COLUMNS = [
    Column("name", N_("Name")),
    Column("role", N_("Role")),
    Column("active", N_("Status")),
    Column("language", N_("Language")),
]


class PinDialog(QDialog):
    """Add a user (name, role, PIN twice) or, given ``user``, change that user's PIN.
    With ``reason`` the user chooses their own new PIN at login (no manager needed: they
    just typed their PIN)."""

    def __init__(
        self,
        session: AppSession,
        user: User | None = None,
        parent=None,
        reactivate: bool = False,
        reason: str | None = None,
    ):
        super().__init__(parent)
        self.session = session
        self.user = user
        self.reactivate = reactivate  # a returning user gets a PIN checked like a new one
        self.own = reason is not None
        self.saved = False
        self.setObjectName("pinDialog" if user else "userDialog")
        title = _("New PIN for {name}", name=user.name) if user else _("Add a user")
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.addWidget(set_role(QLabel(title), "title"))
        if reason:
            why = QLabel(reason)
            why.setObjectName("pinChangeReason")
            why.setWordWrap(True)
            layout.addWidget(why)
        form = QFormLayout()
        self.name: QLineEdit | None = None
        self.role: QComboBox | None = None
        if user is None:
            self.name = QLineEdit()
            self.name.setObjectName("userName")
            self.name.setMaxLength(100)
            form.addRow(_("Name"), self.name)
            self.role = QComboBox()
            self.role.setObjectName("userRole")
            self.role.setMinimumHeight(40)
            roles = [Role.SELLER, Role.MANAGER]
            if session.user is not None and Role(session.user.role) is Role.ADMIN:
                roles.append(Role.ADMIN)
            for role in roles:
                self.role.addItem(role.label, role.value)
            form.addRow(_("Role"), self.role)
        self.pin = self._pin_field("userPin")
        if user is not None and Role(user.role).is_manager:
            label = _("PIN (6 to 8 digits)")
        elif user is not None:
            label = _("PIN (4 to 8 digits)")
        else:
            label = _("PIN (4 to 8 digits; 6 for a manager or an admin)")
        form.addRow(label, self.pin)
        self.pin2 = self._pin_field("userPin2")
        form.addRow(_("PIN again"), self.pin2)
        layout.addLayout(form)
        self.keypad = Keypad(self.pin)
        layout.addWidget(self.keypad)
        self.error = error_label("userError")
        layout.addWidget(self.error)
        # the PIN fields save on Enter themselves: the button must not do it a second time
        layout.addLayout(dialog_buttons(self, self.save, "saveUser", default=False))
        (self.name or self.pin).setFocus()

    def _pin_field(self, name: str) -> QLineEdit:
        field = QLineEdit()
        field.setObjectName(name)
        field.setEchoMode(QLineEdit.EchoMode.Password)
        field.setMaxLength(8)
        field.setAlignment(Qt.AlignmentFlag.AlignCenter)
        field.installEventFilter(self)
        field.returnPressed.connect(self.save)
        return field

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # the keypad types into the PIN field that was last touched
        if event.type() == QEvent.Type.FocusIn and obj in (self.pin, self.pin2):
            self.keypad.target = obj
        return False

    def save(self) -> None:
        try:
            self._save()
        except CooposError as exc:
            self.show_error(exc.message)
            return
        except Exception as exc:
            self.show_error(crash_message(exc))
            return
        self.saved = True
        self.accept()

    def _save(self) -> None:
        if self.name is not None and not self.name.text().strip():
            raise ValidationError(_("A user needs a name."))
        role = self.user.role if self.user is not None else self.role.currentData()
        pin = check_pin(self.pin.text(), role)
        if normalise_pin(self.pin2.text()) != pin:  # the same PIN, however typed
            self.pin2.clear()
            self.pin2.setFocus()
            raise ValidationError(_("The two PINs are different: type the PIN again."))
        if self.own:
            users.change_pin(self.session.ctx, self.user.id, pin, self.user.id)
            return
        approver = approve(
            self.session.ctx,
            self,
            "manage_users",
            _("Managing users needs a manager."),
            self.session,
        )
        if approver is None:
            raise ValidationError(_("Not saved: a manager must approve."))
        if self.user is None:
            users.create_user(
                self.session.ctx, self.name.text(), self.role.currentData(), pin, approver.id
            )
        elif self.reactivate:
            users.set_active(self.session.ctx, self.user.id, True, approver.id, new_pin=pin)
        else:
            users.change_pin(self.session.ctx, self.user.id, pin, approver.id)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


class UsersScreen(QWidget):
    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("usersScreen")
        self.users: list[User] = []
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(set_role(QLabel(_("Users")), "title"))
        top.addStretch(1)
        self.buttons: dict[str, QPushButton] = {}
        for key, name, label, slot in [
            ("pin", "changePin", _("Change PIN"), self.change_pin),
            ("language", "userLanguage", _("Language…"), self.choose_language),
            ("toggle", "toggleUser", _("Deactivate"), self.toggle),
            ("add", "addUser", _("Add a user"), self.add),
        ]:
            button = QPushButton(label)
            button.setObjectName(name)
            button.clicked.connect(slot)
            top.addWidget(button)
            self.buttons[key] = button
        set_role(self.buttons["add"], "primary")
        layout.addLayout(top)
        hint = QLabel(
            _(
                "A PIN alone logs a user in, so every PIN is different. Sellers sell; "
                "managers also approve refunds, discounts and changes."
            )
        )
        hint.setWordWrap(True)
        layout.addWidget(set_role(hint, "muted"))
        self.message = set_role(QLabel(), "banner")  # its box metrics from the start
        self.message.setObjectName("usersMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        guard = QHBoxLayout()
        self.lock_status = set_role(QLabel(), "muted")
        self.lock_status.setObjectName("pinLockStatus")
        self.lock_status.setWordWrap(True)
        guard.addWidget(self.lock_status, 1)
        self.unlock_button = QPushButton(_("Unlock PIN entry"))
        self.unlock_button.setObjectName("unlockPins")
        self.unlock_button.clicked.connect(self.unlock)
        guard.addWidget(self.unlock_button)
        layout.addLayout(guard)
        self.model = TableModel(parent=self)
        self.view = read_only_view("usersTable", self.model)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.view.doubleClicked.connect(lambda _index: self.change_pin())
        layout.addWidget(self.view, 1)
        self.view.selectionModel().selectionChanged.connect(self.update_buttons)
        session.bridge.users_changed.connect(self.refresh)
        self.refresh()

    # -- feedback ------------------------------------------------------------------------
    def report_error(self, message: str) -> None:
        self.say(message, error=True)

    def say(self, message: str, error: bool = False) -> None:
        set_role(self.message, "error" if error else "banner")
        self.message.setText(message)
        self.message.show()

    # -- the list -------------------------------------------------------------------------
    def refresh(self) -> None:
        selected = self.selected()
        selected_id = selected.id if selected else None
        self.users = users.list_users(self.session.ctx)
        rows = [
            {
                "name": u.name,
                "role": Role(u.role).label,
                "active": _("Active") if u.active else _("Deactivated"),
                "language": LANGUAGE_NAMES.get(u.language or "", "") or _("Shop language"),
            }
            for u in self.users
        ]
        self.model.set_table(Table(_("Users"), COLUMNS, rows))
        ids = [u.id for u in self.users]
        if selected_id in ids:
            select_row(self.view, ids.index(selected_id))
        self.update_buttons()
        self.refresh_lock()

    def refresh_lock(self) -> None:
        """Wrong PINs typed at this till, and whether they locked its PIN entry."""
        state = pin_guard.status(self.session.ctx)
        if state.locked:
            text = _("PIN entry is locked after too many wrong PINs.")
            set_role(self.lock_status, "error")
        else:
            text = _("Wrong PINs in the last hour: {n}.", n=state.last_hour)
            set_role(self.lock_status, "muted")
        self.lock_status.setText(text)
        self.lock_status.setVisible(state.locked or state.last_hour > 0)
        self.unlock_button.setVisible(state.locked)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh_lock()

    def selected(self) -> User | None:
        model = self.view.selectionModel()
        rows = model.selectedRows() if model else []
        if rows and rows[0].row() < len(self.users):
            return self.users[rows[0].row()]
        return None

    def select_user(self, name: str) -> None:
        for i, user in enumerate(self.users):
            if user.name == name:
                select_row(self.view, i)
                return

    def update_buttons(self) -> None:
        user = self.selected()
        self.buttons["pin"].setEnabled(user is not None and user.active)
        self.buttons["language"].setEnabled(user is not None)
        self.buttons["toggle"].setEnabled(user is not None)
        self.buttons["toggle"].setText(
            _("Reactivate") if user is not None and not user.active else _("Deactivate")
        )

    @guarded()
    def choose_language(self) -> None:
        user = self.selected()
        if user is None:
            raise ValidationError(_("Pick a user first."))
        choices = [(None, _("Shop language")), *LANGUAGE_NAMES.items()]
        labels = [label for _code, label in choices]
        current = next((i for i, (code, _l) in enumerate(choices) if code == user.language), 0)
        label, ok = QInputDialog.getItem(
            self,
            _("Language"),
            _("Language of {name}", name=user.name),
            labels,
            current,
            False,
        )
        if ok:
            code = choices[labels.index(label)][0]
            users.set_user_language(self.session.ctx, user.id, code, self.session.user.id)
            self.say(
                _("{name} will see coopos in this language at the next login.", name=user.name)
            )

    def _check_may_manage(self, user: User) -> None:
        me = self.session.user
        if Role(user.role) is Role.ADMIN and (me is None or Role(me.role) is not Role.ADMIN):
            raise ValidationError(_("Only an admin can change an admin."))

    # -- actions ----------------------------------------------------------------------------
    @guarded()
    def unlock(self) -> None:
        approver = approve(
            self.session.ctx,
            self,
            "pins_unlock",
            _("Unlocking PIN entry needs a manager."),
            self.session,
        )
        if approver is None:
            return
        users.unlock_pins(self.session.ctx, approver.id)
        self.refresh_lock()
        self.say(_("PIN entry is unlocked."))

    @guarded()
    def add(self) -> None:
        dialog = PinDialog(self.session, None, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.saved:
            name = dialog.name.text().strip()
            self.refresh()
            self.select_user(name)
            self.say(_("{name} can now log in with their PIN.", name=name))

    @guarded()
    def change_pin(self) -> None:
        user = self.selected()
        if user is None:
            raise ValidationError(_("Pick a user first."))
        self._check_may_manage(user)
        dialog = PinDialog(self.session, user, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.saved:
            self.say(_("The PIN of {name} was changed.", name=user.name))

    def confirm(self, title: str, question: str) -> bool:
        answer = QMessageBox.question(self, title, question)
        return answer == QMessageBox.StandardButton.Yes

    @guarded()
    def toggle(self) -> None:
        user = self.selected()
        if user is None:
            raise ValidationError(_("Pick a user first."))
        self._check_may_manage(user)
        me = self.session.user
        if user.active and me is not None and user.id == me.id:
            raise ValidationError(_("You cannot deactivate yourself."))
        if user.active and not self.confirm(
            _("Deactivate"),
            _("Deactivate {name}? Their PIN will no longer open the till.", name=user.name),
        ):
            return
        approver = approve(
            self.session.ctx,
            self,
            "manage_users",
            _("Managing users needs a manager."),
            self.session,
        )
        if approver is None:
            return
        if user.active:
            users.set_active(self.session.ctx, user.id, False, approver.id)
        else:
            dialog = PinDialog(self.session, user, self, reactivate=True)
            if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.saved:
                return
        self.refresh()
        self.say(
            _("{name} was deactivated.", name=user.name)
            if user.active
            else _("{name} was reactivated.", name=user.name)
        )


__all__ = ["PinDialog", "UsersScreen"]
