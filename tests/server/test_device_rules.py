"""The server accepts only what a device may write (issue 13, item 7).  Each finding of the
tester is a regression test: the event is stored and quarantined with its reason, and
nothing of it counts in any balance, statement, reconciliation or report (every query
over what tills pushed gives the same answer before and after it arrived)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import update

from coopos.server import admin, quarantine
from coopos.server import consignment as server
from coopos.server.models import Sale
from tests.server.conftest import new_uuid

COOPS = ("TIFAW", "LOUZ")


def everything(db) -> dict:
    """Every report head office and the cooperatives read, from every till's events."""
    found: dict = {
        "stock": admin.stock(db),
        "sales": admin.sales(db, admin.SalesFilter(), 1000),
        "summary": admin.sales_summary(db, admin.SalesFilter()),
        "shifts": admin.shifts(db),
    }
    with db.read() as s:
        found["recon fair"] = server.reconciliation(s, "SOUK")
        found["recon shop"] = server.reconciliation(
            s, None, location="SHOP", start="2026-01-01", end="2026-12-31"
        )
        found["recon wh"] = server.reconciliation(
            s, None, location="WH", start="2026-01-01", end="2026-12-31"
        )
        for coop in COOPS:
            found[coop] = (
                server.balance(s, coop),
                server.settlement(s, coop, server.Scope.of("SOUK")),
                server.settlement(s, coop, server.Scope.month("2026-11")),
                server.sales_by_fair(s, coop),
                server.sales_by_day(s, coop),
                server.months_of(s, coop),
                server.fairs_of(s, coop),
                server.notes_of(s, coop, "SOUK"),
                server.stock(s, coop),
                server.payouts(s, coop),
            )
    return found


def transfer_note(t, sku, qty, origin, destination, number="BL-X-1"):
    """A delivery note moving ``qty`` of ``sku`` from ``origin`` to a stand of SOUK."""
    return t.event(
        "stock.movements",
        {
            "movements": [
                t.movement(sku, Decimal(-qty), "transfer_out", number, origin),
                t.movement(sku, Decimal(qty), "transfer_in", number, destination),
            ],
            "note": {
                "uuid": new_uuid(),
                "number": number,
                "kind": "dispatch",
                "fair": "SOUK",
                "from": origin,
                "to": destination,
            },
        },
    )


def note_from_wh(t):
    """A SHOP device wrote -40 at WH through a note with "from": "WH"."""
    return transfer_note(t, "ARG-OIL-100", 40, "WH", "STAND-SOUK")


def transfer_1000_for_1(t):
    """A transfer_in of +1000 against a transfer out of 1."""
    return t.stock(
        t.movement("ARG-OIL-100", Decimal(-1), "transfer_out", "TR-9"),
        t.movement("ARG-OIL-100", Decimal(1000), "transfer_in", "TR-9", "WH"),
    )


def payout(t, amount):
    return t.event(
        "payout.recorded",
        {
            "uuid": new_uuid(),
            "cooperative": "TIFAW",
            "amount": amount,
            "method": "cash",
            "reference": "",
            "fair": "SOUK",
            "paid_utc": "2026-11-22T18:00:00",
            "paid_local": "2026-11-22T19:00:00+01:00",
            "note": "",
        },
    )


def huge_payout(t):
    """A payout of 10^12 centimes, accepted unflagged."""
    return payout(t, 10**12)


def negative_payout(t):
    """A -500,000 payout, flagged but still counted in the cooperative's balance."""
    return payout(t, -500_000)


def negative_quantity(t):
    """A sale with a negative quantity."""
    return t.sale(("ARG-OIL-100", "-2"))


def vat_100(t):
    """A sale at a VAT rate of 100."""
    event = t.sale(("ARG-OIL-100", "1"))
    event["payload"]["lines"][0]["vat_rate"] = 100
    event["payload"]["vat"][0]["rate"] = 100
    return event


def bitcoin(t):
    """A sale paid in "bitcoin"."""
    event = t.sale(("ALM-500", "1"))
    event["payload"]["payments"][0]["method"] = "bitcoin"
    return event


def day_9999(t):
    """A sale made on 9999-99-99 (it broke the portal's statements page with a 422)."""
    event = t.sale(("ALM-500", "1"))
    event["payload"]["created_local"] = "9999-99-99T10:00:00+01:00"
    return event


FINDINGS = [
    (note_from_wh, "forbidden_location"),
    (transfer_1000_for_1, "unmatched_transfer"),
    (huge_payout, "out_of_range"),
    (negative_payout, "wrong_sign"),
    (negative_quantity, "wrong_sign"),
    (vat_100, "unknown_vat_rate"),
    (bitcoin, "unknown_method"),
    (day_9999, "invalid_time"),
]


@pytest.mark.parametrize(
    ("write", "code"), FINDINGS, ids=[write.__name__ for write, _c in FINDINGS]
)
def test_what_a_device_may_not_write_is_quarantined_and_counts_nowhere(
    client, db, portal, new_till, write, code
):
    admin.add_location(db, "WH", "warehouse", "Warehouse")
    shop = new_till()
    before = everything(db)
    write(shop)
    answer = shop.push()
    assert answer.status_code == 200, answer.text
    assert [(q["seq"], q["code"]) for q in answer.json()["quarantined"]] == [(1, code)]
    assert everything(db) == before
    [entry] = quarantine.entries(db)
    assert entry.code == code and entry.device_id == 4

    shop.sale(("ALM-500", "1"))  # the till's next sale is not held behind it
    assert shop.sync()[-1]["quarantined"] == []
    assert everything(db)["LOUZ"][0]["net_cents"] == before["LOUZ"][0]["net_cents"] + 7000


def test_the_portal_statements_survive_a_sale_dated_9999(client, db, portal, new_till):
    shop = new_till()
    day_9999(shop)
    shop.sync()
    answer = client.post("/portal/login", data={"code": portal["LOUZ"]}, follow_redirects=False)
    assert answer.status_code == 303
    assert client.get("/portal/coop/LOUZ/statements").status_code == 200
    assert client.get("/portal/coop/LOUZ/sales").status_code == 200
    # a sale projected before the server checked dates still breaks nothing
    with db.write() as s:
        s.execute(
            update(Sale).where(Sale.receipt_no == "S02-000001").values(local_day="9999-99-99")
        )
    assert client.get("/portal/coop/LOUZ/statements").status_code == 200


def test_a_stand_till_may_take_goods_from_the_shop_it_is_party_to(client, db, portal):
    """What stays allowed: a note the device is party to (its stand is one end) moves
    goods out of the other end; only a note neither end of which is the device's (nor a
    stand of the fair) is refused, as above."""
    from tests.server.conftest import enroll

    stand = enroll(client, db, "STAND-SOUK", prefix="S09")
    transfer_note(stand, "ALM-500", 2, "SHOP", "STAND-SOUK", "BL-S09-1")
    assert [q for a in stand.sync() for q in a["quarantined"]] == []
