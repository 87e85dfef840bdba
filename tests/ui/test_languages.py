"""Right-to-left in Arabic, left-to-right in French and Tamazight; Qt's own buttons are
translated too."""

import pytest
from PySide6.QtCore import QCoreApplication, Qt


@pytest.mark.parametrize(
    ("language", "direction"),
    [
        ("ar", Qt.LayoutDirection.RightToLeft),
        ("fr", Qt.LayoutDirection.LeftToRight),
        ("zgh", Qt.LayoutDirection.LeftToRight),
    ],
)
def test_sell_screen_direction_follows_the_language(qapp, qtbot, demo, users, language, direction):
    from coopos.services import shifts
    from ui.app import apply_language
    from ui.main_window import MainWindow
    from ui.session import AppSession

    shifts.open_shift(demo, users["Fatima"].id, 0)
    apply_language(qapp, language)
    try:
        session = AppSession(demo)
        window = MainWindow(session)
        qtbot.addWidget(window)
        window.show()
        window.on_login(users["Fatima"])
        sell = window.shell.sell
        assert sell.layoutDirection() == direction
        assert sell.cart.layoutDirection() == direction
        # in right-to-left the cart (the second column of the layout) is on the left
        cart_x = sell.cart.mapTo(window, sell.cart.rect().topLeft()).x()
        scan_x = sell.scan.mapTo(window, sell.scan.rect().topLeft()).x()
        assert (cart_x < scan_x) == (direction == Qt.LayoutDirection.RightToLeft)
        session.bridge.close()
    finally:
        apply_language(qapp, "en")


def test_qt_standard_buttons_are_translated(qapp):
    from ui.app import apply_language

    apply_language(qapp, "fr")
    try:
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Annuler"
    finally:
        apply_language(qapp, "en")
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"
