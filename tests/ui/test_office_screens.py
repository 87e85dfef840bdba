"""Back-office screens driven like a manager would: reports, settings and backups, users,
fairs.  Every test starts with a shift open (so no "open the shift" prompt pops up) and
Youssef (manager, PIN 2222) logged in."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QDate, QTimer
from PySide6.QtWidgets import QComboBox, QDateEdit, QDialog, QLabel, QLineEdit, QPlainTextEdit
from sqlalchemy import select

from coopos.db.models import Fair, Location
from coopos.services import backup, locations, settings
from coopos.services import users as user_service
from coopos.services.checkout import Checkout
from tests.ui.conftest import active_dialog, click, find, label_text, login

NBSP = "\u00a0"


def money(text: str) -> str:
    return f"{text}{NBSP}MAD"


def sell(demo, seller, *codes: str) -> str:
    checkout = Checkout(demo, seller)
    for code in codes:
        checkout.scan(code)
    checkout.start_payment()
    checkout.pay_exact()
    return checkout.complete().receipt_no


def on_dialog(name: str, action: Callable[[QDialog], None], ms: int = 50) -> None:
    """Act on the modal dialog ``name`` once its exec() runs; it never stays open."""

    def run() -> None:
        dialog = active_dialog(name)
        try:
            action(dialog)
        finally:
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(ms, run)


@pytest.fixture
def manager(window, qtbot, open_shift):
    login(window, qtbot, "2222")
    assert window.session.user.name == "Youssef"
    return window


def cell(view, row: int, key: str) -> str:
    model = view.model()
    column = [c.key for c in model.table.columns].index(key)
    return model.data(model.index(row, column))


def row_of(view, key: str, value: str) -> int:
    model = view.model()
    for row in range(model.rowCount()):
        if cell(view, row, key) == value:
            return row
    raise AssertionError(f"no row with {key} = {value}")


# -- reports -----------------------------------------------------------------------------------


def test_sales_by_cooperative_after_two_sales(manager, demo, users):
    screen = manager.shell.show_screen("reports")
    view = find(screen, type(screen.view), "reportTable")
    chart = find(screen, type(screen.chart), "salesChart")
    grouping = find(screen, QComboBox, "reportGrouping")
    grouping.setCurrentIndex(grouping.findData("cooperative"))
    assert chart.bar_count() == 0  # nothing sold yet today

    sell(demo, users["Fatima"], "ARG-OIL-100", "ARG-OIL-100")  # TIFAW 2 × 60
    sell(demo, users["Fatima"], "SAF-1G", "ARG-OIL-250")  # ASAFU 45, TIFAW 120

    # the screen refreshed on its own (sales_changed)
    assert view.model().rowCount() == 3  # ASAFU, TIFAW and the totals row
    assert cell(view, row_of(view, "code", "TIFAW"), "net") == money("240.00")
    assert cell(view, row_of(view, "code", "ASAFU"), "net") == money("45.00")
    assert cell(view, row_of(view, "code", "Total"), "net") == money("285.00")
    assert chart.bar_count() == 2
    assert [(b.label, b.value) for b in chart.bars] == [("TIFAW", 24000), ("ASAFU", 4500)]

    # the day before: nothing
    start = find(screen, QDateEdit, "reportFrom")
    end = find(screen, QDateEdit, "reportTo")
    start.setDate(QDate(2026, 11, 19))
    end.setDate(QDate(2026, 11, 19))
    assert chart.bar_count() == 0
    assert view.model().table.rows == []


def test_grouping_by_payment_and_a_reversed_period(manager, demo, users, qtbot):
    screen = manager.shell.show_screen("reports")
    sell(demo, users["Fatima"], "HON-THY-500")
    grouping = find(screen, QComboBox, "reportGrouping")
    grouping.setCurrentIndex(grouping.findData("payment"))
    assert [(b.label, b.value) for b in screen.chart.bars] == [("Cash", 20000)]
    find(screen, QDateEdit, "reportFrom").setDate(QDate(2026, 11, 25))
    message = find(screen, QLabel, "reportMessage")
    assert message.isVisibleTo(screen)
    assert message.text() == "The end date is before the start date."
    assert not find(screen, type(screen.buttons["export"]), "exportReport").isEnabled()
    click(screen, "periodToday", qtbot)
    assert not message.isVisibleTo(screen)
    assert screen.chart.bar_count() == 1


def test_export_csv_on_a_worker_thread(manager, demo, users, qtbot, tmp_path, monkeypatch):
    screen = manager.shell.show_screen("reports")
    sell(demo, users["Fatima"], "ARG-OIL-100", "SAF-1G")
    target = tmp_path / "export" / "ventes"
    target.parent.mkdir()
    monkeypatch.setattr(screen, "ask_export_path", lambda suggested: str(target))
    click(screen, "exportReport", qtbot)
    written = target.with_name("ventes.csv")
    qtbot.waitUntil(written.exists, timeout=5000)
    lines = written.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "code,name,quantity,net,commission,payable"
    assert [line.split(",")[0] for line in lines[1:]] == ["ASAFU", "TIFAW"]
    qtbot.waitUntil(lambda: "2 rows exported" in label_text(screen, "reportMessage"))


def test_x_report_shows_the_current_shift(manager, demo, users, qtbot):
    screen = manager.shell.show_screen("reports")
    sell(demo, users["Fatima"], "ARG-OIL-250")
    seen = {}

    def read(dialog):
        seen["text"] = dialog.findChild(QPlainTextEdit, "reportText").toPlainText()

    on_dialog("reportView", read)
    click(screen, "xReport", qtbot)
    assert "120.00" in seen["text"]

    # no shift closed yet: said in the screen, no dialog
    click(screen, "zReport", qtbot)
    assert label_text(screen, "reportMessage") == "No shift has been closed yet."


# -- settings ----------------------------------------------------------------------------------


def test_settings_are_saved_and_read_back(manager, demo, qtbot):
    screen = manager.shell.show_screen("settings")
    find(screen, QLineEdit, "shop_name").setText("Coopérative Al Amal")
    find(screen, QLineEdit, "discount_limit").setText("7,5")
    language = find(screen, QComboBox, "language")
    language.setCurrentIndex(language.findData("ar"))
    click(screen, "settingsSave", qtbot)
    assert label_text(screen, "settingsMessage") == "Settings saved."
    with demo.read() as s:
        assert settings.get(s, "shop.name") == "Coopérative Al Amal"
        assert settings.get(s, "discount.seller_limit_bp") == 750
        assert settings.get(s, "language") == "ar"
    # a fresh screen reads the saved values back
    again = type(screen)(manager.session)
    assert find(again, QLineEdit, "shop_name").text() == "Coopérative Al Amal"
    assert find(again, QLineEdit, "discount_limit").text() == "7.5"
    assert find(again, QComboBox, "language").currentData() == "ar"


def test_a_wrong_ice_is_refused_in_one_sentence(manager, demo, qtbot):
    screen = manager.shell.show_screen("settings")
    find(screen, QLineEdit, "shop_name").setText("Autre nom")
    find(screen, QLineEdit, "shop_ice").setText("12345")
    click(screen, "settingsSave", qtbot)
    assert label_text(screen, "settingsMessage") == "An ICE is 15 digits."
    with demo.read() as s:
        assert settings.get(s, "shop.name") == "Boutique solidaire Tamount"


def test_backup_now_writes_a_file_on_the_usb_key(manager, qtbot, tmp_path):
    screen = manager.shell.show_screen("settings")
    usb = tmp_path / "usb"
    usb.mkdir()
    find(screen, QLineEdit, "backup_folder").setText(str(usb))
    click(screen, "backupNow", qtbot)
    qtbot.waitUntil(lambda: any(usb.glob("coopos-*.db")), timeout=10000)
    [copy] = usb.glob("coopos-*.db")
    assert backup.check_backup_file(copy)  # a real, restorable coopos database
    qtbot.waitUntil(lambda: str(copy) in label_text(screen, "settingsMessage"))


def test_backup_to_a_missing_usb_key_is_refused(manager, qtbot, tmp_path):
    screen = manager.shell.show_screen("settings")
    find(screen, QLineEdit, "backup_folder").setText(str(tmp_path / "unplugged"))
    click(screen, "backupNow", qtbot)
    assert "plug in the USB key" in label_text(screen, "settingsMessage")
    assert not (tmp_path / "unplugged").exists()


def test_restore_checks_the_file_first(manager, qtbot, tmp_path, monkeypatch):
    screen = manager.shell.show_screen("settings")
    fake = tmp_path / "notes.db"
    fake.write_text("not a database")
    monkeypatch.setattr(screen, "ask_restore_file", lambda: str(fake))
    monkeypatch.setattr(screen, "confirm_restore", lambda source: pytest.fail("asked anyway"))
    click(screen, "restoreBackup", qtbot)
    assert label_text(screen, "settingsMessage") == "notes.db is not a coopos database."


# -- users -------------------------------------------------------------------------------------


def fill_user(dialog, name: str, pin: str, pin2: str, role: str = "manager") -> None:
    dialog.findChild(QLineEdit, "userName").setText(name)
    roles = dialog.findChild(QComboBox, "userRole")
    roles.setCurrentIndex(roles.findData(role))
    dialog.findChild(QLineEdit, "userPin").setText(pin)
    dialog.findChild(QLineEdit, "userPin2").setText(pin2)


def test_adding_a_user_needs_the_same_pin_twice(manager, demo, qtbot):
    screen = manager.shell.show_screen("users")
    seen = {}

    def add(dialog):
        fill_user(dialog, "Karima", "5678", "5679")
        click(dialog, "saveUser", qtbot)
        seen["error"] = label_text(dialog, "userError")
        seen["still_open"] = dialog.isVisible()
        dialog.findChild(QLineEdit, "userPin2").setText("5678")
        click(dialog, "saveUser", qtbot)
        seen["closed"] = not dialog.isVisible()

    on_dialog("userDialog", add)
    click(screen, "addUser", qtbot)
    assert seen == {
        "error": "The two PINs are different: type the PIN again.",
        "still_open": True,
        "closed": True,
    }
    karima = user_service.authenticate(demo, "5678")
    assert (karima.name, karima.role) == ("Karima", "manager")
    view = find(screen, type(screen.view), "usersTable")
    row = row_of(view, "name", "Karima")
    assert cell(view, row, "role") == "Manager"
    assert cell(view, row, "active") == "Active"


def test_a_pin_already_used_is_refused(manager, demo, qtbot):
    screen = manager.shell.show_screen("users")
    seen = {}

    def add(dialog):
        fill_user(dialog, "Omar", "1111", "1111", "seller")  # Fatima's PIN
        click(dialog, "saveUser", qtbot)
        seen["error"] = label_text(dialog, "userError")

    on_dialog("userDialog", add)
    click(screen, "addUser", qtbot)
    assert seen["error"] == "This PIN is already used by another user."
    assert [u.name for u in user_service.list_users(demo)] == ["Admin", "Fatima", "Youssef"]


def test_deactivate_and_reactivate_a_seller(manager, demo, qtbot, monkeypatch):
    screen = manager.shell.show_screen("users")
    monkeypatch.setattr(screen, "confirm", lambda title, question: True)
    view = find(screen, type(screen.view), "usersTable")
    view.selectRow(row_of(view, "name", "Fatima"))
    click(screen, "toggleUser", qtbot)
    assert cell(view, row_of(view, "name", "Fatima"), "active") == "Deactivated"
    assert screen.buttons["toggle"].text() == "Reactivate"
    with pytest.raises(Exception, match="Wrong PIN"):
        user_service.authenticate(demo, "1111")

    # a returning user gets a PIN checked like a new one (4444 is free; 2222 is Youssef's)
    def repin(dialog, pin):
        dialog.findChild(QLineEdit, "userPin").setText(pin)
        dialog.findChild(QLineEdit, "userPin2").setText(pin)
        click(dialog, "saveUser", qtbot)
        seen.append(label_text(dialog, "userError") if dialog.isVisible() else "")
        if dialog.isVisible():
            dialog.reject()

    seen: list[str] = []
    on_dialog("pinDialog", lambda d: repin(d, "2222"))
    click(screen, "toggleUser", qtbot)
    assert seen == ["This PIN is already used by another user."]
    assert cell(view, row_of(view, "name", "Fatima"), "active") == "Deactivated"
    on_dialog("pinDialog", lambda d: repin(d, "4444"))
    click(screen, "toggleUser", qtbot)
    assert user_service.authenticate(demo, "4444").name == "Fatima"
    # nobody locks themselves out
    view.selectRow(row_of(view, "name", "Youssef"))
    click(screen, "toggleUser", qtbot)
    assert label_text(screen, "usersMessage") == "You cannot deactivate yourself."


# -- fairs -------------------------------------------------------------------------------------


def test_a_new_fair_stand_appears_in_the_table(manager, demo, qtbot):
    screen = manager.shell.show_screen("fairs")
    view = find(screen, type(screen.view), "locationsTable")
    before = view.model().rowCount()
    seen = {}

    def create(dialog):
        dialog.findChild(QLineEdit, "fairCode").setText("agadir-26")
        click(dialog, "saveFair", qtbot)
        seen["error"] = label_text(dialog, "fairError")  # the fair has no name yet
        dialog.findChild(QLineEdit, "fairName").setText("Foire de l'arganier")
        dialog.findChild(QLineEdit, "fairCity").setText("Agadir")
        dialog.findChild(QDateEdit, "fairStarts").setDate(QDate(2026, 12, 4))
        dialog.findChild(QDateEdit, "fairEnds").setDate(QDate(2026, 12, 7))
        click(dialog, "saveFair", qtbot)

    on_dialog("fairDialog", create)
    click(screen, "newFair", qtbot)
    assert seen["error"] == "A fair needs a code and a name."
    assert view.model().rowCount() == before + 1
    row = row_of(view, "code", "STAND-AGADIR-26")
    assert cell(view, row, "kind") == "Stand"
    assert cell(view, row, "fair") == "Foire de l'arganier"
    assert cell(view, row, "city") == "Agadir"
    assert cell(view, row, "dates") == "4 Dec 2026 – 7 Dec 2026"
    with demo.read() as s:
        location = s.execute(
            select(Location).where(Location.code == "STAND-AGADIR-26")
        ).scalar_one()
        fair = s.get(Fair, location.fair_id)
        assert (location.kind, fair.name, str(fair.starts_on), fair.status) == (
            "stand",
            "Foire de l'arganier",
            "2026-12-04",
            "open",
        )


def test_a_new_warehouse_and_a_duplicate_code(manager, demo, qtbot):
    screen = manager.shell.show_screen("fairs")
    view = find(screen, type(screen.view), "locationsTable")
    seen = {}

    def create(dialog, code):
        dialog.findChild(QLineEdit, "locationCode").setText(code)
        dialog.findChild(QLineEdit, "locationName").setText("Dépôt Tiznit")
        click(dialog, "saveLocation", qtbot)
        seen[code] = label_text(dialog, "locationError") if dialog.isVisible() else ""

    on_dialog("locationDialog", lambda d: create(d, "WH"))
    click(screen, "newLocation", qtbot)
    assert seen["WH"] == "Location WH already exists."
    on_dialog("locationDialog", lambda d: create(d, "WH2"))
    click(screen, "newLocation", qtbot)
    assert cell(view, row_of(view, "code", "WH2"), "kind") == "Warehouse"
    assert label_text(screen, "fairsMessage") == "Location WH2 added."


def test_the_screens_refresh_on_core_events(manager, demo, users):
    fairs = manager.shell.show_screen("fairs")
    people = manager.shell.show_screen("users")
    locations.add_location(demo, "TAROUDANT", "shop", "Boutique Taroudant", users["Admin"].id)
    assert "TAROUDANT" in fairs.codes()
    user_service.create_user(demo, "Brahim", "seller", "9876", users["Admin"].id)
    assert "Brahim" in [u.name for u in people.users]


# -- the chart ---------------------------------------------------------------------------------


def painted_span(chart, colour: str) -> tuple[int, int]:
    """The leftmost and rightmost x where ``colour`` was painted."""
    from PySide6.QtGui import QColor

    image = chart.grab().toImage()
    target = QColor(colour).rgb()
    xs = [
        x
        for y in range(0, image.height(), 2)
        for x in range(image.width())
        if image.pixel(x, y) == target
    ]
    assert xs, f"nothing painted in {colour}"
    return min(xs), max(xs)


def test_the_chart_mirrors_right_to_left(qtbot):
    from PySide6.QtCore import Qt

    from ui.theme import ACCENT, DANGER
    from ui.widgets.chart import Bar, BarChart

    chart = BarChart()
    qtbot.addWidget(chart)
    chart.resize(420, 240)
    chart.set_bars([Bar("TIFAW", 24000), Bar("ASAFU", 4500)], "Net sales")
    left, right = painted_span(chart, ACCENT)
    assert 40 < left < 140  # after the labels, on the left
    chart.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    rtl_left, rtl_right = painted_span(chart, ACCENT)
    assert abs((chart.width() - 1 - rtl_right) - left) <= 2  # the same bars, mirrored
    assert abs((chart.width() - 1 - rtl_left) - right) <= 2

    # a day with more refunds than sales grows the other way, in red
    chart.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    chart.set_bars([Bar("Mon", 24000), Bar("Tue", -6000)], "Net sales")
    _red_left, red_right = painted_span(chart, DANGER)
    teal_left, _teal_right = painted_span(chart, ACCENT)
    assert red_right <= teal_left + 1


def test_printer_settings_detection_and_preview(manager, demo, users, qtbot, monkeypatch):
    from coopos.printing import printers

    screen = manager.shell.show_screen("settings")
    monkeypatch.setattr(
        printers,
        "detect_printers",
        lambda: [printers.FoundPrinter("usb:0416:5011", "USB printer POS-80")],
    )
    click(screen, "findPrinters", qtbot)
    detected = find(screen, QComboBox, "detectedPrinters")
    qtbot.waitUntil(lambda: detected.count() == 2, timeout=10000)
    screen.use_detected(1)
    assert find(screen, QLineEdit, "printer_uri").text() == "usb:0416:5011"
    find(screen, QComboBox, "drawer_pin").setCurrentIndex(1)  # pin 5
    click(screen, "settingsSave", qtbot)
    with demo.read() as s:
        assert settings.get(s, "printer.uri") == "usb:0416:5011"
        assert settings.get(s, "printer.drawer_pin") == 5

    # preview: nothing sold yet, then the last sale at the chosen width
    click(screen, "previewReceipt", qtbot)
    assert "no sale yet" in label_text(screen, "settingsMessage")
    checkout = Checkout(demo, users["Fatima"])
    checkout.scan("SAF-1G")
    checkout.start_payment()
    checkout.pay_exact()
    checkout.complete()
    seen = []

    def look():
        dialog = active_dialog("receiptPreview")
        picture = dialog.findChild(QLabel, "receiptPicture")
        seen.append(picture.pixmap().width())
        dialog.done(QDialog.DialogCode.Rejected)

    QTimer.singleShot(50, look)
    click(screen, "previewReceipt", qtbot)
    assert seen == [576]


def test_enroll_from_settings_then_sales_reach_the_server(manager, demo, users, qtbot, live_server):
    from coopos.server import admin as server_admin

    db, url = live_server
    code = server_admin.add_device(db, prefix="T01").code
    screen = manager.shell.show_screen("settings")
    assert "Standalone" in label_text(screen, "syncState")
    find(screen, QLineEdit, "sync_url").setText(url)
    find(screen, QLineEdit, "sync_code").setText(code)
    click(screen, "enrollButton", qtbot)
    qtbot.waitUntil(lambda: "Enrolled with" in label_text(screen, "syncState"), timeout=15000)

    checkout = Checkout(demo, users["Fatima"])
    checkout.scan("SAF-1G")
    checkout.start_payment()
    checkout.pay_exact()
    checkout.complete()
    manager.sync.sync_now()  # what the loop does a few seconds after a sale
    status = manager.findChild(QLabel, "syncStatus")
    qtbot.waitUntil(lambda: "all sent" in status.text(), timeout=15000)
    found, _more = server_admin.sales(db, server_admin.SalesFilter(kind="sale"))
    assert [row["receipt_no"] for row in found] == ["T01-000001"]
