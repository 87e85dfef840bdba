"""Invariants that must hold on real SQLite files: all-or-nothing sales, a complete
outbox, gap-free receipt numbers, stock equal to the sum of the movements."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from coopos.db.models import (
    AuditEntry,
    OutboxEvent,
    Sale,
    SaleLine,
    SalePayment,
    Sequence,
    StockMovement,
)
from coopos.domain.errors import CooposError
from coopos.domain.stock import MovementReason
from coopos.services import audit, inventory, lookups, refunds, shifts
from coopos.services.checkout import Approver, Checkout

PIECES = ["ARG-OIL-100", "SAF-1G", "ARG-OIL-250", "HON-THY-500"]
HYPO = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def counts(ctx) -> dict[str, int]:
    with ctx.read() as s:
        return {
            m.__tablename__: s.execute(select(func.count()).select_from(m)).scalar()
            for m in (Sale, SaleLine, SalePayment, StockMovement, OutboxEvent, AuditEntry)
        }


def sell(ctx, user, items, pay="exact"):
    checkout = Checkout(ctx, user)
    for code, qty in items:
        checkout.scan(code, qty)
    checkout.start_payment()
    if pay == "exact":
        checkout.pay_exact()
    else:
        checkout.add_payment("cash", pay)
    return checkout.complete()


def test_a_failure_inside_the_sale_transaction_writes_nothing(demo, users, open_shift, monkeypatch):
    before = counts(demo)
    checkout = Checkout(demo, users["Fatima"])
    checkout.scan("ARG-OIL-100")
    checkout.scan("SAF-1G")
    checkout.start_payment()
    checkout.pay_exact()

    def power_cut(*args, **kwargs):
        raise OSError("disk unplugged")

    monkeypatch.setattr(inventory, "write_movements", power_cut)
    with pytest.raises(OSError):
        checkout.complete()
    assert counts(demo) == before
    monkeypatch.undo()
    # the cart survived and the receipt number was not burnt
    assert checkout.state == "payment"
    assert checkout.complete().receipt_no == "T01-000001"


def test_outbox_holds_every_business_write_once_in_gap_free_order(demo, users, open_shift):
    manager = Approver.of(users["Youssef"])
    sale = sell(demo, users["Fatima"], [("ARG-OIL-100", 2), ("SAF-1G", None)])
    refunds.refund(demo, sale.receipt_no, manager, [("SAF-1G", 1)])
    inventory.receive(demo, [("SAF-1G", 5)], users["Admin"].id)
    inventory.transfer(demo, [("SAF-1G", 2)], users["Admin"].id, "SHOP", "WH")
    inventory.adjust(demo, "HON-THY-500", "-1", manager.id, MovementReason.DAMAGED)
    shifts.cash_movement(demo, users["Fatima"].id, -2000, "taxi for deliveries")
    shifts.close_shift(demo, users["Fatima"].id, cash_detail={20000: 2})
    with demo.read() as s:
        events = s.execute(select(OutboxEvent).order_by(OutboxEvent.seq)).scalars().all()
        movement_ids = set(s.execute(select(StockMovement.uuid)).scalars())
        sale_ids = set(s.execute(select(Sale.uuid)).scalars())
        last = s.get(Sequence, "outbox").last_value
    seqs = [e.seq for e in events]
    # the demo import's stock receipt is event 1
    assert seqs == list(range(1, len(events) + 1)) and last == len(events)
    kinds = [e.kind for e in events]
    assert kinds[1:] == [
        "shift.opened",
        "sale.completed",
        "refund.completed",
        "stock.movements",
        "stock.movements",
        "stock.movements",
        "shift.cash_movement",
        "shift.closed",
    ]
    shipped_movements: list[str] = []
    shipped_sales: list[str] = []
    for event in events:
        payload = json.loads(event.payload)
        shipped_movements += [m["uuid"] for m in payload.get("movements", [])]
        shipped_movements += [m["uuid"] for m in payload.get("stock_movements", [])]
        if event.kind in ("sale.completed", "refund.completed"):
            shipped_sales.append(payload["uuid"])
    assert sorted(shipped_movements) == sorted(movement_ids)  # each exactly once
    assert sorted(shipped_sales) == sorted(sale_ids)
    assert len({e.uuid for e in events}) == len(events)
    assert audit.verify(demo).ok


@HYPO
@given(attempts=st.lists(st.sampled_from(["ok", "short", "no_shift"]), min_size=1, max_size=12))
def test_receipt_numbers_are_gap_free_whatever_fails(demo, users, attempts):
    """Failed sales (short payment, no open shift) never burn a receipt number."""
    fatima = users["Fatima"]
    with demo.read() as s:
        existing = s.execute(select(func.count()).select_from(Sale)).scalar()
    for attempt in attempts:
        with demo.read() as s:
            is_open = lookups.open_shift(s) is not None
        if attempt == "no_shift" and is_open:
            shifts.close_shift(demo, fatima.id, cash_detail={})
        elif attempt != "no_shift" and not is_open:
            shifts.open_shift(demo, fatima.id, 0)
        with contextlib.suppress(CooposError):
            sell(demo, fatima, [("SAF-1G", None)], pay="exact" if attempt == "ok" else 100)
    with demo.read() as s:
        numbers = s.execute(select(Sale.receipt_no).order_by(Sale.id)).scalars().all()
    expected = [f"T01-{n:06d}" for n in range(1, len(numbers) + 1)]
    assert numbers == expected
    assert len(numbers) - existing == attempts.count("ok")


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("sell"), st.sampled_from(PIECES), st.integers(1, 3)),
        st.tuples(st.just("sell_kg"), st.just("CSC-VRAC"), st.decimals("0.001", "5", places=3)),
        st.tuples(st.just("receive"), st.sampled_from(PIECES), st.integers(1, 20)),
        st.tuples(st.just("transfer"), st.sampled_from(PIECES), st.integers(1, 20)),
        st.tuples(st.just("adjust"), st.sampled_from(PIECES), st.integers(-5, 5)),
        st.tuples(st.just("count"), st.sampled_from(PIECES), st.integers(0, 30)),
        st.tuples(st.just("refund_last"), st.just(""), st.just(1)),
    ),
    max_size=14,
)


@HYPO
@given(ops=OPERATIONS)
def test_stock_on_hand_matches_a_model_of_the_operations(demo, users, ops):
    """An independent model of what each operation does to each (product, location)
    agrees with the ledger's on-hand, and the ledger never stores a counter."""
    if not _shift_open(demo):
        shifts.open_shift(demo, users["Fatima"].id, 0)
    admin, manager = users["Admin"], users["Youssef"]
    with demo.read() as s:
        shop, wh = lookups.location(s, "SHOP"), lookups.location(s, "WH")
        ids = {code: lookups.product(s, code).id for code in [*PIECES, "CSC-VRAC"]}
        model = {
            (code, loc): inventory.on_hand(s, pid, loc)
            for code, pid in ids.items()
            for loc in (shop.id, wh.id)
        }
    last_sale = None
    for op, code, qty in ops:
        qty = Decimal(qty)
        if op in ("sell", "sell_kg"):
            last_sale = (sell(demo, users["Fatima"], [(code, qty)]), code, qty)
            model[(code, shop.id)] -= qty  # never refused, even below zero
        elif op == "receive":
            inventory.receive(demo, [(code, qty)], admin.id)
            model[(code, shop.id)] += qty
        elif op == "transfer":
            inventory.transfer(demo, [(code, qty)], admin.id, "SHOP", "WH")
            model[(code, shop.id)] -= qty
            model[(code, wh.id)] += qty
        elif op == "adjust" and qty != 0:
            inventory.adjust(demo, code, qty, manager.id)
            model[(code, shop.id)] += qty
        elif op == "count":
            inventory.count(demo, [(code, qty)], manager.id, "WH")
            model[(code, wh.id)] = qty
        elif op == "refund_last" and last_sale is not None:
            result, sold_code, sold_qty = last_sale
            refunds.refund(demo, result.receipt_no, Approver.of(manager))
            model[(sold_code, shop.id)] += sold_qty
            last_sale = None
    with demo.read() as s:
        for (code, loc), expected in model.items():
            assert inventory.on_hand(s, ids[code], loc) == expected, (code, loc)
        negative = {r.sku for r in inventory.stock_report(s, "*", negative_only=True)}
    assert negative == {code for (code, _loc), q in model.items() if q < 0}


