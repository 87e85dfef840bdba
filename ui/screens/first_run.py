"""First run: pick the language, create the shop (identity printed on receipts) and the
admin's PIN — or load the demo shop."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from coopos.domain.catalog import Role
from coopos.domain.errors import CooposError, ValidationError
from coopos.domain.pin_policy import check_pin
from coopos.domain.security import normalise_pin
from coopos.i18n import N_, _, current_language
from coopos.services import setup
from coopos.services.context import Context
from ui.theme import set_role

LANGUAGES = [("ar", "العربية"), ("fr", "Français"), ("zgh", "ⵜⴰⵎⴰⵣⵉⵖⵜ"), ("en", "English")]


FIELDS = [
    ("shop.name", N_("Shop name")),
    ("shop.address", N_("Address")),
    ("shop.phone", N_("Phone")),
    ("shop.ice", N_("ICE")),
    ("shop.if", N_("IF (tax id)")),
    ("shop.tp", N_("TP (patente)")),
    ("shop.odco", N_("ODCO number")),
]

LABELS = [
    N_("Language"),
    *(label for _key, label in FIELDS),
    N_("Admin PIN (6 to 8 digits)"),
    N_("Admin PIN again"),
]


class FirstRunScreen(QWidget):
    """Choosing a language switches the wizard to it at once (texts and direction)."""

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
        self.title = set_role(QLabel(), "title")
        column.addWidget(self.title)
        self.intro = set_role(QLabel(), "muted")
        column.addWidget(self.intro)
        self.form = QFormLayout()
        self.language = QComboBox()
        self.language.setObjectName("languageChoice")
        for code, name in LANGUAGES:
            self.language.addItem(name, code)
        self.language.setCurrentIndex(self.language.findData(current_language()))
        if self.language.currentIndex() < 0:
            self.language.setCurrentIndex(1)
        self.language.currentIndexChanged.connect(self.on_language)
        self.labels: list[QLabel] = []  # the form's labels, in the order of LABELS
        self.form.addRow(self._label(), self.language)
        self.fields: dict[str, QLineEdit] = {}
        for key, _label in FIELDS:
            field = QLineEdit()
            field.setObjectName(key.replace(".", "_"))
            self.fields[key] = field
            self.form.addRow(self._label(), field)
        self.pin = QLineEdit()
        self.pin.setObjectName("adminPin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin2 = QLineEdit()
        self.pin2.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin2.setObjectName("adminPin2")
        for field in (self.pin, self.pin2, self.fields["shop.phone"], self.fields["shop.ice"]):
            field.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # digits
        self.form.addRow(self._label(), self.pin)
        self.form.addRow(self._label(), self.pin2)
        column.addLayout(self.form)
        self.error = set_role(QLabel(), "error")
        self.error.hide()
        column.addWidget(self.error)
        buttons = QHBoxLayout()
        self.demo = QPushButton()
        self.demo.setObjectName("loadDemo")
        self.demo.clicked.connect(self.load_demo)
        self.create_button = set_role(QPushButton(), "primary")
        self.create_button.setObjectName("createShop")
        self.create_button.clicked.connect(self.create)
        buttons.addWidget(self.demo)
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        column.addLayout(buttons)
        column.addStretch(1)
        self.retranslate()

    def _label(self) -> QLabel:
        self.labels.append(QLabel())
        return self.labels[-1]

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.language.setFocus()  # the first choice, also from the keyboard

    def on_language(self) -> None:
        from ui.app import apply_language

        apply_language(QApplication.instance(), self._language())
        self.error.hide()  # it was said in the other language
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Welcome to coopos"))
        self.intro.setText(_("Set up this till once; everything can be changed later in Settings."))
        for widget, label in zip(self.labels, LABELS, strict=True):
            widget.setText(_(label))
        self.demo.setText(_("Load the demo shop"))
        self.create_button.setText(_("Create my shop"))

    def _language(self) -> str:
        return self.language.currentData()

    def create(self) -> None:
        try:
            if not self.fields["shop.name"].text().strip():
                raise ValidationError(_("The shop needs a name (it is printed on receipts)."))
            pin = check_pin(self.pin.text(), Role.ADMIN)
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
        self.finished.emit(_("Your shop is ready. Log in as Admin with your PIN."))

    def load_demo(self) -> None:
        try:
            setup.init_database(self.ctx, demo=True, language=self._language())
        except CooposError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        self.finished.emit(
            _(
                "Demo shop loaded. PINs: Admin {admin}, Fatima (seller) {seller}, "
                "Youssef (manager) {manager}.",
                admin=setup.DEMO_ADMIN_PIN,
                seller=setup.DEMO_SELLER_PIN,
                manager=setup.DEMO_MANAGER_PIN,
            )
        )
