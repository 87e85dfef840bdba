"""Stock is an append-only ledger of movements; on-hand is their sum, never a counter."""

from __future__ import annotations

import enum

from coopos.i18n import N_, _


class MovementReason(enum.StrEnum):
    RECEIVED = "received"  # from a cooperative
    SALE = "sale"
    REFUND = "refund"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    COUNT = "count"  # count adjustment
    ADJUSTMENT = "adjustment"  # manual correction
    RETURNED = "returned"  # returned to the cooperative
    DAMAGED = "damaged"  # damaged or lost

    @property
    def label(self) -> str:
        return _(REASON_LABELS[self])

    @property
    def sign(self) -> int:
        """+1 if it adds stock, -1 if it removes, 0 if either (counts and adjustments)."""
        return _SIGNS[self]


REASON_LABELS = {
    MovementReason.RECEIVED: N_("Received from cooperative"),
    MovementReason.SALE: N_("Sale"),
    MovementReason.REFUND: N_("Refund"),
    MovementReason.TRANSFER_OUT: N_("Transfer out"),
    MovementReason.TRANSFER_IN: N_("Transfer in"),
    MovementReason.COUNT: N_("Count adjustment"),
    MovementReason.ADJUSTMENT: N_("Adjustment"),
    MovementReason.RETURNED: N_("Returned to cooperative"),
    MovementReason.DAMAGED: N_("Damaged or lost"),
}

_SIGNS = {
    MovementReason.RECEIVED: 1,
    MovementReason.SALE: -1,
    MovementReason.REFUND: 1,
    MovementReason.TRANSFER_OUT: -1,
    MovementReason.TRANSFER_IN: 1,
    MovementReason.COUNT: 0,
    MovementReason.ADJUSTMENT: 0,
    MovementReason.RETURNED: -1,
    MovementReason.DAMAGED: -1,
}
