"""Which PIN a user may choose.

Everyone: 4 to 8 digits (``security.check_pin_format``).  Managers and admins approve
refunds, discounts and user changes, so their PIN is what a dishonest seller would try
to guess: at least 6 digits, and none of the PINs people pick first (one digit repeated,
a run up or down the keypad, a short block repeated, the usual favourites).

A PIN that breaks these rules but was set before them keeps working: ``change_reason``
tells the login to ask for a new one.
"""

from __future__ import annotations

from itertools import pairwise

from coopos.domain.catalog import Role
from coopos.domain.errors import ValidationError
from coopos.domain.security import check_pin_format
from coopos.i18n import _

MANAGER_MIN_DIGITS = 6

# Among the most chosen 6-digit PINs in published leaks (besides runs and repeats, which
# the rules below catch): keypad patterns, mirrored runs, pairs.
COMMON = frozenset(
    {
        "112233",
        "121314",
        "123321",
        "147258",
        "147852",
        "159753",
        "102030",
        "246810",
        "789456",
        "456123",
        "123654",
        "852456",
        "520520",
        "696969",
        "11223344",
        "12344321",
        "135790",
    }
)


class WeakPin(ValidationError):
    """The PIN is refused by the rules for the user's role."""


def _steps(pin: str) -> set[int]:
    return {(int(b) - int(a)) % 10 for a, b in pairwise(pin)}


def is_weak(pin: str) -> bool:
    """One digit repeated, a run up or down (wrapping 9 to 0), a block of 1 to 4 digits
    repeated, or a common favourite."""
    if _steps(pin) in ({0}, {1}, {9}):
        return True
    for size in range(1, 5):
        if len(pin) % size == 0 and len(pin) > size and pin == pin[:size] * (len(pin) // size):
            return True
    return pin in COMMON


def check_pin(pin: str, role: Role | str) -> str:
    """The PIN, normalised, if ``role`` may have it; else ``WeakPin`` saying why."""
    pin = check_pin_format(pin)
    if Role(role).is_manager:
        if len(pin) < MANAGER_MIN_DIGITS:
            raise WeakPin(
                _(
                    "A manager's or an admin's PIN has at least {n} digits.",
                    n=MANAGER_MIN_DIGITS,
                )
            )
        if is_weak(pin):
            raise WeakPin(
                _("This PIN is too easy to guess: avoid repeated digits and runs such as 123456.")
            )
    return pin


def change_reason(pin: str, role: Role | str) -> str | None:
    """Why a PIN that just opened the till must be changed now (one sentence), or None."""
    try:
        check_pin(pin, role)
    except WeakPin as exc:
        return exc.message
    return None
