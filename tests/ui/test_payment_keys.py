"""The payment dialog at the keyboard and the scanner: no phantom note, the amount typed
is the amount paid, the change shows while typing, a scan is never money."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QPushButton

from tests.ui.seller import BACKSPACE, ENTER, F12, TAB, expect, press, scan
from tests.ui.selling import (
    cash_field,
    in_front,
    payments,
    sales,
    text_of,
)

ARGAN_100 = "6111042001017"  # 60.00 MAD
NBSP = "\u00a0"


def start(seller, *codes: str) -> None:
    seller.do("1111", ENTER, *(step for code in codes for step in scan(code)))


def test_the_dialog_opens_in_the_cash_field_and_no_button_is_a_default(seller, open_shift):
    start(seller, ARGAN_100)
    seen = {}

    def look():
        dialog = in_front("paymentDialog")
        seen["focus"] = QApplication.focusWidget().objectName()
        seen["defaults"] = [
            b.objectName()
            for b in dialog.findChildren(QPushButton)
            if b.autoDefault() or b.isDefault()
        ]
        dialog.reject()

    seller.do(F12, expect("paymentDialog"), look)
    assert seen == {"focus": "cashTendered", "defaults": []}


def test_600_then_enter_pays_600_and_enter_again_confirms(seller, open_shift, app_session):
    start(seller, ARGAN_100)
    seen = {}

    def after_600():
        dialog = in_front("paymentDialog")
        seen["change"] = text_of(dialog, "changeLabel")
        seen["paid"] = [(p.method.value, p.amount) for p in app_session.checkout.payments]

    seller.do(
        F12,
        expect("paymentDialog"),
        "600",
        ENTER,
        after_600,
        ENTER,
        expect("afterSaleDialog"),
        ENTER,
    )
    assert seen == {"change": f"Change: 540.00{NBSP}MAD", "paid": [("cash", 60000)]}
    [sale] = sales(app_session.ctx)
    assert (sale.total_cents, sale.change_cents) == (6000, 54000)
    assert payments(app_session.ctx) == [("cash", 6000, 60000)]


def test_a_touch_in_the_cash_field_then_600_enter_adds_600_only(seller, open_shift, app_session):
    start(seller, ARGAN_100)
    seller.do(
        F12,
        expect("paymentDialog"),
        lambda: seller.touch(cash_field()),
        "600",
        ENTER,
        F12,
        expect("afterSaleDialog"),
        ENTER,
    )
    assert payments(app_session.ctx) == [("cash", 6000, 60000)]
    assert sales(app_session.ctx)[0].change_cents == 54000


def test_the_change_shows_while_typing_before_enter(seller, open_shift, app_session):
    start(seller, ARGAN_100)
    seen = []

    def look():
        dialog = in_front("paymentDialog")
        seen.append((text_of(dialog, "remainingLabel"), text_of(dialog, "changeLabel")))

    seller.do(
        F12,
        expect("paymentDialog"),
        "6",
        look,
        "0",
        look,
        "0",
        look,
        BACKSPACE,
        BACKSPACE,
        BACKSPACE,
        look,
        lambda: in_front("paymentDialog").reject(),
    )
    assert seen == [
        (f"Still to pay: 54.00{NBSP}MAD", f"Change: 0.00{NBSP}MAD"),
        ("Paid", f"Change: 0.00{NBSP}MAD"),
        ("Paid", f"Change: 540.00{NBSP}MAD"),
        (f"Still to pay: 60.00{NBSP}MAD", f"Change: 0.00{NBSP}MAD"),
    ]
    assert app_session.checkout.payments == []  # a preview, nothing was added


def test_a_scan_in_the_payment_dialog_is_refused_never_money(seller, open_shift, app_session):
    start(seller, ARGAN_100)
    seen = []

    def look():
        dialog = in_front("paymentDialog")
        error = dialog.error.text() if dialog.error.isVisible() else ""
        seen.append((list(app_session.checkout.payments), error, cash_field().text()))

    seller.do(
        F12,
        expect("paymentDialog"),
        *scan(ARGAN_100),
        look,
        *scan("6119999999999"),  # a barcode this shop does not know: still no money
        look,
        *scan("ARG-OIL-250"),  # a Code 128 label
        look,
        *scan("61110420", "azerty"),  # an EAN-8 from a scanner on AZERTY
        look,
        press("F9"),  # then exact cash, and Enter on the empty field confirms
        ENTER,
        expect("afterSaleDialog"),
        ENTER,
    )
    assert [(paid, field) for paid, _error, field in seen] == [([], "")] * 4
    assert seen[0][1] == (
        "“6111042001017” looks like a scanned barcode, not an amount: nothing was paid "
        "(press Esc to go back to the cart)."
    )
    assert all("looks like a scanned barcode" in error for _paid, error, _field in seen)
    assert payments(app_session.ctx) == [("cash", 6000, 6000)]


def test_digits_typed_while_a_button_has_the_focus_go_to_the_cash(seller, open_shift, app_session):
    start(seller, ARGAN_100)
    seen = {}

    def look():
        seen["focus"] = QApplication.focusWidget().objectName()

    seller.do(
        F12,
        expect("paymentDialog"),
        "6",
        TAB,
        TAB,
        look,
        "00",  # added to the 6 typed before Tab, not in its place
        ENTER,
        F12,
        expect("afterSaleDialog"),
        ENTER,
    )
    assert seen["focus"] != "cashTendered"  # Tab did move away
    assert payments(app_session.ctx) == [("cash", 6000, 60000)]


def test_f12_confirms_with_the_amount_typed(seller, open_shift, app_session):
    start(seller, ARGAN_100, ARGAN_100)
    seller.do(F12, expect("paymentDialog"), "200", F12, expect("afterSaleDialog"), ENTER)
    assert payments(app_session.ctx) == [("cash", 12000, 20000)]


def test_exact_cash_has_a_key_and_card_takes_the_rest(seller, open_shift, app_session):
    start(seller, ARGAN_100, ARGAN_100)
    seller.do(
        F12,
        expect("paymentDialog"),
        "50",
        ENTER,  # 50 in cash
        press("F5"),  # the rest by card
        ENTER,
        expect("afterSaleDialog"),
        ENTER,
    )
    assert payments(app_session.ctx) == [("cash", 5000, 5000), ("card", 7000, 7000)]
    seller.do(
        *scan(ARGAN_100),
        F12,
        expect("paymentDialog"),
        press("F9"),
        ENTER,
        expect("afterSaleDialog"),
        ENTER,
    )
    assert payments(app_session.ctx)[-1] == ("cash", 6000, 6000)


def test_escape_goes_back_to_the_cart_and_delete_removes_a_payment(
    seller, open_shift, app_session, window
):
    start(seller, ARGAN_100)
    seen = {}

    def look():
        seen["after_delete"] = list(app_session.checkout.payments)

    seller.do(
        F12,
        expect("paymentDialog"),
        "20",
        ENTER,
        press("Delete"),
        look,
        "20",
        ENTER,
        press("Escape"),
    )
    assert seen["after_delete"] == []
    assert app_session.checkout.state.value == "cart" and app_session.checkout.payments == []
    assert window.focusWidget().objectName() == "scanInput"
    assert [ln.sku for ln in app_session.checkout.lines] == ["ARG-OIL-100"]
