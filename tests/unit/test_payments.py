"""Settling a total with payments: cash change, split tenders, refusals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopos.domain.errors import ValidationError
from coopos.domain.sale import Payment, PaymentMethod, check_payments, settle
from coopos.services.checkout import apply_sale_allocation

CASH, CARD, MOBILE = PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.MOBILE


def test_exact_cash():
    tender = check_payments(14550, [Payment(CASH, 14550)])
    assert (tender.paid, tender.due, tender.change, tender.remaining) == (14550, 14550, 0, 0)


def test_cash_with_change():
    tender = check_payments(14550, [Payment(CASH, 20000)])
    assert tender.paid == 20000
    assert tender.change == 5450
    assert tender.remaining == 0


def test_split_cash_and_card():
    tender = check_payments(14550, [Payment(CARD, 10000, "AUTH-1"), Payment(CASH, 5000)])
    assert tender.paid == 15000
    assert tender.change == 450
    assert tender.remaining == 0


def test_split_card_and_mobile_exact():
    tender = check_payments(14550, [Payment(CARD, 10000), Payment(MOBILE, 4550)])
    assert tender.change == 0
    assert tender.paid == 14550


def test_card_more_than_due_is_refused():
    with pytest.raises(ValidationError, match="Only cash can give change"):
        check_payments(14550, [Payment(CARD, 20000)])


def test_non_cash_over_total_is_refused_even_with_cash():
    # The card alone exceeds the total by 0.50; the change would have to come out of the
    # card, not out of the 0.20 of cash.
    with pytest.raises(ValidationError, match="Only cash can give change"):
        check_payments(14550, [Payment(CARD, 14600), Payment(CASH, 20)])


def test_two_non_cash_payments_over_total_are_refused():
    with pytest.raises(ValidationError, match="Only cash can give change"):
        check_payments(14550, [Payment(CARD, 10000), Payment(MOBILE, 10000)])


def test_short_payment_is_refused_with_what_is_missing():
    with pytest.raises(ValidationError) as info:
        check_payments(14550, [Payment(CASH, 10000)])
    assert info.value.message == "45.50 MAD is still to pay."


def test_no_payment_for_a_positive_total_is_refused():
    with pytest.raises(ValidationError, match=r"145\.50 MAD is still to pay"):
        check_payments(14550, [])


@pytest.mark.parametrize("amount", [0, -100])
def test_zero_or_negative_payment_is_refused(amount):
    with pytest.raises(ValidationError, match="more than zero"):
        check_payments(14550, [Payment(CASH, 20000), Payment(CASH, amount)])


def test_zero_total_needs_no_payment():
    tender = check_payments(0, [])
    assert (tender.paid, tender.change, tender.remaining) == (0, 0, 0)


def test_refund_paid_back_exactly_by_card_is_accepted():
    tender = check_payments(-5000, [Payment(CARD, -5000)])
    assert (tender.paid, tender.change, tender.remaining) == (-5000, 0, 0)


def test_refund_paid_back_exactly_in_cash_is_accepted():
    # A negative total is a refund (see settle); paying it back in cash is the usual case.
    tender = check_payments(-5000, [Payment(CASH, -5000)])
    assert (tender.paid, tender.change, tender.remaining) == (-5000, 0, 0)


def test_refund_must_pay_back_exactly():
    with pytest.raises(ValidationError, match="still to pay"):
        check_payments(-5000, [Payment(CASH, -3000)])
    with pytest.raises(ValidationError, match="exactly"):
        check_payments(-5000, [Payment(CARD, -6000)])


def test_settle_reports_remaining_without_refusing():
    tender = settle(14550, [Payment(CARD, 4550)])
    assert tender.remaining == 10000
    assert tender.change == 0


def test_apply_sale_allocation_takes_change_from_the_last_cash():
    payments = [Payment(CASH, 5000), Payment(CARD, 10000), Payment(CASH, 2000)]
    applied = apply_sale_allocation(14550, payments)
    # Change 2450: 2000 out of the last cash payment, 450 out of the first.
    assert [a for _, a in applied] == [4550, 10000, 0]
    assert [p for p, _ in applied] == payments


def test_apply_sale_allocation_exact_cash():
    assert apply_sale_allocation(14550, [Payment(CASH, 20000)]) == [(Payment(CASH, 20000), 14550)]


@st.composite
def covered_payments(draw):
    total = draw(st.integers(min_value=1, max_value=10_000_000))
    non_cash = []
    budget = total
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        if budget <= 0:
            break
        amount = draw(st.integers(min_value=1, max_value=budget))
        non_cash.append(Payment(draw(st.sampled_from([CARD, MOBILE])), amount))
        budget -= amount
    cash = []
    n_cash = draw(st.integers(min_value=0 if budget == 0 else 1, max_value=3))
    for i in range(n_cash):
        # The last cash payment covers whatever is still due, plus some change.
        floor = max(budget, 1) if i == n_cash - 1 else 1
        amount = draw(st.integers(min_value=floor, max_value=floor + 50_000))
        cash.append(Payment(CASH, amount))
        budget = max(budget - amount, 0)
    payments = draw(st.permutations(non_cash + cash))
    return total, list(payments)


@settings(max_examples=300, deadline=None)
@given(case=covered_payments())
def test_covering_payments_give_change_only_from_cash(case):
    total, payments = case
    paid = sum(p.amount for p in payments)
    cash = sum(p.amount for p in payments if p.method is CASH)
    assert paid >= total  # the strategy covers the total

    tender = check_payments(total, payments)
    assert tender.paid == paid
    assert tender.remaining == 0
    assert tender.change == paid - total
    assert 0 <= tender.change <= cash

    applied = apply_sale_allocation(total, payments)
    assert sum(a for _, a in applied) == total
    assert [p for p, _ in applied] == payments
    for payment, amount in applied:
        assert 0 <= amount <= payment.amount
        if payment.method is not CASH:
            assert amount == payment.amount  # only cash gives change
