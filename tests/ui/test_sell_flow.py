"""The seller's paths through the app, driven like a user: PIN, scanner, buttons."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QSpinBox
from sqlalchemy import select

from coopos.db.models import Sale, SalePayment
from coopos.services import shifts
from tests.ui.conftest import active_dialog, click, find, label_text, login, scan


def open_shift(demo, users):
    shifts.open_shift(demo, users["Fatima"].id, 50000)


def later(fn, ms: int = 50):
    """Act on a modal dialog once its exec() is running."""
    QTimer.singleShot(ms, fn)


def pay_exact_cash(window, qtbot, receipt: str = "receiptSkip") -> None:
    """Pay, Exact cash, Confirm, then answer the receipt question with ``receipt``."""

    def pay():
        dialog = active_dialog("paymentDialog")
        click(dialog, "exactCash", qtbot)
        later(lambda: click(active_dialog("afterSaleDialog"), receipt, qtbot))
        click(dialog, "confirmPayment", qtbot)

    later(pay)
    click(window, "payButton", qtbot)


def sales(demo):
    with demo.read() as s:
        return s.execute(select(Sale).order_by(Sale.id)).scalars().all()


def test_login_scan_three_and_pay_with_a_200_note(window, qtbot, demo, users):
    open_shift(demo, users)
    login(window, qtbot, "1111")
    assert window.session.user.name == "Fatima"
    for code in ("6111042001017", "6111042001017", "ARG-OIL-250"):  # 60 + 60 + 120
        scan(window, qtbot, code)
    assert window.session.checkout.totals.total == 24000
    assert label_text(window, "totalLabel") == "240.00\u00a0MAD"
    seen = {}

    def pay():
        dialog = active_dialog("paymentDialog")
        click(dialog, "note_200", qtbot)
        click(dialog, "note_50", qtbot)
        seen["change"] = label_text(dialog, "changeLabel")
        later(after_sale)
        click(dialog, "confirmPayment", qtbot)

    def after_sale():
        click(active_dialog("afterSaleDialog"), "receiptSkip", qtbot)

    later(pay)
    click(window, "payButton", qtbot)
    assert seen["change"] == "Change: 10.00\u00a0MAD"
    [sale] = sales(demo)
    assert (sale.receipt_no, sale.total_cents, sale.change_cents) == ("T01-000001", 24000, 1000)
    assert window.session.checkout.lines == []  # ready for the next customer
    assert "T01-000001" in label_text(window, "sellMessage")


def test_a_weighed_item(window, qtbot, demo, users):
    open_shift(demo, users)
    login(window, qtbot, "1111")

    later(enter_weight)
    scan(window, qtbot, "CSC-VRAC")
    [line] = window.session.checkout.lines
    assert str(line.quantity) == "1.250"
    assert window.session.checkout.totals.total == 2750


def enter_weight():
    from PySide6.QtWidgets import QApplication

    from ui.widgets.keypad import ValueDialog

    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, ValueDialog) and widget.isVisible():
            widget.findChild(QLineEdit, "valueInput").setText("1,250")
            widget.accept()
            return
    raise AssertionError("no weight dialog")


def test_split_payment_cash_and_card(window, qtbot, demo, users):
    open_shift(demo, users)
    login(window, qtbot, "1111")
    scan(window, qtbot, "SAF-1G")  # 45.00
    scan(window, qtbot, "ARG-OIL-250")  # 120.00

    def pay():
        dialog = active_dialog("paymentDialog")
        dialog.findChild(QLineEdit, "cashTendered").setText("100")
        click(dialog, "addCash", qtbot)
        assert "65.00" in label_text(dialog, "remainingLabel")
        click(dialog, "pay_card", qtbot)
        later(lambda: click(active_dialog("afterSaleDialog"), "receiptSkip", qtbot))
        click(dialog, "confirmPayment", qtbot)

    later(pay)
    click(window, "payButton", qtbot)
    with demo.read() as s:
        paid = dict(s.execute(select(SalePayment.method, SalePayment.amount_cents)).all())
    assert paid == {"cash": 10000, "card": 6500}


def test_exact_cash_is_three_touches_after_the_last_scan(window, qtbot, demo, users):
    open_shift(demo, users)
    login(window, qtbot, "1111")
    scan(window, qtbot, "SAF-1G")
    touches = []

    def pay():
        dialog = active_dialog("paymentDialog")
        click(dialog, "exactCash", qtbot)
        touches.append("exact")
        later(lambda: click(active_dialog("afterSaleDialog"), "receiptSkip", qtbot))
        click(dialog, "confirmPayment", qtbot)
        touches.append("confirm")

    later(pay)
    click(window, "payButton", qtbot)
    touches.insert(0, "pay")
    assert touches == ["pay", "exact", "confirm"]
    assert len(sales(demo)) == 1


def test_unknown_barcode_says_so_and_adds_nothing(window, qtbot, demo, users):
    open_shift(demo, users)
    login(window, qtbot, "1111")
    scan(window, qtbot, "6119999999999")
    assert window.session.checkout.lines == []
    message = find(window, QLabel, "sellMessage")
    assert message.isVisible() and "Unknown barcode “6119999999999”" in message.text()


def test_wrong_pin_is_refused(window, qtbot):
    login(window, qtbot, "9999")
    assert window.session.user is None
    error = find(window, QLabel, "loginError")
    assert error.isVisible() and error.text() == "Wrong PIN."


def test_refund_with_manager_pin(window, qtbot, demo, users):
    open_shift(demo, users)
    login(window, qtbot, "1111")
    scan(window, qtbot, "6111042001017")
    scan(window, qtbot, "6111042001017")

    pay_exact_cash(window, qtbot)

    def returns():
        dialog = active_dialog("returnsDialog")
        dialog.findChild(QLineEdit, "receiptInput").setText("T01-000001")
        click(dialog, "findReceipt", qtbot)
        dialog.findChild(type(dialog.table), "returnLines").item(0, 3).setText("1")
        later(approve)
        click(dialog, "refundButton", qtbot)

    def approve():
        dialog = active_dialog("managerApproval")
        dialog.findChild(QLineEdit, "pinInput").setText("1111")  # a seller: refused
        dialog.pad.submit()
        assert "manager's PIN" in dialog.error.text()
        dialog.findChild(QLineEdit, "pinInput").setText("250917")
        dialog.pad.submit()

    later(returns)
    click(window, "returnsButton", qtbot)
    refund = sales(demo)[-1]
    assert (refund.kind, refund.total_cents, refund.receipt_no) == ("refund", -6000, "T01-000002")
    assert "give back 60.00" in label_text(window, "sellMessage")


def test_closing_a_shift_with_a_count_that_differs(window, qtbot, demo, users):
    open_shift(demo, users)  # float 500.00
    login(window, qtbot, "1111")
    scan(window, qtbot, "SAF-1G")

    pay_exact_cash(window, qtbot)
    screen = window.shell.show_screen("shifts")
    reports = {}

    def count():
        dialog = active_dialog("closeShiftDialog")
        dialog.findChild(QSpinBox, "count_20000").setValue(2)
        dialog.findChild(QSpinBox, "count_5000").setValue(2)  # 500 counted, 545 expected
        reports["difference"] = dialog.findChild(QLabel, "cashDifference").text()
        later(confirm)  # the close cannot be undone: it is confirmed once
        click(dialog, "confirmClose", qtbot)

    def confirm():
        later(lambda: active_dialog("reportView").accept())
        click(active_dialog("confirmCloseShift"), "closeShiftYes", qtbot)

    later(count)
    click(screen, "shift_close", qtbot)
    assert reports["difference"] == "Difference: -45.00\u00a0MAD"
    report = shifts.z_report(demo)
    assert (report.expected_cash, report.counted_cash) == (54500, 50000)
    assert "No shift is open" in label_text(screen, "shiftStatus")


def test_the_cart_survives_a_restart(app_session, qtbot, demo, users):
    from ui.main_window import MainWindow
    from ui.session import AppSession

    open_shift(demo, users)
    first = MainWindow(app_session)
    qtbot.addWidget(first)
    first.show()
    login(first, qtbot, "1111")
    scan(first, qtbot, "SAF-1G")
    app_session.save_cart()
    first.close()
    again = AppSession(demo)  # as after a crash: a new process on the same file
    second = MainWindow(again)
    qtbot.addWidget(second)
    second.show()
    login(second, qtbot, "1111")
    assert [line.sku for line in again.checkout.lines] == ["SAF-1G"]
    again.bridge.close()


def test_first_run_creates_the_shop_and_admin(qapp, qtbot, tmp_path):
    from coopos.services import settings, users
    from coopos.services.context import Context
    from ui.main_window import MainWindow
    from ui.session import AppSession

    ctx = Context.open(tmp_path / "new.db")
    session = AppSession(ctx)
    win = MainWindow(session)
    qtbot.addWidget(win)
    win.show()
    page = win.first_run
    assert win.pages.currentWidget() is page
    page.fields["shop.name"].setText("Coopérative Tamount")
    page.fields["shop.ice"].setText("123")  # not 15 digits
    page.pin.setText("482615")
    page.pin2.setText("482615")
    click(page, "createShop", qtbot)
    assert "ICE" in page.error.text()
    page.fields["shop.ice"].setText("002345678000019")
    page.pin2.setText("482616")
    click(page, "createShop", qtbot)
    assert page.error.text() == "The two PINs differ."
    session_users = users.list_users(ctx)
    assert session_users == []  # nothing half-written
    page.pin2.setText("482615")
    click(page, "createShop", qtbot)
    assert win.pages.currentWidget() is win.login
    with ctx.read() as s:
        assert settings.get(s, "shop.ice") == "002345678000019"

    def opening_float():  # no shift is open yet: the app asks for the float
        from PySide6.QtWidgets import QApplication

        from ui.widgets.keypad import ValueDialog

        [dialog] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, ValueDialog) and w.isVisible()
        ]
        dialog.field.setText("300")
        dialog.accept()

    later(opening_float, 100)
    login(win, qtbot, "482615")
    assert session.user.name == "Admin"
    qtbot.waitUntil(session.shift_open, timeout=3000)
    session.bridge.close()
    ctx.close()


def test_keyboard_shortcuts_work_from_the_scan_field(window, qtbot, demo, users):
    """The scan field keeps the focus: the documented keys must work from there."""
    from PySide6.QtCore import Qt

    open_shift(demo, users)
    login(window, qtbot, "1111")
    field = find(window, QLineEdit, "scanInput")
    for code in ("SAF-1G", "ARG-OIL-250", "HON-THY-500"):
        scan(window, qtbot, code)
    assert field.hasFocus()
    qtbot.keyClick(field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [ln.sku for ln in window.session.checkout.lines] == ["SAF-1G", "ARG-OIL-250"]
    assert field.text() == ""  # and the field did not undo its own text instead
    qtbot.keyClick(field, Qt.Key.Key_Delete)  # empty field: removes the selected line
    assert [ln.sku for ln in window.session.checkout.lines] == ["SAF-1G"]
    field.setText("abc")
    qtbot.keyClick(field, Qt.Key.Key_Home)
    qtbot.keyClick(field, Qt.Key.Key_Delete)  # text in the field: edits the text
    assert field.text() == "bc" and len(window.session.checkout.lines) == 1
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert field.text() == ""
    opened = []
    later(
        lambda: (
            opened.append(active_dialog("paymentDialog").objectName()),
            active_dialog("paymentDialog").reject(),
        )
    )
    qtbot.keyClick(field, Qt.Key.Key_F12)
    assert opened == ["paymentDialog"]


def test_receipt_printed_after_a_sale_on_a_file_printer(window, qtbot, demo, users, tmp_path):
    """With a printer set, "Print receipt" sends an ESC/POS job off the GUI thread and the
    sell screen says so; the sale is saved whatever the printer does."""
    from coopos.services import settings as settings_service

    job = tmp_path / "receipts.bin"
    settings_service.update(demo, {"printer.uri": f"file:{job}"})
    open_shift(demo, users)
    login(window, qtbot, "1111")
    scan(window, qtbot, "SAF-1G")

    pay_exact_cash(window, qtbot, receipt="receiptPrint")
    qtbot.waitUntil(lambda: "printed" in label_text(window, "sellMessage"), timeout=10000)
    data = job.read_bytes()
    kick = b"\x1b@" + b"\x1bp\x00"  # a cash sale: the drawer opens first (pin 2)
    assert data.startswith(kick) and b"\x1dv0" in data  # then the receipt's raster bands
    assert len(sales(demo)) == 1


def test_an_unreachable_printer_queues_the_receipt_until_retry(
    window, qtbot, demo, users, tmp_path
):
    """The sale is saved and the till goes on; the sell screen keeps a "waiting to print"
    button; once the printer is back, Retry in the queue dialog prints it."""
    from coopos.services import settings as settings_service

    missing = tmp_path / "unplugged" / "lp0"  # a device that is not there
    settings_service.update(
        demo, {"printer.uri": f"file:{missing}", "printer.drawer_on_cash": False}
    )
    open_shift(demo, users)
    login(window, qtbot, "1111")
    scan(window, qtbot, "SAF-1G")
    pay_exact_cash(window, qtbot, receipt="receiptPrint")
    button = find(window, QPushButton, "printQueueButton")
    qtbot.waitUntil(lambda: button.isVisible(), timeout=10000)
    assert "1 waiting to print" in button.text()
    assert "was not printed" in label_text(window, "sellMessage")
    assert len(sales(demo)) == 1 and window.session.checkout.lines == []

    missing.parent.mkdir()  # the printer is plugged back in
    retried = []

    def retry():
        dialog = active_dialog("printQueueDialog")
        assert "Receipt T01-000001" in dialog.jobs.item(0).text()
        dialog.retry_button.click()
        qtbot.waitUntil(lambda: dialog.jobs.count() == 0, timeout=10000)
        retried.append(label_text(dialog, "printQueueState"))
        dialog.accept()

    later(retry)
    button.click()
    assert retried and "printed" in retried[0]
    assert not button.isVisible()
    assert missing.read_bytes().startswith(b"\x1b@")


def test_open_drawer_from_the_shift_screen_is_audited(window, qtbot, demo, users, monkeypatch):
    from sqlalchemy import select as sql_select

    from coopos.db.models import AuditEntry
    from ui.screens import shifts as shift_screen

    open_shift(demo, users)
    login(window, qtbot, "250917")  # a manager: approves without typing the PIN again
    screen = window.shell.show_screen("shifts")
    monkeypatch.setattr(shift_screen, "ask_text", lambda *args: "change for a customer")
    click(screen, "shift_drawer", qtbot)
    assert "open it by hand" in label_text(screen, "shiftStatus")  # no printer set up
    with demo.read() as s:
        [entry] = (
            s.execute(sql_select(AuditEntry).where(AuditEntry.action == "drawer_opened"))
            .scalars()
            .all()
        )
    assert entry.user_id == users["Youssef"].id and "change for a customer" in entry.details


def test_scanning_a_receipts_qr_opens_its_sale_for_a_return(window, qtbot, demo, users):
    from coopos.printing import qr
    from coopos.services import settings as settings_service

    open_shift(demo, users)
    login(window, qtbot, "1111")
    scan(window, qtbot, "SAF-1G")
    pay_exact_cash(window, qtbot)
    with demo.read() as s:
        sale_uuid = s.execute(select(Sale.uuid)).scalar()
        secret = settings_service.get(s, "receipt.secret")
    opened = []

    def look():
        dialog = active_dialog("returnsDialog")
        opened.append((dialog.receipt_no, dialog.table.rowCount()))
        dialog.reject()

    later(look)
    scan(window, qtbot, qr.sign(secret, sale_uuid))
    assert opened == [("T01-000001", 1)]
    assert window.session.checkout.lines == []  # the QR added nothing to the cart

    forged = qr.sign("another shop's secret", sale_uuid)
    later(look)
    scan(window, qtbot, forged)
    assert opened[-1] == (None, 0)


def test_the_cart_selection_works_right_to_left(window, qtbot, demo, users):
    """Qt's selectRow selects nothing in a right-to-left table: + and - must still act on
    the line just scanned in Arabic."""
    from PySide6.QtCore import Qt as QtCore_Qt
    from PySide6.QtWidgets import QApplication

    open_shift(demo, users)
    login(window, qtbot, "1111")
    QApplication.instance().setLayoutDirection(QtCore_Qt.LayoutDirection.RightToLeft)
    try:
        scan(window, qtbot, "SAF-1G")
        scan(window, qtbot, "ARG-OIL-100")
        cart = window.shell.sell.cart
        assert [i.row() for i in cart.selectionModel().selectedRows()] == [1]
        click(window.shell.sell, "plusButton", qtbot)
        assert [line.quantity for line in window.session.checkout.lines] == [1, 2]
    finally:
        QApplication.instance().setLayoutDirection(QtCore_Qt.LayoutDirection.LeftToRight)
