"""Everything the real till writes to its outbox follows the protocol's rules, so the server
never quarantines a till's honest event: sales of any cart (weighed goods, discounts, price
overrides, split payments with change), refunds, shifts, cash, stock and the whole of a
fair."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from coopos.db.models import OutboxEvent
from coopos.domain.sale import PaymentMethod
from coopos.protocol import rules
from coopos.services import consignment, inventory, refunds, shifts
from coopos.services.checkout import Approver, Checkout

PIECES = ["ARG-OIL-100", "ARG-OIL-250", "SAF-1G", "ROS-SOAP", "DAT-MJH-500", "AML-250"]
WEIGHED = ["AML-VRAC", "DAT-BFG-VRAC"]


def problems(ctx, after: int = 0) -> list[tuple[int, str, list]]:
    with ctx.read() as s:
        rows = s.execute(
            select(OutboxEvent).where(OutboxEvent.seq > after).order_by(OutboxEvent.seq)
        ).scalars()
        found = [(r.seq, r.kind, rules.check_event(r.kind, json.loads(r.payload))) for r in rows]
    return [(seq, kind, p) for seq, kind, p in found if p]


def last_seq(ctx) -> int:
    with ctx.read() as s:
        return max(s.execute(select(OutboxEvent.seq)).scalars(), default=0)


line = st.one_of(
    st.tuples(st.sampled_from(PIECES), st.integers(1, 5).map(str)),
    st.tuples(
        st.sampled_from(WEIGHED),
        st.decimals(Decimal("0.005"), Decimal("3"), places=3).map(str),
    ),
)
cart = st.fixed_dictionaries(
    {
        "lines": st.lists(line, min_size=1, max_size=5),
        "line_discount_pct": st.none() | st.integers(1, 50),
        "price_cut": st.none() | st.integers(1, 99),
        "order_discount_pct": st.none() | st.integers(1, 30),
        "card_part": st.none() | st.integers(1, 99),
        "overpay": st.integers(0, 20000),
        "refund": st.booleans(),
    }
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(carts=st.lists(cart, min_size=1, max_size=3))
def test_any_sale_and_refund_the_till_writes_follows_the_rules(demo, users, open_shift, carts):
    fatima, youssef = users["Fatima"], Approver.of(users["Youssef"])
    start = last_seq(demo)
    for spec in carts:
        checkout = Checkout(demo, fatima)
        for code, qty in spec["lines"]:
            checkout.scan(code, qty)
        first = checkout.lines[0]
        if spec["price_cut"]:
            checkout.override_price(first.line_id, first.price * spec["price_cut"] // 100, youssef)
        if spec["line_discount_pct"]:
            checkout.set_line_discount_percent(first.line_id, spec["line_discount_pct"], youssef)
        if spec["order_discount_pct"]:
            base = checkout.totals.total
            checkout.set_order_discount(base * spec["order_discount_pct"] // 100, youssef)
        checkout.start_payment()
        total = checkout.totals.total
        if spec["card_part"] and total > 1:
            checkout.add_payment(PaymentMethod.CARD, max(1, total * spec["card_part"] // 100))
        remaining = checkout.tender.remaining
        if remaining > 0:
            checkout.add_payment(PaymentMethod.CASH, remaining + spec["overpay"])
        result = checkout.complete()
        if spec["refund"]:
            code, qty = spec["lines"][0]
            refunds.refund(demo, result.receipt_no, youssef, [(code, qty)])
    assert problems(demo, start) == []


def test_every_other_event_the_till_writes_follows_the_rules(demo, users, tmp_path):
    fatima, youssef = users["Fatima"], users["Youssef"]
    shift = shifts.open_shift(demo, fatima.id, 20000)
    assert shift is not None
    shifts.cash_movement(demo, fatima.id, -5000, "bank\ndeposit")
    shifts.cash_movement(demo, fatima.id, 1000, "change")
    inventory.receive(
        demo, [("ARG-OIL-100", "10"), ("AML-VRAC", "2.5")], youssef.id, reference="BL-1"
    )
    inventory.transfer(demo, [("SAF-1G", "2"), ("AML-VRAC", "0.250")], youssef.id, "SHOP", "WH")
    inventory.count(demo, [("ARG-OIL-100", "3")], youssef.id)
    inventory.adjust(demo, "ROS-SOAP", "-2", youssef.id, note="broken")
    inventory.adjust(demo, "ROS-SOAP", "1", youssef.id)
    shifts.close_shift(demo, youssef.id, {PaymentMethod.CASH: 16000})

    consignment.create_fair(demo, "SOUK", "Souk", "Agadir", date(2026, 11, 20))
    consignment.dispatch(demo, "SOUK", [("ARG-OIL-100", "4")], "SHOP", youssef.id)
    consignment.dispatch(demo, "SOUK", [("SAF-1G", "3")], "COOP:ASAFU", youssef.id)
    shifts.open_shift(demo, fatima.id, 0, "STAND-SOUK")
    checkout = Checkout(demo, fatima, location_code="STAND-SOUK")
    checkout.scan("ARG-OIL-100", "1")
    checkout.start_payment()
    checkout.pay_exact(PaymentMethod.MOBILE)
    checkout.complete()
    consignment.explain_variance(demo, "SOUK", "SAF-1G", Decimal(1), "sample", youssef.id)
    consignment.count_fair(demo, "SOUK", [("ARG-OIL-100", "2"), ("SAF-1G", "2")], youssef.id)
    consignment.return_goods(demo, "SOUK", [("ARG-OIL-100", "2")], "SHOP", youssef.id)
    consignment.return_goods(demo, "SOUK", [("SAF-1G", "2")], "COOP:ASAFU", youssef.id)
    consignment.add_payout(demo, "ASAFU", 9000, "cheque", "CHQ-1", "SOUK", youssef.id)
    consignment.close_fair(demo, "SOUK", youssef.id)
    kinds = set()
    with demo.read() as s:
        kinds = set(s.execute(select(OutboxEvent.kind)).scalars())
    assert kinds >= rules.KNOWN_KINDS - {"refund.completed"}  # refunds: the test above
    assert problems(demo) == []
