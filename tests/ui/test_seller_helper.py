"""The seller helper itself: keys reach only the focused widget of the window in front,
through the window system (so shortcuts fire), also inside modal dialogs."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QLineEdit, QPushButton, QVBoxLayout, QWidget

from tests.ui.seller import ENTER, F12, Seller, expect, focused, press, scan


@pytest.fixture
def form(qtbot):
    window = QWidget()
    window.setObjectName("form")
    layout = QVBoxLayout(window)
    first, second = QLineEdit(), QLineEdit()
    first.setObjectName("first")
    second.setObjectName("second")
    layout.addWidget(first)
    layout.addWidget(second)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow())
    first.setFocus()
    return window, first, second


def test_typing_goes_to_the_focused_field_only(form, qtbot):
    _window, first, second = form
    seller = Seller(qtbot)
    seller.type("&é\"'(-è_çà ٠١٢۰۹ abc")
    assert first.text() == "&é\"'(-è_çà ٠١٢۰۹ abc"
    assert second.text() == ""
    seller.press("Tab")
    assert focused() is second
    seller.scan("123", layout="azerty")
    assert second.text() == '&é"'


def test_shortcuts_fire_as_from_a_keyboard(form, qtbot):
    window, first, _second = form
    fired = []
    QShortcut(QKeySequence("F12"), window, activated=lambda: fired.append("F12"))
    QShortcut(QKeySequence("Ctrl+Z"), window, activated=lambda: fired.append("undo"))
    Seller(qtbot).do(F12, press("Ctrl+Z"))
    assert fired == ["F12"] or fired == ["F12", "undo"]  # a line edit may keep Ctrl+Z
    assert "F12" in fired and first.text() == ""


def test_steps_go_on_inside_a_modal_dialog(form, qtbot):
    window, first, _second = form
    seen = {}

    def open_dialog():
        dialog = QDialog(window)
        dialog.setObjectName("askAmount")
        layout = QVBoxLayout(dialog)
        field = QLineEdit()
        layout.addWidget(field)
        ok = QPushButton("OK")
        ok.setDefault(True)
        ok.clicked.connect(dialog.accept)
        layout.addWidget(ok)
        field.setFocus()
        if dialog.exec() == QDialog.DialogCode.Accepted:
            seen["typed"] = field.text()

    QShortcut(QKeySequence("F4"), window, activated=open_dialog)
    Seller(qtbot).do(press("F4"), expect("askAmount"), "600", ENTER, "12")
    assert seen == {"typed": "600"}
    assert first.text() == "12"  # after the dialog closed, keys went back to the form


def test_a_dialog_left_open_fails_the_test_instead_of_hanging(form, qtbot):
    window, _first, _second = form

    def open_dialog():
        dialog = QDialog(window)
        dialog.setObjectName("forgotten")
        dialog.exec()

    QShortcut(QKeySequence("F4"), window, activated=open_dialog)
    with pytest.raises(AssertionError, match="forgotten"):
        Seller(qtbot).do(press("F4"), expect("forgotten"))


def test_scan_sends_the_layouts_characters_then_enter(form, qtbot):
    _window, first, _second = form
    entered = []
    first.returnPressed.connect(lambda: entered.append(first.text()))
    Seller(qtbot).do(*scan("6111042001017", "arabic"))
    assert entered == ["٦١١١٠٤٢٠٠١٠١٧"]
