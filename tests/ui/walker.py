"""A walk through every screen a seller meets, checking that what is shown is translated.

The walk is a list of stops run in order by the seller helper, on the demo shop, in one
language: the shop's and Fatima's (Youssef, who leaves a sale and locks, works in English,
so that every way back to the language is taken).  A stop is a name and the seller's
steps: keys,
scans, touches, and ``w.look()`` wherever the window in front must be checked (all its
visible texts, see ``visible_texts.py``).  Stops go on from where the previous one left
(the comments say where); a stop that opens a dialog closes it.  To cover a new screen or
dialog, add one line in ``TOUR`` where the till is in the right state, e.g.::

    Stop("cash in", lambda w: [w.touch("shift_cash_in"), expect("valueDialog"), w.look(), ESCAPE]),

``Walker.problems`` lists every text that is not in the language, with its stop and its
widget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from tests.ui.seller import (
    DOWN,
    ENTER,
    ESCAPE,
    F4,
    F6,
    F8,
    F12,
    UP,
    Seller,
    expect,
    press,
    scan,
)
from tests.ui.visible_texts import Data, TextCheck, demo_data, visible_texts

PIECE = "6111042001017"  # argan oil 100 ml, 60.00 MAD
OTHER = "SAF-1G"  # saffron, by its code
WEIGHED = "CSC-VRAC"  # couscous sold by the kg


@dataclass(frozen=True)
class Stop:
    name: str
    steps: Callable[[Walker], list]


class Walker:
    def __init__(self, qtbot, language: str, data: Data):
        self.qtbot = qtbot
        self.seller = Seller(qtbot)
        self.check = TextCheck(language, data)
        self.stop = ""
        self.problems: list[str] = []
        self.looked: list[str] = []  # the stops and windows looked at

    @classmethod
    def on(cls, qtbot, ctx, language: str, *data: str) -> Walker:
        """A walker on the till of ``ctx``; ``data``: more texts that are not interface."""
        return cls(qtbot, language, demo_data(ctx, language).add(*data))

    def walk(self, stops: list[Stop]) -> None:
        for stop in stops:
            self.stop = stop.name
            self.seller.do(*stop.steps(self), timeout_ms=30000)

    # -- steps -------------------------------------------------------------------------------
    def look(self) -> Callable[[], None]:
        """A step: check every visible text of the window in front."""

        def look() -> None:
            window = self.seller.front()
            assert window is not None, f"{self.stop}: no window in front"
            self.looked.append(f"{self.stop}: {window.objectName()}")
            self.problems += [
                f"{self.stop}: {p}" for p in self.check.problems(visible_texts(window))
            ]

        return look

    def touch(self, name: str) -> Callable[[], None]:
        """A step: a finger on the button ``name`` of the window in front."""

        def touch() -> None:
            window = self.seller.front()
            widget = window.findChild(QWidget, name) if window is not None else None
            assert widget is not None, f"{self.stop}: no {name} in front"
            self.seller.touch(widget)

        return touch

    def wait_for(self, name: str) -> Callable[[], None]:
        """A step: wait until the widget ``name`` of the window in front is visible."""

        def wait() -> None:
            def shown() -> bool:
                widget = self.seller.front().findChild(QWidget, name)
                return widget is not None and widget.isVisible()

            self.qtbot.waitUntil(shown, timeout=10000)

        return wait


def prepare(ctx, language: str, printer_path) -> None:
    """The demo shop for the walk: in ``language``, Youssef (a manager) in English, and a
    receipt printer at ``printer_path`` that is not plugged in."""
    from coopos.services import lookups, settings, users

    settings.update(
        ctx,
        {
            "language": language,
            "printer.uri": f"file:{printer_path}",
            "printer.drawer_on_cash": False,
        },
    )
    with ctx.read() as s:
        youssef, admin = lookups.user_by_name(s, "Youssef"), lookups.user_by_name(s, "Admin")
    users.set_user_language(ctx, youssef.id, "en", admin.id)


# The seller's day, from the PIN pad to the lock (the till prepared by ``prepare``).
TOUR = [
    Stop("login", lambda w: [w.look()]),
    # Youssef starts a sale in English (no shift yet: he skips the float) and locks: the
    # lock screen is in the shop's language, and the cart goes on in the next seller's
    Stop(
        "lock screen",
        lambda w: [
            "250917",
            ENTER,
            expect("valueDialog"),
            ESCAPE,
            *scan(PIECE),
            w.touch("lockButton"),
            w.look(),
        ],
    ),
    # Fatima logs in; no shift is open: the float is asked
    Stop("opening float", lambda w: ["1111", ENTER, expect("valueDialog"), w.look(), "500", ENTER]),
    Stop(
        "weight",
        lambda w: [
            *scan(PIECE),
            *scan(OTHER),
            *scan(WEIGHED),
            expect("valueDialog"),
            w.look(),
            "1,250",
            ENTER,
        ],
    ),
    # the sell screen with three lines, the weighed one selected
    Stop("sell screen", lambda w: [w.look()]),
    Stop("quantity (F4)", lambda w: [F4, expect("valueDialog"), w.look(), ESCAPE]),
    Stop("discount (F6)", lambda w: [F6, expect("discountDialog"), w.look(), ESCAPE]),
    Stop(
        "discount on the sale (Shift+F6)",
        lambda w: [press("Shift+F6"), expect("discountDialog"), w.look(), ESCAPE],
    ),
    # the sale put on hold (an empty cart and a sentence), listed, and recalled by Enter
    Stop("hold (F3)", lambda w: [press("F3"), w.look()]),
    Stop(
        "held sales (Shift+F3)",
        lambda w: [press("Shift+F3"), expect("heldSalesDialog"), w.look(), ENTER],
    ),
    Stop("sell screen after the recall", lambda w: [w.look()]),
    Stop(
        "manager approval",
        lambda w: [
            F6,
            expect("discountDialog"),
            "20",
            ENTER,
            expect("managerApproval"),
            w.look(),
            ESCAPE,
        ],
    ),
    Stop(
        "price (a manager approves)",
        lambda w: [
            w.touch("priceButton"),
            expect("managerApproval"),
            "250917",
            ENTER,
            expect("valueDialog"),
            w.look(),
            ESCAPE,
        ],
    ),
    Stop(
        "cancel the sale?",
        lambda w: [w.touch("voidButton"), expect("confirmBox"), w.look(), ESCAPE],
    ),
    Stop(
        "payment", lambda w: [F12, expect("paymentDialog"), w.look(), "20", ENTER, w.look(), ESCAPE]
    ),
    Stop(
        "after the sale",
        lambda w: [
            F12,
            expect("paymentDialog"),
            w.touch("exactCash"),
            w.look(),
            w.touch("confirmPayment"),
            expect("afterSaleDialog"),
            w.look(),
            w.touch("receiptPrint"),
        ],
    ),
    # an empty cart, the change said, the receipt waiting for the printer
    Stop("sell screen after the sale", lambda w: [w.wait_for("printQueueButton"), w.look()]),
    Stop(
        "print queue",
        lambda w: [w.touch("printQueueButton"), expect("printQueueDialog"), w.look(), ESCAPE],
    ),
    Stop(
        "return",
        lambda w: [
            F8,
            expect("returnsDialog"),
            w.look(),
            "T01-000001",
            ENTER,
            w.look(),
            w.touch("returnAll"),
            w.touch("refundButton"),
            expect("managerApproval"),
            "250917",
            ENTER,
        ],
    ),
    Stop("sell screen after the refund", lambda w: [w.look()]),
    # the sale and its refund: the list, the details, a duplicate (printer unplugged)
    Stop(
        "receipts journal",
        lambda w: [
            press("F10"),
            expect("journalDialog"),
            w.look(),
            ENTER,
            w.look(),
            press("Ctrl+P"),
            w.look(),
            ESCAPE,
        ],
    ),
    Stop("shift", lambda w: [w.touch("nav_shifts"), w.look()]),
    Stop(
        "cash in",
        lambda w: [
            w.touch("shift_cash_in"),
            expect("valueDialog"),
            w.look(),
            "10",
            ENTER,
            expect("textDialog"),
            w.look(),
            ESCAPE,
        ],
    ),
    Stop("X report (F9)", lambda w: [press("F9"), expect("reportView"), w.look(), ESCAPE]),
    Stop(
        "close the shift",
        lambda w: [w.touch("shift_close"), expect("closeShiftDialog"), w.look(), ESCAPE],
    ),
    Stop("back to selling", lambda w: [w.touch("nav_sell"), w.look()]),
    Stop("lock", lambda w: [w.touch("lockButton"), w.look()]),
]

# The first-run wizard opens in French; the language is chosen first (the list holds
# Arabic, French, Tamazight, English) and the wizard must follow at once.
CHOOSE_LANGUAGE = {"ar": [UP], "fr": [], "zgh": [DOWN], "en": [DOWN, DOWN]}


def first_run(language: str) -> list[Stop]:
    return [Stop("first run", lambda w: [*CHOOSE_LANGUAGE[language], w.look()])]


__all__ = ["TOUR", "Stop", "Walker", "first_run"]
