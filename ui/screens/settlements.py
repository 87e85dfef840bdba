"""Settlement statements: what the shop owes a cooperative for a fair or a period.

Choose a cooperative and a fair (or a period): the statement shows its sales per product
(quantity, gross, VAT), refunds, the shop's commission, the net payable, the payouts
already made and the balance; a payout (cash, transfer, cheque and its reference) is
recorded here.  Beside it, a chart of the net sales of every cooperative for the same
fair or period.  The statement is saved as PDF (French or Arabic), CSV or XLSX by
``coopos.printing.statements``.  Statements are computed on a worker thread."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from coopos.domain import consignment_engine as engine
from coopos.domain.consignment import Statement, StatementRow
from coopos.domain.errors import CooposError, ValidationError
from coopos.domain.money import format_amount, parse_amount
from coopos.i18n import N_, _, current_language, thread_language
from coopos.i18n.formats import format_money
from coopos.services import consignment, reports
from coopos.services.reports import Column
from ui.errors import guarded
from ui.screens.fairs import (
    FairCombo,
    ask_save_path,
    compact,
    cooperative_choices,
    day_text,
    document_language_combo,
    statements_module,
    while_alive,
    with_suffix,
)
from ui.session import AppSession
from ui.theme import ACCENT, set_role
from ui.widgets.chart import Bar, BarChart
from ui.widgets.forms import (
    BackOfficeScreen,
    DataTable,
    add_shortcuts,
    dialog_buttons,
    error_label,
    form_layout,
    ltr,
    shorten,
    touch_button,
    touch_combo,
)
from ui.workers import run_task, run_with_progress

METHODS = (("cash", N_("Cash")), ("transfer", N_("Bank transfer")), ("cheque", N_("Cheque")))
PDF_FUNCTIONS = ("save_statement_pdf",)
CSV_FUNCTIONS = ("statement_csv",)
XLSX_FUNCTIONS = ("save_statement_xlsx",)
CHART_BARS = 12
CHECKED_STYLE = f"QPushButton:checked {{ background: {ACCENT}; color: white; font-weight: bold; }}"


def method_label(method: str) -> str:
    return _(dict(METHODS).get(method, method))


class Scope(engine.Scope):
    """A fair, or a period of local days (inclusive), as the screen shows it."""

    def text(self) -> str:
        if self.fair:
            return self.fair
        return _("{start} – {end}", start=day_text(self.start), end=day_text(self.end))

    def slug(self) -> str:
        if self.fair:
            return self.fair
        return f"{self.start.isoformat()}-{self.end.isoformat()}"


def verify_text(statement: Statement, scope: Scope) -> str:
    """The text of the statement's QR code (verified by the central server)."""
    from coopos.domain import consignment as rules

    code_of = getattr(rules, "statement_code", None)
    scope_of = getattr(consignment, "scope_code", None)
    if code_of is None or scope_of is None:
        return ""
    return code_of(statement, scope_of(scope.fair, scope.start, scope.end))


def compute(ctx, coop: str, scope: Scope, coops: list[tuple[str, str]], language: str):
    """The statement and the chart's bars (net sales per cooperative), off the GUI."""
    with thread_language(language), ctx.read() as s:
        statement = consignment.settlement(s, coop, scope.fair, scope.start, scope.end)
        bars = []
        if scope.fair:
            for code, name in coops:
                other = (
                    statement
                    if code == coop
                    else consignment.settlement(s, code, scope.fair, None, None)
                )
                if other.sold or other.refunded:
                    bars.append(Bar(code, other.net_sales_cents, name))
        else:
            names = dict(coops)
            table = reports.sales_report(s, scope.start, scope.end, "cooperative")
            bars = [
                Bar(r["code"], int(r["net"] or 0), names.get(r["code"], r["name"]))
                for r in table.rows
            ]
    bars.sort(key=lambda b: b.value, reverse=True)
    return statement, bars


