"""Fairs and locations.

A fair (code, name, city, dates) is created with its stand, a stock location of its own
(``coopos.services.consignment.create_fair``).  The fairs table shows each fair's status
(open, counted, closed) and leads to its work: dispatch goods with a delivery note, count
the stand at the end, return goods with a return note.  Below, the shop, the warehouses
and the stands, each with its own stock.  A second tab holds the fair's reconciliation
(:mod:`ui.screens.reconciliation`)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import shiboken6
from babel.dates import format_date
from PySide6.QtCore import QDate, QStandardPaths, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from coopos.db.models import Fair
from coopos.domain.catalog import pick_name
from coopos.domain.errors import CooposError
from coopos.i18n import N_, _, current_language
from coopos.i18n.formats import locale_of
from coopos.services import consignment, locations, products
from coopos.services.reports import Column, Table
from ui.errors import crash_message, guarded
from ui.models import TableModel
from ui.session import AppSession
from ui.theme import set_role
from ui.widgets.forms import (
    DataTable,
    MessageLine,
    add_shortcuts,
    dialog_buttons,
    error_label,
    form_layout,
    read_only_view,
    touch_button,
)

KIND_LABELS = {"shop": N_("Shop"), "warehouse": N_("Warehouse"), "stand": N_("Stand")}
STATUS_LABELS = {"open": N_("Open"), "counted": N_("Counted"), "closed": N_("Closed")}
COLUMNS = [
    Column("code", N_("Code")),
    Column("kind", N_("Kind")),
    Column("name", N_("Name")),
    Column("fair", N_("Fair")),
    Column("city", N_("City")),
    Column("dates", N_("Dates")),
]
FAIR_COLUMNS = (
    Column("code", N_("Code")),
    Column("name", N_("Fair")),
    Column("city", N_("City")),
    Column("dates", N_("Dates")),
    Column("stand", N_("Stand")),
    Column("status", N_("Status")),
)


def to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def day_text(value: date | None) -> str:
    return format_date(value, "medium", locale=locale_of()) if value else ""


def dates_text(start: date | None, end: date | None) -> str:
    if start and end:
        return _("{start} – {end}", start=day_text(start), end=day_text(end))
    if start:
        return _("from {start}", start=day_text(start))
    if end:
        return _("until {end}", end=day_text(end))
    return ""


def locations_table(ctx) -> Table:
    rows = []
    for loc in locations.list_locations(ctx):
        fair = loc.fair
        rows.append(
            {
                "code": loc.code,
                "kind": _(KIND_LABELS.get(loc.kind, loc.kind)),
                "name": loc.name,
                "fair": fair.name if fair else "",
                "city": fair.city if fair else "",
                "dates": dates_text(fair.starts_on, fair.ends_on) if fair else "",
            }
        )
    return Table(_("Locations"), COLUMNS, rows)


# -- fairs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FairInfo:
    """What the screens need of a fair."""

    code: str
    name: str
    city: str
    starts_on: date | None
    ends_on: date | None
    stand: str  # its (first) stand's code, "" if it has none
    status: str  # open, counted, closed

    @property
    def label(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def status_text(self) -> str:
        return _(STATUS_LABELS.get(self.status, self.status))


def fair_status(row: Fair) -> str:
    if row.status == "closed":
        return "closed"
    return "counted" if row.counted_utc is not None else "open"


def list_fairs(ctx) -> list[FairInfo]:
    """Every fair, the latest first."""
    with ctx.read() as s:
        found = s.scalars(select(Fair)).all()
        fairs = []
        for row in found:
            stands = consignment.stands(s, row)
            fairs.append(
                FairInfo(
                    row.code,
                    row.name,
                    row.city or "",
                    row.starts_on,
                    row.ends_on,
                    stands[0].code if stands else "",
                    fair_status(row),
                )
            )
    fairs.sort(key=lambda f: (f.starts_on or date.min, f.code), reverse=True)
    return fairs


def fair_info(ctx, code: str) -> FairInfo | None:
    return next((f for f in list_fairs(ctx) if f.code == code.upper()), None)


def compact(combo: QComboBox, chars: int = 20) -> QComboBox:
    """A combo box that does not ask for the width of its longest item: long fair and
    cooperative names are elided, and the row it sits in still fits the screen."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    return combo


