"""Selling with the keyboard only: arrows through the matches, a visible Tab order, a key
for every action (F1 lists them), quantities that make no sense questioned, a sale
restored during its payment, and what happens after the sale."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QTableWidget

from coopos.printing import queue
from tests.ui.seller import DOWN, ENTER, ESCAPE, F1, F4, F12, TAB, UP, Seller, expect, press, scan
from tests.ui.selling import child, in_front, open_window, payments, sales, text_of
from ui.shortcuts import AFTER_SALE, PAYMENT, SELL

ARGAN_100 = "6111042001017"  # 60.00 MAD, 40 in stock
ARGAN_500 = "6111042001048"  # 230.00 MAD, 18 in stock
AMLOU_BULK = "6111042001093"  # 220.00 MAD a kg, 6.500 kg in stock
DOCS = Path(__file__).resolve().parents[2] / "docs" / "desktop.md"
# Log in, scan, pay the exact cash: the receipt question is in front.
PAY_EXACT = (
    "1111",
    ENTER,
    *scan(ARGAN_100),
    F12,
    expect("paymentDialog"),
    press("F9"),
    ENTER,
    expect("afterSaleDialog"),
)


def skus(session) -> list[str]:
    return [ln.sku for ln in session.checkout.lines]


def quantities(session) -> list[Decimal]:
    return [ln.quantity for ln in session.checkout.lines]


# -- keyboard-only selling ------------------------------------------------------------------


def test_arrows_choose_among_the_matches_and_enter_adds_it(seller, open_shift, app_session, window):
    seen = {}

    def look():
        grid = window.shell.sell.grid
        seen["hits"] = [t.product_id for t in grid.tiles[: grid.count]]
        lit = [t for t in grid.tiles if t.property("highlighted")]
        seen["lit"] = [(t.product_id, t.isVisible()) for t in lit]

    seller.do("1111", ENTER, "thyme", DOWN, DOWN, DOWN, UP, look, ENTER)
    assert len(seen["hits"]) >= 2
    second = seen["hits"][1]
    assert seen["lit"] == [(second, True)]  # one tile, visibly highlighted
    assert [ln.product_id for ln in app_session.checkout.lines] == [second]
    assert window.shell.sell.scan.text() == ""


def test_enter_on_several_matches_without_a_choice_says_how_to_choose(
    seller, open_shift, app_session, window
):
    seller.do("1111", ENTER, "thyme", ENTER)
    assert app_session.checkout.lines == []
    assert "↑ ↓" in window.findChild(QLabel, "sellMessage").text()


def test_arrows_plus_and_minus_act_on_the_cart_with_nothing_typed(seller, open_shift, app_session):
    seller.do("1111", ENTER, *scan(ARGAN_100), *scan("SAF-1G"), UP, "+", "+")
    assert quantities(app_session) == [3, 1]
    seller.do(DOWN, press("Num+-"), UP, press("Num+-"))
    assert skus(app_session) == ["ARG-OIL-100"] and quantities(app_session) == [2]


def test_tab_goes_from_the_scan_field_to_the_cart_and_the_filter(seller, open_shift, window):
    order = []

    def note():
        order.append(QApplication.focusWidget().objectName())

    seller.do("1111", ENTER, *scan(ARGAN_100), note, TAB, note, TAB, note, press("F2"), note)
    assert order == ["scanInput", "cartTable", "coopFilter", "scanInput"]


def test_category_keys_and_f1_help_in_every_language(seller, open_shift, window):
    seen = {}

    def look_help():
        dialog = in_front("shortcutHelp")
        table = dialog.findChild(QTableWidget, "shortcutTable")
        seen["keys"] = {table.item(r, 0).text() for r in range(table.rowCount())}

    seller.do(
        "1111", ENTER, press("Ctrl+PgDown"), lambda: seen.update(cat=window.shell.sell._category_id)
    )
    seller.do(F1, expect("shortcutHelp"), look_help, ESCAPE)
    assert seen["cat"] is not None  # the first category after "All"
    assert {"F12", "F9", "F1", "Ctrl+Z"} <= seen["keys"]


def test_every_bound_key_has_a_shortcut_and_is_in_the_docs(seller, open_shift, window):
    docs = DOCS.read_text(encoding="utf-8")
    seen = {}

    def payment_keys():
        dialog = in_front("paymentDialog")
        seen["payment"] = {s.key().toString() for s in dialog.findChildren(QShortcut)}
        dialog.reject()

    seller.do("1111", ENTER, *scan(ARGAN_100), F12, expect("paymentDialog"), payment_keys)
    sell_keys = {s.key().toString() for s in window.shell.sell.findChildren(QShortcut)}
    for table, bound in ((SELL, sell_keys), (PAYMENT, seen["payment"])):
        for key in table:
            if key.bind:
                assert {QKeySequence(k).toString() for k in key.sequences} <= bound, key
    for table in (SELL, PAYMENT, AFTER_SALE):
        for key in table:
            shown = key.shown()
            assert f"| {shown} |" in docs, f"{shown} ({key.name}) is not in docs/desktop.md"


# -- quantities that make no sense ----------------------------------------------------------------


def test_250_in_a_kg_field_is_offered_as_0_250_kg(seller, open_shift, app_session):
    seen = {}

    def question():
        box = in_front("quantityCheck")
        seen["text"] = " ".join((box.text(), box.informativeText()))
        seen["text"] = seen["text"].replace("\u2068", "").replace("\u2069", "")

    seller.do(
        "1111",
        ENTER,
        *scan(AMLOU_BULK),
        expect("valueDialog"),
        "250",
        ENTER,
        expect("quantityCheck"),
        question,
        ENTER,  # the likely quantity is the default answer
    )
    assert quantities(app_session) == [Decimal("0.250")]
    assert "Did you mean 0.250 kg?" in seen["text"]
    assert "Only 6.500 kg of Amlou, bulk is in stock here." in seen["text"]


def test_more_than_the_stock_is_confirmed_first(seller, open_shift, app_session):
    seller.do(
        "1111",
        ENTER,
        *scan(ARGAN_500),
        F4,
        expect("valueDialog"),
        "5000",
        ENTER,
        expect("quantityCheck"),
        ESCAPE,  # no: nothing changes
    )
    assert quantities(app_session) == [1]
    seller.do(F4, expect("valueDialog"), "20", ENTER, expect("quantityCheck"), ENTER)
    assert quantities(app_session) == [1]  # Enter is the safe answer: no
    seller.do(
        F4,
        expect("valueDialog"),
        "20",
        ENTER,
        expect("quantityCheck"),
        lambda: seller.touch(child(in_front("quantityCheck"), QPushButton, "keepQuantity")),
    )
    assert quantities(app_session) == [20]
    seller.do(F4, expect("valueDialog"), "5", ENTER)  # plausible: no question
    assert quantities(app_session) == [5]


# -- a sale restored during its payment -----------------------------------------------------------


def restart(app_session, demo, qtbot):
    """As after a crash: a new process on the same file, a seller in front of it."""
    from ui.session import AppSession

    app_session.save_cart()
    again = AppSession(demo)
    return again, open_window(again, qtbot)


def test_a_sale_saved_during_its_payment_comes_back_editable(
    seller, open_shift, app_session, demo, qtbot
):
    seller.do("1111", ENTER, *scan(ARGAN_100))
    app_session.checkout.start_payment()  # the payment dialog was open when it stopped
    again, window = restart(app_session, demo, qtbot)
    try:
        Seller(qtbot).do("1111", ENTER, F4, expect("valueDialog"), "3", ENTER, "+")
        assert quantities(again) == [4]
        banner = window.shell.sell.restored_banner
        assert banner.text() == "The sale in progress was restored."
        message = window.findChild(QLabel, "sellMessage")
        assert not message.isVisible() or "payment" not in message.text()
    finally:
        again.bridge.close()


def test_a_card_payment_taken_before_the_crash_is_kept(
    seller, open_shift, app_session, demo, qtbot
):
    seller.do("1111", ENTER, *scan(ARGAN_100))
    app_session.checkout.start_payment()
    app_session.checkout.add_payment("card", 5000)
    again, window = restart(app_session, demo, qtbot)
    try:
        Seller(qtbot).do("1111", ENTER)
        assert "50.00" in window.shell.sell.restored_banner.text()
        Seller(qtbot).do(
            F12, expect("paymentDialog"), press("F9"), ENTER, expect("afterSaleDialog"), ENTER
        )
    finally:
        again.bridge.close()
    assert payments(demo) == [("card", 5000, 5000), ("cash", 1000, 1000)]


# -- after the sale --------------------------------------------------------------------------------


def test_without_a_printer_enter_means_no_receipt_and_the_change_stays(
    seller, open_shift, app_session, window
):
    seller.do(
        "1111",
        ENTER,
        *scan(ARGAN_100),
        F12,
        expect("paymentDialog"),
        "100",
        ENTER,
        ENTER,
        expect("afterSaleDialog"),
        ENTER,
    )
    assert len(sales(app_session.ctx)) == 1
    assert queue.pending(app_session.ctx) == []  # nothing waits to print
    change = window.findChild(QLabel, "lastChange")
    assert change.isVisible() and "40.00" in change.text()
    seller.do(press("F2"))  # keys that are not a scan leave it
    assert change.isVisible()
    seller.do(*scan(ARGAN_100))  # the next customer
    assert not change.isVisible()


def test_with_a_printer_enter_prints(seller, open_shift, app_session, window, tmp_path, qtbot):
    from coopos.services import settings

    job = tmp_path / "receipts.bin"
    settings.update(app_session.ctx, {"printer.uri": f"file:{job}"})
    window.on_settings()
    seller.do(*PAY_EXACT, ENTER)
    [sale] = sales(app_session.ctx)
    label = window.findChild(QLabel, "sellMessage")
    qtbot.waitUntil(lambda: "printed" in label.text(), timeout=10000)
    assert b"\x1dv0" in job.read_bytes() and sale.receipt_no == "T01-000001"


def test_a_scan_during_the_receipt_question_starts_the_next_sale(seller, open_shift, app_session):
    seller.do(*PAY_EXACT, *scan("SAF-1G"))
    assert len(sales(app_session.ctx)) == 1
    assert skus(app_session) == ["SAF-1G"]


@pytest.mark.parametrize("language", ["fr", "ar", "zgh"], indirect=True)
def test_the_after_sale_question_says_what_enter_does(language, seller, open_shift):
    seen = {}

    def look():
        seen["hint"] = text_of(in_front("afterSaleDialog"), "afterSaleHint")

    seller.do(*PAY_EXACT, look, ENTER)
    assert seen["hint"] and seen["hint"] != "Enter: no receipt."
