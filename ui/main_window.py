"""The window: first run, login, then the shell (navigation + one screen at a time).

Screens are separate modules, created on first visit; the sell screen is home.  The
session (who is logged in, the sale in progress) survives locking and seller switches."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from coopos.domain.sale import PaymentMethod
from coopos.i18n import N_, _, current_language
from coopos.i18n.formats import format_money
from coopos.services import lookups, settings, setup
from ui import receipts_hook
from ui.errors import ask_yes_no
from ui.screens.first_run import FirstRunScreen
from ui.screens.login import LoginScreen
from ui.screens.payment import AfterSaleDialog, PaymentDialog
from ui.screens.returns import ReturnsDialog
from ui.screens.sell import SellScreen
from ui.screens.shifts import open_shift_dialog
from ui.session import AppSession
from ui.sync_status import SyncLabel, SyncLoop
from ui.theme import set_role


@dataclass(frozen=True)
class ScreenEntry:
    key: str
    label: str  # msgid
    target: str  # "module:Class"
    manager_only: bool = False


# Back-office screens, in navigation order.  Each is its own module.
SCREENS = [
    ScreenEntry("shifts", N_("Shift"), "ui.screens.shifts:ShiftsScreen"),
    ScreenEntry("products", N_("Products"), "ui.screens.products:ProductsScreen", True),
    ScreenEntry(
        "cooperatives", N_("Cooperatives"), "ui.screens.cooperatives:CooperativesScreen", True
    ),
    ScreenEntry("stock", N_("Stock"), "ui.screens.stock:StockScreen"),
    ScreenEntry("fairs", N_("Fairs"), "ui.screens.fairs:FairsScreen", True),
    ScreenEntry("settlements", N_("Statements"), "ui.screens.settlements:SettlementsScreen", True),
    ScreenEntry("reports", N_("Reports"), "ui.screens.reports:ReportsScreen", True),
    ScreenEntry("users", N_("Users"), "ui.screens.users:UsersScreen", True),
    ScreenEntry("settings", N_("Settings"), "ui.screens.settings:SettingsScreen", True),
]


def available_screens() -> list[ScreenEntry]:
    """The screens whose module is installed (the rest come with later releases)."""
    found = []
    for entry in SCREENS:
        module = entry.target.split(":")[0]
        if importlib.util.find_spec(module) is not None:
            found.append(entry)
    return found


class IdleWatcher(QObject):
    """Any key, click or touch restarts the idle timer; when it runs out, lock."""

    def __init__(self, timeout_minutes: int, on_idle, parent=None):
        super().__init__(parent)
        self.timer = QTimer(self, singleShot=True)
        self.timer.timeout.connect(on_idle)
        self.set_timeout(timeout_minutes)

    def set_timeout(self, minutes: int) -> None:
        self.minutes = minutes
        if minutes > 0:
            self.timer.setInterval(minutes * 60_000)
            self.timer.start()
        else:
            self.timer.stop()

    _INPUT = frozenset((QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin))

    def eventFilter(self, obj, event) -> bool:
        # Called for every event of the application: keep it to one set lookup.
        if event.type() in self._INPUT and self.minutes > 0:
            self.timer.start()
        return False


class Shell(QWidget):
    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        nav = QVBoxLayout()
        layout.addLayout(nav)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        self.nav_group = QButtonGroup(self)
        self.nav_buttons: dict[str, QToolButton] = {}
        self.screens: dict[str, QWidget] = {}
        self.entries = {e.key: e for e in available_screens()}
        self.language = current_language()  # its texts' language: rebuilt in another
        self.sell = SellScreen(session)
        self.screens["sell"] = self.sell
        self.stack.addWidget(self.sell)
        for key, label in [
            ("sell", N_("Sell")),
            *[(e.key, e.label) for e in self.entries.values()],
        ]:
            button = set_role(QToolButton(), "nav")
            button.setText(_(label))
            button.setCheckable(True)
            button.setObjectName(f"nav_{key}")
            button.clicked.connect(lambda _c=False, k=key: self.show_screen(k))
            self.nav_group.addButton(button)
            nav.addWidget(button)
            self.nav_buttons[key] = button
        nav.addStretch(1)
        self.nav_buttons["sell"].setChecked(True)

    def apply_role(self) -> None:
        manager = self.session.is_manager
        for key, entry in self.entries.items():
            self.nav_buttons[key].setVisible(manager or not entry.manager_only)

    def show_screen(self, key: str) -> QWidget:
        if key not in self.screens:
            module_name, class_name = self.entries[key].target.split(":")
            cls = getattr(importlib.import_module(module_name), class_name)
            self.screens[key] = cls(self.session)
            self.stack.addWidget(self.screens[key])
        self.stack.setCurrentWidget(self.screens[key])
        self.nav_buttons[key].setChecked(True)
        return self.screens[key]


class MainWindow(QMainWindow):
    def __init__(self, session: AppSession):
        super().__init__()
        self.session = session
        self.setObjectName("mainWindow")
        self.setWindowTitle("coopos")
        self.resize(1280, 800)
        self.pages = QStackedWidget()
        self.setCentralWidget(self.pages)
        self.first_run: FirstRunScreen | None = None
        self.login = LoginScreen(session)
        self.login.logged_in.connect(self.on_login)
        self.pages.addWidget(self.login)
        self.shell: Shell | None = None
        self.user_label = QLabel()
        self.user_label.setObjectName("userLabel")
        self.shift_label = QLabel()
        self.shift_label.setObjectName("shiftLabel")
        self.switch_button = QPushButton()
        self.switch_button.setObjectName("switchSeller")
        self.switch_button.clicked.connect(self.lock)
        self.lock_button = QPushButton()
        self.lock_button.setObjectName("lockButton")
        self.lock_button.clicked.connect(self.lock)
        self.sync = SyncLoop(session.ctx, self)
        self.sync_label = SyncLabel(self.sync)
        bar = self.statusBar()
        bar.addWidget(self.user_label)
        bar.addWidget(self.shift_label, 1)
        bar.addPermanentWidget(self.sync_label)
        bar.addPermanentWidget(self.switch_button)
        bar.addPermanentWidget(self.lock_button)
        bar.hide()
        self.retranslate()
        with session.ctx.read() as s:
            minutes = int(settings.get(s, "idle_lock_minutes") or 0)
        self.idle = IdleWatcher(minutes, self.lock, self)
        self.printer, self._printer_problem = receipts_hook.start(session.ctx)
        QApplication.instance().installEventFilter(self.idle)
        session.bridge.shift_changed.connect(self.refresh_status)
        session.bridge.sales_changed.connect(self.refresh_status)
        session.bridge.settings_changed.connect(self.on_settings)
        session.bridge.sales_changed.connect(self.sync.soon)
        session.bridge.shift_changed.connect(self.sync.soon)  # a closed shift goes at once
        session.bridge.stock_changed.connect(self.sync.soon)
        session.bridge.settings_changed.connect(self.sync.refresh)
        if not setup.is_initialised(session.ctx):
            self.first_run = FirstRunScreen(session.ctx)
            self.first_run.finished.connect(self.after_first_run)
            self.pages.addWidget(self.first_run)
            self.pages.setCurrentWidget(self.first_run)
        else:
            self.pages.setCurrentWidget(self.login)

    # -- login and locking -----------------------------------------------------------------
    def after_first_run(self, message: str) -> None:
        """Show the login in the language just chosen (and its direction)."""
        self.show_login(message)

    def show_login(self, message: str = "") -> None:
        """The PIN pad, in the shop's language and direction: nobody is logged in (the
        previous user's language would greet the next one)."""
        from ui.app import apply_language

        with self.session.ctx.read() as s:
            apply_language(QApplication.instance(), settings.get(s, "language"))
        if self.login.language != current_language():
            old = self.login
            self.login = LoginScreen(self.session)
            self.login.logged_in.connect(self.on_login)
            self.pages.addWidget(self.login)
            self.pages.removeWidget(old)
            old.deleteLater()
        self.retranslate()
        if message:
            self.login.hint.setText(message)
        self.pages.setCurrentWidget(self.login)

    def on_login(self, user) -> None:
        self.use_language_of(user)  # first: the cart takes the names of that language
        self.session.login(user)
        if self.shell is None:
            self.shell = Shell(self.session)
            self.pages.addWidget(self.shell)
            self.shell.sell.pay_requested.connect(self.pay)
            self.shell.sell.returns_requested.connect(self.returns)
            self.shell.sell.journal_requested.connect(self.journal)
            self.shell.sell.return_receipt_requested.connect(self.returns)
            self.shell.sell.open_shift_requested.connect(self.ask_open_shift)
            self.printer.changed.connect(self.shell.sell.on_print_queue)
            self.printer.refresh()
            if self._printer_problem:
                self.shell.sell.say(self._printer_problem, error=True)
        self.shell.apply_role()
        self.pages.setCurrentWidget(self.shell)
        self.shell.show_screen("sell")
        self.statusBar().show()
        self.refresh_status()
        if not self.session.shift_open():
            QTimer.singleShot(0, self, self.ask_open_shift)

    def use_language_of(self, user) -> None:
        """The user's language (else the shop's); the screens are rebuilt if theirs
        differs.  The sale in progress lives in the session, so it is kept."""
        from ui.app import apply_language

        with self.session.ctx.read() as s:
            language = user.language or settings.get(s, "language")
        if language != current_language():
            apply_language(QApplication.instance(), language)
        if self.shell is not None and self.shell.language != current_language():
            old, self.shell = self.shell, None
            self.printer.changed.disconnect(old.sell.on_print_queue)
            self.pages.removeWidget(old)
            old.deleteLater()
        self.retranslate()

    def retranslate(self) -> None:
        """The window's own texts (the status bar) in the current language."""
        self.switch_button.setText(_("Switch seller"))
        self.lock_button.setText(_("Lock"))
        self.sync_label.show_state(self.sync.state)
        self.refresh_status()

    def lock(self) -> None:
        if self.session.user is None:
            return
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible():
                return  # never lock in the middle of a payment or a count
        self.session.logout()
        self.statusBar().hide()
        self.show_login()

    def on_settings(self) -> None:
        from coopos.i18n.formats import use_time_zone

        with self.session.ctx.read() as s:
            self.idle.set_timeout(int(settings.get(s, "idle_lock_minutes") or 0))
            use_time_zone(settings.get(s, "shop.time_zone"))
        problem = self.printer.configure()
        if problem and self.shell is not None:
            self.shell.sell.say(problem, error=True)

    def refresh_status(self) -> None:
        user = self.session.user
        if user is None:
            return
        self.user_label.setText(_("Seller: {name}", name=user.name))
        with self.session.ctx.read() as s:
            shift = lookups.open_shift(s)
            location = shift.location.code if shift else ""
        if shift:
            self.shift_label.setText(
                _("Shift {id} open at {location}", id=shift.id, location=location)
            )
        else:
            self.shift_label.setText(_("No shift open"))

    # -- selling ------------------------------------------------------------------------------
    def ask_open_shift(self) -> None:
        if self.session.user and not self.session.shift_open():
            open_shift_dialog(self.session, self)
            self.refresh_status()

    def pay(self) -> None:
        dialog = PaymentDialog(self.session, self)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.result is None:
            self.shell.sell.focus_scan()
            return
        took_cash = any(p.method is PaymentMethod.CASH for p in self.session.checkout.payments)
        self.printer.drawer_for_sale(dialog.result.receipt_no, took_cash)
        after = AfterSaleDialog(dialog.result, self)
        after.exec()
        self.session.next_sale()
        sell = self.shell.sell
        sell.show_change(dialog.result)
        if after.message:
            sell.say(after.message)
        else:
            sell.say(
                _(
                    "Sale {receipt} saved. Change: {amount}",
                    receipt=dialog.result.receipt_no,
                    amount=format_money(dialog.result.change),
                )
            )
        sell.focus_scan()
        if after.next_scan.strip():
            sell.take_scan(after.next_scan)

    def returns(self, receipt: str = "") -> None:
        dialog = ReturnsDialog(self.session, self, receipt)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.result:
            self.shell.sell.say(
                _(
                    "Refund {receipt}: give back {amount}.",
                    receipt=dialog.result.receipt_no,
                    amount=format_money(-dialog.result.total),
                )
            )
        self.shell.sell.focus_scan()

    def journal(self) -> None:
        from ui.screens.journal import JournalDialog

        JournalDialog(self.session, self).exec()
        self.shell.sell.focus_scan()

    def closeEvent(self, event) -> None:
        self.session.save_cart()
        state = self.sync.state
        if state.configured and state.waiting and not self.ask_quit_unsent(state.waiting):
            event.ignore()
            return
        super().closeEvent(event)

    def ask_quit_unsent(self, waiting: int) -> bool:
        """Unsent events are safe in the database; the seller may still want to wait for
        the network (e.g. before handing the laptop back)."""
        return ask_yes_no(
            self,
            _("Not sent yet"),
            _(
                "{n} sales and changes are not on the server yet. They are kept on this "
                "till and will be sent the next time coopos runs with a network. Quit anyway?",
                n=waiting,
            ),
        )


__all__ = ["MainWindow"]
