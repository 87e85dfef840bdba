"""The seller's paths through the app, driven like a user: PIN, scanner and keys typed
into the focused widget (the seller helper), fingers on buttons for touch."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QSpinBox
from sqlalchemy import select

from coopos.db.models import Sale, SalePayment
from coopos.services import shifts
from tests.ui.conftest import active_dialog, click, find, label_text
from tests.ui.seller import DOWN, ENTER, ESCAPE, F12, Seller, expect, press, scan
from tests.ui.selling import activate, first_start, front, in_front, open_window


def open_shift(demo, users):
    shifts.open_shift(demo, users["Fatima"].id, 50000)


def touch(seller, name: str):
    """A step: a finger on the button of the window in front."""
    return lambda: seller.touch(find(front(), QPushButton, name))


def pay_exact_cash(seller, receipt: str = "receiptSkip") -> None:
    """Pay, Exact cash, Confirm (touches), then answer the receipt question."""
    seller.do(
        touch(seller, "payButton"),
        expect("paymentDialog"),
        touch(seller, "exactCash"),
        touch(seller, "confirmPayment"),
        expect("afterSaleDialog"),
        touch(seller, receipt),
    )


def sales(demo):
    with demo.read() as s:
        return s.execute(select(Sale).order_by(Sale.id)).scalars().all()


def test_login_scan_three_and_pay_with_a_200_note(window, seller, qtbot, demo, users):
    open_shift(demo, users)
    seller.do("1111", ENTER)
    assert window.session.user.name == "Fatima"
    for code in ("6111042001017", "6111042001017", "ARG-OIL-250"):  # 60 + 60 + 120
        seller.scan(code)
    assert window.session.checkout.totals.total == 24000
    assert label_text(window, "totalLabel") == "240.00\u00a0MAD"
    seen = {}

    def change():
        seen["change"] = label_text(in_front("paymentDialog"), "changeLabel")

    seller.do(
        F12,
        expect("paymentDialog"),
        touch(seller, "note_200"),
        touch(seller, "note_50"),
        change,
        touch(seller, "confirmPayment"),
        expect("afterSaleDialog"),
        touch(seller, "receiptSkip"),
    )
    assert seen["change"] == "Change: 10.00\u00a0MAD"
    [sale] = sales(demo)
    assert (sale.receipt_no, sale.total_cents, sale.change_cents) == ("T01-000001", 24000, 1000)
    assert window.session.checkout.lines == []  # ready for the next customer
    assert "T01-000001" in label_text(window, "sellMessage")


def test_a_weighed_item(window, seller, demo, users):
    open_shift(demo, users)
    seller.do("1111", ENTER, *scan("CSC-VRAC"), expect("valueDialog"), "1,250", ENTER)
    [line] = window.session.checkout.lines
    assert str(line.quantity) == "1.250"
    assert window.session.checkout.totals.total == 2750


def test_split_payment_cash_and_card(window, seller, demo, users):
    open_shift(demo, users)
    seen = {}

    def remaining():
        seen["remaining"] = label_text(in_front("paymentDialog"), "remainingLabel")

    seller.do(
        "1111",
        ENTER,
        *scan("SAF-1G"),  # 45.00
        *scan("ARG-OIL-250"),  # 120.00
        F12,
        expect("paymentDialog"),
        "100",
        ENTER,
        remaining,
        press("F5"),  # card: what is left
        ENTER,
        expect("afterSaleDialog"),
        ENTER,
    )
    assert "65.00" in seen["remaining"]
    with demo.read() as s:
        paid = dict(s.execute(select(SalePayment.method, SalePayment.amount_cents)).all())
    assert paid == {"cash": 10000, "card": 6500}


def test_exact_cash_is_three_touches_after_the_last_scan(window, seller, demo, users):
    open_shift(demo, users)
    seller.do("1111", ENTER, *scan("SAF-1G"))
    touches = []

    def touching(name: str):
        def step():
            touches.append(name)
            touch(seller, name)()

        return step

    seller.do(
        touching("payButton"),
        expect("paymentDialog"),
        touching("exactCash"),
        touching("confirmPayment"),
        expect("afterSaleDialog"),
        touch(seller, "receiptSkip"),
    )
    assert touches == ["payButton", "exactCash", "confirmPayment"]
    assert len(sales(demo)) == 1


def test_unknown_barcode_says_so_and_adds_nothing(window, seller, demo, users):
    open_shift(demo, users)
    seller.do("1111", ENTER, *scan("6119999999999"))
    assert window.session.checkout.lines == []
    message = find(window, QLabel, "sellMessage")
    assert message.isVisible() and "Unknown barcode “6119999999999”" in message.text()


def test_wrong_pin_is_refused(window, seller):
    seller.do("9999", ENTER)
    assert window.session.user is None
    error = find(window, QLabel, "loginError")
    assert error.isVisible() and error.text() == "Wrong PIN."


def test_refund_with_manager_pin(window, seller, qtbot, demo, users):
    open_shift(demo, users)
    seller.do("1111", ENTER, *scan("6111042001017"), *scan("6111042001017"))
    pay_exact_cash(seller)
    seen = {}

    def refused():
        seen["error"] = in_front("managerApproval").error.text()

    seller.do(
        press("F8"),
        expect("returnsDialog"),
        "T01-000001",
        ENTER,
        "+",  # the first line's stepper has the keyboard
        touch(seller, "refundButton"),
        expect("managerApproval"),
        "1111",  # a seller: refused
        ENTER,
        refused,
        "250917",
        ENTER,
    )
    assert "manager's PIN" in seen["error"]
    refund = sales(demo)[-1]
    assert (refund.kind, refund.total_cents, refund.receipt_no) == ("refund", -6000, "T01-000002")
    assert "give back 60.00" in label_text(window, "sellMessage")


def test_closing_a_shift_with_a_count_that_differs(window, seller, qtbot, demo, users):
    open_shift(demo, users)  # float 500.00
    seller.do("1111", ENTER, *scan("SAF-1G"))
    pay_exact_cash(seller)
    screen = window.shell.show_screen("shifts")
    reports = {}

    def count():
        # The close-shift dialog is the shifts screen's (its own issue redoes it).
        dialog = active_dialog("closeShiftDialog")
        dialog.findChild(QSpinBox, "count_20000").setValue(2)
        dialog.findChild(QSpinBox, "count_5000").setValue(2)  # 500 counted, 545 expected
        reports["difference"] = dialog.findChild(QLabel, "cashDifference").text()

    seller.do(
        lambda: seller.touch(find(screen, QPushButton, "shift_close")),
        expect("closeShiftDialog"),
        count,
        touch(seller, "confirmClose"),
        expect("confirmCloseShift"),  # the close cannot be undone: it is confirmed once
        touch(seller, "closeShiftYes"),
        expect("reportView"),
        lambda: in_front("reportView").accept(),
    )
    assert reports["difference"] == "Difference: -45.00\u00a0MAD"
    report = shifts.z_report(demo)
    assert (report.expected_cash, report.counted_cash) == (54500, 50000)
    assert "No shift is open" in label_text(screen, "shiftStatus")


def test_the_cart_survives_a_restart(app_session, qtbot, demo, users):
    from ui.session import AppSession

    open_shift(demo, users)
    first = open_window(app_session, qtbot)
    Seller(qtbot).do("1111", ENTER, *scan("SAF-1G"))
    app_session.save_cart()
    first.close()
    again = AppSession(demo)  # as after a crash: a new process on the same file
    second = open_window(again, qtbot)
    Seller(qtbot).do("1111", ENTER)
    assert [line.sku for line in again.checkout.lines] == ["SAF-1G"]
    second.close()
    again.bridge.close()


def test_first_run_creates_the_shop_and_admin(qapp, qtbot, tmp_path):
    from coopos.services import settings, users

    win = first_start(qtbot, tmp_path / "new.db")
    session, ctx = win.session, win.session.ctx
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

    activate(win, qtbot)  # no shift is open yet: the app asks for the float
    Seller(qtbot).do("482615", ENTER, expect("valueDialog"), "300", ENTER)
    assert session.user.name == "Admin"
    qtbot.waitUntil(session.shift_open, timeout=3000)
    session.bridge.close()
    ctx.close()


def test_keyboard_shortcuts_work_from_the_scan_field(window, seller, demo, users):
    """The scan field keeps the focus: the documented keys must work from there."""
    open_shift(demo, users)
    seller.do("1111", ENTER)
    field = find(window, QLineEdit, "scanInput")
    for code in ("SAF-1G", "ARG-OIL-250", "HON-THY-500"):
        seller.scan(code)
    assert field.hasFocus()
    seller.do(press("Ctrl+Z"))
    assert [ln.sku for ln in window.session.checkout.lines] == ["SAF-1G", "ARG-OIL-250"]
    assert field.text() == ""  # and the field did not undo its own text instead
    seller.do(press("Delete"))  # empty field: removes the selected line
    assert [ln.sku for ln in window.session.checkout.lines] == ["SAF-1G"]
    seller.do("abc", press("Home"), press("Delete"))  # text in the field: edits the text
    assert field.text() == "bc" and len(window.session.checkout.lines) == 1
    seller.do(ESCAPE)
    assert field.text() == ""
    opened = []
    seller.do(
        F12,
        expect("paymentDialog"),
        lambda: opened.append(in_front("paymentDialog").objectName()),
        ESCAPE,
    )
    assert opened == ["paymentDialog"]


def test_receipt_printed_after_a_sale_on_a_file_printer(
    window, seller, qtbot, demo, users, tmp_path
):
    """With a printer set, "Print receipt" sends an ESC/POS job off the GUI thread and the
    sell screen says so; the sale is saved whatever the printer does."""
    from coopos.services import settings as settings_service

    job = tmp_path / "receipts.bin"
    settings_service.update(demo, {"printer.uri": f"file:{job}"})
    open_shift(demo, users)
    seller.do("1111", ENTER, *scan("SAF-1G"))

    pay_exact_cash(seller, receipt="receiptPrint")
    qtbot.waitUntil(lambda: "printed" in label_text(window, "sellMessage"), timeout=10000)
    data = job.read_bytes()
    kick = b"\x1b@" + b"\x1bp\x00"  # a cash sale: the drawer opens first (pin 2)
    assert data.startswith(kick) and b"\x1dv0" in data  # then the receipt's raster bands
    assert len(sales(demo)) == 1


def test_an_unreachable_printer_queues_the_receipt_until_retry(
    window, seller, qtbot, demo, users, tmp_path
):
    """The sale is saved and the till goes on; the sell screen keeps a "waiting to print"
    button; once the printer is back, Retry in the queue dialog prints it."""
    from coopos.services import settings as settings_service

    missing = tmp_path / "unplugged" / "lp0"  # a device that is not there
    settings_service.update(
        demo, {"printer.uri": f"file:{missing}", "printer.drawer_on_cash": False}
    )
    open_shift(demo, users)
    seller.do("1111", ENTER, *scan("SAF-1G"))
    pay_exact_cash(seller, receipt="receiptPrint")
    button = find(window, QPushButton, "printQueueButton")
    qtbot.waitUntil(lambda: button.isVisible(), timeout=10000)
    assert "1 waiting to print" in button.text()
    assert "was not printed" in label_text(window, "sellMessage")
    assert len(sales(demo)) == 1 and window.session.checkout.lines == []

    missing.parent.mkdir()  # the printer is plugged back in
    retried = []

    def retry():
        dialog = in_front("printQueueDialog")
        assert "Receipt T01-000001" in dialog.jobs.item(0).text()
        seller.touch(dialog.retry_button)
        qtbot.waitUntil(lambda: dialog.jobs.count() == 0, timeout=10000)
        retried.append(label_text(dialog, "printQueueState"))
        dialog.accept()

    seller.do(press("Ctrl+J"), expect("printQueueDialog"), retry)
    assert retried and "printed" in retried[0]
    assert not button.isVisible()
    assert missing.read_bytes().startswith(b"\x1b@")


def test_open_drawer_from_the_shift_screen_is_audited(window, seller, demo, users, monkeypatch):
    from sqlalchemy import select as sql_select

    from coopos.db.models import AuditEntry
    from ui.screens import shifts as shift_screen

    open_shift(demo, users)
    seller.do("250917", ENTER)  # a manager: approves without typing the PIN again
    screen = window.shell.show_screen("shifts")
    monkeypatch.setattr(shift_screen, "ask_text", lambda *args: "change for a customer")
    seller.touch(find(screen, QPushButton, "shift_drawer"))
    assert "open it by hand" in label_text(screen, "shiftStatus")  # no printer set up
    with demo.read() as s:
        [entry] = (
            s.execute(sql_select(AuditEntry).where(AuditEntry.action == "drawer_opened"))
            .scalars()
            .all()
        )
    assert entry.user_id == users["Youssef"].id and "change for a customer" in entry.details


def test_scanning_a_receipts_qr_opens_its_sale_for_a_return(window, seller, demo, users):
    from coopos.printing import qr
    from coopos.services import settings as settings_service

    open_shift(demo, users)
    seller.do("1111", ENTER, *scan("SAF-1G"))
    pay_exact_cash(seller)
    with demo.read() as s:
        sale_uuid = s.execute(select(Sale.uuid)).scalar()
        secret = settings_service.get(s, "receipt.secret")
    opened = []

    def look():
        dialog = in_front("returnsDialog")
        opened.append((dialog.receipt_no, dialog.table.rowCount()))

    seller.do(*scan(qr.sign(secret, sale_uuid)), expect("returnsDialog"), look, ESCAPE)
    assert opened == [("T01-000001", 1)]
    assert window.session.checkout.lines == []  # the QR added nothing to the cart

    forged = qr.sign("another shop's secret", sale_uuid)
    seller.do(*scan(forged), expect("returnsDialog"), look, ESCAPE)
    assert opened[-1] == (None, 0)


def test_the_cart_selection_works_right_to_left(window, seller, demo, users):
    """Qt's selectRow selects nothing in a right-to-left table: + and - must still act on
    the line just scanned in Arabic."""
    from PySide6.QtCore import Qt as QtCore_Qt
    from PySide6.QtWidgets import QApplication

    open_shift(demo, users)
    seller.do("1111", ENTER)
    QApplication.instance().setLayoutDirection(QtCore_Qt.LayoutDirection.RightToLeft)
    try:
        seller.do(*scan("SAF-1G"), *scan("ARG-OIL-100"))
        cart = window.shell.sell.cart
        assert [i.row() for i in cart.selectionModel().selectedRows()] == [1]
        seller.touch(find(window.shell.sell, QPushButton, "plusButton"))
        assert [line.quantity for line in window.session.checkout.lines] == [1, 2]
        seller.do(DOWN, "+")  # the keyboard's way: the same line
        assert [line.quantity for line in window.session.checkout.lines] == [1, 3]
    finally:
        QApplication.instance().setLayoutDirection(QtCore_Qt.LayoutDirection.LeftToRight)