class FairCombo(QComboBox):
    """The fairs, as "CODE · name (status)"; ``only_open`` leaves the closed ones out."""

    def __init__(self, session: AppSession, name: str, only_open: bool = False, parent=None):
        super().__init__(parent)
        self.session = session
        self.only_open = only_open
        self.setObjectName(name)
        self.setMinimumHeight(40)
        compact(self)
        self.fairs: list[FairInfo] = []
        self.reload()

    def reload(self, current: str | None = None) -> None:
        """Read the fairs again (their status changes) and select ``current`` (or keep
        the selection), silently: the caller refreshes what depends on it."""
        current = current or self.code()
        self.blockSignals(True)
        self.clear()
        self.fairs = [
            f for f in list_fairs(self.session.ctx) if not (self.only_open and f.status == "closed")
        ]
        for fair in self.fairs:
            self.addItem(f"{fair.label} ({fair.status_text})", fair.code)
        index = self.findData(current) if current else -1
        self.setCurrentIndex(index if index >= 0 else (0 if self.fairs else -1))
        self.blockSignals(False)

    def code(self) -> str:
        return self.currentData() or ""

    def fair(self) -> FairInfo | None:
        return next((f for f in self.fairs if f.code == self.code()), None)

    def select(self, code: str) -> bool:
        index = self.findData(code.upper())
        if index >= 0:
            self.setCurrentIndex(index)
        return index >= 0


def cooperative_choices(ctx) -> list[tuple[str, str]]:
    """Active cooperatives as (code, name in the interface's language)."""
    language = current_language()
    with ctx.read() as s:
        return [
            (c.code, pick_name(c.names, language) or c.code)
            for c in products.list_cooperatives(s, include_inactive=False)
        ]


def statements_module(*names: str):
    """``coopos.printing.statements`` if it has every function named, else None (the
    printing of notes and statements comes in its own module)."""
    try:
        module = importlib.import_module("coopos.printing.statements")
    except ImportError:
        return None
    return module if all(callable(getattr(module, n, None)) for n in names) else None


DOCUMENT_LANGUAGES = (("fr", "Français"), ("ar", "العربية"))  # each in its own language


def document_language_combo(name: str) -> QComboBox:
    """French or Arabic, for a printed note or statement (the interface's by default)."""
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setMinimumHeight(40)
    for code, label in DOCUMENT_LANGUAGES:
        combo.addItem(label, code)
    combo.setCurrentIndex(max(combo.findData(current_language()), 0))
    combo.setToolTip(_("Language of the document"))
    return combo


