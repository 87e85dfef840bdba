"""Held sales and discounts through the services, on the demo shop's SQLite file: holding
keeps the cart across a restart without stock or outbox, recalling brings it back (and
holds the sale in progress first), deleting is audited; discounts typed as ``10%`` or
``10`` on a line and on the sale are stored and sent as before."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from coopos.db.models import AuditEntry, OutboxEvent, SaleLine
from coopos.domain.discount import parse_discount
from coopos.domain.errors import ApprovalRequired, NotFoundError, StateError
from coopos.services import held_sales, settings
from coopos.services.checkout import Approver, Checkout, CheckoutState
from coopos.services.context import Context

ARGAN_100 = "6111042001017"  # 60.00 MAD, VAT 10 %
ARGAN_250 = "6111042001024"  # 120.00 MAD, VAT 10 %
COUSCOUS = "CSC-VRAC"  # 22.00 MAD a kg, VAT 0 %


def counts(ctx) -> dict[str, int]:
    with ctx.read() as s:
        return {
            t: s.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar()
            for t in ("outbox", "stock_movements", "held_sales", "sales")
        }


def open_cart(ctx) -> str:
    with ctx.read() as s:
        return settings.get(s, held_sales.OPEN_CART_KEY)


def test_two_held_sales_survive_a_restart_and_reserve_nothing(demo, demo_path, clock, users):
    before = counts(demo)
    first = Checkout(demo, users["Fatima"])
    first.scan(ARGAN_100, "2")
    line = first.scan(COUSCOUS, "1.5")
    first.discount_line(line.line_id, parse_discount("5%"))
    held_one = held_sales.hold(demo, first)
    second = Checkout(demo, users["Youssef"])
    second.scan(ARGAN_250)
    held_sales.hold(demo, second)
    assert held_one.line_count == 2 and held_one.total == 12000 + 3300 - 165
    after = counts(demo)
    assert after["held_sales"] == before["held_sales"] + 2
    assert {k: v for k, v in after.items() if k != "held_sales"} == {
        k: v for k, v in before.items() if k != "held_sales"
    }  # no stock movement, no outbox event, no sale
    assert open_cart(demo) == ""
    demo.close()

    again = Context.open(demo_path, clock=clock)  # a restart
    try:
        listed = held_sales.list_held(again)
        assert [(h.seller, h.line_count, h.total) for h in listed] == [
            ("Fatima", 2, 15135),
            ("Youssef", 1, 12000),
        ]
        recalled = held_sales.recall(again, listed[0].uuid)
        checkout = recalled.checkout
        assert recalled.held_first is None
        assert checkout.state is CheckoutState.CART
        assert [ln.sku for ln in checkout.lines] == ["ARG-OIL-100", "CSC-VRAC"]
        assert checkout.lines[1].discount_bp == 500 and checkout.totals.total == 15135
        assert json.loads(open_cart(again))["lines"][0]["sku"] == "ARG-OIL-100"  # in progress
        assert [h.seller for h in held_sales.list_held(again)] == ["Youssef"]
    finally:
        again.close()


def test_recalling_holds_the_sale_in_progress_first(demo, users):
    waiting = Checkout(demo, users["Fatima"])
    waiting.scan(ARGAN_250)
    uuid = held_sales.hold(demo, waiting).uuid
    current = Checkout(demo, users["Fatima"])
    current.scan(ARGAN_100)
    recalled = held_sales.recall(demo, uuid, current)
    assert [ln.sku for ln in recalled.checkout.lines] == ["ARG-OIL-250"]
    assert recalled.held_first is not None and recalled.held_first.total == 6000
    assert [h.total for h in held_sales.list_held(demo)] == [6000]
    with pytest.raises(NotFoundError):
        held_sales.recall(demo, uuid)  # already recalled


def test_hold_is_refused_while_paying_and_with_an_empty_cart(demo, users):
    checkout = Checkout(demo, users["Fatima"])
    with pytest.raises(StateError, match="empty"):
        held_sales.hold(demo, checkout)
    checkout.scan(ARGAN_100)
    checkout.start_payment()
    with pytest.raises(StateError, match="being paid"):
        held_sales.hold(demo, checkout)
    assert held_sales.list_held(demo) == []


def test_a_deleted_held_sale_is_audited_with_its_lines(demo, users):
    checkout = Checkout(demo, users["Fatima"])
    checkout.scan(ARGAN_100, "3")
    uuid = held_sales.hold(demo, checkout).uuid
    held_sales.delete(demo, uuid, users["Youssef"].id)
    assert held_sales.list_held(demo) == []
    with demo.read() as s:
        entry = s.execute(
            select(AuditEntry).where(AuditEntry.action == "held_sale_deleted")
        ).scalar_one()
    details = json.loads(entry.details)
    assert entry.user_id == users["Youssef"].id
    assert details["lines"] == ["3 x ARG-OIL-100 @ 60.00"] and details["total"] == "180.00"
    assert details["held_by"] == users["Fatima"].id
    with pytest.raises(NotFoundError):
        held_sales.delete(demo, uuid, users["Youssef"].id)


def test_a_recalled_sale_is_sold_once_with_its_discounts(demo, users, open_shift):
    checkout = Checkout(demo, users["Fatima"])
    line = checkout.scan(ARGAN_100, "2")  # 120.00
    checkout.scan(ARGAN_250)  # 120.00
    checkout.discount_line(line.line_id, parse_discount("5%"))  # 6.00 off the first
    checkout.discount_order(parse_discount("5"))  # 5.00 spread: 2.44 (243.6) and 2.56
    uuid = held_sales.hold(demo, checkout).uuid
    again = held_sales.recall(demo, uuid).checkout
    again.start_payment()
    again.pay_exact()
    result = again.complete()
    assert result.total == 24000 - 600 - 500
    with demo.read() as s:
        rows = s.execute(
            select(SaleLine.line_discount_cents, SaleLine.order_discount_cents, SaleLine.net_cents)
            .where(SaleLine.sale_id == result.sale_id)
            .order_by(SaleLine.line_no)
        ).all()
        event = s.execute(
            select(OutboxEvent).where(OutboxEvent.kind == "sale.completed")
        ).scalar_one()
    assert [tuple(r) for r in rows] == [(600, 244, 11156), (0, 256, 11744)]
    payload = json.loads(event.payload)
    assert [(ln["line_discount"], ln["order_discount"]) for ln in payload["lines"]] == [
        (600, 244),
        (0, 256),
    ]
    assert payload["discount"] == 1100 and payload["order_discount"] == 500


def test_a_percentage_follows_the_cart_and_an_amount_is_cut_to_the_line(demo, users):
    checkout = Checkout(demo, users["Youssef"])  # a manager: no limit
    line = checkout.scan(ARGAN_100, "2")  # 120.00
    checkout.discount_order(parse_discount("10%"))
    assert checkout.order_discount == 1200
    checkout.scan(ARGAN_250)  # the sale is now 240.00: 10 % of it
    assert checkout.order_discount == 2400
    checkout.set_line_discount(line.line_id, 10000)  # 100.00 off 120.00
    checkout.set_quantity(line.line_id, "1")  # the line is now 60.00: cut to it
    assert line.discount == 6000
    assert checkout.totals.total == 12000 - 1200
    assert all(p.net >= 0 for p in checkout.totals.lines)


def test_above_the_limit_the_error_names_the_action(demo, users):
    checkout = Checkout(demo, users["Fatima"])
    line = checkout.scan(ARGAN_100)
    checkout.discount_line(line.line_id, parse_discount("5%"))  # the limit itself
    with pytest.raises(ApprovalRequired) as refused:
        checkout.discount_line(line.line_id, parse_discount("10%"))
    assert refused.value.action == "line_discount"
    with pytest.raises(ApprovalRequired) as refused:
        checkout.discount_order(parse_discount("5"))  # 5.00 of 57.00 is more than 5 %
    assert refused.value.action == "order_discount"
    checkout.discount_order(parse_discount("5"), Approver.of(users["Youssef"]))
    assert checkout.totals.total == 5700 - 500
    assert checkout.approvals[-1] == {
        "action": "order_discount",
        "by": users["Youssef"].id,
        "amount": "5.00",
    }


def test_an_amount_a_seller_gave_stays_within_the_limit_when_the_line_shrinks(demo, users):
    checkout = Checkout(demo, users["Fatima"])
    line = checkout.scan(ARGAN_100, "10")  # 600.00: a seller may give 30.00 (5 %)
    checkout.set_line_discount(line.line_id, 3000)
    checkout.discount_order(parse_discount("28"))  # 5 % of 570.00 is 28.50
    checkout.set_quantity(line.line_id, "1")  # 60.00: 30.00 would be 50 %
    assert line.discount == 300 and checkout.order_discount == 285
    approved = checkout.scan(ARGAN_250, "10")  # 1200.00
    checkout.set_line_discount(approved.line_id, 30000, Approver.of(users["Youssef"]))
    checkout.set_quantity(approved.line_id, "5")  # a manager's approval stands
    assert approved.discount == 30000
    restored = Checkout.restore(demo, checkout.snapshot())
    restored.set_quantity(approved.line_id, "4")
    assert restored.line(approved.line_id).discount == 30000
