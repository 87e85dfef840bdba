"""Wrong PINs typed at the till, as a keyboard types them into the focused PIN field: each
one audited, then a delay, then a lock that only a manager opens; a manager's PIN set
before the 6-digit rule is changed at login; the messages in French, Arabic, Tamazight."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from coopos.db.models import AuditEntry, User
from coopos.domain.security import hash_pin
from coopos.i18n import thread_language
from coopos.services import pin_guard, setup
from tests.ui.conftest import label_text
from tests.ui.seller import ENTER, ESCAPE, F6, TAB, Seller, expect, press, scan

MANAGER, SELLER = setup.DEMO_MANAGER_PIN, setup.DEMO_SELLER_PIN


@pytest.fixture
def front(window, qtbot, clock):
    """The till in front with the keyboard, on the login screen; the clock stands still."""
    clock.step = timedelta(0)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


def failures(ctx) -> list[str]:
    with ctx.read() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.action == "pin_failed")).scalars()
        return [json.loads(r.details)["purpose"] for r in rows]


def test_wrong_pins_at_login_are_delayed_then_lock_until_a_manager(
    front, qtbot, demo, clock, open_shift
):
    seller = Seller(qtbot)
    for _ in range(3):
        seller.do("999999", ENTER)
        assert label_text(front, "loginError") == "Wrong PIN."
    seller.do(SELLER, ENTER)  # the right PIN, too early: not even checked
    assert label_text(front, "loginError") == "Too many wrong PINs: try again in 1 second."
    assert front.session.user is None and failures(demo) == ["login"] * 3
    for _ in range(pin_guard.LOCK_AFTER - 3):
        clock.current += timedelta(seconds=61)
        seller.do("999999", ENTER)
    assert label_text(front, "loginError") == (
        "The till is locked after too many wrong PINs: a manager must unlock it."
    )
    seller.do(SELLER, ENTER)  # a seller's PIN does not open a locked till
    assert front.session.user is None
    assert "locked" in label_text(front, "loginError")
    seller.do(MANAGER, ENTER)
    assert front.session.user.name == "Youssef"
    assert failures(demo) == ["login"] * pin_guard.LOCK_AFTER
    assert not pin_guard.status(demo).locked


def test_wrong_manager_pins_in_the_approval_dialog_are_audited(front, qtbot, demo, open_shift):
    seller = Seller(qtbot)
    seller.do(SELLER, ENTER)
    assert front.session.user.name == "Fatima"
    seen = []

    def note_error():
        dialog = QApplication.activeModalWidget()
        seen.append(label_text(dialog, "approvalError"))

    seller.do(
        *scan("6111042001017"),
        F6,
        expect("discountDialog"),
        "50",
        ENTER,
        expect("managerApproval"),
        "000001",
        ENTER,
        note_error,
        "000002",
        ENTER,
        note_error,
        SELLER,  # a seller's own PIN approves nothing
        ENTER,
        note_error,
        ESCAPE,
    )
    assert seen == ["Wrong PIN.", "Wrong PIN.", "This needs a manager's PIN."]
    assert failures(demo) == ["approval:line_discount"] * 2
    assert front.session.checkout.lines[0].discount == 0


def test_a_manager_with_an_old_short_pin_chooses_a_new_one_at_login(front, qtbot, demo, open_shift):
    with demo.write() as uow:
        youssef = uow.session.execute(select(User).where(User.name == "Youssef")).scalar_one()
        youssef.pin_hash = hash_pin("2222")  # set before managers needed 6 digits
    seen = {}

    def note():
        dialog = QApplication.activeModalWidget()
        seen["reason"] = label_text(dialog, "pinChangeReason")
        seen["error"] = label_text(dialog, "userError")

    Seller(qtbot).do(
        "2222",
        ENTER,
        expect("pinDialog"),
        "123456",  # too easy
        TAB,
        "123456",
        ENTER,
        note,
        press("Shift+Tab"),
        press("Ctrl+A"),
        "861402",
        TAB,
        "861402",
        ENTER,
    )
    assert "at least 6 digits" in seen["reason"]
    assert seen["error"] == (
        "This PIN is too easy to guess: avoid repeated digits and runs such as 123456."
    )
    assert front.session.user.name == "Youssef"
    with demo.read() as s:
        stored = s.execute(select(User.pin_hash).where(User.name == "Youssef")).scalar_one()
    from coopos.domain.security import verify_pin

    assert verify_pin("861402", stored) and not verify_pin("2222", stored)


@pytest.mark.parametrize("language", ["fr", "ar", "zgh"])
def test_pin_messages_are_in_the_sellers_language(front, qtbot, demo, clock, language):
    from coopos.services import settings

    settings.update(demo, {"language": language})
    front.after_first_run("")  # the login screen again, in the shop's language
    front.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is front)
    seller = Seller(qtbot)
    for _ in range(4):
        seller.do("999999", ENTER)
    with thread_language(language):
        expected = pin_guard.PinWait(1).message
        english = "Too many wrong PINs: try again in 1 second."
    shown = label_text(front, "loginError")
    assert shown == expected
    if language in ("fr", "ar"):
        assert shown != english
