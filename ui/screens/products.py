"""Products (back office): the catalog in a filterable table; create, edit, archive or
restore a product; import and export catalog files (CSV or XLSX) on a worker thread.

An edit carries the version the dialog was opened with, so that a save made meanwhile by
someone else is refused with the core's message instead of being overwritten.

The sortable table widget (``DataTable``) and the screen message helpers defined here are
shared by the cooperatives and stock screens."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from coopos.db.models import Product
from coopos.domain.catalog import Unit, pick_name
from coopos.domain.errors import CooposError
from coopos.domain.money import format_amount
from coopos.domain.vat import VAT_RATES
from coopos.i18n import N_, _, current_language, ngettext
from coopos.services import catalog, inventory, lookups, products
from coopos.services.catalog import CatalogImportError, ImportSummary
from coopos.services.reports import Column
from ui.errors import guarded
from ui.session import AppSession
from ui.theme import set_role
from ui.widgets.approval import approve
from ui.widgets.forms import (
    CATALOG_FILES,
    BackOfficeScreen,
    DataModel,
    DataTable,
    MessageLine,
    add_shortcuts,
    dialog_buttons,
    direction_field,
    error_label,
    form_layout,
    ltr,
    names_box,
    short_list,
    shorten,
    touch_button,
    touch_combo,
    unit_label,
)
from ui.widgets.keypad import ask_value
from ui.workers import run_with_progress

# -- the product dialog ---------------------------------------------------------------------


class ProductDialog(QDialog):
    """Create or edit one product; every field of a catalog row."""

    def __init__(self, session: AppSession, product_id: int | None = None, parent=None):
        super().__init__(parent)
        self.session = session
        self.product_id = product_id
        self.version: int | None = None
        self.saved_id: int | None = None
        self.saved_sku = ""
        self.setObjectName("productDialog")
        self.setWindowTitle(_("New product") if product_id is None else _("Edit product"))
        lang = current_language()
        with session.ctx.read() as s:
            coops = products.list_cooperatives(s)
            categories = products.list_categories(s)
            product = None
            if product_id is not None:
                product = s.get(Product, product_id)
                if product is None:
                    raise CooposError(_("This product no longer exists."))
                barcodes = "|".join(b.barcode for b in product.barcodes)
                coop_code = product.cooperative.code
                category_code = product.category.code if product.category else ""
        layout = QVBoxLayout(self)
        title = product.sku if product else _("New product")
        layout.addWidget(set_role(QLabel(title), "title"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        layout.addLayout(grid)

        # -- left: codes, cooperative, category, unit, price, VAT -----------------------------
        left = form_layout()
        self.sku = direction_field("productSku")
        self.sku.setMaxLength(64)
        left.addRow(_("SKU"), self.sku)
        self.barcodes = direction_field("productBarcodes")
        self.barcodes.setPlaceholderText(_("Several barcodes: separate them with |"))
        left.addRow(_("Barcodes"), self.barcodes)
        self.cooperative = touch_combo()
        self.cooperative.setObjectName("productCooperative")
        for coop in coops:
            if coop.active or (product is not None and coop.code == coop_code):
                label = shorten(f"{coop.code} · {pick_name(coop.names, lang)}", 36)
                self.cooperative.addItem(label, coop.code)
        self.cooperative.setMinimumContentsLength(36)
        self.cooperative.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        left.addRow(_("Cooperative"), self.cooperative)
        self.category = touch_combo()
        self.category.setObjectName("productCategory")
        self.category.addItem(_("(no category)"), "")
        for category in categories:
            self.category.addItem(pick_name(category.names, lang) or category.code, category.code)
        left.addRow(_("Category"), self.category)
        self.unit = touch_combo()
        self.unit.setObjectName("productUnit")
        for unit in Unit:
            self.unit.addItem(unit_label(unit.value), unit.value)
        left.addRow(_("Unit"), self.unit)
        price_row = QHBoxLayout()
        self.price = direction_field("productPrice")
        self.price.setPlaceholderText("0.00")
        price_row.addWidget(self.price, 1)
        keypad = QPushButton(_("Keypad"))
        keypad.setObjectName("priceKeypad")
        keypad.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        keypad.clicked.connect(self.price_on_keypad)
        price_row.addWidget(keypad)
        left.addRow(_("Price (MAD, VAT included)"), price_row)
        self.vat = touch_combo()
        self.vat.setObjectName("productVat")
        for rate in VAT_RATES:
            self.vat.addItem(f"{rate} %", rate)
        left.addRow(_("VAT"), self.vat)
        box = QGroupBox(_("Product"))
        box.setLayout(left)
        grid.addWidget(box, 0, 0)

        # -- right: the names in four languages -----------------------------------------------
        box, self.names = names_box(
            "productName", _("At least one name; the others fall back to it."), 380
        )
        grid.addWidget(box, 0, 1)

        self.error = error_label("productError")
        layout.addWidget(self.error)
        layout.addLayout(dialog_buttons(self, self.save, "saveProduct"))

        if product is not None:
            self.version = product.version
            self.sku.setText(product.sku)
            self.barcodes.setText(barcodes)
            for code, field in self.names.items():
                field.setText(getattr(product, f"name_{code}") or "")
                field.setCursorPosition(0)
            self._pick(self.cooperative, coop_code)
            self._pick(self.category, category_code)
            self._pick(self.unit, product.unit)
            self.price.setText(format_amount(product.price_cents))
            self._pick(self.vat, product.vat_rate)
        else:
            self.cooperative.insertItem(0, _("Choose a cooperative"), "")
            self.cooperative.setCurrentIndex(0)
            self._pick(self.vat, 20)
        self.sku.setFocus()

    @staticmethod
    def _pick(combo: QComboBox, value: Any) -> None:
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)

    def price_on_keypad(self) -> None:
        cents = ask_value(
            self, _("Price"), _("Price in MAD, VAT included"), "amount", self.price.text()
        )
        if cents is not None:
            self.price.setText(format_amount(cents))

    def fields(self) -> dict[str, str]:
        barcodes = [b for b in re.split(r"[|,;\s]+", self.barcodes.text()) if b]
        fields = {
            "sku": self.sku.text().strip(),
            "barcode": "|".join(barcodes),
            "cooperative": self.cooperative.currentData() or "",
            "category": self.category.currentData() or "",
            "unit": self.unit.currentData(),
            "price": self.price.text().strip(),
            "vat_rate": str(self.vat.currentData()),
        }
        for code, field in self.names.items():
            fields[f"name_{code}"] = field.text().strip()
        return fields

    def save(self) -> None:
        try:
            product = products.save_product(
                self.session.ctx,
                self.fields(),
                self.product_id,
                expected_version=self.version,
                user_id=self.session.user.id if self.session.user else None,
            )
        except CooposError as exc:
            message = exc.message  # row rules speak in lower case ("line 3: the price...")
            self.error.setText(message[:1].upper() + message[1:])
            self.error.show()
            return
        self.saved_id, self.saved_sku = product.id, product.sku
        self.accept()


# -- import results --------------------------------------------------------------------------


class ImportErrorsDialog(QDialog):
    """Every bad line of a refused catalog file."""

    def __init__(self, path: Path, error: CatalogImportError, parent=None):
        super().__init__(parent)
        self.setObjectName("importErrorsDialog")
        self.setWindowTitle(_("Catalog not imported"))
        self.setMinimumSize(720, 460)
        layout = QVBoxLayout(self)
        layout.addWidget(set_role(QLabel(error.message), "title"))
        about = QLabel(_("Correct these lines in {file} and import it again.", file=path.name))
        about.setWordWrap(True)
        layout.addWidget(about)
        self.list = QListWidget()
        self.list.setObjectName("importErrors")
        self.list.setWordWrap(True)
        self.list.addItems([str(e) for e in error.errors])
        layout.addWidget(self.list, 1)
        close = QPushButton(_("Close"))
        close.setObjectName("closeImportErrors")
        close.clicked.connect(self.accept)
        layout.addWidget(close)


def summary_text(summary: ImportSummary) -> str:
    counts = _(
        "{created} new, {updated} changed, {unchanged} unchanged",
        created=summary.created,
        updated=summary.updated,
        unchanged=summary.unchanged,
    )
    if summary.dry_run:
        text = ngettext(
            "Check only: {n} valid row ({counts}). Nothing was imported.",
            "Check only: {n} valid rows ({counts}). Nothing was imported.",
            summary.rows,
            counts=counts,
        )
    else:
        text = ngettext(
            "Catalog imported: {n} row ({counts}).",
            "Catalog imported: {n} rows ({counts}).",
            summary.rows,
            counts=counts,
        )
    extra = []
    if summary.new_cooperatives:
        extra.append(_("New cooperatives: {names}.", names=", ".join(summary.new_cooperatives)))
    if summary.new_categories:
        extra.append(_("New categories: {names}.", names=", ".join(summary.new_categories)))
    if summary.stock_lines and not summary.dry_run:
        extra.append(_("Stock received for {n} products.", n=summary.stock_lines))
    return " ".join([text, *extra])


# -- the screen ------------------------------------------------------------------------------


class ProductsScreen(BackOfficeScreen):
    COLUMNS = (
        Column("sku", N_("SKU")),
        Column("name", N_("Name")),
        Column("cooperative", N_("Cooperative")),
        Column("category", N_("Category")),
        Column("unit", N_("Unit")),
        Column("price", N_("Price"), "money"),
        Column("vat", N_("VAT %"), "int"),
        Column("barcodes", N_("Barcodes")),
        Column("on_hand", N_("On hand"), "quantity"),
    )

    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("productsScreen")
        self.busy = False
        self.import_errors: ImportErrorsDialog | None = None
        self.last_summary: ImportSummary | None = None
        self.last_export: int | None = None
        self._dirty = False
        layout = QVBoxLayout(self)
        self.build_header(layout, _("Products"), "productCount", "productsMessage")

        filters = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("productSearch")
        self.search.setPlaceholderText(_("Search: name, SKU, barcode or cooperative (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=250)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self.refresh)
        filters.addWidget(self.search, 3)
        self.coop_filter = touch_combo()
        self.coop_filter.setObjectName("productCoopFilter")
        self.coop_filter.currentIndexChanged.connect(self.refresh)
        filters.addWidget(self.coop_filter, 1)
        self.category_filter = touch_combo()
        self.category_filter.setObjectName("productCategoryFilter")
        self.category_filter.currentIndexChanged.connect(self.refresh)
        filters.addWidget(self.category_filter, 1)
        self.archived = QCheckBox(_("Show archived"))
        self.archived.setObjectName("showArchived")
        self.archived.toggled.connect(self.refresh)
        filters.addWidget(self.archived)
        layout.addLayout(filters)

        self.table = DataTable(
            self.COLUMNS,
            "name",
            lambda r: None if r["active"] else "muted",
            self,
            caps={"category": 150, "cooperative": 110, "barcodes": 200},
        )
        self.table.setObjectName("productsTable")
        self.table.activated_row.connect(lambda _row: self.edit_product())
        layout.addWidget(self.table, 1)

        actions = QHBoxLayout()
        self.new_button = touch_button(_("New"), "newProduct", self.new_product, "primary")
        self.edit_button = touch_button(_("Edit"), "editProduct", self.edit_product)
        self.archive_button = touch_button(_("Archive"), "archiveProduct", self.toggle_archive)
        for button in (self.new_button, self.edit_button, self.archive_button):
            actions.addWidget(button)
        actions.addStretch(1)
        self.dry_run = QCheckBox(_("Check only"))
        self.dry_run.setObjectName("importDryRun")
        self.dry_run.setToolTip(_("Check the file and report its errors without importing it"))
        actions.addWidget(self.dry_run)
        self.import_button = touch_button(
            _("Import catalog…"), "importCatalog", self.choose_import_file
        )
        self.export_button = touch_button(
            _("Export catalog…"), "exportCatalog", self.choose_export_file
        )
        actions.addWidget(self.import_button)
        actions.addWidget(self.export_button)
        layout.addLayout(actions)

        add_shortcuts(
            self,
            [
                ("Ctrl+F", self.focus_search),
                ("Ctrl+N", self.new_product),
                ("F2", self.edit_product),
            ],
        )
        self.table.selectionModel().selectionChanged.connect(self.update_buttons)
        session.bridge.catalog_changed.connect(self.on_catalog_changed)
        session.bridge.stock_changed.connect(self.on_changed)
        self.reload_filters()
        self.refresh()

    # -- feedback --------------------------------------------------------------------------
    def say(self, message: str) -> None:
        self.message.say(message)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # -- data ---------------------------------------------------------------------------------
    def on_catalog_changed(self) -> None:
        self.reload_filters()
        self.on_changed()

    def reload_filters(self) -> None:
        lang = current_language()
        with self.session.ctx.read() as s:
            coops = [(c.id, c.code) for c in products.list_cooperatives(s)]
            categories = [
                (c.id, pick_name(c.names, lang) or c.code) for c in products.list_categories(s)
            ]
        for combo, everything, items in (
            (self.coop_filter, _("All cooperatives"), coops),
            (self.category_filter, _("All categories"), categories),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, None)
            for item_id, label in items:
                combo.addItem(label, item_id)
            index = combo.findData(current)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    @guarded()
    def refresh(self, *_args) -> None:
        self._dirty = False
        self._search_timer.stop()
        lang = current_language()
        with self.session.ctx.read() as s:
            stock = inventory.on_hand_by_product(s, lookups.location(s).id)
            items = products.list_products(
                s,
                text=self.search.text(),
                cooperative_id=self.coop_filter.currentData(),
                category_id=self.category_filter.currentData(),
                include_archived=self.archived.isChecked(),
            )
            rows = []
            for p in items:
                names = p.names
                rows.append(
                    {
                        "id": p.id,
                        "active": p.active,
                        "sku": p.sku,
                        "name": pick_name(names, lang)
                        if p.active
                        else _("{name} (archived)", name=pick_name(names, lang)),
                        "name_tip": "\n".join(n for n in names.values() if n),
                        "cooperative": p.cooperative.code,
                        "category": pick_name(p.category.names, lang) if p.category else "",
                        "unit": unit_label(p.unit),
                        "price": p.price_cents,
                        "vat": p.vat_rate,
                        "barcodes": ltr(short_list([b.barcode for b in p.barcodes])),
                        "barcodes_tip": "\n".join(b.barcode for b in p.barcodes),
                        "on_hand": stock.get(p.id, Decimal(0)),
                    }
                )
        self.table.set_rows(rows, keep="id")
        self.count.setText(ngettext("{n} product", "{n} products", len(rows)))
        self.update_buttons()

    def update_buttons(self, *_args) -> None:
        row = self.table.selected_row()
        idle = not self.busy
        self.edit_button.setEnabled(row is not None)
        self.archive_button.setEnabled(row is not None)
        self.archive_button.setText(
            _("Restore") if row is not None and not row["active"] else _("Archive")
        )
        self.import_button.setEnabled(idle)
        self.export_button.setEnabled(idle)

    def selected(self) -> dict[str, Any]:
        row = self.table.selected_row()
        if row is None:
            raise CooposError(_("Pick a product in the list first."))
        return row

    # -- editing ------------------------------------------------------------------------------
    @guarded()
    def new_product(self) -> None:
        self.open_dialog(None)

    @guarded()
    def edit_product(self) -> None:
        self.open_dialog(self.selected()["id"])

    def open_dialog(self, product_id: int | None) -> None:
        self.message.hide()
        dialog = ProductDialog(self.session, product_id, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        if accepted and dialog.saved_id is not None:
            self.refresh()
            self.table.select_where("id", dialog.saved_id)
            self.say(_("Product {sku} saved.", sku=dialog.saved_sku))

    @guarded()
    def toggle_archive(self) -> None:
        row = self.selected()
        archive = row["active"]
        question = (
            _(
                "Archive {sku}? It will no longer be sold; its sales and stock history stay.",
                sku=row["sku"],
            )
            if archive
            else _("Bring {sku} back into the catalog?", sku=row["sku"])
        )
        title = _("Archive") if archive else _("Restore")
        answer = QMessageBox.question(self, title, question)
        if answer != QMessageBox.StandardButton.Yes:
            return
        approver = approve(
            self.session.ctx,
            self,
            "product_archive" if archive else "product_restore",
            _("Archiving or restoring a product needs a manager."),
            self.session,
        )
        if approver is None:
            return
        products.set_product_active(self.session.ctx, row["id"], not archive, approver.id)
        if archive:
            self.say(
                _(
                    "{sku} is archived. Tick “Show archived” to see it again.",
                    sku=row["sku"],
                )
            )
        else:
            self.say(_("{sku} is back in the catalog.", sku=row["sku"]))

    # -- import and export --------------------------------------------------------------------
    @guarded()
    def choose_import_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Import a catalog"), "", _(CATALOG_FILES)
        )
        if path:
            self.start_import(path, self.dry_run.isChecked())

    def start_import(self, path: str | Path, dry_run: bool = False) -> None:
        """Import (or only check) ``path`` on a worker thread; the result is shown when
        it is done: a summary, or the list of every bad line."""
        if self.busy:
            return
        path = Path(path)
        ctx = self.session.ctx
        user_id = self.session.user.id if self.session.user else None

        def work(progress):
            try:
                return catalog.import_catalog(ctx, path, dry_run, user_id, progress)
            except CatalogImportError as exc:
                return exc  # the GUI lists every bad line

        self._start()
        self.message.hide()
        title = (
            _("Checking {file}…", file=path.name)
            if dry_run
            else _("Importing {file}…", file=path.name)
        )
        run_with_progress(
            self, title, work, lambda result: self._imported(path, result), self._failed
        )

    def _imported(self, path: Path, result: ImportSummary | CatalogImportError) -> None:
        self._finish()
        if isinstance(result, CatalogImportError):
            self.report_error(result.message)
            if self.import_errors is not None:
                self.import_errors.deleteLater()
            self.import_errors = ImportErrorsDialog(path, result, self)
            self.import_errors.open()
            return
        self.last_summary = result
        self.say(summary_text(result))
        self.refresh()

    @guarded()
    def choose_export_file(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Export the catalog"), "catalog.csv", _(CATALOG_FILES)
        )
        if path:
            if not Path(path).suffix:
                path += ".csv"
            self.start_export(path)

    def start_export(self, path: str | Path, with_stock: bool = False) -> None:
        if self.busy:
            return
        path = Path(path)
        ctx = self.session.ctx

        def work(_progress):
            return catalog.export_catalog(ctx, path, with_stock)

        def done(count: int) -> None:
            self._finish()
            self.last_export = count
            self.say(
                ngettext(
                    "{n} product written to {path}.",
                    "{n} products written to {path}.",
                    count,
                    path=str(path),
                )
            )

        self._start()
        self.message.hide()
        run_with_progress(self, _("Exporting to {file}…", file=path.name), work, done, self._failed)

    def _start(self) -> None:
        self.busy = True
        self.update_buttons()

    def _finish(self) -> None:
        self.busy = False
        self.update_buttons()

    def _failed(self, message: str) -> None:
        self._finish()
        self.report_error(message)


__all__ = [
    "DataModel",
    "DataTable",
    "ImportErrorsDialog",
    "MessageLine",
    "ProductDialog",
    "ProductsScreen",
    "direction_field",
    "touch_button",
    "unit_label",
]
