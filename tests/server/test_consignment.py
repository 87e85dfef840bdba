"""Consignment on the server: the till's fair events (notes, counts, closings, payouts) are
projected once, flagged rather than refused, and a real till running a fair gets the
same reconciliation and the same statements from the server as it computes itself, to
the centime."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from coopos.db.models import OutboxEvent
from coopos.domain import consignment as rules
from coopos.server import admin
from coopos.server import consignment as server
from coopos.server.models import ConsignmentNote, FairClosing, FairCount, Payout, StockMovement
from coopos.services import catalog as till_catalog
from coopos.services import consignment as till
from coopos.services import lookups, refunds, shifts
from coopos.services.checkout import Approver, Checkout
from tests.server.conftest import CATALOG, new_uuid

FAIR, STAND = "SOUK", "STAND-SOUK"


@pytest.fixture
def fair(db, catalog):
    admin.add_fair(db, FAIR, "Souk", "Agadir", date(2026, 11, 20), date(2026, 11, 22))
    admin.add_location(db, STAND, "stand", "Stand Souk", fair=FAIR)
    return FAIR


def note_event(t, kind, number, origin, destination, *moves, fair=FAIR):
    return t.event(
        "stock.movements",
        {
            "movements": list(moves),
            "note": {
                "uuid": new_uuid(),
                "number": number,
                "kind": kind,
                "fair": fair,
                "from": origin,
                "to": destination,
            },
        },
    )


def payout_event(t, coop="TIFAW", amount=5000, uuid=None, fair=FAIR, method="cash"):
    return t.event(
        "payout.recorded",
        {
            "uuid": uuid or new_uuid(),
            "cooperative": coop,
            "amount": amount,
            "method": method,
            "reference": "",
            "fair": fair,
            "paid_utc": "2026-11-22T18:00:00",
            "paid_local": "2026-11-22T19:00:00+01:00",
            "note": "",
        },
    )


def count(db, model):
    with db.read() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def flags_of(answers):
    return sorted((f["code"], f["seq"]) for a in answers for f in a["flagged"])


def test_fair_events_are_projected_once_and_flagged_not_refused(db, fair, new_till):
    stand = new_till(location=STAND, prefix="S01")
    dispatch = note_event(
        stand,
        "dispatch",
        "BL-S01-00001",
        "COOP:TIFAW",
        STAND,
        stand.movement("ARG-OIL-100", Decimal(10), "received", "BL-S01-00001"),
    )
    stand.sale(("ARG-OIL-100", "3"))
    stand.event(
        "fair.counted",
        {
            "fair": FAIR,
            "location": STAND,
            "counted_utc": "2026-11-22T17:00:00",
            "counts": {"ARG-OIL-100": "6.000"},
            "movements": [stand.movement("ARG-OIL-100", Decimal(-1), "count", "CNT-SOUK")],
        },
    )
    paid = payout_event(stand)
    stand.event("fair.closed", {"fair": FAIR, "closed_utc": "2026-11-22T18:30:00"})
    answers = stand.sync()
    assert flags_of(answers) == []

    with db.read() as s:
        note = s.execute(select(ConsignmentNote)).scalar_one()
        assert (note.number, note.kind, note.fair_code) == ("BL-S01-00001", "dispatch", FAIR)
        assert (note.from_code, note.to_code, note.cooperative_code) == (
            "COOP:TIFAW",
            STAND,
            "TIFAW",
        )
        assert note.uuid == dispatch["payload"]["note"]["uuid"]
        counted = s.execute(select(FairCount)).scalar_one()
        assert (counted.sku, counted.counted_milli, counted.location_code) == (
            "ARG-OIL-100",
            6000,
            STAND,
        )
        assert s.execute(select(FairClosing.fair_code)).scalar_one() == FAIR
        row = s.execute(select(Payout)).scalar_one()
        assert (row.uuid, row.amount_cents, row.cooperative_code, row.fair_code) == (
            paid["payload"]["uuid"],
            5000,
            "TIFAW",
            FAIR,
        )
        assert row.paid_local.startswith("2026-11-22")
    stock = {(r["location"], r["sku"]): r["quantity_milli"] for r in admin.stock(db, STAND)}
    assert stock == {(STAND, "ARG-OIL-100"): 6000}  # 10 in, 3 sold, 1 missing at the count

    # Everything again (a lost reply): duplicates, nothing stored twice.
    again = stand.push(stand.outbox)
    assert again.status_code == 200 and again.json()["duplicates"] == len(stand.outbox)
    # The same payout in another event (recorded twice by a till): one row, flagged.
    payout_event(stand, uuid=paid["payload"]["uuid"])
    answers = stand.sync()
    assert [f["code"] for f in answers[-1]["flagged"]] == ["duplicate_document"]
    for model, expected in ((ConsignmentNote, 1), (FairCount, 1), (FairClosing, 1), (Payout, 1)):
        assert count(db, model) == expected


def test_unknown_fairs_and_places_are_flagged_unknown_payees_quarantined(db, fair, new_till):
    """A fair or a stand head office lacks is flagged (the goods are real); a payout to
    a cooperative head office lacks, or by an unknown method, is quarantined (issue 13:
    it was flagged and still counted)."""
    stand = new_till(location=STAND, prefix="S01")
    note_event(
        stand,
        "dispatch",
        "BL-S01-00001",
        "COOP:TIFAW",
        "STAND-X",
        stand.movement("ARG-OIL-100", Decimal(2), "received", "BL-S01-00001", "STAND-X"),
        fair="NOWHERE",
    )
    payout_event(stand, coop="NOBODY", fair="NOWHERE", method="mobile")
    stand.event("fair.closed", {"fair": "NOWHERE", "closed_utc": "2026-11-22T18:30:00"})
    payout_event(stand, coop="NOBODY", fair=FAIR, method="cash")
    answers = stand.sync()
    codes = sorted(f["code"] for f in answers[0]["flagged"])
    assert codes == ["unknown_fair", "unknown_fair", "unknown_location"]
    assert [(q["seq"], q["code"]) for q in answers[0]["quarantined"]] == [
        (2, "unknown_method"),
        (4, "unknown_cooperative"),
    ]
    assert count(db, ConsignmentNote) == 1 and count(db, Payout) == 0
    # An unknown fair is still reported, from what the tills said of it.
    with db.read() as s:
        recon = server.reconciliation(s, "NOWHERE")
    assert [(r.sku, r.sent) for r in recon.rows] == [("ARG-OIL-100", Decimal("2.000"))]


def test_a_shop_till_sends_goods_to_the_stand_and_takes_them_back(db, fair, new_till):
    shop = new_till(location="SHOP", prefix="T01")
    note_event(
        shop,
        "dispatch",
        "BL-T01-00001",
        "SHOP",
        STAND,
        shop.movement("ALM-500", Decimal(-4), "transfer_out", "BL-T01-00001"),
        shop.movement("ALM-500", Decimal(4), "transfer_in", "BL-T01-00001", STAND),
    )
    # the return: out of the stand (not this till's location, but the fair's stand)
    note_event(
        shop,
        "return",
        "BR-T01-00001",
        STAND,
        "SHOP",
        shop.movement("ALM-500", Decimal(-1), "transfer_out", "BR-T01-00001", STAND),
        shop.movement("ALM-500", Decimal(1), "transfer_in", "BR-T01-00001"),
    )
    shop.event(
        "fair.counted",
        {
            "fair": FAIR,
            "location": STAND,
            "counted_utc": "2026-11-22T17:00:00",
            "counts": {"ALM-500": "3.000"},
            "movements": [],
        },
    )
    assert flags_of(shop.sync()) == []
    assert {(r["location"], r["quantity_milli"]) for r in admin.stock(db, sku="ALM-500")} == {
        ("SHOP", 2000),
        (STAND, 3000),
    }
    # A note cannot carry goods elsewhere: quarantined (issue 13: no longer a 403 for the
    # whole batch), nothing of it projected.
    note_event(
        shop,
        "dispatch",
        "BL-T01-00002",
        "SHOP",
        STAND,
        shop.movement("ALM-500", Decimal(1), "received", "BL-T01-00002", "WH"),
    )
    answer = shop.push()
    assert answer.status_code == 200
    assert [q["code"] for q in answer.json()["quarantined"]] == ["note_mismatch"]
    assert count(db, ConsignmentNote) == 2


def test_a_recount_is_flagged_and_the_latest_count_wins(db, fair, new_till):
    stand = new_till(location=STAND, prefix="S01")
    note_event(
        stand,
        "dispatch",
        "BL-S01-00001",
        "COOP:LOUZ",
        STAND,
        stand.movement("ALM-500", Decimal(5), "received", "BL-S01-00001"),
    )
    for counted_utc, qty in (("2026-11-22T17:00:00", "4.000"), ("2026-11-22T17:30:00", "5.000")):
        stand.event(
            "fair.counted",
            {
                "fair": FAIR,
                "location": STAND,
                "counted_utc": counted_utc,
                "counts": {"ALM-500": qty},
                "movements": [],
            },
        )
    answers = stand.sync(batch=2)
    assert [f["code"] for a in answers for f in a["flagged"]] == ["recounted"]
    with db.read() as s:
        [row] = server.reconciliation(s, FAIR).rows
    assert (row.sent, row.counted, row.variance) == (Decimal(5), Decimal(5), Decimal(0))


def test_payouts_from_head_office(db, fair):
    first = server.add_payout(db, "tifaw", 12000, "transfer", "VIR-77", FAIR)
    assert (first.cooperative, first.fair, first.amount_cents) == ("TIFAW", FAIR, 12000)
    for bad in (
        dict(amount_cents=0, method="cash"),
        dict(amount_cents=100, method="mobile"),
        dict(amount_cents=100, method="cheque"),  # a cheque needs its number
    ):
        with pytest.raises(Exception, match=r"payout|cheque"):
            server.add_payout(db, "TIFAW", **bad)
    with pytest.raises(Exception, match="Unknown cooperative"):
        server.add_payout(db, "NOBODY", 100, "cash")
    with db.read() as s:
        statement = server.settlement(s, "TIFAW", server.Scope.of(FAIR))
    assert (statement.paid_cents, statement.balance_cents) == (12000, -12000)


# -- a real till runs a fair -----------------------------------------------------------------------


def outbox(ctx) -> list[dict]:
    with ctx.read() as s:
        rows = s.execute(select(OutboxEvent).order_by(OutboxEvent.seq)).scalars().all()
    return [
        {
            "seq": r.seq,
            "uuid": r.uuid,
            "kind": r.kind,
            "payload": json.loads(r.payload),
            "created_utc": str(r.created_utc),
        }
        for r in rows
    ]


def sell(ctx, user, *items):
    checkout = Checkout(ctx, user, location_code=STAND)
    for code, qty in items:
        checkout.scan(code, qty)
    checkout.start_payment()
    checkout.pay_exact()
    return checkout.complete()


@pytest.fixture
def fair_till(ctx, tmp_path):
    """A till that runs the fair SOUK at its stand: commission rules, goods from a
    cooperative and from the shop, sales, a refund, the count (one missing, one extra),
    returns, payouts, closing."""
    path = tmp_path / "till-catalog.csv"
    path.write_text(
        "\n".join(line.rsplit(",", 1)[0] for line in CATALOG.strip().splitlines()) + "\n",
        encoding="utf-8",
    )
    till_catalog.import_catalog(ctx, path)
    with ctx.read() as s:
        boss = lookups.user_by_name(s, "Admin")
    till.set_commission_rule(ctx, "TIFAW", 1500)
    till.set_commission_rule(ctx, "LOUZ", 1000, tiers=[(10000, 2000)])  # 20 % from 100 MAD
    till.create_fair(ctx, FAIR, "Souk", "Agadir", stand=STAND)
    till.dispatch(ctx, FAIR, [("ARG-OIL-100", "10"), ("ARG-OIL-250", "4")], "COOP:TIFAW")
    till.dispatch(ctx, FAIR, [("ALM-500", "5"), ("ALM-VRAC", "3.5")], "SHOP")
    shifts.open_shift(ctx, boss.id, 10000, STAND)
    first = sell(ctx, boss, ("ARG-OIL-100", "3"), ("ALM-VRAC", "1.250"))
    sell(ctx, boss, ("ALM-500", "2"), ("ARG-OIL-250", "1"))
    sell(ctx, boss, ("ALM-VRAC", "0.333"))
    refunds.refund(ctx, first.receipt_no, Approver.of(boss), [("ARG-OIL-100", "1")])
    found = till.count_fair(
        ctx,
        FAIR,
        [("ARG-OIL-100", "7"), ("ARG-OIL-250", "3"), ("ALM-500", "4"), ("ALM-VRAC", "1.917")],
        boss.id,
    )
    assert {r.sku: r.difference for r in found if r.difference} == {
        "ARG-OIL-100": Decimal(-1),
        "ALM-500": Decimal(1),
    }
    till.return_goods(ctx, FAIR, [("ARG-OIL-100", "7"), ("ARG-OIL-250", "3")], "COOP:TIFAW")
    till.return_goods(ctx, FAIR, [("ALM-500", "4"), ("ALM-VRAC", "1.917")], "SHOP")
    till.add_payout(ctx, "TIFAW", 5000, "cash", fair_code=FAIR)
    till.add_payout(ctx, "LOUZ", 3000, "transfer", "VIR-1", fair_code=FAIR)
    till.close_fair(ctx, FAIR)
    return ctx


def push_all(client, db, events, location=STAND, batch=4) -> list[dict]:
    code = admin.add_device(db, location, prefix="T01").code
    token = client.post("/v1/enroll", json={"code": code}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    flags, acked = [], 0
    while acked < len(events):
        answer = client.post(
            "/v1/sync/push", json={"events": events[acked : acked + batch]}, headers=headers
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["quarantined"] == []  # a real till writes what the server takes
        flags += answer.json()["flagged"]
        acked = answer.json()["acked_through"]
    return flags


def test_the_server_computes_the_tills_statements_to_the_centime(client, db, fair, fair_till):
    events = outbox(fair_till)
    kinds = {e["kind"] for e in events}
    assert {"stock.movements", "fair.counted", "fair.closed", "payout.recorded"} <= kinds
    flags = push_all(client, db, events)
    assert flags == []

    day = date(2026, 11, 20)
    with fair_till.read() as t, db.read() as s:
        assert server.reconciliation(s, FAIR) == till.reconciliation(t, FAIR)
        assert server.reconciliation(s, FAIR, "TIFAW") == till.reconciliation(
            t, FAIR, cooperative="TIFAW"
        )
        for coop in ("TIFAW", "LOUZ"):
            for scope, kwargs in (
                (server.Scope.of(FAIR), {"fair_code": FAIR}),
                (server.Scope.of(start=day, end=day), {"start": day, "end": day}),
            ):
                theirs = till.settlement(t, coop, **kwargs)
                ours = server.settlement(s, coop, scope)
                assert ours == theirs
                scope_code = till.scope_code(
                    kwargs.get("fair_code"), kwargs.get("start"), kwargs.get("end")
                )
                assert scope_code == scope.code
                assert server.statement_code(ours, scope) == rules.statement_code(
                    theirs, scope_code
                )
                # what the shop keeps plus what it owes is what was sold, net of refunds
                assert ours.payable_cents + ours.commission_cents == ours.net_sales_cents
    with db.read() as s:
        tifaw = server.settlement(s, "TIFAW", server.Scope.of(FAIR))
        louz = server.settlement(s, "LOUZ", server.Scope.of(FAIR))
        recon = server.reconciliation(s, FAIR)
        till_totals = s.execute(
            select(func.sum(StockMovement.quantity_milli)).where(
                StockMovement.location_code == STAND
            )
        ).scalar_one()
    assert till_totals == 0  # everything counted went back
    # 3 x 60 - 1 x 60 + 130 (TIFAW); 1.25 x 130 + 2 x 70 + 0.333 x 130 (LOUZ)
    assert tifaw.net_sales_cents == 25000 and tifaw.balance_cents == 25000 - 3750 - 5000
    assert louz.net_sales_cents == 16250 + 14000 + 4329
    assert sum(r.commission_cents for r in louz.sold) == louz.commission_cents
    variances = {r.sku: r.variance for r in recon.rows}
    assert variances == {
        "ARG-OIL-100": Decimal(1),
        "ARG-OIL-250": Decimal(0),
        "ALM-500": Decimal(-1),
        "ALM-VRAC": Decimal(0),
    }


def test_a_second_till_adds_its_sales_to_the_servers_statement(client, db, fair, fair_till):
    push_all(client, db, outbox(fair_till))
    other = enroll_stand(client, db)
    other.sale(("ARG-OIL-100", "1"))
    other.sync()
    with fair_till.read() as t, db.read() as s:
        alone = till.settlement(t, "TIFAW", fair_code=FAIR)
        both = server.settlement(s, "TIFAW", server.Scope.of(FAIR))
        names = {line.sku: line.name for line in alone.lines}
        extra = [
            replace(line, name=names[line.sku])
            for line in server.lines(s, "TIFAW", FAIR)
            if line.receipt_no.startswith("S02-")
        ]
    assert len(extra) == 1 and both.net_sales_cents == alone.net_sales_cents + 6000
    assert both == rules.settle("TIFAW", alone.title, [*alone.lines, *extra], alone.payouts)


def enroll_stand(client, db):
    from tests.server.conftest import enroll

    return enroll(client, db, STAND, prefix="S02")


def test_malformed_fair_events_are_quarantined_with_a_reason_not_a_crash(db, fair, new_till):
    """Issue 13: quarantined one by one (stored, acknowledged), no longer a 422."""
    stand = new_till(location=STAND, prefix="S01")
    for kind, payload, code in (
        (
            "fair.counted",
            {"fair": FAIR, "location": STAND, "counted_utc": "x", "counts": []},
            "invalid_event",
        ),
        (
            "fair.counted",
            {"fair": FAIR, "location": STAND, "counted_utc": "2026-11-22"},
            "invalid_event",
        ),
        (
            "fair.counted",
            {"fair": FAIR, "location": STAND, "counted_utc": "soon", "counts": {}},
            "invalid_time",
        ),
        ("fair.closed", {"fair": "", "closed_utc": "2026-11-22T10:00:00"}, "invalid_event"),
        (
            "payout.recorded",
            {"uuid": new_uuid(), "cooperative": "TIFAW", "amount": 1.5},
            "invalid_event",
        ),
        (
            "stock.movements",
            {
                "movements": [],
                "note": {"uuid": new_uuid(), "number": "X", "kind": "gift", "from": "A", "to": "B"},
            },
            "invalid_event",
        ),
    ):
        event = stand.event(kind, payload)
        answer = stand.push([event])
        assert answer.status_code == 200, (kind, answer.text)
        assert [q["code"] for q in answer.json()["quarantined"]] == [code], kind
        stand.acked = answer.json()["acked_through"]
    assert count(db, ConsignmentNote) == count(db, FairCount) == count(db, Payout) == 0


def test_head_office_commands(run, client, db, fair, fair_till, tmp_path, gui):
    push_all(client, db, outbox(fair_till))
    code, out, _ = run("shop", "--name", "Dar Tifawin", "--ice", "001234567000089")
    assert code == 0 and "Dar Tifawin" in out and "001234567000089" in out
    assert "Dar Tifawin" in run("shop")[1]

    code, out, err = run("payout", "add", "TIFAW", "20.50", "--method", "cheque", "--fair", FAIR)
    assert code == 1 and "cheque number" in err
    code, out, _ = run(
        "payout", "add", "tifaw", "20.50", "--method", "cheque", "--reference", "CHQ-1"
    )
    assert code == 0 and "20.50" in out and "TIFAW" in out

    code, out, _ = run("report", "reconciliation", "--fair", FAIR, "--format", "csv")
    assert code == 0
    rows = {line.split(",")[1]: line for line in out.strip().splitlines()[1:]}
    assert set(rows) == {"ALM-500", "ALM-VRAC", "ARG-OIL-100", "ARG-OIL-250"}
    code, out, _ = run("report", "reconciliation", "--fair", FAIR, "--coop", "LOUZ")
    assert code == 0 and "ALM-500" in out and "ARG-OIL" not in out

    code, out, _ = run("report", "settlement", "--coop", "TIFAW", "--fair", FAIR)
    assert code == 0 and "COOPOS:S:TIFAW:F=SOUK:" in out
    code, out, _ = run(
        "report", "settlement", "--coop", "TIFAW", "--fair", FAIR, "--format", "json"
    )
    data = json.loads(out)
    assert data["totals"]["gross"] == "250.00" and data["totals"]["commission"] == "37.50"
    code, out, _ = run(
        "report",
        "settlement",
        "--coop",
        "TIFAW",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--format",
        "csv",
    )
    assert code == 0 and "T01-000001" in out
    for fmt, suffix in (("pdf", "pdf"), ("xlsx", "xlsx"), ("slip", "png")):
        target = tmp_path / f"statement.{suffix}"
        code, out, _ = run(
            "report",
            "settlement",
            "--coop",
            "TIFAW",
            "--fair",
            FAIR,
            "--format",
            fmt,
            "--output",
            str(target),
            "--lang",
            "ar",
        )
        assert code == 0 and target.stat().st_size > 1000, fmt
    assert (tmp_path / "statement.pdf").read_bytes().startswith(b"%PDF")
    code, _, err = run("report", "settlement", "--coop", "TIFAW", "--format", "json")
    assert code == 1 and "--fair" in err
    code, _, err = run("report", "settlement", "--coop", "NOBODY", "--fair", FAIR)
    assert code == 1 and "Unknown cooperative" in err

    code, out, _ = run("coop", "access-code", "LOUZ")
    access = out.strip().splitlines()[1]
    assert code == 0 and re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", access)
    answer = client.post("/portal/login", data={"code": access}, follow_redirects=False)
    assert answer.headers["location"] == "/portal/coop/LOUZ"
    assert run("coop", "access-code", "NOBODY")[0] == 1
