"""Cooperatives (back office): the producers whose goods the shop sells on commission.

A table of every cooperative (active or not) with a filter; a dialog creates or edits
one, carrying the version it was opened with so that a concurrent save is not lost."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from coopos.db.models import Cooperative
from coopos.domain.catalog import format_rate_bp, pick_name
from coopos.domain.errors import CooposError
from coopos.domain.search import normalise
from coopos.i18n import N_, _, current_language, ngettext
from coopos.services import products
from coopos.services.products import CooperativeFields
from coopos.services.reports import Column
from ui.errors import guarded
from ui.session import AppSession
from ui.theme import set_role
from ui.widgets.forms import (
    BackOfficeScreen,
    DataTable,
    add_shortcuts,
    dialog_buttons,
    direction_field,
    error_label,
    form_layout,
    ltr,
    names_box,
    touch_button,
)


class CooperativeDialog(QDialog):
    """Create or edit one cooperative: names, legal numbers, contact, commission."""

    def __init__(self, session: AppSession, coop_id: int | None = None, parent=None):
        super().__init__(parent)
        self.session = session
        self.coop_id = coop_id
        self.version: int | None = None
        self.saved_id: int | None = None
        self.saved_code = ""
        self.setObjectName("cooperativeDialog")
        self.setWindowTitle(_("New cooperative") if coop_id is None else _("Edit cooperative"))
        coop = None
        if coop_id is not None:
            with session.ctx.read() as s:
                coop = s.get(Cooperative, coop_id)
            if coop is None:
                raise CooposError(_("This cooperative no longer exists."))
        layout = QVBoxLayout(self)
        layout.addWidget(set_role(QLabel(coop.code if coop else _("New cooperative")), "title"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        layout.addLayout(grid)

        left = form_layout()
        self.code = direction_field("coopCode")
        self.code.setMaxLength(16)
        self.code.setPlaceholderText(_("e.g. TIFAW"))
        left.addRow(_("Code"), self.code)
        self.odco = direction_field("coopOdco")
        left.addRow(_("ODCO number"), self.odco)
        self.ice = direction_field("coopIce")
        self.ice.setMaxLength(15)
        self.ice.setPlaceholderText(_("15 digits"))
        left.addRow(_("ICE"), self.ice)
        self.phone = direction_field("coopPhone")
        left.addRow(_("Phone"), self.phone)
        self.city = QLineEdit()
        self.city.setObjectName("coopCity")
        left.addRow(_("City"), self.city)
        self.commission = direction_field("coopCommission")
        self.commission.setPlaceholderText("0")
        left.addRow(_("Commission (%)"), self.commission)
        self.active = QCheckBox(_("Active (its products can be sold)"))
        self.active.setObjectName("coopActive")
        self.active.setChecked(True)
        left.addRow("", self.active)
        box = QGroupBox(_("Cooperative"))
        box.setLayout(left)
        grid.addWidget(box, 0, 0)

        box, self.names = names_box("coopName", _("A name in Arabic or French is required."), 460)
        grid.addWidget(box, 0, 1)

        self.error = error_label("cooperativeError")
        layout.addWidget(self.error)
        layout.addLayout(dialog_buttons(self, self.save, "saveCooperative"))

        if coop is not None:
            self.version = coop.version
            self.code.setText(coop.code)
            for lang, field in self.names.items():
                field.setText(getattr(coop, f"name_{lang}") or "")
                field.setCursorPosition(0)
            self.odco.setText(coop.odco_number)
            self.ice.setText(coop.ice)
            self.phone.setText(coop.phone)
            self.city.setText(coop.city)
            self.commission.setText(format_rate_bp(coop.commission_bp))
            self.active.setChecked(coop.active)
        self.code.setFocus()

    def fields(self) -> CooperativeFields:
        return CooperativeFields(
            code=self.code.text(),
            name_ar=self.names["ar"].text(),
            name_fr=self.names["fr"].text(),
            name_en=self.names["en"].text(),
            name_zgh=self.names["zgh"].text(),
            odco_number=self.odco.text(),
            ice=self.ice.text(),
            phone=self.phone.text(),
            city=self.city.text(),
            commission=self.commission.text().strip() or "0",
            active=self.active.isChecked(),
        )

    def save(self) -> None:
        try:
            coop = products.save_cooperative(
                self.session.ctx,
                self.fields(),
                self.coop_id,
                expected_version=self.version,
                user_id=self.session.user.id if self.session.user else None,
            )
        except CooposError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        self.saved_id, self.saved_code = coop.id, coop.code
        self.accept()


class CooperativesScreen(BackOfficeScreen):
    def __init__(self, session: AppSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("cooperativesScreen")
        self._dirty = False
        self._rows: list[dict[str, Any]] = []
        self.columns = [
            Column("code", N_("Code")),
            Column("name", N_("Names")),
            Column("odco", N_("ODCO number")),
            Column("ice", N_("ICE")),
            Column("phone", N_("Phone")),
            Column("city", N_("City")),
            Column("commission", N_("Commission"), "percent"),
            Column("active", N_("Active"), "bool"),
        ]
        layout = QVBoxLayout(self)
        self.build_header(layout, _("Cooperatives"), "cooperativeCount", "cooperativesMessage")
        filters = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("cooperativeSearch")
        self.search.setPlaceholderText(_("Filter: code, name or city (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.apply_filter)
        filters.addWidget(self.search, 1)
        self.inactive = QCheckBox(_("Show inactive"))
        self.inactive.setObjectName("showInactive")
        self.inactive.setChecked(True)
        self.inactive.toggled.connect(self.apply_filter)
        filters.addWidget(self.inactive)
        layout.addLayout(filters)
        self.table = DataTable(
            self.columns,
            "name",
            lambda r: None if r["active"] else "muted",
            self,
            caps={"city": 150, "odco": 130},
            row_height=60,
        )
        self.table.setObjectName("cooperativesTable")
        self.table.activated_row.connect(lambda _row: self.edit_cooperative())
        layout.addWidget(self.table, 1)
        actions = QHBoxLayout()
        self.new_button = touch_button(_("New"), "newCooperative", self.new_cooperative, "primary")
        self.edit_button = touch_button(_("Edit"), "editCooperative", self.edit_cooperative)
        actions.addWidget(self.new_button)
        actions.addWidget(self.edit_button)
        actions.addStretch(1)
        layout.addLayout(actions)
        add_shortcuts(
            self,
            [
                ("Ctrl+F", lambda: self.search.setFocus()),
                ("Ctrl+N", self.new_cooperative),
                ("F2", self.edit_cooperative),
            ],
        )
        self.table.selectionModel().selectionChanged.connect(self.update_buttons)
        session.bridge.catalog_changed.connect(self.on_changed)
        self.refresh()

    @guarded()
    def refresh(self, *_args) -> None:
        self._dirty = False
        lang = current_language()
        other = "fr" if lang == "ar" else "ar"
        with self.session.ctx.read() as s:
            coops = products.list_cooperatives(s, include_inactive=True)
        rows = []
        for c in coops:
            names = c.names
            name = pick_name(names, lang)
            second = names.get(other) if names.get(other) != name else ""
            rows.append(
                {
                    "id": c.id,
                    "code": c.code,
                    "name": f"{name}\n{second}" if second else name,
                    "name_tip": "\n".join(n for n in names.values() if n),
                    "odco": ltr(c.odco_number),
                    "ice": ltr(c.ice),
                    "phone": ltr(c.phone),
                    "city": c.city,
                    "commission": c.commission_bp,
                    "active": c.active,
                    "_search": normalise(
                        " ".join([c.code, c.city, *(n for n in names.values() if n)])
                    ),
                }
            )
        self._rows = rows
        self.apply_filter()

    def apply_filter(self, *_args) -> None:
        words = normalise(self.search.text()).split()
        show_inactive = self.inactive.isChecked()
        rows = [
            r
            for r in self._rows
            if (show_inactive or r["active"]) and all(w in r["_search"] for w in words)
        ]
        self.table.set_rows(rows, keep="id")
        self.count.setText(ngettext("{n} cooperative", "{n} cooperatives", len(rows)))
        self.update_buttons()

    def update_buttons(self, *_args) -> None:
        self.edit_button.setEnabled(self.table.selected_row() is not None)

    @guarded()
    def new_cooperative(self) -> None:
        self.open_dialog(None)

    @guarded()
    def edit_cooperative(self) -> None:
        row = self.table.selected_row()
        if row is None:
            raise CooposError(_("Pick a cooperative in the list first."))
        self.open_dialog(row["id"])

    def open_dialog(self, coop_id: int | None) -> None:
        self.message.hide()
        dialog = CooperativeDialog(self.session, coop_id, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        if accepted and dialog.saved_id is not None:
            self.refresh()
            self.table.select_where("id", dialog.saved_id)
            self.message.say(_("Cooperative {code} saved.", code=dialog.saved_code))


__all__ = ["CooperativeDialog", "CooperativesScreen"]
