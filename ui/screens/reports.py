"""Reports: sales over a period grouped by day, hour, product, cooperative or payment
method, as a table and a bar chart; the current shift's X report, past Z reports and a
CSV export.  Days are the device's local days (the clock of the core context)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from babel.dates import format_skeleton
from PySide6.QtCore import QDate, QStandardPaths, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from coopos.cli.render import render_table
from coopos.domain.errors import CooposError, ValidationError
from coopos.i18n import N_, _
from coopos.i18n.formats import format_utc_time, locale_of
from coopos.services import reports, shifts
from coopos.services.reports import Column, Table
from ui.errors import guarded
from ui.models import TableModel
from ui.screens.shifts import ReportView
from ui.session import AppSession
from ui.theme import set_role
from ui.widgets.chart import Bar, BarChart
from ui.widgets.forms import read_only_view, select_row
from ui.workers import run_with_progress

GROUPINGS = [
    ("day", N_("By day")),
    ("hour", N_("By hour")),
    ("product", N_("By product")),
    ("cooperative", N_("By cooperative")),
    ("payment", N_("By payment method")),
]
CATEGORY_BARS = 12  # products and cooperatives: the best sellers only
TIME_BARS = 31  # days and hours: the most recent ones (a month of days fits)


def to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def to_qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def chart_bars(table: Table, by: str) -> tuple[list[Bar], str]:
    """The bars of a report table (net amount per row) and a note when some are left out."""
    rows = table.rows
    if by == "payment":
        bars = [Bar(r["method"], int(r["amount"] or 0)) for r in rows]
    elif by == "day":
        bars = [Bar(day_label(r["day"]), int(r["net"] or 0), r["day"]) for r in rows]
    elif by == "hour":
        bars = [Bar(r["hour"], int(r["net"] or 0)) for r in rows]
    elif by == "product":
        bars = [Bar(r["name"] or r["code"], int(r["net"] or 0), r["code"]) for r in rows]
    else:
        bars = [Bar(r["code"], int(r["net"] or 0), r["name"] or r["code"]) for r in rows]
    total = len(bars)
    note = ""
    if by in ("product", "cooperative"):
        bars.sort(key=lambda b: b.value, reverse=True)
        if total > CATEGORY_BARS:
            bars = bars[:CATEGORY_BARS]
            note = _("The {shown} best of {total}", shown=CATEGORY_BARS, total=total)
    elif total > TIME_BARS:
        bars = bars[-TIME_BARS:]
        note = _("The last {shown} of {total}", shown=TIME_BARS, total=total)
    return bars, note


def day_label(iso_day: str) -> str:
    try:
        return format_skeleton("MMMEd", date.fromisoformat(iso_day), locale=locale_of())
    except ValueError:
        return iso_day


Z_COLUMNS = [
    Column("z", N_("Z"), "int"),
    Column("closed", N_("Closed")),
    Column("location", N_("Location")),
    Column("user", N_("Closed by")),
]


class ZReportsDialog(QDialog):
    """Closed shifts, newest first; open one to see (and read again) its Z report."""

    def __init__(self, session: AppSession, closed: list[shifts.ClosedShift], parent=None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("zReportsDialog")
        self.setWindowTitle(_("Z reports"))
        self.setMinimumSize(600, 460)
        layout = QVBoxLayout(self)
        layout.addWidget(set_role(QLabel(_("Pick a closed shift")), "title"))
        rows = [
            {
                "z": shift.z_number,
                "closed": format_utc_time(shift.closed_utc) if shift.closed_utc else "",
                "location": shift.location,
                "user": shift.closed_by,
            }
            for shift in closed
        ]
        self.model = TableModel(Table(_("Z reports"), Z_COLUMNS, rows), self)
        self.view = read_only_view("zList", self.model)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.view.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.view.activated.connect(lambda _index: self.open_selected())
        if rows:
            select_row(self.view, 0)
        layout.addWidget(self.view, 1)
        self.error = set_role(QLabel(), "error")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        close = QPushButton(_("Close"))
        close.clicked.connect(self.reject)
        buttons.addWidget(close)
        show = set_role(QPushButton(_("Show the Z report")), "primary")
        show.setObjectName("openZ")
        show.clicked.connect(self.open_selected)
        buttons.addWidget(show, 2)
        layout.addLayout(buttons)

    def selected_number(self) -> int | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row(rows[0].row()).get("z") if rows else None

    def open_selected(self) -> None:
        number = self.selected_number()
        if number is None:
            return
        try:
            report = shifts.z_report(self.session.ctx, number)
        except CooposError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        ReportView(report, self).exec()


class ReportsScreen(QWidget):
    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("reportsScreen")
        self.table: Table | None = None
        layout = QVBoxLayout(self)

        # -- title and actions ----------------------------------------------------------
        top = QHBoxLayout()
        top.addWidget(set_role(QLabel(_("Reports")), "title"))
        top.addStretch(1)
        self.buttons: dict[str, QPushButton] = {}
        for key, name, label, slot in [
            ("x", "xReport", _("X report"), self.x_report),
            ("z", "zReport", _("Z reports…"), self.z_reports),
            ("export", "exportReport", _("Export CSV…"), self.export),
        ]:
            button = QPushButton(label)
            button.setObjectName(name)
            button.clicked.connect(slot)
            top.addWidget(button)
            self.buttons[key] = button
        layout.addLayout(top)

        # -- period and grouping ----------------------------------------------------------
        period = QHBoxLayout()
        today = self.today()
        self.start = self._date_edit("reportFrom", today)
        self.end = self._date_edit("reportTo", today)
        period.addWidget(QLabel(_("From")))
        period.addWidget(self.start)
        period.addWidget(QLabel(_("to")))
        period.addWidget(self.end)
        period.addSpacing(12)
        for name, label, slot in [
            ("periodToday", _("Today"), self.show_today),
            ("periodWeek", _("This week"), self.show_week),
            ("periodMonth", _("This month"), self.show_month),
        ]:
            button = QPushButton(label)
            button.setObjectName(name)
            button.clicked.connect(slot)
            period.addWidget(button)
        period.addStretch(1)
        period.addWidget(QLabel(_("Group")))
        self.grouping = QComboBox()
        self.grouping.setObjectName("reportGrouping")
        self.grouping.setMinimumHeight(40)
        for key, label in GROUPINGS:
            self.grouping.addItem(_(label), key)
        self.grouping.setCurrentIndex(3)  # by cooperative: what a cooperative shop pays out
        self.grouping.currentIndexChanged.connect(self.refresh)
        period.addWidget(self.grouping)
        layout.addLayout(period)

        self.message = set_role(QLabel(), "banner")  # its box metrics from the start
        self.message.setObjectName("reportMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)

        # -- table and chart ----------------------------------------------------------------
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        self.model = TableModel(parent=self)
        self.view = read_only_view("reportTable", self.model, wrap=True)
        split.addWidget(self.view)
        self.chart = BarChart()
        self.chart.setObjectName("salesChart")
        split.addWidget(self.chart)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([860, 360])
        layout.addWidget(split, 1)

        session.bridge.sales_changed.connect(self.refresh)
        session.bridge.shift_changed.connect(self.update_buttons)
        self.refresh()
        self.update_buttons()

    def _date_edit(self, name: str, value: date) -> QDateEdit:
        edit = QDateEdit(to_qdate(value))
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd/MM/yyyy")
        edit.setMinimumHeight(40)
        edit.setMinimumWidth(140)
        edit.dateChanged.connect(self.refresh)
        return edit

    # -- feedback --------------------------------------------------------------------------
    def report_error(self, message: str) -> None:
        self.say(message, error=True)

    def say(self, message: str, error: bool = False) -> None:
        set_role(self.message, "error" if error else "banner")
        self.message.setText(message)
        self.message.show()

    # -- period ---------------------------------------------------------------------------
    def today(self) -> date:
        """The device's local day, from the core clock (as sales are stamped)."""
        return date.fromisoformat(self.session.ctx.clock.now().local_date)

    def set_period(self, start: date, end: date) -> None:
        for edit, value in ((self.start, start), (self.end, end)):
            edit.blockSignals(True)
            edit.setDate(to_qdate(value))
            edit.blockSignals(False)
        self.refresh()

    def show_today(self) -> None:
        today = self.today()
        self.set_period(today, today)

    def show_week(self) -> None:
        today = self.today()
        self.set_period(today - timedelta(days=today.weekday()), today)

    def show_month(self) -> None:
        today = self.today()
        self.set_period(today.replace(day=1), today)

    def period(self) -> tuple[date, date]:
        return to_date(self.start.date()), to_date(self.end.date())

    @property
    def by(self) -> str:
        return self.grouping.currentData()

    # -- the report -----------------------------------------------------------------------------
    def refresh(self) -> None:
        start, end = self.period()
        by = self.by
        try:
            with self.session.ctx.read() as s:
                table = reports.sales_report(s, start, end, by)
        except CooposError as exc:
            self.table = None
            self.model.set_table(Table("", []))
            self.chart.set_bars([])  # the sentence above says why
            self.say(exc.message, error=True)
            self.buttons["export"].setEnabled(False)
            return
        self.message.hide()
        self.table = table
        self.model.set_table(table)
        self._fit_columns(table)
        bars, note = chart_bars(table, by)
        self.chart.set_bars(
            bars,
            _("Net sales · {grouping}", grouping=self.grouping.currentText()),
            note,
            _("No sales in this period."),
        )
        self.buttons["export"].setEnabled(bool(table.rows))

    def _fit_columns(self, table: Table) -> None:
        header = self.view.horizontalHeader()
        stretch = next((i for i, c in enumerate(table.columns) if c.key == "name"), None)
        for i in range(len(table.columns)):
            # the name takes the free width; a table without names spreads evenly
            mode = (
                QHeaderView.ResizeMode.Stretch
                if stretch is None or i == stretch
                else QHeaderView.ResizeMode.ResizeToContents
            )
            header.setSectionResizeMode(i, mode)

    def update_buttons(self) -> None:
        self.buttons["x"].setEnabled(self.session.shift_open())

    # -- shift reports ----------------------------------------------------------------------------
    @guarded()
    def x_report(self) -> None:
        ctx = self.session.ctx
        hide = shifts.hides_expected_cash(ctx, self.session.user.id)
        ReportView(shifts.x_report(ctx), self, hide_expected=hide).exec()

    @guarded()
    def z_reports(self) -> None:
        closed = shifts.closed_shifts(self.session.ctx)
        if not closed:
            self.say(_("No shift has been closed yet."), error=True)
            return
        ZReportsDialog(self.session, closed, self).exec()

    # -- export -----------------------------------------------------------------------------------
    def ask_export_path(self, suggested: str) -> str:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Export the report"),
            str(Path(folder or Path.home()) / suggested),
            _("CSV files (*.csv)"),
        )
        return path

    @guarded()
    def export(self) -> None:
        table = self.table
        if table is None or not table.rows:
            self.say(_("There is nothing to export for this period."), error=True)
            return
        start, end = self.period()
        path = self.ask_export_path(f"coopos-{self.by}-{start.isoformat()}-{end.isoformat()}.csv")
        if path:
            self.export_to(Path(path), table)

    def export_to(self, path: Path, table: Table):
        if path.suffix.lower() != ".csv":
            path = path.with_name(path.name + ".csv")
        text = render_table(table, "csv")

        def write(progress) -> Path:
            progress(0, 1)
            # a BOM so that spreadsheet programs read Arabic and accents correctly
            try:
                path.write_text(text + "\n", encoding="utf-8-sig")
            except OSError as exc:
                raise ValidationError(
                    _("Could not write {path} ({reason}).", path=path, reason=exc.strerror)
                ) from None
            progress(1, 1)
            return path

        def done(written: Path) -> None:
            self.say(_("{rows} rows exported to {path}.", rows=len(table.rows), path=written))

        def failed(message: str) -> None:
            self.say(message, error=True)

        return run_with_progress(self, _("Exporting the report…"), write, done, failed)


__all__ = ["ReportsScreen", "ZReportsDialog", "chart_bars"]
