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
    from coopos.services import settings, shifts
    from ui.app import apply_language
    from ui.main_window import MainWindow
    from ui.session import AppSession

    shifts.open_shift(demo, users["Fatima"].id, 0)
    settings.update(demo, {"language": language})  # a login applies the shop's language
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


def test_a_user_with_their_own_language_gets_it_at_login_and_keeps_the_cart(
    qapp, qtbot, demo, users
):
    from coopos.i18n import current_language
    from coopos.services import shifts
    from coopos.services import users as user_service
    from ui.app import apply_language
    from ui.main_window import MainWindow
    from ui.session import AppSession

    shifts.open_shift(demo, users["Fatima"].id, 0)
    user_service.set_user_language(demo, users["Youssef"].id, "ar", users["Admin"].id)
    apply_language(qapp, "fr")
    try:
        session = AppSession(demo)
        window = MainWindow(session)
        qtbot.addWidget(window)
        window.show()
        window.on_login(users["Fatima"])  # no language of her own: the shop's (fr)
        assert current_language() == "fr"
        session.checkout.scan("SAF-1G")
        window.lock()
        with demo.read() as s:
            youssef = s.get(type(users["Youssef"]), users["Youssef"].id)
        window.on_login(youssef)
        assert current_language() == "ar"
        assert window.shell.sell.layoutDirection() == Qt.LayoutDirection.RightToLeft
        assert window.shell.sell.pay.text() == "الأداء (F12)"  # the rebuilt screen
        assert [ln.sku for ln in session.checkout.lines] == ["SAF-1G"]  # the cart is kept
        session.bridge.close()
    finally:
        apply_language(qapp, "en")
