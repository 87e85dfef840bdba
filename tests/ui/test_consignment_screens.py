"""Fairs, reconciliation and statements, driven like a manager would: create a fair,
dispatch goods to its stand, sell there (through the services), count the stand with an
item missing, see the variance flagged, explain it, close the fair; then the statement's
payable and a payout that lowers the balance.  The till is at the fair (its shift is
open at the stand) and Youssef (manager, PIN 250917) is logged in."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QDate, Qt, QThreadPool, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QDateEdit, QLabel, QLineEdit, QMessageBox, QPushButton

from coopos.services import consignment, inventory, lookups, refunds, shifts
from coopos.services.checkout import Approver, Checkout
from tests.ui.conftest import active_dialog, click, find, label_text, login
from ui.theme import DANGER

NBSP = "\u00a0"
OIL_100 = "ARG-OIL-100"  # TIFAW, 60.00 MAD, 40 at SHOP
SAFFRON = "SAF-1G"  # ASAFU, 45.00 MAD
SAFFRON_BARCODE = "6111187001019"
ROSE_WATER = "ROS-WAT-250"  # AJDIG, 30.00 MAD


def money(text: str) -> str:
    return f"{text}{NBSP}MAD"


def in_dialog(name: str, act, errors: list, ms: int = 50) -> None:
    """Once the modal dialog ``name`` runs, ``act(dialog)``; failures go to ``errors``
    and the dialog is closed, so that a test never hangs on it."""

    def run() -> None:
        try:
            dialog = active_dialog(name)
        except AssertionError as exc:
            errors.append(exc)
            return
        try:
            act(dialog)
        except BaseException as exc:
            errors.append(exc)
        finally:
            if dialog.isVisible():
                dialog.done(0)

    QTimer.singleShot(ms, run)


def raise_first(errors: list) -> None:
    if errors:
        raise errors[0]


def scan_into(dialog, qtbot, code: str) -> None:
    field = find(dialog, QLineEdit, "scanInput")
    field.setText(code)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def pick(combo: QComboBox, data: str) -> None:
    index = combo.findData(data)
    assert index >= 0, f"{data} is not in {combo.objectName()}"
    combo.setCurrentIndex(index)


def row_where(table, key: str, value: str) -> int:
    for i, row in enumerate(table.rows):
        if row[key] == value:
            return i
    raise AssertionError(f"no row with {key} = {value}")


def shown(table, key: str, value: str, column: str) -> str:
    return table.display(row_where(table, key, value), column)


def foreground(table, key: str, value: str, column: str) -> QColor | None:
    model = table.data_model
    columns = [c.key for c in model.table.columns]
    brush = model.data(
        model.index(row_where(table, key, value), columns.index(column)),
        Qt.ItemDataRole.ForegroundRole,
    )
    return brush.color() if brush is not None else None


def wait_loaded(qtbot, screen) -> None:
    """Until the screen's worker thread has reported."""
    qtbot.waitUntil(lambda: not screen.loading, timeout=30000)  # a loaded CI machine


def on_hand(demo, sku: str, location: str) -> Decimal:
    with demo.read() as s:
        product = lookups.product(s, sku)
        return inventory.on_hand(s, product.id, lookups.location(s, location).id)


def sell(demo, seller, *codes: str) -> str:
    """A sale on the till, whose shift is open at the stand."""
    checkout = Checkout(demo, seller)
    for code in codes:
        checkout.scan(code)
    checkout.start_payment()
    checkout.pay_exact()
    return checkout.complete().receipt_no


@pytest.fixture
def souss(demo, users):
    """A fair created through the services, with its stand STAND-SOUSS."""
    consignment.create_fair(demo, "SOUSS", "Foire du Souss", "Agadir", user_id=users["Admin"].id)
    return "SOUSS"


@pytest.fixture
def stand_shift(demo, users, souss):
    """The till is at the fair: its shift is open at the stand, where it sells and refunds."""
    return shifts.open_shift(demo, users["Fatima"].id, 50000, "STAND-SOUSS")


@pytest.fixture
def manager(window, qtbot, stand_shift):
    login(window, qtbot, "250917")
    assert window.session.user.name == "Youssef"
    yield window
    QThreadPool.globalInstance().waitForDone(5000)  # no worker outlives the database


