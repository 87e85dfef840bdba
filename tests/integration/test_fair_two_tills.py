"""Issue 7's scenario: three cooperatives, one fair with two tills at its stand, one of
them offline for the whole fair, refunds on both, goods dispatched from the cooperatives,
a sync afterwards, and a count with missing and extra items.  On the server (SQLite, and
PostgreSQL when COOPOS_TEST_DATABASE_URL is set) the numbers must add up exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from coopos.db.models import Sale
from coopos.server import admin as server_admin
from coopos.server import consignment as server_consignment
from coopos.services import consignment, lookups, refunds, setup, shifts, sync
from coopos.services.checkout import Approver, Checkout
from coopos.services.context import Context
from tests.integration.test_two_tills import SERVER, Network, server, server_url  # noqa: F401

FAIR, STAND = "AGA26", "STAND-AGA26"
SENT = {  # cooperative -> goods dispatched straight from it
    "TIFAW": [("ARG-OIL-100", "10"), ("AML-250", "6")],
    "ASAFU": [("SAF-1G", "12")],
    "BARAK": [("CSC-VRAC", "5.000")],
}


def till_at_the_stand(path, db, client, prefix) -> Context:
    ctx = Context.open(path)
    setup.init_database(ctx, admin_pin="730518", shop_name="Stand")
    code = server_admin.add_device(db, location=STAND, prefix=prefix).code
    sync.enroll(ctx, SERVER, code, transport=client)
    sync.sync_once(ctx, client)  # the catalog, the fair and its stand
    return ctx


def admin(ctx):
    with ctx.read() as s:
        return lookups.user_by_name(s, "Admin")


def sell(ctx, items):
    checkout = Checkout(ctx, admin(ctx))
    for sku, qty in items:
        checkout.scan(sku, Decimal(qty) if qty else None)
    checkout.start_payment()
    checkout.pay_exact()
    return checkout.complete()


def stand_total(ctx) -> int:
    with ctx.read() as s:
        return s.execute(select(func.coalesce(func.sum(Sale.total_cents), 0))).scalar_one()


def test_a_fair_with_an_offline_till_settles_to_the_centime(server, tmp_path):  # noqa: F811
    db, client = server
    server_admin.add_fair(db, FAIR, "Foire d'Agadir", "Agadir")
    server_admin.add_location(db, STAND, "stand", "Stand Agadir", fair=FAIR)
    till_a = till_at_the_stand(tmp_path / "a.db", db, client, "A1")
    till_b = till_at_the_stand(tmp_path / "b.db", db, client, "B1")
    net_a, net_b = Network(client), Network(client)
    net_b.cut = True  # till B never sees the network during the fair

    # The goods arrive at the stand with delivery notes (till A records them).
    for coop, items in SENT.items():
        consignment.dispatch(till_a, FAIR, items, f"COOP:{coop}")
    for till in (till_a, till_b):
        shifts.open_shift(till, admin(till).id, 0)

    a1 = sell(till_a, [("ARG-OIL-100", "3"), ("SAF-1G", "2")])
    sell(till_a, [("AML-250", "2"), ("CSC-VRAC", "1.500")])
    b1 = sell(till_b, [("SAF-1G", "4"), ("ARG-OIL-100", None)])
    sell(till_b, [("AML-250", None), ("CSC-VRAC", "0.750")])
    refunds.refund(till_a, a1.receipt_no, Approver.of(admin(till_a)), [("ARG-OIL-100", 1)])
    refunds.refund(till_b, b1.receipt_no, Approver.of(admin(till_b)), [("SAF-1G", 1)])
    sync.sync_once(till_a, net_a)
    with pytest.raises(Exception):  # noqa: B017 (offline: whatever the network says)
        sync.sync_once(till_b, net_b)

    # What should be at the stand, from both tills' sales and refunds:
    expected = {
        "ARG-OIL-100": Decimal(10 - 3 - 1 + 1),  # 7
        "AML-250": Decimal(6 - 2 - 1),  # 3
        "SAF-1G": Decimal(12 - 2 - 4 + 1),  # 7
        "CSC-VRAC": Decimal("5.000") - Decimal("1.500") - Decimal("0.750"),  # 2.750
    }
    # The count: an argan oil missing, a saffron box extra, amlou and couscous as expected.
    counted = dict(expected)
    counted["ARG-OIL-100"] -= 1
    counted["SAF-1G"] += 1
    consignment.count_fair(
        till_a, FAIR, [(sku, str(q)) for sku, q in counted.items()], admin(till_a).id
    )
    sync.sync_once(till_a, net_a)

    # After the fair, till B finds the network.
    net_b.cut = False
    report = sync.sync_once(till_b, net_b)
    assert report.waiting == 0

    with db.read() as s:
        recon = server_consignment.reconciliation(s, FAIR)
        rows = {r.sku: r for r in recon.rows}
        assert set(rows) == set(expected)
        for sku, row in rows.items():
            # the variance per product is the count's difference from what should be there
            assert row.variance == expected[sku] - counted[sku], sku
        statements = {
            coop: server_consignment.settlement(s, coop, server_consignment.Scope(fair=FAIR))
            for coop in SENT
        }
    total = 0
    for statement in statements.values():
        assert statement.payable_cents + statement.commission_cents == statement.net_sales_cents
        total += statement.net_sales_cents
    # every centime both tills took at the stand, once
    assert total == stand_total(till_a) + stand_total(till_b)
    assert statements["ASAFU"].refunds_cents == -4500  # till B's refund, synced late
    assert statements["TIFAW"].refunds_cents == -6000  # till A's refund
    # and a standalone till's own statement agrees with the server's for its own lines
    with till_a.read() as s:
        mine = consignment.settlement(s, "BARAK", FAIR)
    barak_a = [line for line in statements["BARAK"].lines if line.receipt_no.startswith("A1")]
    assert mine.net_sales_cents == sum(line.net_cents for line in barak_a)
    for till in (till_a, till_b):
        till.close()