def ask_save_path(parent: QWidget, title: str, suggested: str, filters: str) -> str:
    """A file to write, in the user's documents folder by default ("" if cancelled)."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    path, _filter = QFileDialog.getSaveFileName(
        parent, title, str(Path(folder or Path.home()) / suggested), filters
    )
    return path


def with_suffix(path: str | Path, suffix: str) -> Path:
    path = Path(path)
    return path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)


def select_in(table: DataTable, key: str, value) -> bool:
    """Select the row whose ``key`` is ``value``, also right to left: Qt's
    ``QTableView.selectRow`` (behind ``DataTable.select_where``) selects nothing in an
    Arabic layout; making the row current selects it in both directions."""
    for i, row in enumerate(table.rows):
        if row.get(key) == value:
            index = table.proxy.mapFromSource(table.data_model.index(i, 0))
            table.setCurrentIndex(index)
            table.scrollTo(index)
            return True
    return False


def set_rows_keeping(table: DataTable, rows: list[dict], key: str) -> None:
    """``table.set_rows(rows)``, the selected row staying selected (in both directions)."""
    selected = table.selected_row()
    table.set_rows(rows)
    if selected is not None:
        select_in(table, key, selected.get(key))


def while_alive(widget: QWidget, fn: Callable[..., Any]) -> Callable[..., None]:
    """``fn``, unless ``widget`` was deleted meanwhile: a worker thread may report after
    its screen was rebuilt (a change of language) or its dialog closed."""

    def call(*args: Any) -> None:
        if shiboken6.isValid(widget):
            fn(*args)

    return call


def open_screen(widget: QWidget, key: str) -> QWidget | None:
    """Show another back-office screen of the main window (None outside one)."""
    shell = getattr(widget.window(), "shell", None)
    if shell is None or key not in getattr(shell, "entries", {}):
        return None
    return shell.show_screen(key)


class FairDialog(QDialog):
    """A new fair: code, name, city and dates; its stand is created with it."""

    def __init__(self, session: AppSession, today: date, parent=None):
        super().__init__(parent)
        self.session = session
        self.created: FairInfo | None = None
        self.setObjectName("fairDialog")
        self.setWindowTitle(_("New fair"))
        self.setMinimumWidth(600)
        layout = QVBoxLayout(self)
        layout.addWidget(set_role(QLabel(_("New fair")), "title"))
        hint = QLabel(
            _(
                "Its stand is created with it: a stock location of its own, so that what "
                "goes to the fair, is sold there and comes back stays apart."
            )
        )
        hint.setWordWrap(True)
        layout.addWidget(set_role(hint, "muted"))
        form = form_layout()
        self.code = QLineEdit()
        self.code.setObjectName("fairCode")
        self.code.setMaxLength(26)  # its stand is STAND-CODE, at most 32
        self.code.setPlaceholderText(_("e.g. SIAM-2027"))
        form.addRow(_("Code"), self.code)
        self.name = QLineEdit()
        self.name.setObjectName("fairName")
        self.name.setPlaceholderText(_("e.g. Salon de l'Agriculture, Meknès"))
        form.addRow(_("Name"), self.name)
        self.city = QLineEdit()
        self.city.setObjectName("fairCity")
        form.addRow(_("City"), self.city)
        self.starts = self._date_edit("fairStarts", today)
        form.addRow(_("First day"), self.starts)
        self.ends = self._date_edit("fairEnds", today + timedelta(days=3))
        form.addRow(_("Last day"), self.ends)
        self.stand = QLineEdit()
        self.stand.setObjectName("standCode")
        self.stand.setMaxLength(32)
        self.stand.setPlaceholderText(_("STAND-CODE unless you name it"))
        form.addRow(_("Stand"), self.stand)
        layout.addLayout(form)
        self.error = error_label("fairError")
        layout.addWidget(self.error)
        layout.addLayout(dialog_buttons(self, self.save, "saveFair", _("Create the fair")))
        self.code.setFocus()

    @staticmethod
    def _date_edit(name: str, value: date) -> QDateEdit:
        edit = QDateEdit(QDate(value.year, value.month, value.day))
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd/MM/yyyy")
        edit.setMinimumHeight(40)
        return edit

    def save(self) -> None:
        user = self.session.user
        try:
            row = consignment.create_fair(
                self.session.ctx,
                self.code.text(),
                self.name.text(),
                self.city.text(),
                to_date(self.starts.date()),
                to_date(self.ends.date()),
                self.stand.text().strip() or None,
                user.id if user else None,
            )
            self.created = fair_info(self.session.ctx, row.code)
        except CooposError as exc:
            self.show_error(exc.message)
            return
        except Exception as exc:
            self.show_error(crash_message(exc))
            return
        self.accept()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


class LocationDialog(QDialog):
    """A new location: a shop, a warehouse or a stand (a fair's stand comes with its fair,
    see :class:`FairDialog`)."""

    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.created_code: str | None = None
        self.setObjectName("locationDialog")
        self.setWindowTitle(_("New location"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.addWidget(set_role(QLabel(_("New location")), "title"))
        form = form_layout()
        self.code = QLineEdit()
        self.code.setObjectName("locationCode")
        self.code.setMaxLength(32)
        self.code.setPlaceholderText(_("e.g. WH2"))
        form.addRow(_("Code"), self.code)
        self.kind = QComboBox()
        self.kind.setObjectName("locationKind")
        self.kind.setMinimumHeight(40)
        for kind in ("shop", "warehouse", "stand"):
            self.kind.addItem(_(KIND_LABELS[kind]), kind)
        self.kind.setCurrentIndex(1)
        form.addRow(_("Kind"), self.kind)
        self.name = QLineEdit()
        self.name.setObjectName("locationName")
        form.addRow(_("Name"), self.name)
        layout.addLayout(form)
        self.error = error_label("locationError")
        layout.addWidget(self.error)
        layout.addLayout(dialog_buttons(self, self.save, "saveLocation", _("Add")))
        self.code.setFocus()

    def save(self) -> None:
        user = self.session.user
        try:
            location = locations.add_location(
                self.session.ctx,
                self.code.text(),
                self.kind.currentData(),
                self.name.text(),
                user.id if user else None,
            )
        except CooposError as exc:
            self.show_error(exc.message)
            return
        except Exception as exc:
            self.show_error(crash_message(exc))
            return
        self.created_code = location.code
        self.accept()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


class FairsScreen(QWidget):
    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("fairsScreen")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("fairsTabs")
        outer.addWidget(self.tabs)
        page = QWidget()
        layout = QVBoxLayout(page)
        self.tabs.addTab(page, _("Fairs"))
        # The reconciliation is a tab of its own, built when first shown.
        self.reconciliation = None
        self.recon_page = QWidget()
        recon_layout = QVBoxLayout(self.recon_page)
        recon_layout.setContentsMargins(0, 0, 0, 0)
        self.tabs.addTab(self.recon_page, _("Reconciliation"))
        self.tabs.currentChanged.connect(self.on_tab)
        top = QHBoxLayout()
        top.addWidget(set_role(QLabel(_("Fairs and locations")), "title"))
        top.addStretch(1)
        self.new_location = QPushButton(_("New location"))
        self.new_location.setObjectName("newLocation")
        self.new_location.clicked.connect(self.add_location)
        self.new_fair = set_role(QPushButton(_("New fair")), "primary")
        self.new_fair.setObjectName("newFair")
        self.new_fair.clicked.connect(self.add_fair)
        top.addWidget(self.new_location)
        top.addWidget(self.new_fair)
        layout.addLayout(top)
        hint = QLabel(
            _(
                "Send goods to a fair's stand with a delivery note, count the stand at the "
                "end, bring back what is left with a return note, then reconcile and close."
            )
        )
        hint.setWordWrap(True)
        layout.addWidget(set_role(hint, "muted"))
        self.message = MessageLine("fairsMessage")
        layout.addWidget(self.message)

        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        fairs_box = QWidget()
        fairs_layout = QVBoxLayout(fairs_box)
        fairs_layout.setContentsMargins(0, 0, 0, 0)
        self.fairs_table = DataTable(
            FAIR_COLUMNS,
            "name",
            lambda r: "muted" if r["status_key"] == "closed" else None,
            self,
            caps={"dates": 300},
            reserve={"status": _("Counted")},
        )
        self.fairs_table.setObjectName("fairsTable")
        self.fairs_table.setMinimumHeight(150)
        self.fairs_table.activated_row.connect(lambda _row: self.reconcile())
        self.fairs_table.selectionModel().selectionChanged.connect(self.update_buttons)
        fairs_layout.addWidget(self.fairs_table, 1)
        actions = QHBoxLayout()
        self.buttons = {
            "dispatch": touch_button(_("Dispatch goods…"), "dispatchGoods", self.dispatch),
            "count": touch_button(_("Count the stand…"), "countFair", self.count),
            "return": touch_button(_("Return goods…"), "returnGoods", self.return_goods),
            "reconcile": touch_button(_("Reconciliation"), "reconcileFair", self.reconcile),
            "statements": touch_button(_("Statements"), "fairStatements", self.statements),
        }
        for button in self.buttons.values():
            actions.addWidget(button)
        actions.addStretch(1)
        fairs_layout.addLayout(actions)
        split.addWidget(fairs_box)

        locations_box = QWidget()
        locations_layout = QVBoxLayout(locations_box)
        locations_layout.setContentsMargins(0, 8, 0, 0)
        locations_layout.addWidget(QLabel(_("Locations: each has its own stock.")))
        self.model = TableModel(parent=self)
        self.view = read_only_view("locationsTable", self.model, wrap=True)
        self.view.setMinimumHeight(120)
        locations_layout.addWidget(self.view, 1)
        split.addWidget(locations_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        add_shortcuts(
            self,
            [
                ("Ctrl+N", self.add_fair),
                ("Ctrl+D", self.dispatch),
                ("Ctrl+R", self.reconcile),
            ],
        )
        session.bridge.locations_changed.connect(self.refresh)
        self.refresh()

    # -- feedback ------------------------------------------------------------------------------
    def say(self, message: str, error: bool = False) -> None:
        self.message.say(message, error)

    def report_error(self, message: str) -> None:
        self.say(message, error=True)

    # -- data ----------------------------------------------------------------------------------
    @guarded()
    def refresh(self, *_args) -> None:
        self.refresh_fairs()
        self.refresh_locations()

    def refresh_fairs(self) -> None:
        rows = [
            {
                "code": f.code,
                "name": f.name,
                "city": f.city,
                "dates": dates_text(f.starts_on, f.ends_on),
                "stand": f.stand,
                "status": f.status_text,
                "status_key": f.status,
                "info": f,
            }
            for f in list_fairs(self.session.ctx)
        ]
        set_rows_keeping(self.fairs_table, rows, "code")
        if self.fairs_table.selected_row() is None and rows:
            self.fairs_table.setCurrentIndex(self.fairs_table.proxy.index(0, 0))
        self.update_buttons()

    def refresh_locations(self) -> None:
        table = locations_table(self.session.ctx)
        self.model.set_table(table)
        header = self.view.horizontalHeader()
        for i, column in enumerate(COLUMNS):
            mode = (
                QHeaderView.ResizeMode.Stretch
                if column.key in ("name", "fair")
                else QHeaderView.ResizeMode.ResizeToContents
            )
            header.setSectionResizeMode(i, mode)

    def codes(self) -> list[str]:
        """The location codes shown."""
        table = self.model.table
        return [row["code"] for row in table.rows] if table else []

    def fair_codes(self) -> list[str]:
        return [row["code"] for row in self.fairs_table.rows]

    def selected_fair(self) -> FairInfo | None:
        row = self.fairs_table.selected_row()
        return row["info"] if row else None

    def select_fair(self, code: str) -> bool:
        return select_in(self.fairs_table, "code", code)

    def update_buttons(self, *_args) -> None:
        fair = self.selected_fair()
        status = fair.status if fair else None
        self.buttons["dispatch"].setEnabled(status in ("open", "counted"))
        self.buttons["count"].setEnabled(status == "open")
        for key in ("return", "reconcile", "statements"):
            self.buttons[key].setEnabled(fair is not None)
        tips = {
            "count": _("This fair was already counted.") if status != "open" and fair else "",
            "dispatch": _("This fair is closed.") if status == "closed" else "",
        }
        for key, tip in tips.items():
            self.buttons[key].setToolTip(tip)

    def today(self) -> date:
        return date.fromisoformat(self.session.ctx.clock.now().local_date)

    # -- actions -------------------------------------------------------------------------------
    @guarded()
    def add_fair(self) -> None:
        dialog = FairDialog(self.session, self.today(), self)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.created is None:
            return
        fair = dialog.created
        self.refresh()
        self.select_fair(fair.code)
        self.say(_("Fair {code} created; its stand is {stand}.", code=fair.code, stand=fair.stand))
        self.fairs_table.setFocus(Qt.FocusReason.OtherFocusReason)

    @guarded()
    def add_location(self) -> None:
        dialog = LocationDialog(self.session, self)
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.created_code:
            return
        code = dialog.created_code
        self.refresh()
        if code in self.codes():
            self.view.setCurrentIndex(self.model.index(self.codes().index(code), 0))
        self.say(_("Location {code} added.", code=code))
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _after(self, dialog) -> None:
        dialog.deleteLater()
        if dialog.done_message:
            self.refresh()
            self.say(dialog.done_message)

    @guarded()
    def dispatch(self) -> None:
        from ui.screens.fair_notes import NoteDialog

        fair = self.selected_fair()
        dialog = NoteDialog(self.session, "dispatch", fair.code if fair else None, self)
        dialog.exec()
        self._after(dialog)

    @guarded()
    def return_goods(self) -> None:
        from ui.screens.fair_notes import NoteDialog

        fair = self.selected_fair()
        dialog = NoteDialog(self.session, "return", fair.code if fair else None, self)
        dialog.exec()
        self._after(dialog)

    @guarded()
    def count(self) -> None:
        from ui.screens.fair_count import FairCountDialog

        fair = self.selected_fair()
        if fair is None:
            return
        dialog = FairCountDialog(self.session, fair.code, self)
        dialog.exec()
        self._after(dialog)

    def on_tab(self, index: int) -> None:
        if index == 1:
            self.reconciliation_tab()
        else:
            self.refresh_fairs()  # a count or a closing there changes the status

    def reconciliation_tab(self):
        """The reconciliation screen, in its tab (built on first use)."""
        if self.reconciliation is None:
            from ui.screens.reconciliation import ReconciliationScreen

            fair = self.selected_fair()
            self.reconciliation = ReconciliationScreen(self.session, fair.code if fair else None)
            self.recon_page.layout().addWidget(self.reconciliation)
        return self.reconciliation

    @guarded()
    def reconcile(self) -> None:
        fair = self.selected_fair()
        screen = self.reconciliation_tab()
        if fair is not None and screen.fair.code() != fair.code:
            screen.show_fair(fair.code)
        self.tabs.setCurrentIndex(1)

    @guarded()
    def statements(self) -> None:
        fair = self.selected_fair()
        screen = open_screen(self, "settlements")
        if screen is not None and fair is not None:
            screen.show_fair(fair.code)


__all__ = [
    "FairCombo",
    "FairDialog",
    "FairInfo",
    "FairsScreen",
    "LocationDialog",
    "ask_save_path",
    "compact",
    "cooperative_choices",
    "document_language_combo",
    "fair_info",
    "list_fairs",
    "open_screen",
    "select_in",
    "set_rows_keeping",
    "statements_module",
    "while_alive",
]
