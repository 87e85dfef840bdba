"""The rules of a payout to a cooperative, wherever it is recorded (a till, or head
office on the server) and as it travels (``payout.recorded``)."""

from __future__ import annotations

from coopos.domain.consignment import PAYOUT_METHODS
from coopos.domain.errors import ValidationError
from coopos.domain.money import Cents
from coopos.i18n import _
from coopos.protocol import text as text_rules

MAX_PAYOUT_CENTS = 10**12
MAX_REFERENCE = 100
NEEDS_REFERENCE = ("transfer", "cheque")

__all__ = ["MAX_PAYOUT_CENTS", "MAX_REFERENCE", "PAYOUT_METHODS", "check_payout"]


def check_payout(amount_cents: Cents, method: str, reference: str, note: str) -> tuple[str, str]:
    """Refuses a payout that breaks the rules; returns its reference and note as kept
    (trimmed)."""
    if amount_cents <= 0:
        raise ValidationError(_("A payout is more than 0 MAD."))
    if amount_cents > MAX_PAYOUT_CENTS:
        raise ValidationError(_("This amount is too large."))
    if method not in PAYOUT_METHODS:
        raise ValidationError(_("A payout is paid in cash, by transfer or by cheque."))
    reference, note = reference.strip(), note.strip()
    if method in NEEDS_REFERENCE and not reference:
        raise ValidationError(_("Give the transfer or cheque number."))
    if len(reference) > MAX_REFERENCE:
        raise ValidationError(_("A reference is at most 100 characters."))
    text_rules.check_free_text(reference, _("The reference"))
    text_rules.check_free_text(note, _("The note"))
    return reference, note
