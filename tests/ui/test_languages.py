"""Right-to-left in Arabic, left-to-right in French and Tamazight; Qt's own buttons are
translated too."""

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton


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


# -- one language per screen (issue 12, item 6) ------------------------------------------------


@pytest.fixture
def till(qapp, qtbot, demo, users):
    """The demo shop in French; Youssef (a manager) works in Arabic, Fatima in the shop's."""
    from coopos.services import settings
    from coopos.services import users as user_service
    from ui.app import apply_language
    from ui.main_window import MainWindow
    from ui.session import AppSession

    settings.update(demo, {"language": "fr"})
    user_service.set_user_language(demo, users["Youssef"].id, "ar", users["Admin"].id)
    apply_language(qapp, "fr")
    session = AppSession(demo)
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    yield window
    session.bridge.close()
    apply_language(qapp, "en")


def test_the_cart_and_its_dialogs_name_products_in_the_sellers_language(till, qtbot, demo, users):
    """Fatima starts a sale in French; Youssef takes over in Arabic: the cart and the
    quantity dialog say the Arabic names.  The receipt, in the shop's French, says the
    French names (the sale keeps the name shown; receipts translate it)."""
    from coopos.printing.receipts import load_receipt
    from coopos.services import shifts
    from tests.ui.seller import ENTER, ESCAPE, F4, Seller, expect, scan

    shifts.open_shift(demo, users["Fatima"].id, 50000)
    seller = Seller(qtbot)
    seller.do("1111", ENTER, *scan("ARG-OIL-100"), *scan("SAF-1G"))
    assert till.shell.sell.cart_model.index(0, 0).data().startswith("Huile d'argan")
    till.lock()
    prompts = []

    def quantity_prompt():
        prompts.append(seller.window().findChild(QLabel).text())

    seller.do("250917", ENTER, F4, expect("valueDialog"), quantity_prompt, ESCAPE)
    model = till.shell.sell.cart_model
    names = [model.index(row, 0).data() for row in range(model.rowCount())]
    assert names == ["زيت أركان غذائي 100 مل · TIFAW", "زَعْفَرَان حُرّ من تالوين 1 غ · ASAFU"]
    assert prompts == ["زَعْفَرَان حُرّ من تالوين 1 غ: الكمية"]
    till.session.checkout.start_payment()
    till.session.checkout.pay_exact("cash")
    result = till.session.checkout.complete()
    receipt = load_receipt(demo, result.receipt_no)  # in the shop's language
    assert [line.name for line in receipt.lines] == [
        "Huile d'argan alimentaire 100 ml",
        "Safran pur de Taliouine 1 g",
    ]


def test_the_window_own_buttons_follow_the_user(till, qtbot):
    from tests.ui.seller import ENTER, Seller

    Seller(qtbot).do("250917", ENTER, press_escape_if_asked)
    assert till.findChild(QPushButton, "lockButton").text() == "قفل"
    assert till.findChild(QPushButton, "switchSeller").text() == "تغيير البائع"


def press_escape_if_asked():
    """No shift is open: the float is asked; not this time."""
    from tests.ui.seller import front_window

    window = front_window()
    if window is not None and window.objectName() == "valueDialog":
        window.reject()


def test_the_lock_screen_speaks_the_shops_language(till, qtbot, qapp):
    from coopos.i18n import current_language
    from tests.ui.seller import ENTER, Seller

    seller = Seller(qtbot)
    seller.do("250917", ENTER, press_escape_if_asked)  # Youssef, in Arabic
    assert qapp.layoutDirection() == Qt.LayoutDirection.RightToLeft
    seller.touch(till.findChild(QPushButton, "lockButton"))
    assert current_language() == "fr"
    assert qapp.layoutDirection() == Qt.LayoutDirection.LeftToRight
    login = till.pages.currentWidget()
    assert login is till.login and login.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert login.hint.text() == "Saisissez votre PIN"
    assert login.findChild(QPushButton, "pinSubmit").text() == "OK"
    seller.do("1111", ENTER, press_escape_if_asked)  # Fatima: the shop's French
    assert till.shell.sell.pay.text() == "Encaisser (F12)"


@pytest.mark.parametrize(
    ("keys", "language", "title", "direction"),
    [
        (["Up"], "ar", "مرحبا بكم في coopos", Qt.LayoutDirection.RightToLeft),
        (["Down"], "zgh", "ⴰⵏⵙⵓⴼ ⵖⵔ coopos", Qt.LayoutDirection.LeftToRight),
        (["Up", "Down"], "fr", "Bienvenue dans coopos", Qt.LayoutDirection.LeftToRight),
    ],
)
def test_the_first_run_wizard_switches_language_at_once(
    qapp, qtbot, tmp_path, keys, language, title, direction
):
    from coopos.i18n import current_language
    from coopos.services.context import Context
    from tests.ui.seller import Seller, press
    from ui.app import apply_language
    from ui.main_window import MainWindow
    from ui.session import AppSession

    apply_language(qapp, "fr")
    ctx = Context.open(tmp_path / "new.db")
    session = AppSession(ctx)
    try:
        window = MainWindow(session)
        qtbot.addWidget(window)
        window.show()
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        Seller(qtbot).do(*(press(key) for key in keys))  # the language list has the focus
        assert current_language() == language
        assert window.first_run.title.text() == title
        assert window.first_run.layoutDirection() == direction
        assert window.first_run.create_button.text() != "Create my shop"
    finally:
        session.bridge.close()
        ctx.close()
        apply_language(qapp, "en")


def test_number_pads_read_left_to_right_in_arabic(qapp, qtbot):
    """7-8-9 from left to right as on Arabic phones and calculators; the typed amount too,
    while the dialog itself is right to left."""
    from ui.app import apply_language
    from ui.widgets.keypad import ValueDialog

    apply_language(qapp, "ar")
    try:
        dialog = ValueDialog("الوزن", "الوزن", "quantity")
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.layoutDirection() == Qt.LayoutDirection.RightToLeft

        def x(name: str) -> int:
            key = dialog.findChild(QPushButton, name)
            return key.mapTo(dialog, key.rect().center()).x()

        assert x("key_7") < x("key_8") < x("key_9")
        assert x("key_1") < x("key_3") and x("key_,") < x("key_back")
        field = dialog.findChild(QLineEdit, "valueInput")
        assert field.layoutDirection() == Qt.LayoutDirection.LeftToRight
        buttons = {b.text() for b in dialog.findChildren(QPushButton) if not b.objectName()}
        assert buttons == {"موافق", "إلغاء"}
    finally:
        apply_language(qapp, "en")