class PayoutDialog(QDialog):
    """Money paid to a cooperative: amount, cash / transfer / cheque and its reference."""

    def __init__(
        self,
        session: AppSession,
        coop: str,
        coop_name: str,
        fair: str | None,
        balance_cents: int,
        parent=None,
    ):
        super().__init__(parent)
        self.session, self.coop, self.fair = session, coop, fair
        self.done_message = ""
        self.setObjectName("payoutDialog")
        self.setWindowTitle(_("Record a payout"))
        self.setMinimumWidth(600)
        layout = QVBoxLayout(self)
        layout.addWidget(set_role(QLabel(_("Record a payout")), "title"))
        whom = QLabel(
            _("To {coop} for the fair {fair}.", coop=coop_name, fair=fair)
            if fair
            else _("To {coop}.", coop=coop_name)
        )
        whom.setWordWrap(True)
        layout.addWidget(whom)
        form = form_layout()
        self.amount = QLineEdit(format_amount(balance_cents) if balance_cents > 0 else "")
        self.amount.setObjectName("payoutAmount")
        self.amount.setPlaceholderText(_("Amount in MAD"))
        form.addRow(_("Amount"), self.amount)
        methods = QHBoxLayout()
        self.methods = QButtonGroup(self)
        for key, label in METHODS:
            button = QPushButton(_(label))
            button.setObjectName(f"payout_{key}")
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.setProperty("method", key)
            button.setProperty("label", _(label))
            button.setStyleSheet(CHECKED_STYLE)
            self.methods.addButton(button)
            methods.addWidget(button)
        self.methods.buttons()[0].setChecked(True)
        form.addRow(_("Paid by"), methods)
        self.reference = QLineEdit()
        self.reference.setObjectName("payoutReference")
        form.addRow(_("Reference"), self.reference)
        self.note = QLineEdit()
        self.note.setObjectName("payoutNote")
        form.addRow(_("Note"), self.note)
        layout.addLayout(form)
        self.error = error_label("payoutError")
        layout.addWidget(self.error)
        layout.addLayout(dialog_buttons(self, self.save, "confirmPayout", _("Record the payout")))
        self.methods.buttonToggled.connect(self.update_reference)
        self.update_reference()
        self.amount.selectAll()
        self.amount.setFocus()

    def method(self) -> str:
        button = self.methods.checkedButton()
        return button.property("method") if button else "cash"

    def update_reference(self, *_args) -> None:
        for button in self.methods.buttons():  # the choice in words too, not colour alone
            label = button.property("label")
            button.setText(f"✓ {label}" if button.isChecked() else label)
        cash = self.method() == "cash"
        self.reference.setPlaceholderText(
            _("Optional for cash") if cash else _("Transfer or cheque number")
        )

    def save(self) -> None:
        try:
            text = self.amount.text().strip()
            if not text:
                raise ValidationError(_("Type the amount paid."))
            amount = parse_amount(text)
            user = self.session.user
            consignment.add_payout(
                self.session.ctx,
                self.coop,
                amount,
                self.method(),
                self.reference.text(),
                self.fair,
                user.id if user else None,
                self.note.text(),
            )
        except CooposError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        self.done_message = _(
            "Payout of {amount} to {coop} recorded ({method}).",
            amount=format_money(amount),
            coop=self.coop,
            method=method_label(self.method()),
        )
        self.accept()


