"""The reconciliation of a fair, per cooperative and product: sent to the stand, sold,
refunded, returned, counted, and the variance (sent − sold + refunded − returned −
counted) with its value in MAD.

An unexplained variance is shown in red *and* marked with ⚠ and words ("2 missing",
"1 extra"), never by colour alone.  A manager can explain missing goods (damaged, gift,
sample): an audited adjustment (``consignment.explain_variance``), after which the row is
no longer flagged.  Once the stand is counted, the fair can be closed.  The table is
computed on a worker thread."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
)

from coopos.domain.consignment import Reconciliation, ReconRow
from coopos.domain.errors import CooposError, ValidationError
from coopos.domain.quantity import format_quantity, quantity
from coopos.i18n import N_, _, current_language, ngettext, thread_language
from coopos.i18n.formats import format_money, format_qty
from coopos.services import consignment
from coopos.services.checkout import Approver
from coopos.services.reports import Column
from ui.errors import guarded
from ui.screens.fair_count import missing_text
from ui.screens.fairs import (
    FairCombo,
    ask_save_path,
    compact,
    cooperative_choices,
    document_language_combo,
    set_rows_keeping,
    statements_module,
    while_alive,
    with_suffix,
)
from ui.session import AppSession
from ui.theme import set_role
from ui.widgets.approval import approve
from ui.widgets.forms import (
    BackOfficeScreen,
    DataTable,
    add_shortcuts,
    dialog_buttons,
    error_label,
    form_layout,
    shorten,
    touch_button,
    touch_combo,
)
from ui.workers import run_task, run_with_progress

ALL = ""
WHY = (("damaged", N_("Damaged")), ("gift", N_("Gift")), ("sample", N_("Sample")))
PDF_FUNCTIONS = ("save_reconciliation_pdf",)
FLAG = "⚠"


def variance_text(row: ReconRow) -> str:
    """``⚠ 2 missing`` while not explained, ``2 missing ✓`` once explained."""
    if row.variance == 0:
        return ""
    text = missing_text(row.variance)
    return f"{FLAG} {text}" if row.unexplained else f"{text} ✓"


class ExplainDialog(QDialog):
    """Why goods are missing at the stand: damaged, a gift or a sample."""

    def __init__(
        self, session: AppSession, approver: Approver, fair: str, row: ReconRow, parent=None
    ):
        super().__init__(parent)
        self.session, self.approver, self.fair, self.row = session, approver, fair, row
        self.done_message = ""
        self.setObjectName("explainDialog")
        self.setWindowTitle(_("Explain a variance"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.addWidget(set_role(QLabel(_("Explain a variance")), "title"))
        product = QLabel(f"{row.sku} · {row.name}")
        product.setWordWrap(True)
        layout.addWidget(product)
        facts = missing_text(row.variance)
        if row.explained:
            facts = _(
                "{missing}, {explained} already explained",
                missing=facts,
                explained=format_qty(row.explained),
            )
        layout.addWidget(set_role(QLabel(facts), "muted"))
        form = form_layout()
        self.quantity = QLineEdit(format_quantity(max(row.unexplained, Decimal(0))))
        self.quantity.setObjectName("explainQuantity")
        form.addRow(_("Quantity"), self.quantity)
        self.why = touch_combo("explainWhy")
        for key, label in WHY:
            self.why.addItem(_(label), key)
        form.addRow(_("Reason"), self.why)
        self.note = QLineEdit()
        self.note.setObjectName("explainNote")
        self.note.setPlaceholderText(_("Optional: who, what happened"))
        form.addRow(_("Note"), self.note)
        layout.addLayout(form)
        layout.addWidget(set_role(QLabel(_("Approved by {name}", name=approver.name)), "muted"))
        self.error = error_label("explainError")
        layout.addWidget(self.error)
        layout.addLayout(dialog_buttons(self, self.save, "confirmExplain", _("Record")))
        self.quantity.selectAll()
        self.quantity.setFocus()

    def save(self) -> None:
        try:
            text = self.quantity.text().strip()
            if not text:
                raise ValidationError(_("Type the quantity."))
            qty = quantity(text)
            consignment.explain_variance(
                self.session.ctx,
                self.fair,
                self.row.sku,
                qty,
                self.why.currentData(),
                self.approver.id,
                self.note.text().strip(),
            )
        except CooposError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        self.done_message = _(
            "{qty} × {sku} explained: {why}.",
            qty=format_qty(qty),
            sku=self.row.sku,
            why=self.why.currentText().lower(),
        )
        self.accept()


class ReconciliationScreen(BackOfficeScreen):
    COLUMNS = (
        Column("cooperative", N_("Cooperative")),
        Column("sku", N_("SKU")),
        Column("name", N_("Product")),
        Column("sent", N_("Sent"), "quantity"),
        Column("sold", N_("Sold"), "quantity"),
        Column("refunded", N_("Refunded"), "quantity"),
        Column("returned", N_("Returned"), "quantity"),
        Column("counted", N_("Counted"), "quantity"),
        Column("variance", N_("Variance")),
        Column("explained", N_("Explained"), "quantity"),
        Column("value", N_("Value"), "money"),
    )

    def __init__(self, session: AppSession, fair: str | None = None, parent=None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("reconciliationScreen")
        self.recon: Reconciliation | None = None
        self.loading = False
        self._generation = 0
        layout = QVBoxLayout(self)
        self.build_header(layout, _("Reconciliation"), "reconCount", "reconMessage")

        filters = QHBoxLayout()
        filters.addWidget(QLabel(_("Fair")))
        self.fair = FairCombo(session, "reconFair")
        if fair:
            self.fair.select(fair)
        self.fair.currentIndexChanged.connect(self.refresh)
        filters.addWidget(self.fair, 2)
        filters.addWidget(QLabel(_("Cooperative")))
        self.coop = compact(touch_combo("reconCoop"))
        self.coop.addItem(_("All cooperatives"), ALL)
        for code, name in cooperative_choices(session.ctx):
            self.coop.addItem(f"{code} · {shorten(name, 36)}", code)
        self.coop.currentIndexChanged.connect(self.refresh)
        filters.addWidget(self.coop, 1)
        layout.addLayout(filters)

        self.state = set_role(QLabel(), "muted")
        self.state.setObjectName("reconState")
        self.state.setWordWrap(True)
        layout.addWidget(self.state)

        self.table = DataTable(
            self.COLUMNS,
            "name",
            lambda r: "danger" if r["unexplained"] else None,
            self,
            caps={"cooperative": 110, "sku": 150},
            reserve={"variance": f"{FLAG} {_('{qty} missing', qty='000')}"},
        )
        self.table.setObjectName("reconTable")
        self.table.activated_row.connect(lambda _row: self.explain())
        self.table.selectionModel().selectionChanged.connect(self.update_buttons)
        layout.addWidget(self.table, 1)

        self.summary = QLabel()
        self.summary.setObjectName("reconSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        actions = QHBoxLayout()
        self.buttons = {
            "explain": touch_button(_("Explain…"), "explainVariance", self.explain, "primary"),
            "count": touch_button(_("Count the stand…"), "reconCountStand", self.count_stand),
            "close": touch_button(_("Close the fair"), "closeFair", self.close_fair),
        }
        for button in self.buttons.values():
            actions.addWidget(button)
        actions.addStretch(1)
        self.language = document_language_combo("reconLanguage")
        self.buttons["pdf"] = touch_button(_("Save as PDF…"), "reconPdf", self.save_pdf)
        actions.addWidget(self.language)
        actions.addWidget(self.buttons["pdf"])
        if statements_module(*PDF_FUNCTIONS) is None:
            self.language.hide()
            self.buttons["pdf"].hide()
        layout.addLayout(actions)
        add_shortcuts(self, [("F5", self.refresh), ("Ctrl+E", self.explain)])

        session.bridge.sales_changed.connect(self.on_changed)
        session.bridge.stock_changed.connect(self.on_changed)
        session.bridge.locations_changed.connect(self.reload_fairs)
        self.refresh()

    # -- choosing ------------------------------------------------------------------------------
    def show_fair(self, code: str) -> None:
        self.fair.reload(code)
        self.refresh()

    def reload_fairs(self) -> None:
        self.fair.reload()
        self.on_changed()

    def cooperative(self) -> str | None:
        return self.coop.currentData() or None

    # -- loading (on a worker thread) ----------------------------------------------------------
    @guarded()
    def refresh(self, *_args) -> None:
        self._dirty = False
        self._generation += 1
        generation = self._generation
        fair = self.fair.code()
        if not fair:
            self.recon = None
            self.table.set_rows([])
            self.state.setText(_("No fair yet: create one in the Fairs screen."))
            self.summary.setText("")
            self.update_buttons()
            return
        self.loading = True
        self.count.setText(_("Computing…"))
        ctx, coop, language = self.session.ctx, self.cooperative(), current_language()

        def work(_progress) -> Reconciliation:
            with ctx.read() as s:
                return consignment.reconciliation(
                    s, fair_code=fair, cooperative=coop, language=language
                )

        run_task(
            work,
            while_alive(self, lambda recon: self.show_reconciliation(generation, recon)),
            while_alive(self, lambda message: self.failed(generation, message)),
        )

    def failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self.loading = False
        self.count.setText("")
        self.report_error(message)

    def show_reconciliation(self, generation: int, recon: Reconciliation) -> None:
        if generation != self._generation:
            return  # a newer request is on its way
        self.loading = False
        self.recon = recon
        self.fair.reload()
        fair = self.fair.fair()
        counted = any(r.counted_for_real for r in recon.rows) or (
            fair is not None and fair.status != "open"
        )
        rows = []
        for r in recon.rows:
            rows.append(
                {
                    "key": (r.cooperative, r.sku),
                    "cooperative": r.cooperative,
                    "sku": r.sku,
                    "name": r.name,
                    "sent": r.sent,
                    "sold": r.sold,
                    "refunded": r.refunded,
                    "returned": r.returned,
                    "counted": r.counted,
                    "variance": variance_text(r),
                    "explained": r.explained or None,
                    "value": r.variance_cents,
                    "unexplained": r.unexplained,
                    "row": r,
                }
            )
        set_rows_keeping(self.table, rows, "key")
        self.count.setText(
            ngettext("{n} product", "{n} products", len(rows))
            + " · "
            + ngettext("{n} cooperative", "{n} cooperatives", len(recon.cooperatives))
        )
        if fair is None:
            state = ""
        elif fair.status == "closed":
            state = _("{fair}: closed.", fair=fair.label)
        elif counted:
            state = _(
                "{fair}: counted. Explain what is missing, then close the fair.",
                fair=fair.label,
            )
        else:
            state = _(
                "{fair}: not counted yet, so “Counted” is what the books say. Count the "
                "stand at the end of the fair to see what is missing.",
                fair=fair.label,
            )
        self.state.setText(state)
        flagged = [r for r in recon.rows if r.unexplained]
        if flagged:
            missing = sum(r.unexplained_cents for r in flagged if r.unexplained > 0)
            extra = -sum(r.unexplained_cents for r in flagged if r.unexplained < 0)
            parts = []
            if missing:
                parts.append(_("{amount} of goods missing", amount=format_money(missing)))
            if extra:
                parts.append(_("{amount} of goods in excess", amount=format_money(extra)))
            text = ngettext(
                "{n} product with an unexplained variance",
                "{n} products with an unexplained variance",
                len(flagged),
            )
            if parts:
                text = _("{what}: {details}.", what=text, details=", ".join(parts))
            self.summary.setText(f"{FLAG} {text}")
            set_role(self.summary, "error")
        else:
            self.summary.setText(_("No unexplained variance.") if rows else "")
            set_role(self.summary, "muted")
        self.update_buttons()

    # -- state of the buttons ------------------------------------------------------------------
    def selected(self) -> ReconRow | None:
        row = self.table.selected_row()
        return row["row"] if row else None

    def update_buttons(self, *_args) -> None:
        fair = self.fair.fair()
        status = fair.status if fair else None
        row = self.selected()
        self.buttons["explain"].setEnabled(row is not None and row.unexplained > 0)
        self.buttons["count"].setEnabled(status == "open")
        self.buttons["close"].setEnabled(status == "counted")
        self.buttons["pdf"].setEnabled(self.recon is not None and bool(self.recon.rows))
        self.buttons["close"].setToolTip(
            _("Count the stand before closing the fair.") if status == "open" else ""
        )
        self.buttons["explain"].setToolTip(
            _("Pick a row marked {flag} missing.", flag=FLAG)
            if row is None or row.unexplained <= 0
            else ""
        )

    # -- actions -------------------------------------------------------------------------------
    @guarded()
    def explain(self) -> None:
        row = self.selected()
        if row is None or row.unexplained <= 0:
            self.report_error(
                _("Only missing goods can be explained: pick a row marked {flag}.", flag=FLAG)
            )
            return
        approver = approve(
            self.session.ctx,
            self,
            "stock_adjust",
            _("Explaining a variance needs a manager."),
            self.session,
        )
        if approver is None:
            return
        dialog = ExplainDialog(self.session, approver, self.fair.code(), row, self)
        dialog.exec()
        dialog.deleteLater()
        if dialog.done_message:
            self.message.say(dialog.done_message)
            self.refresh()

    @guarded()
    def count_stand(self) -> None:
        from ui.screens.fair_count import FairCountDialog

        dialog = FairCountDialog(self.session, self.fair.code(), self)
        dialog.exec()
        dialog.deleteLater()
        if dialog.done_message:
            self.message.say(dialog.done_message)
            self.refresh()

    @guarded()
    def close_fair(self) -> None:
        fair = self.fair.fair()
        if fair is None:
            return
        flagged = sum(1 for r in (self.recon.rows if self.recon else []) if r.unexplained)
        text = _(
            "Close the fair {code}? Nothing more can be sent to its stand or counted.",
            code=fair.code,
        )
        if flagged:
            text = (
                ngettext(
                    "{n} variance is not explained.", "{n} variances are not explained.", flagged
                )
                + " "
                + text
            )
        answer = QMessageBox.question(self, _("Close the fair"), text)
        if answer != QMessageBox.StandardButton.Yes:
            return
        user = self.session.user
        consignment.close_fair(self.session.ctx, fair.code, user.id if user else None)
        self.message.say(_("Fair {code} closed.", code=fair.code))
        self.refresh()

    def ask_path(self, suggested: str) -> str:
        return ask_save_path(self, _("Save the reconciliation"), suggested, _("PDF files (*.pdf)"))

    @guarded()
    def save_pdf(self) -> None:
        module = statements_module(*PDF_FUNCTIONS)
        recon = self.recon
        if module is None or recon is None:
            return
        fair = self.fair.code()
        chosen = self.ask_path(f"reconciliation-{fair}.pdf")
        if not chosen:
            return
        path = with_suffix(chosen, ".pdf")
        ctx, coop, language = self.session.ctx, self.cooperative(), self.language.currentData()

        def work(progress) -> Path:
            progress(0, 1)
            with thread_language(language), ctx.read() as s:
                # the product names and the title in the document's language
                recon = consignment.reconciliation(
                    s, fair_code=fair, cooperative=coop, language=language
                )
                shop = consignment.shop_party(s)
                written = module.save_reconciliation_pdf(recon, path, shop, language)
            progress(1, 1)
            return Path(written or path)

        run_with_progress(
            self,
            _("Saving the reconciliation…"),
            work,
            while_alive(self, lambda path: self.message.say(_("Saved to {path}.", path=path))),
            while_alive(self, self.report_error),
        )

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)


__all__ = ["ExplainDialog", "ReconciliationScreen", "variance_text"]
