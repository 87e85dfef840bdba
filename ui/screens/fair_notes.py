"""Delivery and return notes of a fair.

Dispatch: goods go to the fair's stand from a location (the warehouse, the shop) or
straight from a cooperative; return: goods come back from the stand to a location or to
their cooperative.  Products are scanned (or typed) as in the stock screen; the note gets
its number (``BL-T01-00001``, ``BR-T01-00001``) and can be saved as an A4 PDF."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from coopos.domain.catalog import Unit
from coopos.domain.errors import CooposError, ValidationError
from coopos.i18n import _, ngettext
from coopos.services import consignment, inventory, locations
from coopos.services.consignment import NoteResult
from ui.screens.fairs import (
    FairCombo,
    ask_save_path,
    compact,
    cooperative_choices,
    document_language_combo,
    statements_module,
    while_alive,
    with_suffix,
)
from ui.screens.stock import (
    Line,
    ProductLines,
    _StockDialog,
    is_enter,
    product_names,
    till_location,
)
from ui.session import AppSession
from ui.theme import set_role
from ui.widgets.forms import form_layout, shorten, touch_button, touch_combo
from ui.workers import run_with_progress

COOP = "COOP:"
NOTE_FUNCTIONS = ("save_note_pdf",)


def place_label(code: str, coops: dict[str, str]) -> str:
    if code.startswith(COOP):
        coop = code[len(COOP) :]
        return (
            _("Cooperative {code}", code=coop) if coop not in coops else f"{coop} · {coops[coop]}"
        )
    return code


class NoteDialog(_StockDialog):
    """``kind`` is ``dispatch`` (to the stand) or ``return`` (from it)."""

    def __init__(self, session: AppSession, kind: str, fair: str | None = None, parent=None):
        self.kind = kind
        dispatch = kind == "dispatch"
        super().__init__(
            session,
            "dispatchDialog" if dispatch else "returnDialog",
            _("Dispatch goods to a fair") if dispatch else _("Return goods from a fair"),
            parent,
        )
        self.result: NoteResult | None = None
        self.coops = dict(cooperative_choices(session.ctx))
        self.setMinimumSize(840, 640)
        self.pages = QStackedWidget()
        self.layout_.addWidget(self.pages, 1)

        # -- the note being written -------------------------------------------------------
        editing = QWidget()
        page = column(editing)
        form = form_layout()
        self.fair = FairCombo(session, "noteFair", only_open=dispatch)
        if fair:
            self.fair.select(fair)
        self.fair.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.fair.currentIndexChanged.connect(self.reload_places)
        form.addRow(_("Fair"), self.fair)
        self.place = compact(touch_combo("notePlace"), 30)
        self.place.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        form.addRow(_("From") if dispatch else _("To"), self.place)
        self.note = QLineEdit()
        self.note.setObjectName("noteText")
        self.note.setPlaceholderText(_("Optional: driver, vehicle, remarks"))
        form.addRow(_("Note"), self.note)
        page.addLayout(form)
        hint = QLabel(
            _(
                "From a location, the goods leave its stock; from a cooperative, they are "
                "brought straight to the stand (one note per cooperative)."
            )
            if dispatch
            else _(
                "To a location, the goods go back into its stock; to a cooperative, they are "
                "handed back to it (one note per cooperative)."
            )
        )
        hint.setWordWrap(True)
        page.addWidget(set_role(hint, "muted"))
        self.lines = ProductLines(session, _("Quantity"))
        if not dispatch:
            row = QHBoxLayout()
            self.fill = touch_button(
                _("Everything left at the stand"), "fillFromStand", self.fill_from_stand
            )
            self.fill.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.fill.setAutoDefault(False)
            row.addWidget(self.fill)
            row.addStretch(1)
            page.addLayout(row)
        page.addWidget(self.lines, 1)
        self.pages.addWidget(editing)

        # -- the note, written --------------------------------------------------------------
        done = QWidget()
        page = column(done)
        self.number = set_role(QLabel(), "title")
        self.number.setObjectName("noteNumber")
        self.number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        page.addWidget(self.number)
        self.summary = QLabel()
        self.summary.setObjectName("noteSummary")
        self.summary.setWordWrap(True)
        page.addWidget(self.summary)
        printing = QHBoxLayout()
        self.language = document_language_combo("noteLanguage")
        printing.addWidget(self.language)
        self.save_pdf = touch_button(_("Save the note as PDF…"), "saveNotePdf", self.save_note)
        self.save_pdf.setAutoDefault(False)
        printing.addWidget(self.save_pdf)
        printing.addStretch(1)
        page.addLayout(printing)
        if statements_module(*NOTE_FUNCTIONS) is None:
            self.language.hide()
            self.save_pdf.hide()
        self.saved = set_role(QLabel(), "banner")
        self.saved.setObjectName("noteSaved")
        self.saved.setWordWrap(True)
        self.saved.hide()
        page.addWidget(self.saved)
        page.addStretch(1)
        self.pages.addWidget(done)

        self.add_buttons(
            _("Create the delivery note") if dispatch else _("Create the return note"),
            "confirmNote",
            self.create,
        )
        self.close_button = QPushButton(_("Close"))
        self.close_button.setObjectName("closeNote")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.accept)
        self.close_button.hide()
        self.layout_.itemAt(self.layout_.count() - 1).layout().addWidget(self.close_button)
        self.reload_places()

    # -- places -------------------------------------------------------------------------------
    def reload_places(self, *_args) -> None:
        current = self.place.currentData() or till_location(self.session)
        fair = self.fair.fair()
        stand = fair.stand if fair else None
        self.place.clear()
        for loc in locations.list_locations(self.session.ctx):
            if loc.active and loc.code != stand:
                self.place.addItem(f"{loc.code} · {shorten(loc.name, 40)}", loc.code)
        if self.coops:
            self.place.insertSeparator(self.place.count())
        for code, name in self.coops.items():
            self.place.addItem(
                _("Cooperative {code} · {name}", code=code, name=shorten(name, 40)), COOP + code
            )
        index = self.place.findData(current)
        self.place.setCurrentIndex(max(index, 0))

    def place_code(self) -> str:
        return self.place.currentData() or ""

    def fill_from_stand(self) -> None:
        """The return of everything the stand still holds (of the chosen cooperative)."""
        fair = self.fair.fair()
        if fair is None or not fair.stand:
            self.fail(_("Choose a fair first."))
            return
        place = self.place_code()
        coop = place[len(COOP) :] if place.startswith(COOP) else None
        with self.session.ctx.read() as s:
            rows = inventory.stock_report(s, fair.stand)
        rows = [r for r in rows if r.quantity > 0 and (coop is None or r.cooperative == coop)]
        names = product_names(self.session.ctx, [r.sku for r in rows])
        self.lines.lines = [
            Line(r.sku, names.get(r.sku) or r.name, r.unit, Unit(r.unit).weighed, r.quantity)
            for r in rows
        ]
        self.lines.render(0 if rows else None)
        if rows:
            self.error.hide()
        else:
            self.fail(_("Nothing is left at the stand {stand}.", stand=fair.stand))

    # -- writing the note ---------------------------------------------------------------------
    def create(self) -> None:
        dispatch = self.kind == "dispatch"
        try:
            fair = self.fair.fair()
            if fair is None:
                raise ValidationError(_("Choose a fair first."))
            items = self.lines.items()
            if not items:
                raise ValidationError(_("Scan or type the products first."))
            move = consignment.dispatch if dispatch else consignment.return_goods
            self.result = move(
                self.session.ctx,
                fair.code,
                items,
                self.place_code(),
                self.user_id(),
                self.note.text().strip(),
            )
        except CooposError as exc:
            self.fail(exc.message)
            return
        place = place_label(self.place_code(), self.coops)
        source, target = (place, fair.stand) if dispatch else (fair.stand, place)
        number = self.result.number
        self.number.setText(
            _("Delivery note {number}", number=number)
            if dispatch
            else _("Return note {number}", number=number)
        )
        self.summary.setText(
            ngettext(
                "{n} product from {source} to {target}.",
                "{n} products from {source} to {target}.",
                self.result.lines,
                source=source,
                target=target,
            )
        )
        self.done_message = ngettext(
            "Note {number}: {n} product from {source} to {target}.",
            "Note {number}: {n} products from {source} to {target}.",
            self.result.lines,
            number=number,
            source=source,
            target=target,
        )
        self.pages.setCurrentIndex(1)
        self.error.hide()
        self.cancel.hide()
        self.confirm.hide()
        self.close_button.show()
        self.close_button.setDefault(True)
        self.close_button.setFocus()

    # -- printing ------------------------------------------------------------------------------
    def ask_path(self, suggested: str) -> str:
        return ask_save_path(self, _("Save the note"), suggested, _("PDF files (*.pdf)"))

    def save_note(self) -> None:
        module = statements_module(*NOTE_FUNCTIONS)
        if module is None or self.result is None:
            return
        chosen = self.ask_path(f"{self.result.number}.pdf")
        if not chosen:
            return
        path = with_suffix(chosen, ".pdf")
        number, language, ctx = self.result.number, self.language.currentData(), self.session.ctx

        def work(progress) -> Path:
            progress(0, 1)
            with ctx.read() as s:
                note = consignment.note_document(s, number, language)
                shop = consignment.shop_party(s)
            written = module.save_note_pdf(note, path, shop, language)
            progress(1, 1)
            return Path(written or path)

        def done(written: Path) -> None:
            self.say_saved(_("Saved to {path}.", path=written), False)

        run_with_progress(
            self,
            _("Saving the note…"),
            work,
            while_alive(self, done),
            while_alive(self, lambda message: self.say_saved(message, True)),
        )

    def say_saved(self, message: str, error: bool) -> None:
        set_role(self.saved, "error" if error else "banner")
        self.saved.setText(message)
        self.saved.show()

    def keyPressEvent(self, event) -> None:
        if is_enter(event) and self.pages.currentIndex() == 1:
            self.accept()
            return
        super().keyPressEvent(event)


def column(widget: QWidget) -> QVBoxLayout:
    """A vertical layout for a page, without margins of its own."""
    layout = QVBoxLayout(widget)
    layout.setContentsMargins(0, 0, 0, 0)
    return layout


__all__ = ["NoteDialog"]