class SettlementsScreen(BackOfficeScreen):
    LINE_COLUMNS = (
        Column("sku", N_("SKU")),
        Column("name", N_("Product")),
        Column("vat_rate", N_("VAT rate")),
        Column("quantity", N_("Quantity"), "quantity"),
        Column("gross", N_("Gross"), "money"),
        Column("vat", N_("VAT"), "money"),
        Column("commission", N_("Commission"), "money"),
    )
    PAYOUT_COLUMNS = (
        Column("day", N_("Day")),
        Column("method", N_("Method")),
        Column("reference", N_("Reference")),
        Column("amount", N_("Amount"), "money"),
    )
    FIGURES = (
        ("sales", N_("Sales")),
        ("refunds", N_("Refunds")),
        ("net", N_("Net sales")),
        ("vat", N_("of which VAT")),
        ("commission", N_("Shop's commission")),
        ("payable", N_("Net payable")),
        ("paid", N_("Payouts")),
        ("balance", N_("Balance")),
    )

    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("settlementsScreen")
        self.statement: Statement | None = None
        self.scope: Scope | None = None
        self.loading = False
        self._generation = 0
        self.coops = cooperative_choices(session.ctx)
        layout = QVBoxLayout(self)
        self.build_header(layout, _("Statements"), "stmtCount", "stmtMessage")

        # -- what: a cooperative, a fair or a period ---------------------------------------
        choose = QHBoxLayout()
        choose.addWidget(QLabel(_("Cooperative")))
        self.coop = compact(touch_combo("stmtCoop"))
        for code, name in self.coops:
            self.coop.addItem(f"{code} · {shorten(name, 34)}", code)
        self.coop.currentIndexChanged.connect(self.refresh)
        choose.addWidget(self.coop, 2)
        choose.addSpacing(12)
        self.by_fair = QRadioButton(_("Fair"))
        self.by_fair.setObjectName("stmtByFair")
        self.by_period = QRadioButton(_("Period"))
        self.by_period.setObjectName("stmtByPeriod")
        group = QButtonGroup(self)
        group.addButton(self.by_fair)
        group.addButton(self.by_period)
        choose.addWidget(self.by_fair)
        self.fair = FairCombo(session, "stmtFair")
        self.fair.currentIndexChanged.connect(self.refresh)
        choose.addWidget(self.fair, 2)
        choose.addSpacing(12)
        choose.addWidget(self.by_period)
        today = self.today()
        self.start = self._date_edit("stmtFrom", today.replace(day=1))
        self.end = self._date_edit("stmtTo", today)
        choose.addWidget(self.start)
        self.to_label = QLabel(_("to"))
        choose.addWidget(self.to_label)
        choose.addWidget(self.end)
        layout.addLayout(choose)
        (self.by_fair if self.fair.count() else self.by_period).setChecked(True)
        self.by_fair.toggled.connect(self.on_mode)
        self.on_mode(refresh=False)

        # -- the statement and the chart -----------------------------------------------------
        # The figures and the chart side by side, the lines below them at full width.
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.setChildrenCollapsible(False)
        summary = QWidget()
        column = QVBoxLayout(summary)
        column.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel()
        self.title.setObjectName("stmtTitle")
        self.title.setWordWrap(True)
        bold = QFont(self.title.font())
        bold.setBold(True)
        self.title.setFont(bold)
        column.addWidget(self.title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        self.figures: dict[str, QLabel] = {}
        for i, (key, label) in enumerate(self.FIGURES):
            row, pair = i % 4, i // 4
            name = QLabel(_(label))
            value = QLabel()
            value.setObjectName(f"stmt_{key}")
            value.setAlignment(Qt.AlignmentFlag.AlignTrailing | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(name, row, pair * 2)
            grid.addWidget(value, row, pair * 2 + 1)
            self.figures[key] = value
        for key in ("payable", "balance"):
            font = QFont(self.figures[key].font())
            font.setBold(True)
            self.figures[key].setFont(font)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        column.addLayout(grid)
        self.balance_note = set_role(QLabel(), "muted")
        self.balance_note.setObjectName("stmtBalanceNote")
        self.balance_note.setWordWrap(True)
        self.balance_note.setAlignment(Qt.AlignmentFlag.AlignTrailing)
        column.addWidget(self.balance_note)
        column.addStretch(1)
        top.addWidget(summary)
        self.chart = BarChart()
        self.chart.setObjectName("coopChart")
        self.chart.setMinimumSize(280, 180)
        top.addWidget(self.chart)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        top.setSizes([700, 480])
        split.addWidget(top)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("stmtTabs")
        self.sold = DataTable(self.LINE_COLUMNS, "name", caps={"sku": 140})
        self.sold.setObjectName("stmtSold")
        self.refunded = DataTable(self.LINE_COLUMNS, "name", caps={"sku": 140})
        self.refunded.setObjectName("stmtRefunded")
        self.payouts = DataTable(self.PAYOUT_COLUMNS, "reference")
        self.payouts.setObjectName("stmtPayouts")
        for table in (self.sold, self.refunded, self.payouts):
            table.setMinimumHeight(120)
            self.tabs.addTab(table, "")
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([250, 330])
        layout.addWidget(split, 1)

        # -- actions ---------------------------------------------------------------------------
        actions = QHBoxLayout()
        self.pay = touch_button(
            _("Record a payout…"), "recordPayout", self.record_payout, "primary"
        )
        actions.addWidget(self.pay)
        actions.addStretch(1)
        self.language = document_language_combo("stmtLanguage")
        actions.addWidget(self.language)
        self.exports = {
            "pdf": touch_button(_("Save as PDF…"), "stmtPdf", self.save_pdf),
            "csv": touch_button(_("CSV…"), "stmtCsv", self.save_csv),
            "xlsx": touch_button(_("Excel…"), "stmtXlsx", self.save_xlsx),
        }
        for button in self.exports.values():
            actions.addWidget(button)
        layout.addLayout(actions)
        add_shortcuts(self, [("F5", self.refresh), ("Ctrl+P", self.record_payout)])

        session.bridge.sales_changed.connect(self.on_changed)
        session.bridge.locations_changed.connect(self.reload_fairs)
        self.refresh()

    def _date_edit(self, name: str, value: date) -> QDateEdit:
        edit = QDateEdit(QDate(value.year, value.month, value.day))
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd/MM/yyyy")
        edit.setMinimumHeight(40)
        edit.dateChanged.connect(self.refresh)
        return edit

    def today(self) -> date:
        return date.fromisoformat(self.session.ctx.clock.now().local_date)

    # -- choosing ------------------------------------------------------------------------------
    def on_mode(self, *_args, refresh: bool = True) -> None:
        fair = self.by_fair.isChecked()
        self.fair.setEnabled(fair)
        for widget in (self.start, self.end, self.to_label):
            widget.setEnabled(not fair)
        if refresh:
            self.refresh()

    def show_fair(self, code: str) -> None:
        self.fair.reload(code)
        self.by_fair.blockSignals(True)
        self.by_fair.setChecked(True)
        self.by_fair.blockSignals(False)
        self.on_mode()

    def show_period(self, start: date, end: date) -> None:
        for edit, value in ((self.start, start), (self.end, end)):
            edit.blockSignals(True)
            edit.setDate(QDate(value.year, value.month, value.day))
            edit.blockSignals(False)
        self.by_fair.blockSignals(True)
        self.by_period.setChecked(True)
        self.by_fair.blockSignals(False)
        self.on_mode()

    def reload_fairs(self) -> None:
        self.fair.reload()
        self.on_changed()

    def select_cooperative(self, code: str) -> None:
        self.coop.setCurrentIndex(max(self.coop.findData(code), 0))

    def current_scope(self) -> Scope:
        if self.by_fair.isChecked():
            code = self.fair.code()
            if not code:
                raise ValidationError(_("Choose a fair, or a period."))
            return Scope(fair=code)
        start, end = self.start.date(), self.end.date()
        first = date(start.year(), start.month(), start.day())
        last = date(end.year(), end.month(), end.day())
        if last < first:
            raise ValidationError(_("The end date is before the start date."))
        return Scope(start=first, end=last)

    def coop_name(self, code: str) -> str:
        return dict(self.coops).get(code, code)

    # -- loading (on a worker thread) ----------------------------------------------------------
    @guarded()
    def refresh(self, *_args) -> None:
        self._dirty = False
        self._generation += 1
        generation = self._generation
        coop = self.coop.currentData()
        if not coop:
            self.show_nothing(_("No cooperative yet: add one in the Cooperatives screen."))
            return
        try:
            scope = self.current_scope()
        except CooposError as exc:
            self.show_nothing(exc.message)
            return
        self.loading = True
        self.count.setText(_("Computing…"))
        ctx, coops, language = self.session.ctx, list(self.coops), current_language()
        run_task(
            lambda _progress: compute(ctx, coop, scope, coops, language),
            while_alive(self, lambda result: self.show_statement(generation, scope, *result)),
            while_alive(self, lambda message: self.failed(generation, message)),
        )

    def show_nothing(self, message: str) -> None:
        self.loading = False
        self.statement = None
        self.count.setText("")
        self.report_error(message)
        for table in (self.sold, self.refunded, self.payouts):
            table.set_rows([])
        for label in self.figures.values():
            label.setText("")
        self.balance_note.setText("")
        self.chart.set_bars([])
        self.update_buttons()

    def failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.show_nothing(message)

    @staticmethod
    def line_rows(rows: list[StatementRow]) -> list[dict]:
        return [
            {
                "sku": r.sku,
                "name": r.name,
                "vat_rate": ltr(f"{r.vat_rate} %"),
                "quantity": r.quantity,
                "gross": r.gross_cents,
                "vat": r.vat_cents,
                "commission": r.commission_cents,
            }
            for r in rows
        ]

    def show_statement(
        self, generation: int, scope: Scope, statement: Statement, bars: list[Bar]
    ) -> None:
        if generation != self._generation:
            return
        self.loading = False
        self.message.hide()
        self.statement, self.scope = statement, scope
        name = self.coop_name(statement.cooperative)
        self.title.setText(f"{statement.cooperative} · {name} — {statement.title}")
        self.sold.set_rows(self.line_rows(statement.sold))
        self.refunded.set_rows(self.line_rows(statement.refunded))
        self.payouts.set_rows(
            [
                {
                    "day": day_text(date.fromisoformat(p.day)),
                    "method": method_label(p.method),
                    "reference": p.reference,
                    "amount": p.amount_cents,
                }
                for p in statement.payouts
            ]
        )
        for i, (label, rows) in enumerate(
            (
                (_("Sales ({n})"), statement.sold),
                (_("Refunds ({n})"), statement.refunded),
                (_("Payouts ({n})"), statement.payouts),
            )
        ):
            self.tabs.setTabText(i, label.format(n=len(rows)))
        values = {
            "sales": statement.sales_cents,
            "refunds": statement.refunds_cents,
            "net": statement.net_sales_cents,
            "vat": statement.vat_cents,
            "commission": statement.commission_cents,
            "payable": statement.payable_cents,
            "paid": statement.paid_cents,
            "balance": statement.balance_cents,
        }
        for key, cents in values.items():
            self.figures[key].setText(ltr(format_money(cents)))
        balance = statement.balance_cents
        if balance > 0:
            note = _(
                "Still to pay to {coop}: {amount}.",
                coop=statement.cooperative,
                amount=format_money(balance),
            )
        elif balance < 0:
            note = _("Paid {amount} more than is owed.", amount=format_money(-balance))
        else:
            note = _("Nothing left to pay.") if statement.payable_cents else ""
        self.balance_note.setText(note)
        self.count.setText(scope.text())
        shown = bars[:CHART_BARS]
        self.chart.set_bars(
            shown,
            _("Net sales by cooperative · {scope}", scope=scope.text()),
            _("The {shown} best of {total}", shown=len(shown), total=len(bars))
            if len(bars) > len(shown)
            else "",
            _("No sales for this fair or period."),
        )
        self.update_buttons()

    # -- buttons -------------------------------------------------------------------------------
    def update_buttons(self) -> None:
        has = self.statement is not None
        self.pay.setEnabled(has)
        needs = {"pdf": PDF_FUNCTIONS, "csv": CSV_FUNCTIONS, "xlsx": XLSX_FUNCTIONS}
        missing = False
        for key, button in self.exports.items():
            ready = statements_module(*needs[key]) is not None
            missing = missing or not ready
            button.setEnabled(has and ready)
            button.setToolTip(
                ""
                if ready
                else _("Saving statements comes with the printing of statements (not installed).")
            )
        self.language.setEnabled(has and not missing)

    # -- payouts -------------------------------------------------------------------------------
    @guarded()
    def record_payout(self) -> None:
        statement, scope = self.statement, self.scope
        if statement is None or scope is None:
            return
        dialog = PayoutDialog(
            self.session,
            statement.cooperative,
            self.coop_name(statement.cooperative),
            scope.fair,
            statement.balance_cents,
            self,
        )
        dialog.exec()
        dialog.deleteLater()
        if dialog.done_message:
            self.refresh()
            self.message.say(dialog.done_message)

    # -- files ---------------------------------------------------------------------------------
    def ask_path(self, suggested: str, filters: str) -> str:
        return ask_save_path(self, _("Save the statement"), suggested, filters)

    def _save(self, suffix: str, filters: str, write) -> None:
        """Ask where, then ``write(statement, path, language)`` on a worker thread; the
        statement is computed again in the document's language."""
        statement, scope = self.statement, self.scope
        if statement is None or scope is None:
            return
        coop = statement.cooperative
        chosen = self.ask_path(f"statement-{coop}-{scope.slug()}{suffix}", filters)
        if not chosen:
            return
        path = with_suffix(chosen, suffix)
        ctx, language = self.session.ctx, self.language.currentData()

        def work(progress) -> Path:
            progress(0, 1)
            with thread_language(language):
                with ctx.read() as s:
                    doc = consignment.settlement(s, coop, scope.fair, scope.start, scope.end)
                written = write(doc, path, language, scope)
            progress(1, 1)
            return Path(written or path)

        run_with_progress(
            self,
            _("Saving the statement…"),
            work,
            while_alive(self, lambda path: self.message.say(_("Saved to {path}.", path=path))),
            while_alive(self, self.report_error),
        )

    @guarded()
    def save_pdf(self) -> None:
        module = statements_module(*PDF_FUNCTIONS)
        if module is None:
            return
        ctx = self.session.ctx

        def write(statement, path, language, scope):
            with ctx.read() as s:
                shop = consignment.shop_party(s)
                coop = consignment.cooperative_party(s, statement.cooperative, language)
            return module.save_statement_pdf(
                statement, path, shop, coop, language, verify_text(statement, scope)
            )

        self._save(".pdf", _("PDF files (*.pdf)"), write)

    @guarded()
    def save_csv(self) -> None:
        module = statements_module(*CSV_FUNCTIONS)
        if module is None:
            return

        def write(statement, path, language, _scope):
            text = module.statement_csv(statement, language)
            try:
                # a BOM so that spreadsheet programs read Arabic and accents correctly
                path.write_text(
                    text, encoding="utf-8" if text.startswith("\ufeff") else "utf-8-sig"
                )
            except OSError as exc:
                raise ValidationError(
                    _("Could not write {path} ({reason}).", path=path, reason=exc.strerror)
                ) from None
            return path

        self._save(".csv", _("CSV files (*.csv)"), write)

    @guarded()
    def save_xlsx(self) -> None:
        module = statements_module(*XLSX_FUNCTIONS)
        if module is None:
            return
        self._save(
            ".xlsx",
            _("Excel files (*.xlsx)"),
            lambda statement, path, language, _scope: module.save_statement_xlsx(
                statement, path, language
            ),
        )


__all__ = ["PayoutDialog", "SettlementsScreen", "compute"]
