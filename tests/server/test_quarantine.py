"""One bad event never blocks a till's queue (issue 13, item 2): the server stores and
acknowledges every event, projects what it can and quarantines the rest, each with its
reason, for head office to replay after a fix or to discard."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from coopos.domain.errors import StateError
from coopos.server import admin, quarantine
from coopos.server.models import Event, Payout, Quarantine, Sale, Shift
from tests.server.conftest import new_uuid

N = 1000
POISON = 500  # in the middle of the queue, and of the second batch of 400


def count(db, model, *where) -> int:
    with db.read() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def held(answers) -> list[tuple[int, str]]:
    return [(q["seq"], q["code"]) for a in answers for q in a["quarantined"]]


def poison_name(till, event):
    """The issue's story: a NUL byte in a name imported on the till.  Fix: head office
    replays it cleaning the text (the stored event itself stays as received)."""
    event["payload"]["lines"][0]["name"] = "Huile d'argan\x00 100 ml"
    return "invalid_text", lambda db, folder: {"clean": True}


def poison_payee(till, event):
    """A payout to a cooperative head office lacks.  Fix: head office adds it."""
    event["kind"] = "payout.recorded"
    event["payload"] = {
        "uuid": new_uuid(),
        "cooperative": "AMAL",
        "amount": 12000,
        "method": "cash",
        "reference": "",
        "fair": None,
        "paid_utc": "2026-11-22T18:00:00",
        "paid_local": "2026-11-22T19:00:00+01:00",
        "note": "",
    }

    def fix(db, folder):
        path = folder / "amal.csv"
        path.write_text(
            "sku,name_fr,cooperative,price,vat_rate\nAML-1,Amlou,AMAL,50.00,10\n", encoding="utf-8"
        )
        admin.import_catalog(db, path)
        return {}

    return "unknown_cooperative", fix


@pytest.mark.parametrize("poison", [poison_name, poison_payee])
def test_one_poisoned_event_among_1000_is_quarantined_999_projected_then_replayed(
    client, db, till, poison, tmp_path
):
    till.open_shift()
    for _ in range(N - 1):
        till.sale(("ALM-500", "1"))
    code, fix = poison(till, till.outbox[POISON - 1])

    answers = till.sync(batch=400)

    assert till.acked == N  # every event acknowledged, none waits behind the bad one
    assert [a["acked_through"] for a in answers] == [400, 800, 1000]
    assert held(answers) == [(POISON, code)]
    assert count(db, Event) == N
    assert count(db, Sale) == N - 2  # the shift and 998 of the 999 sales: 999 events
    assert count(db, Shift) == 1
    [entry] = quarantine.entries(db)
    assert (entry.seq, entry.code, entry.status) == (POISON, code, "open")
    listed = client.get("/v1/sales?limit=1000", headers=till.headers).json()["sales"]
    assert len(listed) == N - 2 and all(s["uuid"] for s in listed)

    # Replayed before the fix: held again, with the same reason; nothing counted.
    again = quarantine.replay(db, entry.id, by="test")
    assert (again.status, again.entry.code, again.entry.attempts) == ("open", code, 2)
    assert count(db, Sale) == N - 2 and count(db, Payout) == 0

    options = fix(db, tmp_path)
    done = quarantine.replay(db, entry.id, by="test", **options)
    assert done.status == "replayed" and done.entry.resolved_by == "test"
    assert count(db, Sale) + count(db, Payout) == N - 1  # every sale and payout counts now
    assert quarantine.entries(db) == []
    with db.read() as s:  # the event itself is kept as received
        stored = s.execute(select(Event.payload).where(Event.seq == POISON)).scalar_one()
    assert ("\\u0000" in stored) == (code == "invalid_text")


def test_a_refund_of_a_quarantined_sale_waits_and_is_replayed_with_it(client, db, new_till):
    """Decision: a refund never counts without its sale.  It is held (waiting for the
    sale's entry), from this till or another, in this batch or a later one; replaying the
    sale replays it."""
    shop, other = new_till(), new_till()
    sale = shop.sale(("ARG-OIL-100", "2"))
    sale["payload"]["lines"][0]["vat_rate"] = 100
    shop.sale(("ARG-OIL-100", "1"), refund_of=sale)  # same batch
    first = shop.sync()
    assert held(first) == [(1, "unknown_vat_rate"), (2, "waiting_for_original")]
    other.sale(("ARG-OIL-100", "1"), refund_of=sale)  # another till, later
    assert held(other.sync()) == [(1, "waiting_for_original")]
    entries = quarantine.entries(db)
    assert [e.waits_for_seq for e in entries] == [None, 1, 1]
    details = quarantine.details(db, entries[0].id)
    assert [w.id for w in details.waiting] == [entries[1].id, entries[2].id]
    assert count(db, Sale) == 0

    # head office cannot fix a VAT rate in a sale: it discards it, with a reason
    quarantine.discard(db, entries[0].id, "duplicate of paper receipt 17", by="hq")
    with pytest.raises(StateError):
        quarantine.replay(db, entries[0].id)
    result = quarantine.replay(db, entries[1].id)
    assert (result.status, result.entry.code) == ("open", "original_discarded")


def test_replaying_a_sale_replays_the_refunds_waiting_for_it(client, db, new_till, tmp_path):
    shop, other = new_till(), new_till()
    sale = shop.sale(("ARG-OIL-100", "2"))
    sale["payload"]["lines"][0]["name"] = "Huile\x00"
    shop.sale(("ARG-OIL-100", "1"), refund_of=sale)
    shop.sync()
    other.sale(("ARG-OIL-100", "1"), refund_of=sale)
    other.sync()
    first = quarantine.entries(db)[0]
    result = quarantine.replay(db, first.id, clean=True, by="hq")
    assert result.status == "replayed" and result.entry.resolution == "cleaned"
    assert [d.status for d in result.dependents] == ["replayed", "replayed"]
    refunds = client.get("/v1/sales?kind=refund", headers=shop.headers).json()["sales"]
    assert len(refunds) == 2 and all(r["refund_linked"] for r in refunds)
    [sold] = client.get("/v1/sales?kind=sale", headers=shop.headers).json()["sales"]
    assert sold["lines"][0]["name"] == "Huile"  # as projected; the event keeps its NUL
    stock = {r["sku"]: r["quantity"] for r in admin.stock(db, "SHOP")}
    assert stock["ARG-OIL-100"] == "40.000"  # 40 received, 2 sold, 2 refunded


def test_a_shift_opening_replayed_after_its_closing(client, db, till):
    opened = till.open_shift()
    opened["payload"]["opened_local"] = "2026-13-01T10:00:00+01:00"
    till.close_shift()
    answer = till.push()
    assert held([answer.json()]) == [(1, "invalid_time")]
    assert answer.json()["flagged"][0]["code"] == "unknown_shift"  # closed, never opened
    [entry] = quarantine.entries(db)
    with db.write() as s:  # the test stands in for a server upgrade that reads it
        event = s.get(Event, s.get(Quarantine, entry.id).event_id)
        event.payload = event.payload.replace("2026-13-01", "2026-11-22")
    assert quarantine.replay(db, entry.id).status == "replayed"
    [shift] = client.get("/v1/shifts", headers=till.headers).json()["shifts"]
    assert shift["status"] == "closed" and shift["float_cents"] == 20000
    assert shift["opened_local"].startswith("2026-11-22")


def test_head_office_reviews_the_quarantine_through_the_api(client, db, till):
    token = admin.new_admin_token(db, "hq")[1]
    hq = {"Authorization": f"Bearer {token}"}
    bad = till.sale(("ALM-500", "1"))
    bad["payload"]["payments"][0]["method"] = "bitcoin"
    till.sale(("ALM-500", "1"))
    till.sync()

    assert client.get("/v1/quarantine", headers=till.headers).status_code == 403
    listed = client.get("/v1/quarantine", headers=hq).json()["entries"]
    assert [(e["seq"], e["code"], e["status"], e["device_id"]) for e in listed] == [
        (1, "unknown_method", "open", 1)
    ]
    entry_id = listed[0]["id"]
    shown = client.get(f"/v1/quarantine/{entry_id}", headers=hq).json()
    assert shown["payload"]["payments"][0]["method"] == "bitcoin"
    assert shown["detail"]["problems"][0]["path"] == "payments.0.method"
    again = client.post(f"/v1/quarantine/{entry_id}/replay", json={}, headers=hq).json()
    assert (again["status"], again["code"]) == ("open", "unknown_method")
    bare = client.post(f"/v1/quarantine/{entry_id}/replay", headers=hq).json()  # no body
    assert (bare["status"], bare["attempts"]) == ("open", 3)
    refused = client.post(f"/v1/quarantine/{entry_id}/discard", json={"reason": ""}, headers=hq)
    assert refused.status_code == 422
    gone = client.post(
        f"/v1/quarantine/{entry_id}/discard", json={"reason": "test sale"}, headers=hq
    ).json()
    assert (gone["status"], gone["resolution"]) == ("discarded", "test sale")
    assert client.get("/v1/quarantine", headers=hq).json()["entries"] == []
    everything = client.get("/v1/quarantine?status=all", headers=hq).json()["entries"]
    assert [e["status"] for e in everything] == ["discarded"]
    assert client.get("/v1/quarantine/999", headers=hq).status_code == 404
    late = client.post(f"/v1/quarantine/{entry_id}/replay", json={}, headers=hq)
    assert late.status_code == 409


def test_stock_movement_quarantined_counts_once_replayed(client, db, till):
    """Decision: stock is the sum of projected movements; a quarantined movement is
    absent until replayed (then counted once), later movements stand on their own."""
    admin.add_location(db, "WH", "warehouse", "Warehouse")
    till.stock(till.movement("ALM-500", Decimal(3), "received", "BL-1\x00"))
    till.stock(till.movement("ALM-500", Decimal(2), "received", "BL-2"))
    assert held(till.sync()) == [(1, "invalid_text")]
    assert {r["sku"]: r["quantity"] for r in admin.stock(db, "SHOP")}["ALM-500"] == "7.000"
    [entry] = quarantine.entries(db)
    quarantine.replay(db, entry.id, clean=True)
    assert {r["sku"]: r["quantity"] for r in admin.stock(db, "SHOP")}["ALM-500"] == "10.000"
    assert quarantine.replay_all(db) == []


def test_head_office_reviews_the_quarantine_from_the_command_line(run, client, db, till):
    bad = till.sale(("ALM-500", "1"))
    bad["payload"]["lines"][0]["name"] = "Amandes\x00"
    other = till.sale(("ALM-500", "1"))
    other["payload"]["created_local"] = "9999-99-99T10:00:00"
    till.sync()

    code, out, _ = run("quarantine", "list")
    assert code == 0 and "invalid_text" in out and "invalid_time" in out
    code, out, _ = run("quarantine", "show", "1")
    assert code == 0 and "lines.0.name" in out and "Amandes\\u0000" in out
    assert '"location": "SHOP"' in out
    code, out, _ = run("quarantine", "replay", "1")
    assert code == 1 and "still quarantined: invalid_text" in out
    code, out, _ = run("quarantine", "replay", "1", "--clean")
    assert code == 0 and "replayed" in out
    code, _, err = run("quarantine", "discard", "2", "--reason", "")
    assert code == 1 and err.strip()
    code, out, _ = run("quarantine", "discard", "2", "--reason", "typed by hand, see paper")
    assert code == 0 and "discarded" in out
    code, out, _ = run("quarantine", "list", "--status", "all", "--format", "csv")
    assert code == 0 and ",replayed," in out and ",discarded," in out
    assert run("quarantine", "replay", "--all")[0] == 0  # nothing left: nothing to do
    code, _, err = run("quarantine", "show", "99")
    assert code == 1 and "99" in err
    code, out, _ = run("device", "list")
    assert code == 0 and "Quarantined" in out and "Clock flags" in out


def test_a_batch_the_database_refuses_is_projected_event_by_event(db, till, monkeypatch):
    """The safety net: should projecting a batch fail where no rule foresaw it (a bug, a
    constraint), each event is projected on its own; only the one that fails is held."""
    from coopos.server import sync

    write_cash = sync._Projection._write_cash

    def broken(self):
        if any(m.reason == "boom" for _e, m in self.cash):
            raise RuntimeError("a bug nobody foresaw")
        write_cash(self)

    monkeypatch.setattr(sync._Projection, "_write_cash", broken)
    till.open_shift()
    till.sale(("ALM-500", "1"))
    till.cash(-500, reason="boom")
    till.sale(("ALM-500", "1"))
    till.cash(-700)
    answer = till.push()
    assert answer.status_code == 200 and answer.json()["acked_through"] == 5
    assert [(q["seq"], q["code"]) for q in answer.json()["quarantined"]] == [
        (3, "projection_failed")
    ]
    assert count(db, Sale) == 2 and count(db, Shift) == 1
    [shift] = admin.shifts(db)
    assert shift["cash_movements_cents"] == -700
    monkeypatch.setattr(sync._Projection, "_write_cash", write_cash)  # the fix is deployed
    [entry] = quarantine.entries(db)
    assert quarantine.replay(db, entry.id).status == "replayed"
    assert admin.shifts(db)[0]["cash_movements_cents"] == -1200
