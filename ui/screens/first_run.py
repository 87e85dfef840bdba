"""First run: pick the language, create the shop (identity printed on receipts) and the
admin's PIN — or load the demo shop."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from coopos.domain.errors import CooposError, ValidationError
from coopos.domain.security import check_pin_format, normalise_pin
from coopos.i18n import _, set_language
from coopos.services import setup
from coopos.services.context import Context
from ui.theme import set_role

LANGUAGES = [("ar", "العربية"), ("fr", "Français"), ("zgh", "ⵜⴰⵎⴰⵣⵉⵖⵜ"), ("en", "English")]


class FirstRunScreen(QWidget):
    finished = Signal(str)  # a message to show on the login screen

    def __init__(self, ctx: Context, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("firstRunScreen")
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        column = QVBoxLayout()
        outer.addLayout(column, 3)
        outer.addStretch(1)
        column.addWidget(set_role(QLabel(_("Welcome to coopos")), "title"))
        column.addWidget(
            set_role(
                QLabel(_("Set up this till once; everything can be changed later in Settings.")),
                "muted",
            )
        )
        form = QFormLayout()
        self.language = QComboBox()
        self.language.setObjectName("languageChoice")
        for code, name in LANGUAGES:
            self.language.addItem(name, code)
        self.language.setCurrentIndex(1)
        form.addRow(_("Language"), self.language)
        self.fields: dict[str, QLineEdit] = {}
        for key, label in [
            ("shop.name", _("Shop name")),
            ("shop.address", _("Address")),
            ("shop.phone", _("Phone")),
            ("shop.ice", _("ICE")),
            ("shop.if", _("IF (tax id)")),
            ("shop.tp", _("TP (patente)")),
            ("shop.odco", _("ODCO number")),
        ]:
            field = QLineEdit()
            field.setObjectName(key.replace(".", "_"))
            self.fields[key] = field
            form.addRow(label, field)
        self.pin = QLineEdit()
        self.pin.setObjectName("adminPin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin2 = QLineEdit()
        self.pin2.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin2.setObjectName("adminPin2")
        form.addRow(_("Admin PIN (4 to 8 digits)"), self.pin)
        form.addRow(_("Admin PIN again"), self.pin2)
        column.addLayout(form)
        self.error = set_role(QLabel(), "error")
        self.error.hide()
        column.addWidget(self.error)
        buttons = QHBoxLayout()
        demo = QPushButton(_("Load the demo shop"))
        demo.setObjectName("loadDemo")
        demo.clicked.connect(self.load_demo)
        create = set_role(QPushButton(_("Create my shop")), "primary")
        create.setObjectName("createShop")
        create.clicked.connect(self.create)
        buttons.addWidget(demo)
        buttons.addStretch(1)
        buttons.addWidget(create)
        column.addLayout(buttons)
        column.addStretch(1)

    def _language(self) -> str:
        return self.language.currentData()

    def create(self) -> None:
        try:
            if not self.fields["shop.name"].text().strip():
                raise ValidationError(_("The shop needs a name (it is printed on receipts)."))
            pin = check_pin_format(self.pin.text())
            if pin != normalise_pin(self.pin2.text()):  # the same PIN, however typed
                raise ValidationError(_("The two PINs differ."))
            setup.init_database(
                self.ctx,
                admin_pin=pin,
                language=self._language(),
                shop={k: f.text().strip() for k, f in self.fields.items()},
            )
        except CooposError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        set_language(self._language())
        self.finished.emit(_("Your shop is ready. Log in as Admin with your PIN."))

    def load_demo(self) -> None:
        try:
            setup.init_database(self.ctx, demo=True, language=self._language())
        except CooposError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        set_language(self._language())
        self.finished.emit(
            _(
                "Demo shop loaded. PINs: Admin {admin}, Fatima (seller) {seller}, "
                "Youssef (manager) {manager}.",
                admin=setup.DEMO_ADMIN_PIN,
                seller=setup.DEMO_SELLER_PIN,
                manager=setup.DEMO_MANAGER_PIN,
            )
        )
