"""Start the desktop app on the local database."""

from __future__ import annotations

import argparse
import os
import sys

from PySide6.QtCore import QLibraryInfo, Qt, QTranslator
from PySide6.QtWidgets import QApplication

from coopos.cli.base import db_path
from coopos.i18n import current_language, set_language
from coopos.i18n.formats import use_arabic_digits
from coopos.services import settings
from coopos.services.context import Context
from ui import theme
from ui.errors import install_excepthook

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
    theme.apply(app)
    return app


def run(args: argparse.Namespace) -> int:
    from ui.main_window import MainWindow
    from ui.session import AppSession

    app = create_app()
    install_excepthook()
    ctx = Context.open(db_path(args))
    with ctx.read() as s:
        apply_language(app, getattr(args, "lang", None) or settings.get(s, "language"))
        use_arabic_digits(bool(settings.get(s, "arabic_digits")))
    session = AppSession(ctx)
    window = MainWindow(session)
    screen = app.primaryScreen()
    if screen is not None:  # fits even where no window manager maximizes it
        window.setGeometry(screen.availableGeometry())
    window.showMaximized()  # a till uses the whole screen
    if os.environ.get("COOPOS_QUIT_WHEN_READY"):  # start-up benchmark and smoke checks
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, app.quit)
    code = app.exec()
    session.save_cart()
    session.bridge.close()
    ctx.close()
    return code
