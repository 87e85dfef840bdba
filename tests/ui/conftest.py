"""Desktop app tests: offscreen Qt on a copy of the demo database."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QPushButton


@pytest.fixture
def app_session(demo, qapp):
    from coopos.services import settings
    from ui import theme
    from ui.app import apply_language
    from ui.session import AppSession

    theme.apply(qapp)
    settings.update(demo, {"language": "en"})  # the tests read English texts
    apply_language(qapp, "en")
    session = AppSession(demo)
    yield session
    session.bridge.close()


@pytest.fixture
def window(app_session, qtbot):
    from ui.main_window import MainWindow

    win = MainWindow(app_session)
    qtbot.addWidget(win)
    win.show()
    return win


def find(parent, cls, name):
    widget = parent.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name}"
    return widget


def login(window, qtbot, pin: str) -> None:
    pad = find(window, QLineEdit, "pinInput")
    pad.setText(pin)
    qtbot.keyClick(pad, Qt.Key.Key_Return)


def scan(window, qtbot, code: str) -> None:
    field = find(window, QLineEdit, "scanInput")
    field.setText(code)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def active_dialog(name: str) -> QDialog:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QDialog) and widget.objectName() == name and widget.isVisible():
            return widget
    raise AssertionError(f"dialog {name} is not open")


def click(parent, name: str, qtbot) -> None:
    button = find(parent, QPushButton, name)
    assert button.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def label_text(parent, name: str) -> str:
    return find(parent, QLabel, name).text()


# The seller-helper fixtures (a seller in front of the app, the app in a language).
from tests.ui.selling import language, seller  # noqa: E402, F401
