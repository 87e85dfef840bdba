"""Start the desktop app on the local database."""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sqlite3
import sys

from PySide6.QtCore import QLibraryInfo, Qt, QTimer, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from coopos import __version__
from coopos.cli.base import EXIT_CRASH, EXIT_USER, db_path
from coopos.domain.errors import CooposError
from coopos.i18n import current_language, set_language
from coopos.i18n.formats import use_arabic_digits, use_time_zone
from coopos.logs import setup_logging
from coopos.resources import icon_path, is_frozen
from coopos.services import settings
from coopos.services.backup import backup_before_upgrade
from coopos.services.context import Context
from ui import theme
from ui.errors import (
    crash_message,
    disable_fault_log,
    enable_fault_log,
    fault_message,
    install_excepthook,
    show_error,
    take_fault_report,
)

log = logging.getLogger("coopos.app")

_qt_translator: QTranslator | None = None


def apply_language(app: QApplication, language: str) -> None:
    """Switch the language: our catalog, Qt's own texts (Yes, No, Cancel... from the
    ``qtbase_*.qm`` files shipped with PySide6), and the layout direction (Arabic turns
    the whole app right-to-left)."""
    global _qt_translator
    set_language(language)
    language = current_language()
    if _qt_translator is not None:
        app.removeTranslator(_qt_translator)
        _qt_translator = None
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if language != "en" and translator.load(f"qtbase_{language}", folder):
        app.installTranslator(translator)
        _qt_translator = translator
    rtl = language == "ar"
    app.setLayoutDirection(
        Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight
    )


def create_app() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("coopos")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("coopos")  # matches coopos.desktop (Wayland shows its icon)
    icon = icon_path()
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    theme.apply(app)
    return app


def run(args: argparse.Namespace) -> int:
    setup_logging()  # the launcher did it already; harmless again
    log.info(
        "coopos %s starting (%s, Python %s, %s)",
        __version__,
        "bundle" if is_frozen() else "source",
        platform.python_version(),
        platform.platform(),
    )
    fault_report = take_fault_report()  # did the previous run die of a fatal error?
    enable_fault_log()
    app = create_app()
    install_excepthook()
    try:
        code = _run(app, args, fault_report)
    except CooposError as exc:  # e.g. a database from a newer coopos: say it on screen
        _startup_failed(exc.message)
        code = EXIT_USER
    except Exception as exc:  # the window may have no terminal to print to
        _startup_failed(crash_message(exc))
        code = EXIT_CRASH
    disable_fault_log()
    log.info("coopos stopped (exit code %s)", code)
    return code


def _startup_failed(message: str) -> None:
    """Said on the terminal (if any) and in a message box (the installed app has no
    terminal on Windows), except in unattended runs that nobody would answer."""
    if sys.stderr is not None:
        print(message, file=sys.stderr)
    if not os.environ.get("COOPOS_QUIT_WHEN_READY"):
        show_error(None, message)


def _run(app: QApplication, args: argparse.Namespace, fault_report) -> int:
    from ui.main_window import MainWindow
    from ui.session import AppSession

    path = db_path(args)
    try:
        saved = backup_before_upgrade(path)  # an update is about to upgrade the schema
    except (CooposError, OSError, sqlite3.Error):  # no room for it: the upgrade stays atomic
        log.warning("no copy of the database before its upgrade", exc_info=True)
        saved = None
    if saved is not None:
        log.info("database backed up before its upgrade: %s", saved)
    ctx = Context.open(path)
    with ctx.read() as s:
        apply_language(app, getattr(args, "lang", None) or settings.get(s, "language"))
        use_arabic_digits(bool(settings.get(s, "arabic_digits")))
        use_time_zone(settings.get(s, "shop.time_zone"))
    session = AppSession(ctx)
    window = MainWindow(session)
    window.setWindowTitle(f"coopos {__version__}")  # the installed version, for support
    screen = app.primaryScreen()
    if screen is not None:  # fits even where no window manager maximizes it
        window.setGeometry(screen.availableGeometry())
    window.showMaximized()  # a till uses the whole screen
    log.info("window shown: %s", window.windowTitle())
    if fault_report is not None:
        QTimer.singleShot(0, lambda: show_error(window, fault_message(fault_report)))
    if os.environ.get("COOPOS_QUIT_WHEN_READY"):  # start-up benchmark and smoke checks
        QTimer.singleShot(0, app.quit)
    try:
        return app.exec()
    finally:
        session.save_cart()
        session.bridge.close()
        ctx.close()
