"""PIN rules by role, the login hint, and hashes written before it."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopos.domain.pin_policy import WeakPin, change_reason, check_pin, is_weak
from coopos.domain.security import hash_pin, might_match, needs_rehash, verify_pin


@pytest.mark.parametrize(
    "pin",
    [
        "000000",
        "111111",
        "123456",
        "234567",
        "654321",
        "890123",
        "12345678",
        "987654",
        "121212",
        "123123",
        "112233",
        "100100",
        "12341234",
        "246810",
        "159753",
    ],
)
def test_weak_pins_are_refused_for_managers_and_admins(pin):
    assert is_weak(pin)
    for role in ("manager", "admin"):
        with pytest.raises(WeakPin, match="too easy to guess"):
            check_pin(pin, role)


@pytest.mark.parametrize("pin", ["1234", "0000", "2222", "48261"])
def test_managers_and_admins_need_six_digits(pin):
    with pytest.raises(WeakPin, match="at least 6 digits"):
        check_pin(pin, "admin")
    assert check_pin(pin, "seller") == pin  # a seller keeps the 4-digit PIN


@pytest.mark.parametrize("pin", ["250917", "468203", "730518", "19283746"])
def test_ordinary_pins_pass(pin):
    assert not is_weak(pin)
    assert check_pin(pin, "manager") == pin


def test_an_old_short_manager_pin_is_asked_to_change():
    assert "at least 6 digits" in change_reason("2222", "manager")
    assert change_reason("1111", "seller") is None
    assert change_reason("250917", "manager") is None


def _old_format(pin: str, salt: bytes) -> str:
    """A hash as coopos wrote it before the hint (n=2**14, six fields)."""
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${salt.hex()}${digest.hex()}"


def test_a_hash_without_hint_still_verifies_and_asks_for_a_rehash():
    old = _old_format("2222", bytes(range(16)))
    assert verify_pin("2222", old) and not verify_pin("2223", old)
    assert might_match("9999", old)  # no hint: only the slow check can tell
    assert needs_rehash(old)
    assert not needs_rehash(hash_pin("2222"))


@settings(max_examples=30, deadline=None)
@given(st.text("0123456789", min_size=4, max_size=8), st.binary(min_size=16, max_size=16))
def test_the_hint_never_rejects_the_right_pin(pin, salt):
    # cheap: the hint alone, built as hash_pin builds it, is checked against the same PIN
    from coopos.domain import security

    stored = f"scrypt$2$1$1${salt.hex()}${'00' * 32}${security._hint(pin, salt)}"
    assert might_match(pin, stored)
    assert might_match(pin.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")), stored)


def test_the_hint_rules_out_most_wrong_pins():
    stored = hash_pin("250917")
    wrong = [f"{n:06d}" for n in range(0, 1_000_000, 997)]
    let_through = sum(might_match(pin, stored) for pin in wrong if pin != "250917")
    assert let_through < len(wrong) / 16  # about 1 in 64
