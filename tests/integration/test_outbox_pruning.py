"""Acknowledged outbox rows are pruned after their retention (docs/sync.md, Pruning): never
an unacknowledged row, never the newest acknowledged one, never a business row or the
audit log; a restored till still recovers; a server that asks again for pruned events
gets a clear, typed refusal instead of a loop.  The real till against the real server
(in-process, on SQLite)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from coopos.db.models import OutboxEvent
from coopos.server import admin as server_admin
from coopos.server.app import create_app
from coopos.server.db import Database
from coopos.server.models import Sale as ServerSale
from coopos.services import audit, backup, settings, shifts, storage, sync
from coopos.services.context import Context
from tests.integration.test_till_sync import sell as till_sale

SERVER = "http://server.test"
BUSINESS = ("sales", "sale_lines", "sale_payments", "sale_vat", "stock_movements", "audit_log")


@pytest.fixture
def server(tmp_path):
    path = tmp_path / "server.db"
    db = Database.open(f"sqlite:///{path}")
    server_admin.init_server(db)
    with TestClient(create_app(database=db), base_url=SERVER) as client:
        yield db, client, path
    db.dispose()


class Counting:
    """The real server, counting the pushes."""

    def __init__(self, inner: TestClient):
        self.inner = inner
        self.pushes = 0

    def request(self, method, url, **kwargs):
        self.pushes += "/sync/push" in url
        return self.inner.request(method, url, **kwargs)


@pytest.fixture
def shop(demo, users, server):
    db, client, _path = server
    sync.enroll(demo, SERVER, server_admin.add_device(db, prefix="T01").code, transport=client)
    shifts.open_shift(demo, users["Fatima"].id, 0)
    return demo


def sell(ctx, user) -> str:
    return till_sale(ctx, user).receipt_no


def outbox(ctx) -> dict[int, bool]:
    """seq -> acknowledged."""
    with ctx.read() as s:
        rows = s.execute(select(OutboxEvent.seq, OutboxEvent.acked_utc)).all()
    return {seq: acked is not None for seq, acked in rows}


def counts(ctx) -> dict[str, int]:
    with ctx.read() as s:
        return {t: s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in BUSINESS}


def later(ctx, days: int):
    return ctx.clock.now().utc + timedelta(days=days)


def server_receipts(db) -> list[str]:
    with db.read() as s:
        return sorted(s.execute(select(ServerSale.receipt_no)).scalars())


def copy_sqlite(source, dest) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def test_only_old_acknowledged_rows_go_and_business_rows_stay(shop, users, server):
    _db, client, _path = server
    for _ in range(4):
        sell(shop, users["Fatima"])
    sync.sync_once(shop, client)
    unsent = [sell(shop, users["Fatima"]) for _ in range(2)]  # not sent yet
    before, business = outbox(shop), counts(shop)
    acked = sorted(seq for seq, done in before.items() if done)
    assert len(acked) >= 5 and len(before) - len(acked) >= len(unsent)

    assert storage.prune_outbox(shop, now=later(shop, 29)).rows == 0  # within the retention
    done = storage.prune_outbox(shop, now=later(shop, 31), batch=2)  # several transactions
    after = outbox(shop)
    assert done.rows == len(acked) - 1 and done.through == acked[-2]
    assert set(after) == {acked[-1]} | {seq for seq, ok in before.items() if not ok}
    assert counts(shop) == business  # sales, lines, payments, stock, audit: all there
    assert audit.verify(shop).ok
    with shop.read() as s:
        assert storage.pruned_through(s) == acked[-2]
    assert storage.prune_outbox(shop, now=later(shop, 400)).rows == 0  # the newest stays

    report = sync.sync_once(shop, client)  # the rest is sent as usual
    assert report.waiting == 0


def test_the_retention_is_a_setting_and_zero_keeps_everything(shop, users, server):
    _db, client, _path = server
    sell(shop, users["Fatima"])
    sell(shop, users["Fatima"])
    sync.sync_once(shop, client)
    settings.update(shop, {"outbox.retention_days": "0"})
    assert storage.prune_outbox(shop, now=later(shop, 999)).rows == 0
    settings.update(shop, {"outbox.retention_days": 90})
    assert storage.prune_outbox(shop, now=later(shop, 60)).rows == 0
    assert storage.prune_outbox(shop, now=later(shop, 91)).rows > 0


def test_a_till_restored_after_pruning_recovers_and_loses_nothing(
    shop, demo_path, users, server, clock, tmp_path
):
    db, client, _path = server
    fatima = users["Fatima"]
    sold = [sell(shop, fatima) for _ in range(3)]
    sync.sync_once(shop, client)
    storage.prune_outbox(shop, now=later(shop, 31))
    older = backup.backup(demo_path, tmp_path / "older.db")  # pruned already
    sold += [sell(shop, fatima) for _ in range(3)]
    sync.sync_once(shop, client)
    storage.prune_outbox(shop, now=later(shop, 31))
    sold += [sell(shop, fatima) for _ in range(2)]  # never sent before the restore
    shop.close()

    restored = backup.restore(older, demo_path)
    assert restored.report.carried == 2
    till = Context.open(demo_path, clock=clock)
    try:
        sold.append(sell(till, fatima))  # offline, numbered after the replaced database
        report = sync.sync_once(till, client)
        assert report.waiting == 0 and not sync.state(till).recovering
        sold.append(sell(till, fatima))
        assert sync.sync_once(till, client).waiting == 0
    finally:
        till.close()
    assert server_receipts(db) == sorted(sold)  # every sale once, no number twice


def test_a_server_asking_again_for_pruned_events_gets_a_clear_refusal(shop, users, server):
    _db, client, path = server
    fatima = users["Fatima"]
    sell(shop, fatima)
    sync.sync_once(shop, client)
    server_backup = path.with_name("server-backup.db")
    copy_sqlite(path, server_backup)  # head office's backup of the server
    for _ in range(3):
        sell(shop, fatima)
    sync.sync_once(shop, client)
    storage.prune_outbox(shop, now=later(shop, 31))
    copy_sqlite(server_backup, path)  # the server restored: it lost the last 3 sales
    sell(shop, fatima)

    counting = Counting(client)
    with pytest.raises(storage.EventsPruned) as raised:
        sync.sync_once(shop, counting)
    assert counting.pushes == 1  # said at once, not asked again and again
    error = raised.value
    assert error.asked <= error.pruned_through and not error.retry
    assert "deleted events up to number" in error.message
    state = sync.state(shop)
    assert state.status == sync.SyncStatus.REFUSED and state.last_error == error.message
    assert state.waiting == 1  # the new sale is kept, unsent
    with pytest.raises(storage.EventsPruned):
        sync.sync_once(shop, counting)  # the next round says the same, once
    assert counting.pushes == 2


def test_the_newest_acknowledged_row_stays_for_recovery(shop, users, server):
    _db, client, _path = server
    for _ in range(3):
        sell(shop, users["Fatima"])
    sync.sync_once(shop, client)
    with shop.read() as s:
        newest = s.execute(
            select(func.max(OutboxEvent.seq)).where(OutboxEvent.acked_utc.is_not(None))
        ).scalar()
    storage.prune_outbox(shop, now=later(shop, 365))
    assert outbox(shop) == {newest: True}
