"""Issue 6's "done when", as a test: two tills enrolled on one server sell offline, one of
them with its server failing half-way and its replies lost; after they reconnect the
server holds every sale exactly once, stock per location adds up, and the catalog change
made meanwhile reached both tills."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from coopos.db.models import OutboxEvent, Product
from coopos.server import admin as server_admin
from coopos.server.app import create_app
from coopos.server.db import Database
from coopos.services import catalog, lookups, setup, shifts, sync
from coopos.services.checkout import Checkout
from coopos.services.context import Context
from coopos.sync.client import SyncFailure

SERVER = "http://server.test"


class ServerDied(Exception):
    """The server process died in the middle of a batch."""


class Network:
    """Between a till and the server: can be cut, and can lose the answer of a push after
    the server committed it."""

    def __init__(self, client: TestClient):
        self.client = client
        self.cut = False
        self.lose_answers = 0

    def request(self, method, url, **kwargs):
        if self.cut:
            raise httpx.ConnectError("no network")
        try:
            response = self.client.request(method, url, **kwargs)
        except ServerDied as exc:  # the connection breaks with the process
            raise httpx.RemoteProtocolError("server closed the connection") from exc
        if "/sync/push" in url and self.lose_answers:
            self.lose_answers -= 1
            raise httpx.ReadTimeout("the answer was lost")
        return response


def kill_server_during_next_batch(monkeypatch):
    """The next push stores its events, then the process dies before the commit: the
    server's transaction rolls back."""
    from coopos.server.sync import receive as server_sync  # where the push stores

    real = server_sync._store

    def store_then_die(*args, **kwargs):
        real(*args, **kwargs)
        monkeypatch.setattr(server_sync, "_store", real)
        raise ServerDied()

    monkeypatch.setattr(server_sync, "_store", store_then_die)


@pytest.fixture(params=["sqlite", "postgresql"])
def server_url(request, tmp_path):
    """The server's database: a SQLite file, or a fresh schema of the PostgreSQL named by
    $COOPOS_TEST_DATABASE_URL (skipped when unset), dropped afterwards."""
    import os
    import secrets

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from coopos.server.db import normalise_url

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.db'}"
        return
    base = os.environ.get("COOPOS_TEST_DATABASE_URL")
    if not base:
        pytest.skip("PostgreSQL: set COOPOS_TEST_DATABASE_URL")
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(normalise_url(base)).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def server(server_url, tmp_path, demo_path):
    db = Database.open(server_url)
    server_admin.init_server(db)
    server_admin.add_location(db, "STAND-AGA", "stand", "Stand Agadir")
    # head office's catalog: the demo shop's
    ctx = Context.open(demo_path)
    csv = tmp_path / "catalog.csv"
    catalog.export_catalog(ctx, csv, with_stock=True)
    ctx.close()
    server_admin.import_catalog(db, csv)
    app = create_app(database=db)
    with TestClient(app, base_url=SERVER) as client:
        yield db, client
    db.dispose()


def new_till(path, db, client, location, prefix) -> Context:
    """A fresh till: set up, enrolled, its catalog pulled from the server."""
    ctx = Context.open(path)
    setup.init_database(ctx, admin_pin="730518", shop_name="Stand")
    code = server_admin.add_device(db, location=location, prefix=prefix).code
    sync.enroll(ctx, SERVER, code, transport=client)
    sync.sync_once(ctx, client)
    return ctx


def sell(ctx, sku, qty=None):
    with ctx.read() as s:
        admin = lookups.user_by_name(s, "Admin")
    checkout = Checkout(ctx, admin)
    checkout.scan(sku, Decimal(qty) if qty else None)
    checkout.start_payment()
    checkout.pay_exact()
    return checkout.complete()


def price(ctx, sku) -> int:
    with ctx.read() as s:
        return s.execute(select(Product.price_cents).where(Product.sku == sku)).scalar_one()


def outbox_size(ctx) -> int:
    with ctx.read() as s:
        return s.execute(select(func.count()).select_from(OutboxEvent)).scalar_one()


def test_two_tills_offline_with_failures_end_consistent(server, tmp_path, monkeypatch):
    db, client = server
    till_a = new_till(tmp_path / "a.db", db, client, "SHOP", "A1")
    till_b = new_till(tmp_path / "b.db", db, client, "STAND-AGA", "B1")
    assert price(till_a, "SAF-1G") == price(till_b, "SAF-1G") == 4500
    for till in (till_a, till_b):
        with till.read() as s:
            admin = lookups.user_by_name(s, "Admin")
        shifts.open_shift(till, admin.id, 10000)

    net_a, net_b = Network(client), Network(client)
    net_a.cut = net_b.cut = True  # the fair's network is down all day
    sold_a = [sell(till_a, "SAF-1G").receipt_no for _ in range(5)]
    sold_b = [sell(till_b, "SAF-1G").receipt_no, sell(till_b, "AML-VRAC", "0.500").receipt_no]
    # meanwhile head office raises a price
    product = server_admin.get_product(db, "SAF-1G")
    server_admin.update_product(db, "SAF-1G", product["version"], {"price_cents": 4800})
    for till, net in ((till_a, net_a), (till_b, net_b)):
        with pytest.raises(SyncFailure):
            sync.sync_once(till, net)

    # The network comes back; till A's server dies in its first batch, then two of its
    # answers get lost on the way back.
    net_a.cut = net_b.cut = False
    kill_server_during_next_batch(monkeypatch)
    with pytest.raises(SyncFailure):
        sync.sync_once(till_a, net_a)
    net_a.lose_answers = 2
    for _attempt in range(5):
        try:
            sync.sync_once(till_a, net_a)
            break
        except SyncFailure:
            continue
    sync.sync_once(till_b, net_b)

    # Every event of both tills is on the server exactly once.
    from coopos.server.models import Event

    with db.read() as s:
        stored = s.execute(select(func.count()).select_from(Event)).scalar_one()
    assert stored == outbox_size(till_a) + outbox_size(till_b)
    found, _more = server_admin.sales(db, server_admin.SalesFilter(kind="sale"), limit=1000)
    receipts = sorted(row["receipt_no"] for row in found)
    assert receipts == sorted(sold_a + sold_b)
    assert len(set(receipts)) == len(receipts)  # numbers unique across tills
    # sold offline at the old price, kept
    assert {row["total_cents"] for row in found if row["receipt_no"] in sold_a} == {4500}
    # the price change reached both tills
    assert price(till_a, "SAF-1G") == price(till_b, "SAF-1G") == 4800
    # stock per location: head office's receipt at SHOP less the sales, per location
    stock = {(r["location"], r["sku"]): r for r in server_admin.stock(db)}
    shop_received = Decimal(
        next(r for (loc, sku), r in stock.items() if loc == "SHOP" and sku == "SAF-1G")["quantity"]
    )
    assert shop_received == Decimal(60) - 5
    stand = stock[("STAND-AGA", "SAF-1G")]
    assert Decimal(stand["quantity"]) == -1  # sold at the stand, never sent there
    for till in (till_a, till_b):
        till.close()
