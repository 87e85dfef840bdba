"""Hypothesis drives two tills and the server through random sales, syncs, network cuts,
lost answers, server deaths, price changes, backups, restores of a till from one of its
older backups, and revocations followed by re-enrollment.  Invariants: the acknowledged
sequence never goes backwards, no receipt number is ever issued twice, and after a full
sync every event any till ever made (before or after a restore) is on the server exactly
once, every sale ever confirmed too, and server stock is the sum of all movements."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from coopos.db.models import OutboxEvent, Product, Sale, StockMovement
from coopos.server import admin as server_admin
from coopos.server.app import create_app
from coopos.server.db import Database
from coopos.server.models import Device, Event
from coopos.services import backup, catalog, lookups, setup, shifts, sync
from coopos.services import settings as till_settings
from coopos.services.context import Context
from coopos.sync.client import DeviceNotAccepted, SyncFailure
from tests.integration.test_two_tills import SERVER, Network, ServerDied, sell

SKUS = ("SAF-1G", "AML-VRAC", "ARG-OIL-100", "CSC-VRAC")


@pytest.fixture(scope="module")
def world_template(tmp_path_factory, _demo_template):
    """A server with the demo catalog and two enrolled tills with open shifts, made once
    and copied for every example."""
    folder = tmp_path_factory.mktemp("sync-world")
    db = Database.open(f"sqlite:///{folder / 'server.db'}")
    server_admin.init_server(db)
    server_admin.add_location(db, "STAND", "stand", "Stand")
    demo = Context.open(_demo_template)
    csv = folder / "catalog.csv"
    catalog.export_catalog(demo, csv, with_stock=True)
    demo.close()
    server_admin.import_catalog(db, csv)
    with TestClient(create_app(database=db), base_url=SERVER) as client:
        for name, location, prefix in (("a", "SHOP", "A1"), ("b", "STAND", "B1")):
            ctx = Context.open(folder / f"{name}.db")
            setup.init_database(ctx, admin_pin="730518", shop_name=name)
            code = server_admin.add_device(db, location=location, prefix=prefix).code
            sync.enroll(ctx, SERVER, code, transport=client)
            sync.sync_once(ctx, client)
            with ctx.read() as s:
                admin = lookups.user_by_name(s, "Admin")
            shifts.open_shift(ctx, admin.id, 0)
            ctx.close()
    db.dispose()
    return folder


class SyncWorld(RuleBasedStateMachine):
    template: Path
    workdir: Path
    template_stock: dict[tuple[str, str], int]

    def __init__(self):
        super().__init__()
        SyncWorld.runs += 1
        here = self.workdir / f"run{SyncWorld.runs}"
        shutil.copytree(self.template, here)
        self.db = Database.open(f"sqlite:///{here / 'server.db'}")
        self.client = TestClient(create_app(database=self.db), base_url=SERVER)
        self.paths = [here / "a.db", here / "b.db"]
        self.tills = [Context.open(path) for path in self.paths]
        self.nets = [Network(self.client), Network(self.client)]
        self.acked: dict[int, int] = {}
        self.kill_next = False
        self.backups: list[list[Path]] = [[], []]
        self.issued: set[str] = set()  # every receipt number ever given to a customer
        self.events_ever: set[str] = set()  # every outbox event any till ever made
        self.movements_lost = False  # a restored till's own stock no longer adds up

    runs = 0

    @rule(till=st.integers(0, 1), sku=st.sampled_from(SKUS), qty=st.sampled_from([None, "2"]))
    def sell_something(self, till, sku, qty):
        if sku.endswith("VRAC"):
            qty = "0.250"
        receipt = sell(self.tills[till], sku, qty).receipt_no
        assert receipt not in self.issued  # never twice, whatever was restored
        self.issued.add(receipt)

    @rule(till=st.integers(0, 1))
    def take_a_backup(self, till):
        folder = self.paths[till].parent / f"backups-{till}"
        self.backups[till].append(
            backup.backup(self.paths[till], folder / f"b{len(self.backups[till])}.db")
        )

    @rule(till=st.integers(0, 1), which=st.integers(0, 5))
    def restore_an_older_backup(self, till, which):
        if not self.backups[till]:
            return
        self.events_ever |= self._uuids(self.tills[till])
        self.tills[till].close()
        chosen = self.backups[till][which % len(self.backups[till])]
        backup.restore(chosen, self.paths[till])
        self.tills[till] = Context.open(self.paths[till])
        self.movements_lost = True

    @rule(till=st.integers(0, 1))
    def revoke_then_reenroll(self, till):
        ctx = self.tills[till]
        with ctx.read() as s:
            device = till_settings.get(s, "sync.device_id")
            url = till_settings.get(s, "sync.url")
        server_admin.revoke_device(self.db, device)
        self.nets[till].cut, self.nets[till].lose_answers = False, 0
        with pytest.raises(DeviceNotAccepted):
            sync.sync_once(ctx, self.nets[till])
        assert sync.state(ctx).must_reenroll
        code = server_admin.reenroll_device(self.db, device).code
        sync.enroll(ctx, url, code, transport=self.client)

    @staticmethod
    def _uuids(ctx) -> set[str]:
        with ctx.read() as s:
            return set(s.execute(select(OutboxEvent.uuid)).scalars())

    @rule(till=st.integers(0, 1))
    def cut_or_restore_network(self, till):
        self.nets[till].cut = not self.nets[till].cut

    @rule(till=st.integers(0, 1), lose=st.integers(0, 2))
    def lose_answers(self, till, lose):
        self.nets[till].lose_answers = lose

    @rule()
    def server_will_die(self):
        self.kill_next = True

    @rule(till=st.integers(0, 1))
    def sync_round(self, till):
        from coopos.server.sync import receive as server_sync  # where the push stores

        real = server_sync._store
        if self.kill_next:
            self.kill_next = False

            def store_then_die(*args, **kwargs):
                real(*args, **kwargs)
                raise ServerDied()

            server_sync._store = store_then_die
        try:
            sync.sync_once(self.tills[till], self.nets[till])
        except SyncFailure:
            pass
        finally:
            server_sync._store = real

    @rule(cents=st.integers(100, 90000))
    def head_office_changes_a_price(self, cents):
        product = server_admin.get_product(self.db, "SAF-1G")
        server_admin.update_product(self.db, "SAF-1G", product["version"], {"price_cents": cents})

    @invariant()
    def acknowledged_sequence_never_goes_back(self):
        with self.db.read() as s:
            for device_id, acked in s.execute(select(Device.id, Device.acked_seq)):
                assert acked >= self.acked.get(device_id, 0)
                self.acked[device_id] = acked

    @invariant()
    def receipt_numbers_are_unique_on_the_server(self):
        found, _more = server_admin.sales(self.db, server_admin.SalesFilter(), limit=1000)
        numbers = [row["receipt_no"] for row in found]
        assert len(numbers) == len(set(numbers))

    @rule()
    def full_sync_then_check(self):
        for net in self.nets:
            net.cut, net.lose_answers = False, 0
        for till, net in zip(self.tills, self.nets, strict=True):
            sync.sync_once(till, net)
        with self.db.read() as s:
            stored = list(s.execute(select(Event.uuid)).scalars())
        local_receipts, local_stock = [], {}
        ever = set(self.events_ever)
        for till in self.tills:
            ever |= self._uuids(till)
            with till.read() as s:
                local_receipts += list(s.execute(select(Sale.receipt_no)).scalars())
        assert len(stored) == len(set(stored)) and set(stored) == ever  # each event once
        found, _more = server_admin.sales(self.db, server_admin.SalesFilter(), limit=1000)
        on_server = sorted(row["receipt_no"] for row in found)
        assert len(on_server) == len(set(on_server)) and set(on_server) == self.issued
        assert set(local_receipts) <= self.issued
        if self.movements_lost:  # a restored till no longer has its own later movements
            return
        # server stock = head office's receipts + the sum of the tills' movements
        for till, location in zip(self.tills, ("SHOP", "STAND"), strict=True):
            with till.read() as s:
                for sku, milli in s.execute(
                    select(Product.sku, func.sum(StockMovement.quantity_milli))
                    .join(Product, Product.id == StockMovement.product_id)
                    .group_by(Product.sku)
                ):
                    local_stock[(location, sku)] = local_stock.get((location, sku), 0) + milli
        levels = {
            (r["location"], r["sku"]): r["quantity_milli"] for r in server_admin.stock(self.db)
        }
        received = self.template_stock
        for key, milli in local_stock.items():
            assert levels.get(key, 0) == received.get(key, 0) + milli, key

    def teardown(self):
        self.client.close()
        for till in self.tills:
            till.close()
        self.db.dispose()


def test_random_syncs_keep_the_invariants(world_template, tmp_path):
    db = Database.open(f"sqlite:///{world_template / 'server.db'}")
    SyncWorld.template_stock = {
        (r["location"], r["sku"]): r["quantity_milli"] for r in server_admin.stock(db)
    }
    db.dispose()
    SyncWorld.template = world_template
    SyncWorld.workdir = tmp_path
    run_state_machine_as_test(
        SyncWorld,
        settings=settings(
            max_examples=15,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
