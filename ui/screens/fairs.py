"""Locations and fairs: the shop, warehouses and fair stands.  A fair stand is a stand
location created together with its fair (name, city, dates)."""

from __future__ import annotations

from datetime import date, timedelta

from babel.dates import format_date
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from coopos.domain.errors import CooposError, ValidationError
from coopos.i18n import N_, _
from coopos.i18n.formats import locale_of
from coopos.services import locations
from coopos.services.reports import Column, Table
from ui.errors import crash_message
from ui.models import TableModel
from ui.session import AppSession
from ui.theme import set_role
from ui.widgets.forms import dialog_buttons, error_label, read_only_view

KIND_LABELS = {"shop": N_("Shop"), "warehouse": N_("Warehouse"), "stand": N_("Stand")}
COLUMNS = [
    Column("code", N_("Code")),
    Column("kind", N_("Kind")),
    Column("name", N_("Name")),
    Column("fair", N_("Fair")),
    Column("city", N_("City")),
    Column("dates", N_("Dates")),
]


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


class LocationDialog(QDialog):
    """A new location; with ``fair=True`` a fair stand and its fair in one go."""

    def __init__(self, session: AppSession, fair: bool, today: date, parent=None):
        super().__init__(parent)
        self.session = session
        self.fair = fair
        self.created_code: str | None = None
        self.setObjectName("fairDialog" if fair else "locationDialog")
        self.setWindowTitle(_("New fair stand") if fair else _("New location"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.addWidget(
            set_role(QLabel(_("New fair stand") if fair else _("New location")), "title")
        )
        if fair:
            hint = QLabel(_("The stand is a location of its own: its stock and sales stay apart."))
            hint.setWordWrap(True)
            layout.addWidget(set_role(hint, "muted"))
        form = QFormLayout()
        self.code = QLineEdit()
        self.code.setObjectName("locationCode")
        self.code.setMaxLength(32)
        self.code.setPlaceholderText(_("e.g. SIAM-2027") if fair else _("e.g. WH2"))
        form.addRow(_("Code"), self.code)
        self.kind: QComboBox | None = None
        if not fair:
            self.kind = QComboBox()
            self.kind.setObjectName("locationKind")
            self.kind.setMinimumHeight(40)
            for kind in ("shop", "warehouse", "stand"):
                self.kind.addItem(_(KIND_LABELS[kind]), kind)
            self.kind.setCurrentIndex(1)
            form.addRow(_("Kind"), self.kind)
        self.name = QLineEdit()
        self.name.setObjectName("locationName")
        form.addRow(_("Stand name") if fair else _("Name"), self.name)
        if fair:
            self.fair_name = QLineEdit()
            self.fair_name.setObjectName("fairName")
            self.fair_name.setPlaceholderText(_("e.g. Salon de l'Agriculture, Meknès"))
            form.addRow(_("Fair"), self.fair_name)
            self.city = QLineEdit()
            self.city.setObjectName("fairCity")
            form.addRow(_("City"), self.city)
            self.starts = self._date_edit("fairStarts", today)
            form.addRow(_("First day"), self.starts)
            self.ends = self._date_edit("fairEnds", today + timedelta(days=3))
            form.addRow(_("Last day"), self.ends)
        layout.addLayout(form)
        self.error = error_label("locationError")
        layout.addWidget(self.error)
        layout.addLayout(dialog_buttons(self, self.save, "saveLocation", _("Add")))
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
            if self.fair:
                if not self.fair_name.text().strip():
                    raise ValidationError(_("A fair stand needs the name of its fair."))
                location = locations.add_location(
                    self.session.ctx,
                    self.code.text(),
                    "stand",
                    self.name.text(),
                    user.id if user else None,
                    fair_name=self.fair_name.text().strip(),
                    city=self.city.text(),
                    starts_on=to_date(self.starts.date()),
                    ends_on=to_date(self.ends.date()),
                )
            else:
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
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(set_role(QLabel(_("Locations and fairs")), "title"))
        top.addStretch(1)
        self.new_fair = set_role(QPushButton(_("New fair stand")), "primary")
        self.new_fair.setObjectName("newFair")
        self.new_fair.clicked.connect(lambda: self.add(fair=True))
        self.new_location = QPushButton(_("New location"))
        self.new_location.setObjectName("newLocation")
        self.new_location.clicked.connect(lambda: self.add(fair=False))
        top.addWidget(self.new_location)
        top.addWidget(self.new_fair)
        layout.addLayout(top)
        hint = QLabel(
            _(
                "The shop, the warehouses and the fair stands. Each has its own stock; "
                "a fair stand is created with its fair."
            )
        )
        hint.setWordWrap(True)
        layout.addWidget(set_role(hint, "muted"))
        self.message = set_role(QLabel(), "banner")  # its box metrics from the start
        self.message.setObjectName("fairsMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        self.model = TableModel(parent=self)
        self.view = read_only_view("locationsTable", self.model, wrap=True)
        layout.addWidget(self.view, 1)
        session.bridge.locations_changed.connect(self.refresh)
        self.refresh()

    def say(self, message: str, error: bool = False) -> None:
        set_role(self.message, "error" if error else "banner")
        self.message.setText(message)
        self.message.show()

    def refresh(self) -> None:
        try:
            table = locations_table(self.session.ctx)
        except CooposError as exc:
            self.say(exc.message, error=True)
            return
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
        table = self.model.table
        return [row["code"] for row in table.rows] if table else []

    def today(self) -> date:
        return date.fromisoformat(self.session.ctx.clock.now().local_date)

    def add(self, fair: bool) -> None:
        dialog = LocationDialog(self.session, fair, self.today(), self)
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.created_code:
            return
        code = dialog.created_code
        self.refresh()
        if code in self.codes():
            self.view.selectRow(self.codes().index(code))
        self.say(
            _("Fair stand {code} added.", code=code)
            if fair
            else _("Location {code} added.", code=code)
        )
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)


__all__ = ["FairsScreen", "LocationDialog"]
