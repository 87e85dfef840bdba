"""The real till's outbox (the demo shop selling, refunding, moving stock, closing its
shift) pushed to the server, with a lost reply on the way: the server holds every event
once and its stock equals the till's, location by location."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from coopos.db.models import Location as TillLocation
from coopos.db.models import OutboxEvent
from coopos.db.models import Product as TillProduct
from coopos.db.models import StockMovement as TillMovement
from coopos.domain.sale import PaymentMethod
from coopos.server import admin
from coopos.server.models import Event, Sale
from coopos.services import catalog, inventory, refunds, shifts
from coopos.services.checkout import Approver, Checkout


def sell(ctx, user, *items):
    checkout = Checkout(ctx, user)
    for code, qty in items:
        checkout.scan(code, qty)
    checkout.start_payment()
    checkout.pay_exact()
    return checkout.complete()


@pytest.fixture
def till_day(demo, users):
    """One day at the demo shop; returns its outbox as the sync client sends it."""
    fatima, youssef = users["Fatima"], users["Youssef"]
    shifts.open_shift(demo, fatima.id, 20000)
    first = sell(demo, fatima, ("ARG-OIL-100", "2"), ("ALM-VRAC", "0.350"))
    sell(demo, fatima, ("SAF-1G", "3"))
    refunds.refund(demo, first.receipt_no, Approver.of(youssef), [("ARG-OIL-100", "1")])
    inventory.receive(demo, [("ARG-OIL-100", "10")], youssef.id, reference="BL-1")
    inventory.transfer(demo, [("SAF-1G", "2")], youssef.id, "SHOP", "WH")
    shifts.cash_movement(demo, fatima.id, -5000, "bank")
    shifts.close_shift(demo, youssef.id, {PaymentMethod.CASH: 30000})
    with demo.read() as s:
        rows = s.execute(select(OutboxEvent).order_by(OutboxEvent.seq)).scalars().all()
    return [
        {
            "seq": r.seq,
            "uuid": r.uuid,
            "kind": r.kind,
            "payload": json.loads(r.payload),
            "created_utc": str(r.created_utc),  # "2026-11-20 09:00:01" (space)
        }
        for r in rows
    ]


def test_the_real_outbox_lands_once_and_stock_adds_up(client, db, demo, till_day, tmp_path):
    export = tmp_path / "catalog.csv"
    catalog.export_catalog(demo, export)  # head office holds the same catalog, no stock
    admin.import_catalog(db, export)
    code = admin.add_device(db).code
    token = client.post("/v1/enroll", json={"code": code}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    kinds = {e["kind"] for e in till_day}
    assert {"sale.completed", "refund.completed", "stock.movements"} <= kinds
    assert {"shift.opened", "shift.cash_movement", "shift.closed"} <= kinds

    acked = 0
    while acked < len(till_day):
        batch = till_day[acked : acked + 3]
        answer = client.post("/v1/sync/push", json={"events": batch}, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["flagged"] == []
        assert answer.json()["quarantined"] == []  # the till writes what the server takes
        if acked == 3:  # this reply is "lost": the till sends the batch again
            again = client.post("/v1/sync/push", json={"events": batch}, headers=headers)
            assert again.json()["duplicates"] == len(batch)
        acked = answer.json()["acked_through"]

    with db.read() as s:
        assert s.execute(select(func.count()).select_from(Event)).scalar_one() == len(till_day)
        assert s.execute(select(func.count()).select_from(Sale)).scalar_one() == 3
    with demo.read() as s:
        till_stock = {
            (loc, sku): int(qty)
            for loc, sku, qty in s.execute(
                select(TillLocation.code, TillProduct.sku, func.sum(TillMovement.quantity_milli))
                .join(TillLocation, TillLocation.id == TillMovement.location_id)
                .join(TillProduct, TillProduct.id == TillMovement.product_id)
                .group_by(TillLocation.code, TillProduct.sku)
            )
        }
    server_stock = {
        (r["location"], r["sku"]): r["quantity_milli"]
        for r in client.get("/v1/stock", headers=headers).json()["rows"]
    }
    assert server_stock == till_stock
    assert server_stock[("WH", "SAF-1G")] == 2000
    refund = client.get("/v1/sales?kind=refund", headers=headers).json()["sales"][0]
    assert refund["refund_linked"]
    closed = client.get("/v1/shifts", headers=headers).json()["shifts"][0]
    assert closed["status"] == "closed" and closed["cash_movements_cents"] == -5000
