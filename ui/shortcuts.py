"""Every key of the sell screen, the payment, the receipt question, the held sales and
the receipts journal, in one table.

The screens bind their shortcuts from here and the help overlay (F1) lists the same rows,
so the two never disagree; docs/desktop.md lists them too (a test compares).  Keys that a
field handles itself (Enter, the arrows, digits) have ``bind=False``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from coopos.i18n import N_, _


@dataclass(frozen=True)
class Key:
    name: str  # the action it is bound to
    keys: str  # as QKeySequence writes it; several are separated by " | "
    does: str  # msgid
    bind: bool = True

    @property
    def sequences(self) -> list[str]:
        return self.keys.split(" | ")

    def shown(self) -> str:
        """The key as printed on the keyboard (F12, Ctrl+Z, Enter...)."""
        names = {
            "Return": _("Enter"),
            "Escape": _("Esc"),
            "Up | Down": "↑ ↓",
            "Num+-": "−",
            "0-9": "0 … 9",
        }
        if self.keys in names:
            return names[self.keys]
        return " / ".join(
            QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) or k
            for k in self.sequences
        )


SELL: tuple[Key, ...] = (
    Key("help", "F1", N_("Show these keys")),
    Key("scan", "F2", N_("Go to the scan and search field")),
    Key("enter", "Return", N_("Add the scanned or typed code, or the chosen product"), False),
    Key(
        "arrows",
        "Up | Down",
        N_("Choose among the matching products; with nothing typed, the line in the cart"),
        False,
    ),
    Key("escape", "Escape", N_("Clear the search")),
    Key("plus", "+", N_("One more of the selected line (with nothing typed)"), False),
    Key("minus", "Num+-", N_("One less of the selected line (the keypad's minus)"), False),
    Key("qty", "F4", N_("Quantity or weight of the selected line")),
    Key("discount", "F6", N_("Discount on the selected line")),
    Key("order_discount", "Shift+F6", N_("Discount on the whole sale")),
    Key("price", "F7", N_("Price of the selected line (a manager)")),
    Key("remove", "Delete", N_("Remove the selected line (with nothing typed)")),
    Key("undo", "Ctrl+Z", N_("Remove the last line")),
    Key("void", "Ctrl+Delete", N_("Cancel the sale (asks first)")),
    Key("returns", "F8", N_("Return")),
    Key("reprint", "Ctrl+P", N_("Reprint the last receipt")),
    Key("print_queue", "Ctrl+J", N_("Receipts waiting to print")),
    Key("journal", "F10", N_("Receipts journal: past sales, duplicates, refunds")),
    Key("category_next", "Ctrl+PgDown", N_("Next category")),
    Key("category_previous", "Ctrl+PgUp", N_("Previous category")),
    Key("hold", "F3", N_("Hold the sale, to serve the next customer")),
    Key("held", "Shift+F3", N_("Held sales: recall one")),
    Key("pay", "F12", N_("Pay")),
)

HELD: tuple[Key, ...] = (
    Key("help", "F1", N_("Show these keys")),
    Key("arrows", "Up | Down", N_("Choose a held sale"), False),
    Key("enter", "Return", N_("Recall it (the sale in progress is held first)"), False),
    Key("delete", "Delete", N_("Delete it (asks first)")),
    Key("escape", "Escape", N_("Close the list"), False),
)

PAYMENT: tuple[Key, ...] = (
    Key("help", "F1", N_("Show these keys")),
    Key("digits", "0-9", N_("Type the cash given, wherever the focus is"), False),
    Key(
        "enter",
        "Return",
        N_("Add the cash typed; with nothing typed, confirm once paid"),
        False,
    ),
    Key("confirm", "F12", N_("Confirm (adds the cash typed first)")),
    Key("exact", "F9", N_("Exact cash")),
    Key("card", "F5", N_("Card, for what is left (or the amount typed)")),
    Key("mobile", "F6", N_("Mobile wallet, for what is left (or the amount typed)")),
    Key("transfer", "F7", N_("Bank transfer, for what is left (or the amount typed)")),
    Key("voucher", "F8", N_("Voucher, for what is left (or the amount typed)")),
    Key("remove", "Delete", N_("Remove the selected payment, else the last (with nothing typed)")),
    Key("back", "Escape", N_("Back to the cart"), False),
)

AFTER_SALE: tuple[Key, ...] = (
    Key(
        "enter",
        "Return",
        N_("Print the receipt when a printer is set up; else no receipt"),
        False,
    ),
    Key("print", "Ctrl+P", N_("Print the receipt")),
    Key("skip", "Escape", N_("No receipt"), False),
)

JOURNAL: tuple[Key, ...] = (
    Key("help", "F1", N_("Show these keys")),
    Key("arrows", "Up | Down", N_("Move in the list"), False),
    Key("enter", "Return", N_("Show the sale's lines and payments"), False),
    Key("reprint", "Ctrl+P", N_("Reprint the selected receipt, marked as a duplicate")),
    Key("refund", "F8", N_("Refund the selected sale")),
    Key("close", "Escape", N_("Close the journal"), False),
)

SECTIONS = (
    (N_("Selling"), SELL),
    (N_("Payment"), PAYMENT),
    (N_("After the sale"), AFTER_SALE),
    (N_("Held sales"), HELD),
    (N_("Receipts journal"), JOURNAL),
)


def key(table: tuple[Key, ...], name: str) -> Key:
    return next(k for k in table if k.name == name)


def shown(table: tuple[Key, ...], name: str) -> str:
    """The key of an action as printed on the keyboard ("" if it has none)."""
    entry = next((k for k in table if k.name == name), None)
    return entry.shown() if entry is not None else ""


def with_key(label: str, table: tuple[Key, ...], name: str) -> str:
    """A button's text with its key, e.g. ``Card (F5)``."""
    return _("{label} ({key})", label=label, key=key(table, name).shown())


def bind(widget: QWidget, table: tuple[Key, ...], slots: dict[str, Callable[[], object]]) -> None:
    """A shortcut on ``widget`` (and its children) for every bound key of ``table``."""
    for entry in table:
        if not entry.bind:
            continue
        for sequence in entry.sequences:
            shortcut = QShortcut(QKeySequence(sequence), widget)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slots[entry.name])
