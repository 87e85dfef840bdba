"""The question for a quantity that looks like a typing mistake (the rule is the core's,
``Checkout.quantity_doubt``): more than the stock here or the shop's maximum, or grams
typed in a kg field.  Enter takes the safe answer: the likely quantity, else "no"."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from coopos.domain.quantity import QuantityDoubt
from coopos.i18n import _
from coopos.i18n.formats import format_qty
from ui.errors import name_standard_buttons


def confirm_quantity(parent, doubt: QuantityDoubt, name: str, unit: str) -> Decimal | None:
    """The quantity to use: the one typed, the likely one, or None (the seller cancels)."""

    def amount(qty: Decimal) -> str:
        # Isolated, so that "6,500 kg" keeps its order inside an Arabic sentence.
        return f"\u2068{format_qty(qty)} {unit}\u2069"

    reasons = []
    if doubt.on_hand is not None:
        reasons.append(
            _("Only {stock} of {name} is in stock here.", stock=amount(doubt.on_hand), name=name)
        )
    if doubt.limit is not None:
        reasons.append(
            _(
                "{quantity} is more than the usual maximum ({limit}).",
                quantity=amount(doubt.quantity),
                limit=amount(doubt.limit),
            )
        )
    box = QMessageBox(parent)
    box.setObjectName("quantityCheck")
    box.setIcon(QMessageBox.Icon.Question)
    box.setStyleSheet(  # sentences, not a narrow column
        "QLabel#qt_msgbox_label, QLabel#qt_msgbox_informativelabel { min-width: 380px; }"
    )
    box.setWindowTitle(_("Check the quantity"))
    keep = box.addButton(
        _("Sell {quantity}", quantity=amount(doubt.quantity)), QMessageBox.ButtonRole.YesRole
    )
    keep.setObjectName("keepQuantity")
    likely = None
    if doubt.likely is not None:
        question = _("Did you mean {quantity}?", quantity=amount(doubt.likely))
        likely = box.addButton(amount(doubt.likely), QMessageBox.ButtonRole.AcceptRole)
        likely.setObjectName("likelyQuantity")
    else:
        question = _("Sell {quantity} of {name}?", quantity=amount(doubt.quantity), name=name)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    name_standard_buttons(box)  # Qt's own "Cancel" is English in Tamazight
    box.setDefaultButton(likely or cancel)
    box.setEscapeButton(cancel)
    # One sentence a line, each in the screen's direction (a line may start with "250 kg").
    mark = "\u200f" if QGuiApplication.layoutDirection() == Qt.LayoutDirection.RightToLeft else ""
    box.setText(mark + question)
    box.setInformativeText("\n".join(mark + reason for reason in reasons))
    box.exec()
    clicked = box.clickedButton()
    if clicked is keep:
        return doubt.quantity
    if likely is not None and clicked is likely:
        return doubt.likely
    return None