def _shift_open(ctx) -> bool:
    with ctx.read() as s:
        return lookups.open_shift(s) is not None


def test_refunds_never_exceed_the_sale(demo, users, open_shift):
    manager = Approver.of(users["Youssef"])
    sale = sell(demo, users["Fatima"], [("ARG-OIL-100", 3)])
    refunds.refund(demo, sale.receipt_no, manager, [("ARG-OIL-100", 2)])
    with pytest.raises(CooposError, match="More ARG-OIL-100 than was sold"):
        refunds.refund(demo, sale.receipt_no, manager, [("ARG-OIL-100", 2)])
    last = refunds.refund(demo, sale.receipt_no, manager)
    assert last.total == -6000
    with pytest.raises(CooposError, match="already refunded"):
        refunds.refund(demo, sale.receipt_no, manager)
    with demo.read() as s:
        net = s.execute(
            select(func.sum(SaleLine.net_cents), func.sum(SaleLine.quantity_milli))
        ).one()
    assert tuple(net) == (0, 0)


def test_a_refund_of_a_discounted_sale_pays_back_what_was_paid(demo, users, open_shift):
    manager = Approver.of(users["Youssef"])
    checkout = Checkout(demo, users["Fatima"])
    checkout.scan("ARG-OIL-100", 3)  # 180.00
    checkout.scan("SAF-1G")  # 45.00
    checkout.set_order_discount(2500, manager)  # 25.00 on 225.00
    checkout.start_payment()
    checkout.pay_exact()
    sale = checkout.complete()
    assert sale.total == 20000
    first = refunds.refund(demo, sale.receipt_no, manager, [("ARG-OIL-100", 1)])
    rest = refunds.refund(demo, sale.receipt_no, manager)
    assert first.total + rest.total == -20000
    with demo.read() as s:
        commissions = s.execute(select(func.sum(SaleLine.commission_cents))).scalar()
    assert commissions == 0
