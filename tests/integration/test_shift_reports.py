"""The X and Z reports' figures: a busy shift adds up to the centime, the X report closes
nothing, the Z seals the shift, the blind count and the sellers' close rule, and the
report as a document in each language and the shop's time zone."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from coopos.db.models import AuditEntry, OutboxEvent, Shift, ShiftCount
from coopos.domain.errors import ApprovalRequired, PermissionDenied, StateError, ValidationError
from coopos.domain.sale import PaymentMethod
from coopos.i18n.formats import format_money
from coopos.services import refunds, shifts
from coopos.services import settings as shop_settings
from coopos.services.checkout import Approver, Checkout
from coopos.services.shift_document import HIDDEN, build_document
from tests.shift_story import EXPECTED, busy_shift

ISO = re.compile(r"\d{4}-\d{2}-\d{2}T|\+00:00")
ARABIC = re.compile(r"[\u0600-\u06ff]")


def rows(demo, model) -> int:
    with demo.read() as s:
        return s.execute(select(func.count()).select_from(model)).scalar()


def audits(demo, action: str) -> list[tuple[int | None, dict]]:
    with demo.read() as s:
        found = s.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars()
        return [(entry.user_id, json.loads(entry.details)) for entry in found]


def test_a_busy_shift_adds_up_to_the_centime(demo, users):
    busy_shift(demo, users)
    r = shifts.x_report(demo)
    assert r.kind == "X" and r.z_number is None
    for key in ("sales_count", "refunds_count", "gross", "discounts", "sales_total"):
        assert getattr(r, key) == EXPECTED[key], key
    assert (r.line_discounts, r.order_discounts) == (1000, 500)
    assert (r.refunds_total, r.net_total) == (-6000, 23750)
    assert (r.float_cents, r.cash_in, r.cash_out) == (50000, 10000, -3000)
    cash = r.cash
    assert (cash.sales, cash.refunds, cash.expected) == (12750, -6000, 63750)
    card = next(m for m in r.by_method if m.method == "card")
    assert (card.sales, card.refunds, card.expected) == (17000, 0, 17000)
    assert sum(m.net for m in r.by_method) == r.net_total
    assert sum(c["net"] for c in r.by_cooperative) == r.net_total
    assert sum(v["gross"] for v in r.by_vat) == r.net_total
    assert all(v["net"] + v["vat"] == v["gross"] for v in r.by_vat)
    assert sum(s.net for s in r.by_seller) == r.net_total
    assert [(s.name, s.sales_count, s.refunds_count) for s in r.by_seller] == [
        ("Fatima", 2, 0),
        ("Youssef", 1, 1),
    ]
    assert [(f.receipt_no, f.refund_of, f.total) for f in r.refunds] == [
        ("T01-000004", "T01-000001", -6000)
    ]
    assert [(m.amount, m.reason) for m in r.cash_moves] == [
        (10000, "Change from the bank"),
        (-3000, "Paper bags"),
    ]
    assert r.average_sale == 9917  # 297.50 / 3 = 99.1666...
    assert r.discounted_sales == 1


def test_the_x_report_closes_nothing(demo, users):
    busy_shift(demo, users)
    before = (rows(demo, OutboxEvent), rows(demo, AuditEntry), rows(demo, ShiftCount))
    first = shifts.x_report(demo)
    second = shifts.x_report(demo)
    assert (first.kind, second.kind) == ("X", "X")
    assert (rows(demo, OutboxEvent), rows(demo, AuditEntry), rows(demo, ShiftCount)) == before
    with demo.read() as s:
        shift = s.get(Shift, first.shift_id)
        assert (shift.status, shift.z_number, shift.closed_utc) == ("open", None, None)
    assert first.as_of_utc < second.as_of_utc  # each one says when it was read


def test_the_z_report_seals_the_shift(demo, users):
    busy_shift(demo, users)
    detail = {20000: 3, 10000: 2, 2000: 1, 1000: 1, 500: 1}  # 835.00, 197.50 too much
    report = shifts.close_shift(
        demo, users["Fatima"].id, {PaymentMethod.CARD: 16000}, cash_detail=detail
    )
    assert (report.kind, report.z_number, report.closed_by) == ("Z", 1, "Fatima")
    assert (report.expected_cash, report.counted_cash) == (63750, 83500)
    assert report.cash.difference == 19750
    card = next(m for m in report.by_method if m.method == "card")
    assert (card.counted, card.difference) == (16000, -1000)
    assert report.cash_detail == detail
    assert shifts.z_report(demo).z_number == 1
    with pytest.raises(StateError):
        shifts.x_report(demo)
    with pytest.raises(StateError):  # nothing joins a closed shift
        shifts.cash_movement(demo, users["Fatima"].id, 100, "late")
    with pytest.raises(StateError):
        shifts.close_shift(demo, users["Fatima"].id, {PaymentMethod.CASH: 0})


def test_a_seller_needs_a_manager_to_close_when_the_shop_says_so(demo, users):
    busy_shift(demo, users)
    fatima, youssef = users["Fatima"], users["Youssef"]
    shop_settings.update(demo, {"shift.sellers_may_close": False})
    assert shifts.close_needs_approval(demo, fatima.id)
    assert not shifts.close_needs_approval(demo, youssef.id)
    events = rows(demo, OutboxEvent)
    with pytest.raises(ApprovalRequired) as refused:
        shifts.close_shift(demo, fatima.id, {PaymentMethod.CASH: 63750})
    assert refused.value.action == shifts.CLOSE_ACTION
    with pytest.raises(PermissionDenied):  # a seller cannot approve for a seller
        shifts.close_shift(demo, fatima.id, {PaymentMethod.CASH: 63750}, approver_id=fatima.id)
    assert rows(demo, OutboxEvent) == events and rows(demo, ShiftCount) == 0
    assert shifts.x_report(demo).kind == "X"  # still open
    report = shifts.close_shift(
        demo, fatima.id, {PaymentMethod.CASH: 63750}, approver_id=youssef.id
    )
    assert (report.closed_by, report.cash.difference) == ("Fatima", 0)
    assert audits(demo, "shift_close")[-1][1]["approved_by"] == "Youssef"


def test_a_manager_closes_alone_when_sellers_may_not(demo, users):
    shifts.open_shift(demo, users["Fatima"].id, 0)
    shop_settings.update(demo, {"shift.sellers_may_close": False})
    report = shifts.close_shift(demo, users["Youssef"].id, {PaymentMethod.CASH: 0})
    assert report.kind == "Z"


def test_a_blind_count_hides_the_expected_cash_until_it_is_entered(demo, users):
    busy_shift(demo, users)
    fatima, youssef = users["Fatima"], users["Youssef"]
    assert not shifts.hides_expected_cash(demo, fatima.id)
    shop_settings.update(demo, {"shift.blind_count": True})
    assert shifts.hides_expected_cash(demo, fatima.id)
    assert not shifts.hides_expected_cash(demo, youssef.id)  # a manager sees it
    hidden = build_document(shifts.x_report(demo), "fr", hide_expected=True)
    texts = " ".join(hidden.texts())
    assert format_money(63750, "fr") not in texts and HIDDEN in texts
    assert hidden.section("drawer").row("expected_cash").values[1] is None
    report = shifts.enter_blind_count(demo, fatima.id, cash_detail={20000: 3})
    assert report.expected_cash == 63750 and report.kind == "X"
    user_id, details = audits(demo, "cash_counted")[-1]
    assert user_id == fatima.id
    assert (details["counted"], details["expected_cash"]) == ({"cash": 60000}, 63750)
    closed = shifts.close_shift(demo, fatima.id, cash_detail={20000: 3})
    shown = build_document(closed, "fr", hide_expected=True)  # a Z hides nothing
    assert shown.section("drawer").row("expected_cash").values[1] == 63750
    assert shown.section("drawer").row("difference").values[1] == -3750


@pytest.mark.parametrize("language", ["fr", "ar", "zgh"])
def test_the_document_is_in_the_language_and_the_shops_time(demo, users, clock, language):
    clock.current = datetime(2026, 12, 4, 13, 52, 2)  # UTC; 14:52 in Casablanca
    shifts.open_shift(demo, users["Fatima"].id, 50000)
    doc = build_document(shifts.x_report(demo), language)
    texts = list(doc.texts())
    assert not any(ISO.search(t) for t in texts), "no raw ISO time"
    opened = doc.section("shift").row("opened").cells[1]
    assert "14:52" in opened and "2026" in opened
    if language == "ar":
        assert ARABIC.search(opened), opened  # the month in Arabic, not 2026-12-04
        assert doc.rtl
    float_row = doc.section("drawer").row("float")
    assert float_row.cells[1] == format_money(50000, language)
    assert doc.title != "X report" or language == "en"


def test_the_shops_time_zone_is_a_setting(demo, users, clock):
    clock.current = datetime(2026, 12, 4, 20, 30, 0)
    shifts.open_shift(demo, users["Fatima"].id, 0)
    shop_settings.update(demo, {"shop.time_zone": "Asia/Tokyo"})  # UTC+9: the next day
    opened = build_document(shifts.x_report(demo), "fr").section("shift").row("opened")
    assert opened.cells[1].startswith("5 déc. 2026") and "05:30" in opened.cells[1]
    with pytest.raises(ValidationError):
        shop_settings.update(demo, {"shop.time_zone": "Mars/Olympus"})


# -- any shift adds up -----------------------------------------------------------------------

PRODUCTS = ["ARG-OIL-100", "SAF-1G", "ROS-SOAP", "DAT-MJH-500", "HON-THY-250", "BRK-500"]
sale_strategy = st.fixed_dictionaries(
    {
        "items": st.lists(
            st.tuples(st.sampled_from(PRODUCTS), st.integers(1, 3)), min_size=1, max_size=3
        ),
        "line_discount": st.integers(0, 500),
        "order_discount": st.integers(0, 300),
        "card_share": st.sampled_from([0, 1, 2]),  # cash only, split, card only
        "cash_extra": st.integers(0, 5000),  # handed over beyond the cash part (change)
        "refund": st.booleans(),
    }
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    sales=st.lists(sale_strategy, min_size=1, max_size=4),
    moves=st.lists(st.integers(-5000, 5000).filter(bool), max_size=3),
    float_cents=st.integers(0, 100000),
    counted_delta=st.integers(-2000, 2000),
)
def test_any_shift_adds_up_to_the_centime(demo, users, sales, moves, float_cents, counted_delta):
    """Each example opens a shift on the same till, sells, refunds, moves cash and closes:
    the report's totals agree with each other and with what was rung up."""
    manager = users["Youssef"]
    shifts.open_shift(demo, manager.id, float_cents)
    taken = {"cash": 0, "card": 0}
    total = refunded = 0
    for sale in sales:
        checkout = Checkout(demo, manager)
        for code, qty in sale["items"]:
            line = checkout.scan(code, str(qty))
        gross = checkout.totals.lines[-1].line.gross
        checkout.set_line_discount(line.line_id, min(sale["line_discount"], gross))
        base = checkout.totals.total
        checkout.set_order_discount(min(sale["order_discount"], base))
        due = checkout.totals.total
        card = {0: 0, 1: due // 2, 2: due}[sale["card_share"]]
        checkout.start_payment()
        if card:
            checkout.add_payment(PaymentMethod.CARD, card)
        if due - card:
            checkout.add_payment(PaymentMethod.CASH, due - card + sale["cash_extra"])
        result = checkout.complete()
        taken["card"] += card
        taken["cash"] += due - card
        total += result.total
        if sale["refund"]:
            back = refunds.refund(demo, result.receipt_no, Approver.of(manager))
            refunded += back.total
            method = "card" if sale["card_share"] == 2 else "cash"
            taken[method] += back.total
    for i, amount in enumerate(moves):
        shifts.cash_movement(demo, manager.id, amount, f"move {i}")
    r = shifts.x_report(demo)
    assert (r.sales_total, r.refunds_total, r.net_total) == (total, refunded, total + refunded)
    assert r.sales_total == r.gross - r.discounts
    assert r.discounts == r.line_discounts + r.order_discounts
    assert sum(m.net for m in r.by_method) == r.net_total
    assert {m.method: m.net for m in r.by_method if m.net} == {k: v for k, v in taken.items() if v}
    assert sum(c["net"] for c in r.by_cooperative) == r.net_total
    assert sum(c["payable"] + c["commission"] for c in r.by_cooperative) == r.net_total
    assert sum(v["gross"] for v in r.by_vat) == r.net_total
    assert sum(s.net for s in r.by_seller) == r.net_total
    assert sum(f.total for f in r.refunds) == r.refunds_total
    expected = float_cents + taken["cash"] + sum(moves)
    assert r.expected_cash == expected
    doc = build_document(r, "fr")
    for section in doc.sections:
        for row in section.rows:
            for text, value in zip(row.cells, row.values, strict=False):
                if isinstance(value, int) and section.key not in ("shift",) and "MAD" in text:
                    assert text == format_money(value, "fr")
    counted = max(0, expected + counted_delta)
    z = shifts.close_shift(demo, manager.id, {PaymentMethod.CASH: counted})
    assert z.cash.difference == counted - expected
    assert z.net_total == r.net_total
