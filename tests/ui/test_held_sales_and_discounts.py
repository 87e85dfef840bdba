"""Park and recall, and discounts, as a seller types them: F3 holds the sale, Shift+F3
lists the held sales (kept across a restart), Enter recalls one and F12 sells it once;
F6 and Shift+F6 take ``10%`` or ``5`` in every language, and above the sellers' limit a
manager approves, in French and Arabic too."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QTableWidget

from coopos.i18n.formats import format_money
from coopos.services import held_sales, settings
from tests.ui.seller import DOWN, ENTER, ESCAPE, F1, F6, F12, Seller, expect, press, scan
from tests.ui.selling import LANGUAGES, in_front, sales
from tests.ui.test_selling_keys import restart

ARGAN_100 = "6111042001017"  # 60.00 MAD
ARGAN_250 = "6111042001024"  # 120.00 MAD
F3, SHIFT_F3, SHIFT_F6 = press("F3"), press("Shift+F3"), press("Shift+F6")
# After F12: exact cash, confirm, no receipt (no printer is set up).
PAY_EXACT = (F12, expect("paymentDialog"), press("F9"), ENTER, expect("afterSaleDialog"), ENTER)


def held_totals(ctx) -> list[int]:
    return [h.total for h in held_sales.list_held(ctx)]


def test_two_held_sales_come_back_after_a_restart_and_one_is_sold_once(
    seller, open_shift, app_session, demo, qtbot
):
    seller.do("1111", ENTER, *scan(ARGAN_100), F3, *scan(ARGAN_250), *scan(ARGAN_250), F3)
    assert held_totals(demo) == [6000, 24000]
    assert app_session.checkout.lines == []
    again, window = restart(app_session, demo, qtbot)
    try:
        seen = {}

        def listed():
            table = in_front("heldSalesDialog").table
            seen["rows"] = [(r["seller"], r["lines"], r["total"]) for r in table.rows]
            seen["height"] = table.rowHeight(0)

        at_the_new_window = Seller(qtbot)
        at_the_new_window.do(
            "1111", ENTER, SHIFT_F3, expect("heldSalesDialog"), listed, DOWN, ENTER
        )
        assert seen["rows"] == [("Fatima", 1, 6000), ("Fatima", 1, 24000)]
        assert seen["height"] >= 44  # a finger's height
        assert [(ln.sku, ln.quantity) for ln in again.checkout.lines] == [("ARG-OIL-250", 2)]
        message = window.findChild(QLabel, "sellMessage").text()
        assert message == f"The sale of {format_money(24000)} is back in the cart."
        at_the_new_window.do(*PAY_EXACT)
    finally:
        again.bridge.close()
    (sale,) = sales(demo)
    assert sale.total_cents == 24000
    assert held_totals(demo) == [6000]


def test_recalling_with_a_sale_in_progress_holds_it_first(seller, open_shift, app_session, demo):
    seen = {}

    def look_help():
        table = in_front("shortcutHelp").findChild(QTableWidget, "shortcutTable")
        seen["keys"] = {table.item(r, 0).text() for r in range(table.rowCount())}

    seller.do("1111", ENTER, *scan(ARGAN_100), F3, *scan(ARGAN_250))
    seller.do(
        SHIFT_F3,
        expect("heldSalesDialog"),
        F1,
        expect("shortcutHelp"),
        look_help,
        ESCAPE,
        expect("heldSalesDialog"),
        ESCAPE,
    )
    assert {"F3", "Shift+F3", "Shift+F6"} <= seen["keys"]  # F1 lists the new keys
    seller.do(SHIFT_F3, expect("heldSalesDialog"), ENTER)
    assert [ln.sku for ln in app_session.checkout.lines] == ["ARG-OIL-100"]
    assert held_totals(demo) == [12000]


def test_hold_is_refused_with_an_empty_cart_and_during_the_payment(
    seller, open_shift, app_session, demo, window
):
    seller.do("1111", ENTER, F3)
    message = window.findChild(QLabel, "sellMessage")
    assert message.text() == "The cart is empty: there is no sale to hold."
    seller.do(*scan(ARGAN_100), F12, expect("paymentDialog"), F3, ESCAPE)
    assert held_totals(demo) == []
    assert [ln.sku for ln in app_session.checkout.lines] == ["ARG-OIL-100"]


def test_a_held_sale_is_deleted_after_a_question_by_touch(seller, open_shift, app_session, demo):
    def touch(name):
        def step():
            widget = Seller.window().findChild(QPushButton, name)
            seller.touch(widget)

        return step

    def yes():
        box = in_front("confirmBox")
        seller.touch(box.button(QMessageBox.StandardButton.Yes))

    seller.do("1111", ENTER, *scan(ARGAN_100), touch("holdButton"))
    assert held_totals(demo) == [6000]
    seller.do(
        touch("heldButton"),
        expect("heldSalesDialog"),
        press("Delete"),
        expect("confirmBox"),
        ESCAPE,  # No: kept
        touch("deleteHeld"),
        expect("confirmBox"),
        yes,
        expect("heldSalesDialog"),
        ESCAPE,
    )
    assert held_totals(demo) == []


# How a seller types 10 % and 5 MAD in each language's usual digits.
TYPED = {"fr": ("10%", "5"), "ar": ("١٠٪", "٥"), "zgh": ("10 %", "5,00")}


@pytest.mark.parametrize("language", LANGUAGES, indirect=True)
def test_ten_percent_on_a_line_and_five_on_the_sale(language, seller, open_shift, app_session):
    settings.update(app_session.ctx, {"discount.seller_limit_bp": 1000})  # 10 % allowed
    percent, amount = TYPED[language]
    seller.do(
        "1111",
        ENTER,
        *scan(ARGAN_250),
        *scan(ARGAN_100),  # selected: the last line
        F6,
        expect("discountDialog"),
        percent,
        ENTER,
        SHIFT_F6,
        expect("discountDialog"),
        amount,
        ENTER,
    )
    checkout = app_session.checkout
    assert [ln.discount for ln in checkout.lines] == [0, 600]
    assert checkout.order_discount == 500
    assert checkout.totals.total == 18000 - 600 - 500
    seller.do(*PAY_EXACT)
    (sale,) = sales(app_session.ctx)
    assert (sale.total_cents, sale.discount_cents, sale.order_discount_cents) == (16900, 1100, 500)


@pytest.mark.parametrize("language", ["fr", "ar"], indirect=True)
def test_a_discount_above_the_limit_asks_the_manager(language, seller, open_shift, app_session):
    seller.do(
        "1111",
        ENTER,
        *scan(ARGAN_100),  # 60.00: a seller may give 5 %
        F6,
        expect("discountDialog"),
        "10%",
        ENTER,
        expect("managerApproval"),
        "250917",
        ENTER,
        SHIFT_F6,
        expect("discountDialog"),
        "20",
        ENTER,
        expect("managerApproval"),
        ESCAPE,  # no manager: the sale keeps no discount on the whole
    )
    checkout = app_session.checkout
    assert checkout.lines[0].discount == 600 and checkout.order_discount == 0
    assert checkout.approvals[-1]["percent"] == "10%"
