"""Settings: the shop's identity (printed on receipts), receipt texts, language, till
rules and backups.  Saved together with one button; a refused value is explained in one
sentence above the button and nothing is saved."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from coopos.domain.catalog import format_rate_bp, parse_rate_bp
from coopos.domain.errors import CooposError, ValidationError
from coopos.i18n import N_, _
from coopos.services import backup, settings
from ui.errors import guarded
from ui.session import AppSession
from ui.theme import set_role
from ui.widgets.shift_rules import ShiftRulesBox
from ui.workers import run_with_progress

LANGUAGES = [("ar", "العربية"), ("fr", "Français"), ("zgh", "ⵜⴰⵎⴰⵣⵉⵖⵜ"), ("en", "English")]
# key, label, tooltip, max length, (row, column, column span) in the section's grid
SHOP_FIELDS = [
    ("shop.name", N_("Shop name"), "", 200, (1, 0, 3)),
    ("shop.address", N_("Address"), "", 300, (2, 0, 3)),
    ("shop.phone", N_("Phone"), "", 40, (3, 0, 1)),
    ("shop.ice", N_("ICE"), N_("Identifiant commun de l'entreprise: 15 digits."), 15, (3, 2, 1)),
    ("shop.if", N_("IF"), N_("Identifiant fiscal (tax identifier)."), 20, (4, 0, 1)),
    ("shop.tp", N_("TP"), N_("Taxe professionnelle (professional tax number)."), 20, (4, 2, 1)),
    ("shop.odco", N_("ODCO no."), N_("Registration number at the ODCO."), 40, (5, 0, 3)),
]


def field_name(key: str) -> str:
    return key.replace(".", "_")


def wrap(text: str, role: str = "muted") -> QLabel:
    label = set_role(QLabel(text), role)
    label.setWordWrap(True)
    return label


class SettingsScreen(QWidget):
    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("settingsScreen")
        self.setStyleSheet("QGroupBox { font-weight: bold; }")
        self.fields: dict[str, QLineEdit] = {}
        outer = QVBoxLayout(self)
        outer.addWidget(set_role(QLabel(_("Settings")), "title"))
        scroll = QScrollArea()
        scroll.setObjectName("settingsScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        page = QWidget()
        grid = QGridLayout(page)
        grid.setContentsMargins(0, 0, 8, 0)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(12)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        scroll.setWidget(page)
        outer.addWidget(scroll, 1)

        left = QVBoxLayout()
        right = QVBoxLayout()
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)
        left.addWidget(self._shop_box())
        left.addWidget(self._language_box())
        left.addStretch(1)
        right.addWidget(self._receipt_box())
        right.addWidget(self._till_box())
        self.shift_rules = ShiftRulesBox()
        right.addWidget(self.shift_rules)
        right.addWidget(self._backup_box())
        right.addStretch(1)
        grid.addWidget(self._printer_box(), 1, 0)
        grid.addWidget(self._sync_box(), 1, 1)

        # -- the save bar stays visible below the page ---------------------------------
        bar = QHBoxLayout()
        self.message = set_role(QLabel(), "banner")  # its box metrics from the start
        self.message.setObjectName("settingsMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        bar.addWidget(self.message, 1)
        bar.addStretch(0)  # keeps the buttons compact while there is no message
        revert = QPushButton(_("Undo changes"))
        revert.setObjectName("settingsRevert")
        revert.clicked.connect(self.load)
        bar.addWidget(revert)
        save = set_role(QPushButton(_("Save")), "primary")
        save.setObjectName("settingsSave")
        save.setMinimumWidth(180)
        save.clicked.connect(self.save)
        bar.addWidget(save)
        outer.addLayout(bar)

        session.bridge.settings_changed.connect(self.load)
        self.load()

    # -- sections --------------------------------------------------------------------------
    def _shop_box(self) -> QGroupBox:
        box = QGroupBox(_("Shop identity"))
        grid = QGridLayout(box)
        grid.addWidget(wrap(_("Printed at the top of every receipt.")), 0, 0, 1, 4)
        for key, label, tip, length, (row, column, span) in SHOP_FIELDS:
            field = QLineEdit()
            field.setObjectName(field_name(key))
            field.setMaxLength(length)
            caption = QLabel(_(label))
            caption.setBuddy(field)
            if tip:
                field.setToolTip(_(tip))
                caption.setToolTip(_(tip))
            self.fields[key] = field
            grid.addWidget(caption, row, column)
            grid.addWidget(field, row, column + 1, 1, span)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        return box

    def _receipt_box(self) -> QGroupBox:
        box = QGroupBox(_("Receipt"))
        form = QFormLayout(box)
        self.header = self._text_box("receipt_header")
        form.addRow(_("Header"), self.header)
        self.footer = self._text_box("receipt_footer")
        form.addRow(_("Footer"), self.footer)
        return box

    @staticmethod
    def _text_box(name: str) -> QPlainTextEdit:
        text = QPlainTextEdit()
        text.setObjectName(name)
        text.setTabChangesFocus(True)
        text.setFixedHeight(64)
        return text

    def _language_box(self) -> QGroupBox:
        box = QGroupBox(_("Language"))
        form = QFormLayout(box)
        self.language = QComboBox()
        self.language.setObjectName("language")
        self.language.setMinimumHeight(40)
        for code, name in LANGUAGES:
            self.language.addItem(name, code)
        form.addRow(_("Shop language"), self.language)
        self.arabic_digits = QCheckBox(_("Arabic-Indic digits in Arabic (١٢٣ rather than 123)"))
        self.arabic_digits.setObjectName("arabicDigits")
        form.addRow(self.arabic_digits)
        form.addRow(
            wrap(
                _(
                    "It applies the next time coopos starts; a user with a language of their "
                    "own gets it when they log in."
                )
            )
        )
        return box

    def _till_box(self) -> QGroupBox:
        box = QGroupBox(_("Till"))
        form = QFormLayout(box)
        self.idle = QSpinBox()
        self.idle.setObjectName("idle_lock_minutes")
        self.idle.setRange(0, 240)
        self.idle.setSuffix(" " + _("min"))
        self.idle.setSpecialValueText(_("Never"))
        self.idle.setMinimumHeight(40)
        form.addRow(_("Lock after idle"), self.idle)
        self.discount = QLineEdit()
        self.discount.setObjectName("discount_limit")
        self.discount.setMaxLength(6)
        form.addRow(_("Sellers' discount limit (%)"), self.discount)
        form.addRow(wrap(_("A larger discount needs a manager's PIN.")))
        self.max_pieces = self._spin("max_pieces", 100000, _("pieces"))
        form.addRow(_("Confirm a line above"), self.max_pieces)
        self.max_kg = self._spin("max_kg", 100000, _("kg or l"))
        form.addRow(_("Confirm a weight above"), self.max_kg)
        form.addRow(
            wrap(_("A typed quantity above these, or above the stock on hand, is asked twice."))
        )
        return box

    @staticmethod
    def _spin(name: str, top: int, unit: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(0, top)
        spin.setSuffix(" " + unit)
        spin.setSpecialValueText(_("Never"))
        spin.setMinimumHeight(40)
        return spin

    def _backup_box(self) -> QGroupBox:
        box = QGroupBox(_("Backups"))
        layout = QVBoxLayout(box)
        layout.addWidget(wrap(_("Choose a USB key to keep a copy away from the till.")))
        row = QHBoxLayout()
        self.backup_folder = QLineEdit()
        self.backup_folder.setObjectName("backup_folder")
        self.backup_folder.setPlaceholderText(_("Data folder (no USB key chosen)"))
        row.addWidget(self.backup_folder, 1)
        choose = QPushButton(_("Choose…"))
        choose.setObjectName("chooseBackupFolder")
        choose.clicked.connect(self.choose_folder)
        row.addWidget(choose)
        layout.addLayout(row)
        buttons = QHBoxLayout()
        self.backup_button = QPushButton(_("Back up now"))
        self.backup_button.setObjectName("backupNow")
        self.backup_button.clicked.connect(self.backup_now)
        buttons.addWidget(self.backup_button)
        self.restore_button = set_role(QPushButton(_("Restore…")), "danger")
        self.restore_button.setObjectName("restoreBackup")
        self.restore_button.clicked.connect(self.restore)
        buttons.addWidget(self.restore_button)
        layout.addLayout(buttons)
        return box

    def _printer_box(self) -> QGroupBox:
        box = QGroupBox(_("Receipt printer"))
        box.setObjectName("printerBox")
        form = QFormLayout(box)
        self.printer_uri = QLineEdit()
        self.printer_uri.setObjectName("printer_uri")
        self.printer_uri.setPlaceholderText("usb:0416:5011 · tcp://192.168.1.50 · serial:COM3")
        self.printer_uri.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        form.addRow(_("Printer"), self.printer_uri)
        found = QHBoxLayout()
        self.detected = QComboBox()
        self.detected.setObjectName("detectedPrinters")
        self.detected.addItem(_("Printers found on this computer…"), "")
        self.detected.activated.connect(self.use_detected)
        find_button = QPushButton(_("Find printers"))
        find_button.setObjectName("findPrinters")
        find_button.clicked.connect(self.find_printers)
        found.addWidget(self.detected, 1)
        found.addWidget(find_button)
        form.addRow("", found)
        self.printer_width = QComboBox()
        self.printer_width.setObjectName("printer_width")
        self.printer_width.addItem(_("80 mm (576 dots)"), 576)
        self.printer_width.addItem(_("58 mm (384 dots)"), 384)
        self.printer_cut = QCheckBox(_("Cut the paper"))
        self.printer_cut.setObjectName("printer_cut")
        row = QHBoxLayout()
        row.addWidget(self.printer_width, 1)
        row.addWidget(self.printer_cut)
        form.addRow(_("Paper"), row)
        self.drawer_on_cash = QCheckBox(_("Open the cash drawer on cash sales"))
        self.drawer_on_cash.setObjectName("drawer_on_cash")
        self.drawer_pin = QComboBox()
        self.drawer_pin.setObjectName("drawer_pin")
        self.drawer_pin.addItem(_("Pin 2"), 2)
        self.drawer_pin.addItem(_("Pin 5"), 5)
        drawer = QHBoxLayout()
        drawer.addWidget(self.drawer_on_cash, 1)
        drawer.addWidget(self.drawer_pin)
        form.addRow(_("Drawer"), drawer)
        actions = QHBoxLayout()
        test = QPushButton(_("Test print"))
        test.setObjectName("testPrint")
        test.clicked.connect(self.test_print)
        preview = QPushButton(_("Preview receipt"))
        preview.setObjectName("previewReceipt")
        preview.clicked.connect(self.preview_receipt)
        actions.addStretch(1)
        actions.addWidget(preview)
        actions.addWidget(test)
        form.addRow(actions)
        form.addRow(
            wrap(
                _(
                    "Leave the printer empty for none: sales are saved either way, and "
                    "receipts wait in the print queue."
                )
            )
        )
        return box

    @guarded()
    def find_printers(self) -> None:
        from coopos.printing.printers import detect_printers

        def show(found) -> None:
            self.detected.clear()
            self.detected.addItem(
                _("{count} printers found: choose one…", count=len(found))
                if found
                else _("No printer found: check the cable and that it is on."),
                "",
            )
            for printer in found:
                self.detected.addItem(f"{printer.label} — {printer.uri}", printer.uri)
            self.detected.showPopup() if found and self.isVisible() else None

        run_with_progress(
            self,
            _("Looking for printers…"),
            lambda _progress: detect_printers(),
            on_done=show,
            on_error=lambda message: self.say(message, error=True),
        )

    def use_detected(self, index: int) -> None:
        uri = self.detected.itemData(index)
        if uri:
            self.printer_uri.setText(uri)
            self.say(_("Test print, then save the settings to keep this printer."))

    @guarded()
    def test_print(self) -> None:
        from coopos.printing.receipts import print_test_page

        uri = self.printer_uri.text().strip()
        if not uri:
            raise ValidationError(_("Type the printer's address first."))
        width = self.printer_width.currentData()
        ctx = self.session.ctx
        run_with_progress(
            self,
            _("Test print"),
            lambda _progress: print_test_page(ctx, uri, width_dots=width),
            on_done=lambda result: self.say(
                _("Test page sent to {printer}.", printer=result.printer)
            ),
            on_error=lambda message: self.say(message, error=True),
        )

    @guarded()
    def preview_receipt(self) -> None:
        """The last sale's receipt as it will print, at the chosen width."""
        from sqlalchemy import select

        from coopos.db.models import Sale
        from coopos.printing import render
        from coopos.printing.receipts import load_receipt
        from ui.widgets.receipt_preview import ReceiptPreview

        with self.session.ctx.read() as s:
            last = s.scalars(select(Sale.receipt_no).order_by(Sale.id.desc()).limit(1)).first()
        if last is None:
            raise ValidationError(_("There is no sale yet: make one to preview its receipt."))
        receipt = load_receipt(self.session.ctx, last)
        image = render.render_receipt(receipt, self.printer_width.currentData())
        ReceiptPreview(image, _("Receipt {receipt}", receipt=last), self).exec()

    def _sync_box(self) -> QGroupBox:
        box = QGroupBox(_("Sync server"))
        box.setObjectName("syncBox")
        form = QFormLayout(box)
        self.sync_state = wrap("")
        self.sync_state.setObjectName("syncState")
        form.addRow(self.sync_state)
        self.sync_url = QLineEdit()
        self.sync_url.setObjectName("sync_url")
        self.sync_url.setPlaceholderText("https://coopos.example.ma")
        self.sync_url.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        form.addRow(_("Server"), self.sync_url)
        self.sync_code = QLineEdit()
        self.sync_code.setObjectName("sync_code")
        self.sync_code.setPlaceholderText(_("one-time code from head office"))
        form.addRow(_("Code"), self.sync_code)
        row = QHBoxLayout()
        row.addStretch(1)
        self.enroll_button = QPushButton(_("Enroll this till"))
        self.enroll_button.setObjectName("enrollButton")
        self.enroll_button.clicked.connect(self.enroll)
        self.sync_button = QPushButton(_("Sync now"))
        self.sync_button.setObjectName("syncNow")
        self.sync_button.clicked.connect(self.sync_now)
        row.addWidget(self.enroll_button)
        row.addWidget(self.sync_button)
        form.addRow(row)
        return box

    def show_sync(self) -> None:
        from coopos.services import sync

        state = sync.state(self.session.ctx)
        enrolled = state.configured
        for widget in (self.sync_url, self.sync_code, self.enroll_button):
            widget.setEnabled(not enrolled or state.must_reenroll)  # revoked: a new code
        self.sync_button.setEnabled(enrolled)
        if enrolled:
            self.sync_url.setText(state.server)
            if not state.must_reenroll:
                self.sync_code.clear()
            lines = [
                _("Enrolled with {url}.", url=state.server),
                _("Events waiting to be sent: {n}", n=state.waiting),
                _(
                    "Last successful sync: {when}",
                    when=state.last_ok_utc[:16].replace("T", " ")
                    if state.last_ok_utc
                    else _("never"),
                ),
            ]
            if state.last_error:
                lines.append(_("Last problem: {error}", error=state.last_error))
            if sync.advice(state):
                lines.append(sync.advice(state))
            self.sync_state.setText("\n".join(lines))
        else:
            self.sync_state.setText(
                _(
                    "Standalone: this till keeps everything itself. To send sales to head "
                    "office, type the server's address and the code it gave, then Enroll."
                )
            )

    @guarded()
    def enroll(self) -> None:
        from coopos.services import sync

        url, code = self.sync_url.text().strip(), self.sync_code.text().strip()
        ctx = self.session.ctx
        run_with_progress(
            self,
            _("Enrolling…"),
            lambda _progress: sync.enroll(ctx, url, code),
            on_done=lambda message: (self.say(message), self.show_sync(), self._settings_changed()),
            on_error=lambda message: self.say(message, error=True),
        )

    def _settings_changed(self) -> None:
        from coopos.domain import events

        self.session.ctx.events.publish(events.SETTINGS_CHANGED, keys=["sync.url"])

    @guarded()
    def sync_now(self) -> None:
        from coopos.services import sync

        ctx = self.session.ctx
        run_with_progress(
            self,
            _("Syncing…"),
            # a person asked: an event the server refused once is offered again
            lambda _progress: sync.sync_once(ctx, retry_refused=True),
            on_done=lambda report: (
                self.say(
                    _(
                        "Synced: {pushed} events sent, {pulled} catalog changes received, "
                        "{waiting} waiting.",
                        pushed=report.pushed,
                        pulled=report.pulled,
                        waiting=report.waiting,
                    )
                ),
                self.show_sync(),
            ),
            on_error=lambda message: (self.say(message, error=True), self.show_sync()),
        )

    # -- load and save ----------------------------------------------------------------------
    def load(self) -> None:
        with self.session.ctx.read() as s:
            values = settings.get_all(s)
        for key, field in self.fields.items():
            field.setText(str(values.get(key) or ""))
        self.header.setPlainText(values.get("receipt.header") or "")
        self.footer.setPlainText(values.get("receipt.footer") or "")
        index = self.language.findData(values.get("language") or "fr")
        self.language.setCurrentIndex(max(index, 0))
        self.arabic_digits.setChecked(bool(values.get("arabic_digits")))
        self.idle.setValue(int(values.get("idle_lock_minutes") or 0))
        self.discount.setText(format_rate_bp(int(values.get("discount.seller_limit_bp") or 0)))
        self.shift_rules.load(values)
        self.max_pieces.setValue(int(values.get("quantity.max_pieces") or 0))
        self.max_kg.setValue(int(values.get("quantity.max_kg") or 0))
        self.backup_folder.setText(values.get("backup.folder") or "")
        self.printer_uri.setText(values.get("printer.uri") or "")
        self.show_sync()
        index = self.printer_width.findData(int(values.get("printer.width") or 576))
        self.printer_width.setCurrentIndex(max(index, 0))
        self.printer_cut.setChecked(bool(values.get("printer.cut")))
        self.drawer_on_cash.setChecked(bool(values.get("printer.drawer_on_cash")))
        index = self.drawer_pin.findData(int(values.get("printer.drawer_pin") or 2))
        self.drawer_pin.setCurrentIndex(max(index, 0))

    def values(self) -> dict:
        values = {key: field.text().strip() for key, field in self.fields.items()}
        values["receipt.header"] = self.header.toPlainText().strip()
        values["receipt.footer"] = self.footer.toPlainText().strip()
        values["language"] = self.language.currentData()
        values["arabic_digits"] = self.arabic_digits.isChecked()
        values["idle_lock_minutes"] = self.idle.value()
        values["discount.seller_limit_bp"] = parse_rate_bp(self.discount.text().strip() or "0")
        values.update(self.shift_rules.values())
        values["quantity.max_pieces"] = self.max_pieces.value()
        values["quantity.max_kg"] = self.max_kg.value()
        values["backup.folder"] = self.backup_folder.text().strip()
        values["printer.uri"] = self.printer_uri.text().strip()
        values["printer.width"] = self.printer_width.currentData()
        values["printer.cut"] = self.printer_cut.isChecked()
        values["printer.drawer_on_cash"] = self.drawer_on_cash.isChecked()
        values["printer.drawer_pin"] = self.drawer_pin.currentData()
        return values

    def say(self, message: str, error: bool = False) -> None:
        set_role(self.message, "error" if error else "banner")
        self.message.setText(message)
        self.message.show()

    def report_error(self, message: str) -> None:
        self.say(message, error=True)

    @guarded()
    def save(self) -> None:
        user = self.session.user
        values = self.values()
        if not values["shop.name"]:
            raise ValidationError(_("The shop needs a name (it is printed on receipts)."))
        settings.update(self.session.ctx, values, user.id if user else None)
        self.load()
        self.say(_("Settings saved."))

    # -- backups ----------------------------------------------------------------------------
    def backup_say(self, message: str, error: bool = False) -> None:
        # the message bar has the width for a long path (and the page never grows)
        self.say(message, error)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, _("Choose the backup folder (e.g. a USB key)"), self.backup_folder.text()
        )
        if folder:
            self.backup_folder.setText(folder)
            self.backup_say(_("Save the settings to keep this folder."))

    def _folder(self) -> Path | None:
        text = self.backup_folder.text().strip()
        if not text:
            return None
        folder = Path(text)
        if not folder.is_dir():
            raise ValidationError(
                _(
                    "The folder {path} is not there: plug in the USB key or choose another folder.",
                    path=folder,
                )
            )
        return folder

    def backup_now(self):
        try:
            folder = self._folder()
        except CooposError as exc:
            self.backup_say(exc.message, error=True)
            return None
        db_path = self.session.ctx.path
        self.backup_button.setEnabled(False)

        def work(progress) -> Path:
            try:
                return backup.backup(db_path, folder)
            except OSError as exc:
                raise ValidationError(
                    _("The backup could not be written ({reason}).", reason=exc.strerror)
                ) from None

        def done(path: Path) -> None:
            self.backup_button.setEnabled(True)
            self.backup_say(_("Backup written to {path}.", path=path))

        def failed(message: str) -> None:
            self.backup_button.setEnabled(True)
            self.backup_say(message, error=True)

        return run_with_progress(self, _("Backing up…"), work, done, failed)

    def ask_restore_file(self) -> str:
        start = self.backup_folder.text().strip() or str(self.session.ctx.path.parent / "backups")
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Restore a backup"), start, _("coopos backups (*.db *.db.zst)")
        )
        return path

    def confirm_restore(self, source: Path) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            _("Restore a backup"),
            _(
                "Restoring replaces everything on this till (sales, stock, users, settings) "
                "with the backup {name}. Work done since that backup is lost; the current "
                "data is saved first in the backups folder.",
                name=source.name,
            ),
            parent=self,
        )
        box.setObjectName("restoreWarning")
        restore = box.addButton(_("Replace the data"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(box.buttons()[-1])
        box.exec()
        return box.clickedButton() is restore

    def restore(self):
        path = self.ask_restore_file()
        if not path:
            return None
        source = Path(path)
        try:
            backup.check_backup_file(source)
        except CooposError as exc:
            self.backup_say(exc.message, error=True)
            return None
        if not self.confirm_restore(source):
            return None
        ctx = self.session.ctx
        db_path = ctx.path
        self.session.save_cart()

        ctx.close()  # let go of the file (and its lock) before it is replaced

        def work(progress):
            try:
                return backup.restore(source, db_path)
            except OSError as exc:
                raise ValidationError(
                    _("The backup could not be restored ({reason}).", reason=exc.strerror)
                ) from None

        def done(_safety) -> None:
            self.backup_button.setEnabled(False)
            self.restore_button.setEnabled(False)
            self.backup_say(_("The backup was restored. Close coopos and start it again."))
            self.restored()

        def failed(message: str) -> None:
            ctx.reopen()  # nothing was replaced: go on with the same database
            self.backup_say(message, error=True)

        return run_with_progress(self, _("Restoring…"), work, done, failed)

    def restored(self) -> None:
        """After a restore the app must start again on the restored data."""
        box = QMessageBox(
            QMessageBox.Icon.Information,
            _("Restore a backup"),
            _("The backup was restored. coopos closes now: start it again to continue."),
            parent=self,
        )
        box.setObjectName("restoredBox")
        box.exec()
        self.session.closing_for_restart = True  # keep the restored file as it is
        QApplication.closeAllWindows()


__all__ = ["SettingsScreen"]
