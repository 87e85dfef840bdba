"""Back office: the products, cooperatives and stock screens, driven like a manager
would — buttons, dialogs and the scanner — on a copy of the demo shop."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QTableView
from sqlalchemy import func, select

from coopos.db.models import Product, StockMovement
from coopos.services import catalog, inventory, lookups, products
from coopos.services.products import STALE
from tests.ui.conftest import active_dialog, click, find, label_text, login

OIL_100 = "ARG-OIL-100"  # 60.00 MAD, 40 in stock at SHOP, barcode 6111042001017
OIL_100_BARCODE = "6111042001017"


def in_dialog(name: str, act, errors: list) -> None:
    """Once the modal dialog ``name`` runs, call ``act(dialog)``; a failure is kept in
    ``errors`` and the dialog is closed so that the test never hangs on it."""

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

    QTimer.singleShot(50, run)


def raise_first(errors: list) -> None:
    if errors:
        raise errors[0]


def show(window, qtbot, key: str, pin: str = "250917"):
    login(window, qtbot, pin)
    return window.shell.show_screen(key)


def shown(table, sku: str, key: str) -> str:
    """The text the table shows for ``sku`` under column ``key``."""
    for i, row in enumerate(table.rows):
        if row["sku"] == sku:
            return table.display(i, key)
    raise AssertionError(f"{sku} is not in the table")


def price_of(demo, sku: str) -> int:
    with demo.read() as s:
        return lookups.product(s, sku).price_cents


def on_hand(demo, sku: str, location: str = "SHOP") -> Decimal:
    with demo.read() as s:
        product = lookups.product(s, sku)
        return inventory.on_hand(s, product.id, lookups.location(s, location).id)


def product_count(demo) -> int:
    with demo.read() as s:
        return s.execute(select(func.count(Product.id))).scalar()


def scan_into(dialog, qtbot, code: str) -> None:
    field = find(dialog, QLineEdit, "scanInput")
    field.setText(code)
    qtbot.keyClick(field, Qt.Key.Key_Return)


# -- products ------------------------------------------------------------------------------


def test_a_price_edited_in_the_dialog_is_saved_and_shown(window, qtbot, demo, open_shift):
    screen = show(window, qtbot, "products")
    table = find(screen, QTableView, "productsTable")
    assert shown(table, OIL_100, "price") == "60.00\u00a0MAD"
    assert table.select_where("sku", OIL_100)
    seen, errors = {}, []

    def edit(dialog):
        price = find(dialog, QLineEdit, "productPrice")
        seen["before"] = price.text()
        price.setText("65,50")
        click(dialog, "saveProduct", qtbot)
        seen["still open"] = dialog.isVisible()

    in_dialog("productDialog", edit, errors)
    click(screen, "editProduct", qtbot)
    raise_first(errors)
    assert seen == {"before": "60.00", "still open": False}
    assert price_of(demo, OIL_100) == 6550
    assert shown(table, OIL_100, "price") == "65.50\u00a0MAD"
    assert table.selected_row()["sku"] == OIL_100
    assert "ARG-OIL-100 saved" in label_text(screen, "productsMessage")


def test_a_stale_edit_is_refused_with_the_core_message(window, qtbot, demo, open_shift):
    screen = show(window, qtbot, "products")
    table = find(screen, QTableView, "productsTable")
    assert table.select_where("sku", OIL_100)
    seen, errors = {}, []

    def edit(dialog):
        # Someone else saves the product while this dialog is open.
        with demo.read() as s:
            row = next(r for r in catalog.export_rows(s) if r["sku"] == OIL_100)
            product_id = lookups.product(s, OIL_100).id
        products.save_product(demo, {**row, "price": "70.00"}, product_id)
        find(dialog, QLineEdit, "productPrice").setText("65.50")
        click(dialog, "saveProduct", qtbot)
        seen["still open"] = dialog.isVisible()
        error = find(dialog, QLabel, "productError")
        seen["error"] = error.text() if error.isVisible() else ""

    in_dialog("productDialog", edit, errors)
    click(screen, "editProduct", qtbot)
    raise_first(errors)
    assert seen == {"still open": True, "error": STALE}
    assert price_of(demo, OIL_100) == 7000  # the other save stands


def write_catalog(path, rows: list[str]) -> None:
    header = "sku,barcode,name_fr,cooperative,category,unit,price,vat_rate"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def test_a_malformed_catalog_lists_every_bad_line_and_imports_nothing(
    window, qtbot, demo, open_shift, tmp_path
):
    screen = show(window, qtbot, "products")
    before = product_count(demo)
    path = tmp_path / "bad.csv"
    write_catalog(
        path,
        [
            "NEW-OK,,Nouveau produit,TIFAW,oil,piece,10.00,20",  # line 2: fine
            "NEW-PRICE,,Prix illisible,TIFAW,oil,piece,abc,20",  # line 3
            "NEW-VAT,,TVA inconnue,TIFAW,oil,piece,10.00,15",  # line 4
        ],
    )
    screen.start_import(path)
    qtbot.waitUntil(
        lambda: screen.import_errors is not None and screen.import_errors.isVisible(),
        timeout=10000,
    )
    listed = find(screen.import_errors, QListWidget, "importErrors")
    lines = [listed.item(i).text() for i in range(listed.count())]
    assert len(lines) == 2, lines
    assert lines[0].startswith("line 3:") and "abc" in lines[0]
    assert lines[1].startswith("line 4:") and "15" in lines[1]
    assert label_text(screen, "productsMessage") == "2 bad rows: nothing was imported."
    screen.import_errors.accept()
    assert product_count(demo) == before
    with demo.read() as s:
        assert lookups.product_by_code(s, "NEW-OK") is None
    assert find(screen, QLineEdit, "productSearch").isEnabled()
    assert screen.import_button.isEnabled()  # ready for the corrected file


def test_check_only_then_import_a_good_catalog(window, qtbot, demo, open_shift, tmp_path):
    screen = show(window, qtbot, "products")
    table = find(screen, QTableView, "productsTable")
    before = product_count(demo)
    path = tmp_path / "good.csv"
    write_catalog(path, ["NEW-OK,6119999000011,Nouveau produit,TIFAW,oil,piece,10.00,20"])

    screen.start_import(path, dry_run=True)
    qtbot.waitUntil(lambda: screen.last_summary is not None, timeout=10000)
    assert screen.last_summary.dry_run and screen.last_summary.created == 1
    assert "Nothing was imported" in label_text(screen, "productsMessage")
    assert product_count(demo) == before

    screen.last_summary = None
    screen.start_import(path)
    qtbot.waitUntil(lambda: screen.last_summary is not None, timeout=10000)
    assert product_count(demo) == before + 1
    qtbot.waitUntil(lambda: any(r["sku"] == "NEW-OK" for r in table.rows), timeout=5000)
    assert shown(table, "NEW-OK", "price") == "10.00\u00a0MAD"


def test_export_writes_the_catalog_on_a_worker(window, qtbot, demo, open_shift, tmp_path):
    screen = show(window, qtbot, "products")
    path = tmp_path / "out.csv"
    screen.start_export(path)
    qtbot.waitUntil(lambda: screen.last_export is not None, timeout=10000)
    assert screen.last_export == 80
    assert OIL_100 in path.read_text(encoding="utf-8-sig")


# -- cooperatives ------------------------------------------------------------------------------


def test_a_cooperative_commission_is_edited(window, qtbot, demo, open_shift):
    screen = show(window, qtbot, "cooperatives")
    table = find(screen, QTableView, "cooperativesTable")
    assert shown_coop(table, "TIFAW") == "15 %"
    assert table.select_where("code", "TIFAW")
    errors = []

    def edit(dialog):
        find(dialog, QLineEdit, "coopCommission").setText("12,5")
        click(dialog, "saveCooperative", qtbot)

    in_dialog("cooperativeDialog", edit, errors)
    click(screen, "editCooperative", qtbot)
    raise_first(errors)
    with demo.read() as s:
        assert lookups.cooperative(s, "TIFAW").commission_bp == 1250
    assert shown_coop(table, "TIFAW") == "12.5 %"


def shown_coop(table, code: str) -> str:
    for i, row in enumerate(table.rows):
        if row["code"] == code:
            return table.display(i, "commission")
    raise AssertionError(f"{code} is not in the table")


# -- stock -------------------------------------------------------------------------------------


def test_a_count_session_records_three_scans(window, qtbot, demo, open_shift):
    screen = show(window, qtbot, "stock")
    seen, errors = {}, []

    def count(dialog):
        for _ in range(3):
            scan_into(dialog, qtbot, OIL_100_BARCODE)
        # the scan field keeps the focus (the one the dialog gives back when active)
        seen["focus"] = dialog.focusWidget() is find(dialog, QLineEdit, "scanInput")
        seen["counted"] = dialog.lines.quantity_of(OIL_100)
        click(dialog, "finishCount", qtbot)
        result = find(dialog, QTableView, "countResult")
        seen["rows"] = [
            [result.display(i, k) for k in ("sku", "expected", "counted", "difference")]
            for i in range(len(result.rows))
        ]
        seen["summary"] = label_text(dialog, "countSummary")
        click(dialog, "closeCount", qtbot)

    in_dialog("countSession", count, errors)
    click(screen, "countStock", qtbot)
    raise_first(errors)
    assert seen["focus"] is True
    assert seen["counted"] == Decimal(3)
    assert seen["rows"] == [[OIL_100, "40", "3", "-37"]]
    assert seen["summary"] == "Count recorded at SHOP: 1 product, 1 with a difference."
    assert on_hand(demo, OIL_100) == Decimal(3)
    assert shown(find(screen, QTableView, "stockTable"), OIL_100, "quantity") == "3"


def test_receiving_goods_updates_the_table(window, qtbot, demo, open_shift):
    screen = show(window, qtbot, "stock")
    table = find(screen, QTableView, "stockTable")
    assert shown(table, OIL_100, "quantity") == "40"
    errors = []

    def receive(dialog):
        scan_into(dialog, qtbot, f"12*{OIL_100}")
        scan_into(dialog, qtbot, OIL_100_BARCODE)
        assert dialog.lines.quantity_of(OIL_100) == Decimal(13)
        find(dialog, QLineEdit, "receiveReference").setText("BL-2026-118")
        click(dialog, "confirmReceive", qtbot)
        assert not dialog.isVisible(), label_text(dialog, "dialogError")

    in_dialog("receiveDialog", receive, errors)
    click(screen, "receiveStock", qtbot)
    raise_first(errors)
    assert on_hand(demo, OIL_100) == Decimal(53)
    assert shown(table, OIL_100, "quantity") == "53"
    assert "received into SHOP" in label_text(screen, "stockMessage")
    with demo.read() as s:
        references = s.execute(
            select(StockMovement.reference).where(StockMovement.reason == "received")
        ).scalars()
        assert "BL-2026-118" in set(references)


def test_an_unknown_code_is_refused_in_the_dialog(window, qtbot, demo, open_shift):
    screen = show(window, qtbot, "stock")
    seen, errors = {}, []

    def receive(dialog):
        scan_into(dialog, qtbot, "0000000000000")
        seen["error"] = label_text(dialog, "linesError")
        seen["lines"] = list(dialog.lines.items())
        seen["open"] = dialog.isVisible()  # Enter from the scanner closes nothing

    in_dialog("receiveDialog", receive, errors)
    click(screen, "receiveStock", qtbot)
    raise_first(errors)
    assert seen == {
        "error": "Unknown product “0000000000000”: no such barcode or SKU.",
        "lines": [],
        "open": True,
    }


def test_a_seller_adjusts_with_a_manager_pin(window, qtbot, demo, users, open_shift):
    screen = show(window, qtbot, "stock", pin="1111")  # Fatima, a seller
    assert find(screen, QTableView, "stockTable").select_where("sku", OIL_100)
    errors = []

    def approve(dialog):
        in_dialog("adjustDialog", adjust, errors)
        pin = find(dialog, QLineEdit, "pinInput")
        pin.setText("250917")
        qtbot.keyClick(pin, Qt.Key.Key_Return)

    def adjust(dialog):
        assert find(dialog, QLineEdit, "adjustProduct").text() == OIL_100
        reason = dialog.reason
        reason.setCurrentIndex(reason.findData("damaged"))
        find(dialog, QLineEdit, "adjustQuantity").setText("2")
        find(dialog, QLineEdit, "adjustNote").setText("broken bottles")
        click(dialog, "confirmAdjust", qtbot)
        assert not dialog.isVisible(), label_text(dialog, "dialogError")

    in_dialog("managerApproval", approve, errors)
    click(screen, "adjustStock", qtbot)
    raise_first(errors)
    assert on_hand(demo, OIL_100) == Decimal(38)  # damaged goods always leave
    with demo.read() as s:
        movement = s.execute(
            select(StockMovement).where(StockMovement.reason == "damaged")
        ).scalar_one()
        assert (movement.user_id, movement.note) == (users["Youssef"].id, "broken bottles")
