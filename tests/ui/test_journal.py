"""The receipts journal at the keyboard: F10 lists today's sales, a receipt number typed
on an AZERTY layout finds one, Ctrl+P prints numbered duplicates, F8 refunds a line
chosen with the stepper, showing the amount first; in French, Arabic and Tamazight."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QPushButton
from sqlalchemy import select

from coopos.db.models import AuditEntry
from coopos.i18n.formats import format_money
from coopos.printing import queue
from coopos.services import journal
from tests.ui.seller import DOWN, ENTER, ESCAPE, F8, F12, UP, press, scan
from tests.ui.seller import expect as front_is
from tests.ui.selling import LANGUAGES, child, in_front, sales

ARGAN_100 = "6111042001017"  # 60.00 MAD
SAFFRON = "SAF-1G"  # 45.00 MAD
F10 = press("F10")
AZERTY_CODE = str.maketrans("1234567890-", "&é\"'(-è_çà)")  # a US-set scanner on AZERTY


def sell(*codes: str) -> list:
    """Scan, pay the exact cash, no receipt."""
    steps = [step for code in codes for step in scan(code)]
    return [
        *steps,
        F12,
        front_is("paymentDialog"),
        press("F9"),
        ENTER,
        front_is("afterSaleDialog"),
        ESCAPE,
    ]


def listed() -> list[str]:
    return [row.receipt_no for row in in_front("journalDialog").rows]


@pytest.mark.parametrize("language", LANGUAGES, indirect=True)
def test_find_reprint_and_refund_from_the_journal(seller, open_shift, app_session, language):
    ctx = app_session.ctx
    seen: dict = {}

    def look(key):
        def step():
            dialog = in_front("journalDialog")
            seen[key] = (
                listed(),
                dialog.details.isVisible(),
                getattr(QApplication.focusWidget(), "objectName", str)(),
            )

        return step

    def refund_dialog(key):
        def step():
            dialog = in_front("returnsDialog")
            seen[key] = (
                dialog.refund_button.isEnabled(),
                dialog.amount.text(),
                [s.value() for s in dialog.steppers],
            )

        return step

    seller.do("1111", ENTER, *sell(ARGAN_100), *sell(ARGAN_100, SAFFRON))
    first, second = (s.receipt_no for s in sales(ctx))
    seller.do(
        F10,
        front_is("journalDialog"),
        look("today"),
        second.translate(AZERTY_CODE),
        ENTER,
        look("found"),
        press("Ctrl+P"),
        press("Ctrl+P"),
        F8,
        front_is("returnsDialog"),
        refund_dialog("nothing chosen"),
        "+",  # one argan oil of the two lines' first
        refund_dialog("one"),
        "-",
        refund_dialog("none again"),
        "+",
        ENTER,  # refund: a manager approves
        front_is("managerApproval"),
        "250917",
        ENTER,
        front_is("journalDialog"),
        look("after"),
        ESCAPE,
    )
    assert seen["today"][0] == [second, first]  # newest first
    assert seen["found"] == ([second], True, "journalSearch")
    # Two duplicates, numbered, in the print queue and in the audit log
    jobs = [j for j in queue.pending(ctx) if j.kind == queue.DUPLICATE]
    assert [j.receipt_no for j in jobs] == [second, second]
    assert [queue.job_receipt(ctx, j).duplicate for j in jobs] == [1, 2]
    assert [queue.job_receipt(ctx, j, "en").duplicate_text for j in jobs] == [
        "DUPLICATE 1",
        "DUPLICATE 2",
    ]
    with ctx.read() as s:
        audited = s.execute(
            select(AuditEntry.details).where(AuditEntry.action == journal.DUPLICATE)
        ).scalars()
        assert [d.count('"copy"') for d in audited] == [1, 1]
        assert journal.duplicates(s, second) == 2
    # The refund: nothing chosen, nothing to confirm; one piece, 60.00 shown and refunded
    assert seen["nothing chosen"][0] is False
    assert seen["one"][0] is True and format_money(6000) in seen["one"][1]
    assert seen["one"][2][0] == 1 and seen["none again"][0] is False
    refund = sales(ctx)[-1]
    assert (refund.kind, refund.total_cents, refund.refund_of_id) == ("refund", -6000, 2)
    assert seen["after"][0] == [second]  # the list still shows the sale, now refunded


@pytest.mark.parametrize("language", LANGUAGES, indirect=True)
def test_the_refund_button_is_disabled_until_a_quantity_is_chosen(
    seller, open_shift, app_session, language
):
    seen = {}

    def look():
        dialog = in_front("returnsDialog")
        button = child(dialog, QPushButton, "refundButton")
        seen["disabled"] = not button.isEnabled()
        seen["steppers"] = len(dialog.steppers)

    seller.do(
        "1111",
        ENTER,
        *sell(SAFFRON),
        F10,
        front_is("journalDialog"),
        F8,
        front_is("returnsDialog"),
        look,
        ESCAPE,
        front_is("journalDialog"),
        ESCAPE,
    )
    assert seen == {"disabled": True, "steppers": 1}


def test_f10_is_in_the_help_and_free_on_the_sell_screen():
    from ui.shortcuts import JOURNAL, SECTIONS, SELL

    sell_keys = [k for entry in SELL for k in entry.sequences]
    assert sell_keys.count("F10") == 1
    assert any(table is JOURNAL for _title, table in SECTIONS)


@pytest.mark.parametrize("language", LANGUAGES, indirect=True)
def test_arrows_move_in_the_list_and_enter_shows_the_details(
    seller, open_shift, app_session, language
):
    seen = []

    def look():
        dialog = in_front("journalDialog")
        seen.append((dialog.selected().receipt_no, dialog.details.isVisible()))
        if dialog.details.isVisible():
            seen.append(dialog.details.title.text())

    seller.do("1111", ENTER, *sell(ARGAN_100), *sell(SAFFRON))
    first, second = (s.receipt_no for s in sales(app_session.ctx))
    seller.do(F10, front_is("journalDialog"), look, DOWN, look, ENTER, look, UP, look, ESCAPE)
    assert [s for s in seen if isinstance(s, tuple)] == [
        (second, False),
        (first, False),
        (first, True),
        (second, True),
    ]
    titles = [s for s in seen if isinstance(s, str)]
    assert first in titles[0] and second in titles[1]  # the pane follows the selection