@pytest.fixture
def yes(monkeypatch):
    """Every confirmation question is answered Yes; the questions asked are kept."""
    asked: list[str] = []

    def question(_parent, _title, text, *_args, **_kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


# -- fair set-up ---------------------------------------------------------------------------------


def test_a_new_fair_is_listed_open_with_its_stand(manager, demo, qtbot):
    screen = manager.shell.show_screen("fairs")
    errors, seen = [], {}

    def create(dialog):
        click(dialog, "saveFair", qtbot)
        seen["empty"] = label_text(dialog, "fairError")
        find(dialog, QLineEdit, "fairCode").setText("souss-26")
        find(dialog, QLineEdit, "fairName").setText("Foire de l'arganier")
        find(dialog, QLineEdit, "fairCity").setText("Agadir")
        find(dialog, QDateEdit, "fairStarts").setDate(QDate(2026, 12, 7))
        find(dialog, QDateEdit, "fairEnds").setDate(QDate(2026, 12, 4))
        click(dialog, "saveFair", qtbot)
        seen["dates"] = label_text(dialog, "fairError")
        find(dialog, QDateEdit, "fairEnds").setDate(QDate(2026, 12, 10))
        click(dialog, "saveFair", qtbot)
        assert not dialog.isVisible(), label_text(dialog, "fairError")

    in_dialog("fairDialog", create, errors)
    click(screen, "newFair", qtbot)
    raise_first(errors)
    assert seen == {
        "empty": "A fair needs a code and a name.",
        "dates": "A fair cannot end before it starts.",
    }
    table = screen.fairs_table
    assert shown(table, "code", "SOUSS-26", "status") == "Open"
    assert shown(table, "code", "SOUSS-26", "stand") == "STAND-SOUSS-26"
    assert shown(table, "code", "SOUSS-26", "dates") == "7 Dec 2026 – 10 Dec 2026"
    assert shown(table, "code", "SIAM", "status") == "Open"  # the demo's fair
    assert "STAND-SOUSS-26" in screen.codes()  # the stand is a location of its own
    assert label_text(screen, "fairsMessage") == (
        "Fair SOUSS-26 created; its stand is STAND-SOUSS-26."
    )
    assert table.selected_row()["code"] == "SOUSS-26"
    for name in ("dispatchGoods", "countFair", "returnGoods", "reconcileFair"):
        assert find(screen, QPushButton, name).isEnabled()


# -- the whole fair ------------------------------------------------------------------------------


def dispatch(screen, qtbot, fair: str, source: str, codes: list[str]) -> dict:
    errors, seen = [], {}

    def fill(dialog):
        pick(find(dialog, QComboBox, "noteFair"), fair)
        pick(find(dialog, QComboBox, "notePlace"), source)
        for code in codes:
            scan_into(dialog, qtbot, code)
        click(dialog, "confirmNote", qtbot)
        seen["number"] = label_text(dialog, "noteNumber")
        seen["summary"] = label_text(dialog, "noteSummary")
        seen["error"] = label_text(dialog, "dialogError")
        seen["pdf"] = find(dialog, QPushButton, "saveNotePdf").isVisibleTo(dialog)
        if seen["number"]:
            click(dialog, "closeNote", qtbot)

    in_dialog("dispatchDialog", fill, errors)
    click(screen, "dispatchGoods", qtbot)
    raise_first(errors)
    return seen


def test_a_fair_from_dispatch_to_closing(manager, demo, users, souss, qtbot, yes):
    fairs = manager.shell.show_screen("fairs")
    assert fairs.select_fair(souss)

    # 1. dispatch: from the shop, and straight from a cooperative (its goods only)
    seen = dispatch(fairs, qtbot, souss, "SHOP", [f"5*{OIL_100}", SAFFRON_BARCODE, SAFFRON])
    assert seen["number"].startswith("Delivery note BL-"), seen["error"]
    assert seen["summary"] == "2 products from SHOP to STAND-SOUSS."
    assert label_text(fairs, "fairsMessage").startswith("Note BL-")
    assert on_hand(demo, OIL_100, "STAND-SOUSS") == 5
    assert on_hand(demo, OIL_100, "SHOP") == 35
    seen = dispatch(fairs, qtbot, souss, "COOP:AJDIG", [OIL_100])
    assert seen["number"] == ""
    assert seen["error"] == "ARG-OIL-100 do not belong to AJDIG: one note per cooperative."
    seen = dispatch(fairs, qtbot, souss, "COOP:AJDIG", [f"3*{ROSE_WATER}"])
    assert seen["summary"].startswith("1 product from AJDIG")
    assert on_hand(demo, ROSE_WATER, "STAND-SOUSS") == 3

    # 2. sales at the stand, and a refund there
    fatima = users["Fatima"]
    receipt = sell(demo, fatima, OIL_100, OIL_100, SAFFRON)
    refunds.refund(demo, receipt, Approver.of(users["Youssef"]), [(OIL_100, 1)])
    assert on_hand(demo, OIL_100, "STAND-SOUSS") == 4

    # 3. the count: one bottle of oil is missing; the table says so as it goes
    errors, live = [], {}

    def count(dialog):
        lines = dialog.lines
        assert [ln.sku for ln in lines.lines] == [OIL_100, ROSE_WATER, SAFFRON]
        for _ in range(3):
            scan_into(dialog, qtbot, OIL_100)
        scan_into(dialog, qtbot, SAFFRON_BARCODE)
        table = lines.table
        live["oil"] = [table.item(0, c).text() for c in range(5)]
        live["oil_colour"] = table.item(0, 4).foreground().color().name()
        live["rose"] = table.item(1, 4).text()  # not scanned yet
        scan_into(dialog, qtbot, f"3*{ROSE_WATER}")
        live["rose_after"] = table.item(1, 4).text()
        live["total"] = label_text(dialog, "linesTotal")
        click(dialog, "recordCount", qtbot)
        result = dialog.differences
        live["result"] = [
            [result.display(i, k) for k in ("sku", "expected", "counted", "difference")]
            for i in range(len(result.rows))
        ]
        live["summary"] = label_text(dialog, "fairCountSummary")
        click(dialog, "closeFairCount", qtbot)

    in_dialog("fairCount", count, errors)
    click(fairs, "countFair", qtbot)
    raise_first(errors)
    assert live["oil"][:4] == [OIL_100, "Culinary argan oil 100 ml", "4", "3"]
    assert live["oil"][4] == "1 missing"
    assert live["oil_colour"] == QColor(DANGER).name()
    assert live["rose"] == "3 missing"
    assert live["rose_after"] == "✓"
    assert live["total"] == "3 of 3 products found · 1 with a difference"
    assert live["result"][0] == [OIL_100, "4", "3", "1 missing"]
    assert live["summary"] == "Stand of SOUSS counted: 3 products, 1 with a difference."
    assert "1 product is short of what was expected." in yes[-1]
    assert shown(fairs.fairs_table, "code", souss, "status") == "Counted"
    assert not find(fairs, QPushButton, "countFair").isEnabled()

    # 4. the reconciliation: the missing bottle, in red and in words
    click(fairs, "reconcileFair", qtbot)
    assert fairs.tabs.currentIndex() == 1
    recon = fairs.reconciliation
    assert recon.isVisible()
    assert recon.fair.code() == souss
    wait_loaded(qtbot, recon)
    table = recon.table
    assert [
        table.display(row_where(table, "sku", OIL_100), k)
        for k in (
            "cooperative",
            "sent",
            "sold",
            "refunded",
            "returned",
            "counted",
            "variance",
            "value",
        )
    ] == ["TIFAW", "5", "2", "1", "0", "3", "⚠ 1 missing", money("60.00")]
    assert foreground(table, "sku", OIL_100, "variance") == QColor(DANGER)
    assert foreground(table, "sku", SAFFRON, "variance") is None
    assert shown(table, "sku", SAFFRON, "variance") == ""
    assert label_text(recon, "reconSummary") == (
        "⚠ 1 product with an unexplained variance: 60.00\u00a0MAD of goods missing."
    )
    assert "counted" in label_text(recon, "reconState")

    # only a missing row can be explained
    table.select_where("sku", SAFFRON)
    assert not find(recon, QPushButton, "explainVariance").isEnabled()
    table.select_where("sku", OIL_100)
    errors, explained = [], {}

    def explain(dialog):
        explained["quantity"] = find(dialog, QLineEdit, "explainQuantity").text()
        pick(find(dialog, QComboBox, "explainWhy"), "damaged")
        find(dialog, QLineEdit, "explainNote").setText("bottle broken on the stand")
        click(dialog, "confirmExplain", qtbot)
        assert not dialog.isVisible(), label_text(dialog, "explainError")

    in_dialog("explainDialog", explain, errors)
    click(recon, "explainVariance", qtbot)
    raise_first(errors)
    assert explained["quantity"] == "1"
    wait_loaded(qtbot, recon)
    assert shown(table, "sku", OIL_100, "variance") == "1 missing ✓"
    assert shown(table, "sku", OIL_100, "explained") == "1"
    assert foreground(table, "sku", OIL_100, "variance") is None
    assert label_text(recon, "reconSummary") == "No unexplained variance."
    assert label_text(recon, "reconMessage") == "1 × ARG-OIL-100 explained: damaged."

    # 5. what is left goes back: the roses to their cooperative, the rest to the shop
    fairs.tabs.setCurrentIndex(0)
    for place, expected in (("COOP:AJDIG", [(ROSE_WATER, 3)]), ("SHOP", None)):
        errors, back = [], {}

        def give_back(dialog, place=place, back=back):
            pick(find(dialog, QComboBox, "notePlace"), place)
            click(dialog, "fillFromStand", qtbot)
            back["lines"] = [(sku, int(qty)) for sku, qty in dialog.lines.items()]
            click(dialog, "confirmNote", qtbot)
            back["number"] = label_text(dialog, "noteNumber")
            click(dialog, "closeNote", qtbot)

        in_dialog("returnDialog", give_back, errors)
        click(fairs, "returnGoods", qtbot)
        raise_first(errors)
        assert back["number"].startswith("Return note BR-")
        assert back["lines"] == (expected or [(OIL_100, 3), (SAFFRON, 1)])
    assert on_hand(demo, OIL_100, "STAND-SOUSS") == 0
    assert on_hand(demo, OIL_100, "SHOP") == 38

    # the closing returns do not change the reconciliation; then the fair is closed
    click(fairs, "reconcileFair", qtbot)
    wait_loaded(qtbot, recon)
    assert shown(recon.table, "sku", OIL_100, "counted") == "3"
    assert shown(recon.table, "sku", OIL_100, "returned") == "0"
    click(recon, "closeFair", qtbot)
    assert yes[-1].startswith("Close the fair SOUSS?")
    wait_loaded(qtbot, recon)
    assert label_text(recon, "reconMessage") == "Fair SOUSS closed."
    assert not find(recon, QPushButton, "closeFair").isEnabled()
    fairs.tabs.setCurrentIndex(0)  # back to the fairs, which read their status again
    assert shown(fairs.fairs_table, "code", souss, "status") == "Closed"
    fairs.select_fair(souss)
    assert not find(fairs, QPushButton, "dispatchGoods").isEnabled()


# -- statements ----------------------------------------------------------------------------------


@pytest.fixture
def sold_at_souss(demo, users, souss):
    """SOUSS: 5 oils and 2 saffron sent, 2 oils and 1 saffron sold, 1 oil refunded."""
    consignment.dispatch(demo, souss, [(OIL_100, 5), (SAFFRON, 2)], "SHOP")
    receipt = sell(demo, users["Fatima"], OIL_100, OIL_100, SAFFRON)
    refunds.refund(demo, receipt, Approver.of(users["Youssef"]), [(OIL_100, 1)])
    return souss


def test_statement_payable_and_a_payout_lowers_the_balance(
    manager, demo, sold_at_souss, qtbot, tmp_path
):
    fairs = manager.shell.show_screen("fairs")
    fairs.select_fair(sold_at_souss)
    click(fairs, "fairStatements", qtbot)
    screen = manager.shell.stack.currentWidget()
    assert screen.objectName() == "settlementsScreen"
    assert screen.fair.code() == sold_at_souss
    pick(find(screen, QComboBox, "stmtCoop"), "TIFAW")
    wait_loaded(qtbot, screen)

    def figure(key: str) -> str:
        return label_text(screen, f"stmt_{key}")

    # TIFAW: 2 × 60.00 sold, 60.00 refunded; commission 15 % of what was kept
    assert [figure(k) for k in ("sales", "refunds", "net", "commission", "payable")] == [
        money("120.00"),
        money("-60.00"),
        money("60.00"),
        money("9.00"),
        money("51.00"),
    ]
    assert figure("balance") == money("51.00")
    assert label_text(screen, "stmtBalanceNote") == "Still to pay to TIFAW: 51.00\u00a0MAD."
    assert [screen.sold.display(0, k) for k in ("sku", "quantity", "gross", "commission")] == [
        OIL_100,
        "2",
        money("120.00"),
        money("18.00"),
    ]
    assert screen.refunded.display(0, "quantity") == "-1"
    # the chart: net sales of every cooperative at this fair
    assert [(b.label, b.value) for b in screen.chart.bars] == [("TIFAW", 6000), ("ASAFU", 4500)]

    errors, seen = [], {}

    def pay(dialog):
        seen["prefilled"] = find(dialog, QLineEdit, "payoutAmount").text()
        find(dialog, QLineEdit, "payoutAmount").setText("30")
        click(dialog, "payout_transfer", qtbot)
        click(dialog, "confirmPayout", qtbot)
        seen["error"] = label_text(dialog, "payoutError")
        find(dialog, QLineEdit, "payoutReference").setText("VIR-2026-118")
        click(dialog, "confirmPayout", qtbot)
        assert not dialog.isVisible(), label_text(dialog, "payoutError")

    in_dialog("payoutDialog", pay, errors)
    click(screen, "recordPayout", qtbot)
    raise_first(errors)
    assert seen == {"prefilled": "51.00", "error": "Give the transfer or cheque number."}
    wait_loaded(qtbot, screen)
    assert figure("paid") == money("30.00")
    assert figure("balance") == money("21.00")
    assert label_text(screen, "stmtBalanceNote") == "Still to pay to TIFAW: 21.00\u00a0MAD."
    assert [screen.payouts.display(0, k) for k in ("method", "reference", "amount")] == [
        "Bank transfer",
        "VIR-2026-118",
        money("30.00"),
    ]
    assert screen.tabs.tabText(2) == "Payouts (1)"
    with demo.read() as s:
        statement = consignment.settlement(s, "TIFAW", fair_code=sold_at_souss)
    assert statement.balance_cents == 2100

    # the same sales over a period (the demo clock's day), payouts of that period too
    today = screen.today()
    screen.show_period(today, today)
    wait_loaded(qtbot, screen)
    assert screen.scope.fair is None
    assert figure("payable") == money("51.00")
    assert figure("balance") == money("21.00")
    assert [(b.label, b.value) for b in screen.chart.bars] == [("TIFAW", 6000), ("ASAFU", 4500)]
    find(screen, QDateEdit, "stmtFrom").setDate(QDate(2026, 11, 21))
    assert label_text(screen, "stmtMessage") == "The end date is before the start date."
    assert not find(screen, QPushButton, "recordPayout").isEnabled()


def test_statement_note_and_reconciliation_files(manager, demo, sold_at_souss, qtbot, tmp_path):
    screen = manager.shell.show_screen("settlements")
    screen.show_fair(sold_at_souss)
    pick(find(screen, QComboBox, "stmtCoop"), "TIFAW")
    wait_loaded(qtbot, screen)
    pick(find(screen, QComboBox, "stmtLanguage"), "ar")
    for button, name in (("stmtCsv", "releve"), ("stmtXlsx", "releve"), ("stmtPdf", "releve")):
        screen.ask_path = lambda suggested, filters, name=name: str(tmp_path / name)
        click(screen, button, qtbot)
    for suffix in (".csv", ".xlsx", ".pdf"):
        written = tmp_path / f"releve{suffix}"
        qtbot.waitUntil(written.exists, timeout=15000)
    pool = QThreadPool.globalInstance()
    qtbot.waitUntil(lambda: pool.activeThreadCount() == 0, timeout=15000)
    # the worker's "done" reaches the window through the event loop: wait for it too
    qtbot.waitUntil(lambda: label_text(screen, "stmtMessage") != "", timeout=15000)
    assert label_text(screen, "stmtMessage").startswith("Saved to ")
    text = (tmp_path / "releve.csv").read_text(encoding="utf-8-sig")
    assert OIL_100 in text and "51.00" in text
    assert (tmp_path / "releve.pdf").read_bytes().startswith(b"%PDF")

    # the delivery note of a dispatch, as a PDF, from its dialog
    fairs = manager.shell.show_screen("fairs")
    fairs.select_fair(sold_at_souss)
    errors, seen = [], {}

    def note(dialog):
        scan_into(dialog, qtbot, OIL_100)
        click(dialog, "confirmNote", qtbot)
        dialog.ask_path = lambda suggested: str(tmp_path / suggested)
        seen["number"] = label_text(dialog, "noteNumber").split()[-1]
        click(dialog, "saveNotePdf", qtbot)
        qtbot.waitUntil(
            lambda: find(dialog, QLabel, "noteSaved").isVisibleTo(dialog), timeout=15000
        )
        seen["saved"] = label_text(dialog, "noteSaved")

    in_dialog("dispatchDialog", note, errors)
    click(fairs, "dispatchGoods", qtbot)
    raise_first(errors)
    pdf = tmp_path / f"{seen['number']}.pdf"
    assert seen["saved"] == f"Saved to {pdf}."
    assert pdf.read_bytes().startswith(b"%PDF")

    # the reconciliation, as a PDF
    click(fairs, "reconcileFair", qtbot)
    recon = fairs.reconciliation
    wait_loaded(qtbot, recon)
    recon.ask_path = lambda suggested: str(tmp_path / "rapprochement")
    click(recon, "reconPdf", qtbot)
    qtbot.waitUntil((tmp_path / "rapprochement.pdf").exists, timeout=15000)


# -- mistakes get one sentence -------------------------------------------------------------------


def test_an_empty_note_and_a_closed_fair(manager, demo, souss, qtbot):
    fairs = manager.shell.show_screen("fairs")
    fairs.select_fair(souss)
    seen = dispatch(fairs, qtbot, souss, "SHOP", [])
    assert seen["error"] == "Scan or type the products first."
    errors, nothing = [], {}

    def empty_stand(dialog):
        click(dialog, "fillFromStand", qtbot)
        nothing["error"] = label_text(dialog, "dialogError")

    in_dialog("returnDialog", empty_stand, errors)
    click(fairs, "returnGoods", qtbot)
    raise_first(errors)
    assert nothing["error"] == "Nothing is left at the stand STAND-SOUSS."

    click(fairs, "reconcileFair", qtbot)
    recon = fairs.reconciliation
    wait_loaded(qtbot, recon)
    assert "not counted yet" in label_text(recon, "reconState")
    assert not find(recon, QPushButton, "closeFair").isEnabled()
    assert find(recon, QPushButton, "reconCountStand").isEnabled()
    recon.explain()  # nothing selected: said, not crashed
    assert label_text(recon, "reconMessage") == (
        "Only missing goods can be explained: pick a row marked ⚠."
    )
    assert isinstance(find(recon, QLabel, "reconSummary"), QLabel)


def test_rows_are_picked_right_to_left_too(manager, demo, users, souss, qtbot, qapp):
    """In Arabic, Qt's selectRow selects nothing: the fairs and the reconciliation pick
    their rows another way, and keep them when they refresh."""
    consignment.dispatch(demo, souss, [(OIL_100, 2)], "SHOP")
    consignment.count_fair(demo, souss, [(OIL_100, 1)], users["Youssef"].id)
    qapp.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    try:
        fairs = manager.shell.show_screen("fairs")
        fairs.refresh()
        assert fairs.select_fair(souss)
        assert fairs.selected_fair().code == souss
        qtbot.keyClick(fairs.fairs_table, Qt.Key.Key_Return)  # Enter: its reconciliation
        recon = fairs.reconciliation
        assert fairs.tabs.currentIndex() == 1
        wait_loaded(qtbot, recon)
        from ui.screens.fairs import select_in

        assert select_in(recon.table, "sku", OIL_100)
        assert find(recon, QPushButton, "explainVariance").isEnabled()
        recon.refresh()
        wait_loaded(qtbot, recon)
        assert recon.selected().sku == OIL_100
    finally:
        qapp.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
