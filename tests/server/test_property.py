"""Property: whatever the network does to batches (duplicates, resends, reorders, lost
replies, late deliveries), after a full sync every event is stored exactly once, the
acknowledged sequence never went backwards, receipt numbers are unique across tills and
server stock is the sum of the movements.  Bad events among them (issue 13) are stored,
acknowledged and quarantined, never block what follows and never count."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from coopos.server.models import Device, Event, Quarantine, Sale, StockMovement

SKUS = ["ARG-OIL-100", "ARG-OIL-250", "ALM-500", "ALM-VRAC"]
TILLS = 3


class NetworkOfTills(RuleBasedStateMachine):
    def __init__(self, client, db, new_till):
        super().__init__()
        self.client, self.db = client, db
        self.tills = [new_till() for _ in range(TILLS)]
        self.high = [0] * TILLS  # the largest acknowledgement each till was ever sent
        self.poisoned: set[tuple[str, int]] = set()  # (prefix, seq) of the bad events

    @rule(t=st.integers(0, TILLS - 1), sku=st.sampled_from(SKUS), qty=st.integers(1, 3))
    def sell(self, t, sku, qty):
        self.tills[t].sale((sku, str(qty)))

    @rule(
        t=st.integers(0, TILLS - 1),
        poison=st.sampled_from(["nul_name", "vat_100", "bitcoin", "negative_qty", "day_9999"]),
    )
    def sell_bad(self, t, poison):
        till = self.tills[t]
        event = till.sale(("ALM-500", "-1" if poison == "negative_qty" else "1"))
        payload = event["payload"]
        if poison == "nul_name":
            payload["lines"][0]["name"] = "Amandes\x00"
        elif poison == "vat_100":
            payload["lines"][0]["vat_rate"] = 100
        elif poison == "bitcoin":
            payload["payments"][0]["method"] = "bitcoin"
        elif poison == "day_9999":
            payload["created_local"] = "9999-99-99T10:00:00"
        self.poisoned.add((till.prefix, event["seq"]))

    @rule(t=st.integers(0, TILLS - 1), qty=st.integers(1, 20))
    def receive(self, t, qty):
        till = self.tills[t]
        till.stock(till.movement("ALM-500", Decimal(qty), "received", "BL"))

    @rule(
        t=st.integers(0, TILLS - 1),
        start=st.integers(0, 30),
        size=st.integers(1, 8),
        order=st.randoms(use_true_random=False),
        repeat=st.booleans(),
        reply_lost=st.booleans(),
    )
    def deliver(self, t, start, size, order, repeat, reply_lost):
        """Any slice of the outbox, shuffled, maybe twice, maybe with its reply lost."""
        till = self.tills[t]
        if not till.outbox:
            return
        start = min(start, len(till.outbox) - 1)
        batch = till.outbox[start : start + size]
        order.shuffle(batch)
        if repeat:
            batch += batch[: len(batch) // 2 + 1]
        answer = till.push(batch)
        body = answer.json()
        if answer.status_code == 200:
            acked = body["acked_through"]
            assert body["duplicates"] + body["stored"] == len(batch)
        else:
            assert answer.status_code == 409, answer.text
            assert body["detail"]["code"] == "sequence_gap"
            acked = body["detail"]["acked_through"]
            assert body["detail"]["expected"] == acked + 1
        assert acked >= self.high[t]  # never backwards
        self.high[t] = acked
        if not reply_lost and answer.status_code == 200:
            till.acked = max(till.acked, acked)

    @rule(t=st.integers(0, TILLS - 1))
    def full_sync(self, t):
        self.tills[t].sync(batch=5)

    @invariant()
    def server_never_holds_more_than_was_sent(self):
        counts = self._stored()
        for till in self.tills:
            assert counts.get(till.prefix, 0) <= len(till.outbox)

    def _stored(self) -> dict[str, int]:
        with self.db.read() as s:
            return dict(
                s.execute(
                    select(Device.receipt_prefix, func.count(Event.id))
                    .join(Event, Event.device_id == Device.id)
                    .group_by(Device.receipt_prefix)
                ).all()
            )

    def teardown(self):
        for till in self.tills:
            till.sync(batch=7)
        with self.db.read() as s:
            for till in self.tills:
                uuids = s.execute(
                    select(Event.uuid, Event.seq)
                    .join(Device, Device.id == Event.device_id)
                    .where(Device.receipt_prefix == till.prefix)
                    .order_by(Event.seq)
                ).all()
                assert [(e["uuid"], e["seq"]) for e in till.outbox] == [tuple(r) for r in uuids]
            receipts = s.execute(select(Sale.receipt_no)).scalars().all()
            assert len(receipts) == len(set(receipts))
            mine = {t.prefix for t in self.tills}
            held = set(
                s.execute(
                    select(Device.receipt_prefix, Event.seq)
                    .join(Event, Event.device_id == Device.id)
                    .join(Quarantine, Quarantine.event_id == Event.id)
                    .where(Device.receipt_prefix.in_([t.prefix for t in self.tills]))
                ).all()
            )
            assert held == self.poisoned  # exactly the bad ones, none of the others
            sold = Counter()
            for till in self.tills:
                for event in till.outbox:
                    if (till.prefix, event["seq"]) in self.poisoned:
                        continue  # quarantined: counts nowhere
                    for move in event["payload"].get("stock_movements", []) + event["payload"].get(
                        "movements", []
                    ):
                        sold[move["sku"]] += int(Decimal(move["quantity"]) * 1000)
            moved = dict(
                s.execute(
                    select(StockMovement.sku, func.sum(StockMovement.quantity_milli))
                    .join(Device, Device.id == StockMovement.device_id)
                    .where(Device.receipt_prefix.in_(mine))
                    .group_by(StockMovement.sku)
                ).all()
            )
            assert moved == {sku: q for sku, q in sold.items()}
            total = dict(
                s.execute(
                    select(StockMovement.sku, func.sum(StockMovement.quantity_milli)).group_by(
                        StockMovement.sku
                    )
                ).all()
            )
        rows = self.client.get("/v1/stock", headers=self.tills[0].headers).json()["rows"]
        assert {r["sku"]: r["quantity_milli"] for r in rows} == total


def test_every_event_is_stored_exactly_once(client, db, new_till):
    run_state_machine_as_test(
        lambda: NetworkOfTills(client, db, new_till),
        settings=settings(
            max_examples=12,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
