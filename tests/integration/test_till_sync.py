"""A till and the central server end to end (the server in-process through FastAPI's test
client, on SQLite): enroll, sell offline, push exactly once through lost answers, pull
the catalog, and a till with no server that never calls out."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from coopos.db.models import OutboxEvent, Product, Sale
from coopos.domain.errors import StateError, ValidationError
from coopos.server import admin as server_admin
from coopos.server.app import create_app
from coopos.server.db import Database
from coopos.services import settings, sync
from coopos.services.catalog import export_catalog
from coopos.services.checkout import Checkout
from coopos.sync.client import SyncFailure

SERVER = "http://server.test"


@pytest.fixture
def server(tmp_path):
    db = Database.open(f"sqlite:///{tmp_path / 'server.db'}")
    server_admin.init_server(db)
    app = create_app(database=db)
    with TestClient(app, base_url=SERVER) as client:
        yield db, client
    db.dispose()


class Flaky:
    """A transport that loses the answer of the next ``lose`` pushes after the server has
    handled them (the network dropped on the way back), or is offline altogether."""

    def __init__(self, inner: TestClient):
        self.inner = inner
        self.lose = 0
        self.offline = False
        self.pushes = 0

    def request(self, method, url, **kwargs):
        if self.offline:
            raise httpx.ConnectError("network is unreachable")
        response = self.inner.request(method, url, **kwargs)
        if "/sync/push" in url:
            self.pushes += 1
            if self.lose:
                self.lose -= 1
                raise httpx.ReadTimeout("the answer was lost")
        return response


def sell(ctx, user, sku="SAF-1G", qty=None):
    checkout = Checkout(ctx, user)
    checkout.scan(sku, Decimal(qty) if qty else None)
    checkout.start_payment()
    checkout.pay_exact()
    return checkout.complete()


def server_events(db) -> int:
    from coopos.server.models import Event

    with db.read() as s:
        return s.execute(select(func.count()).select_from(Event)).scalar_one()


def enrolled(demo, server, prefix="T01"):
    db, client = server
    code = server_admin.add_device(db, prefix=prefix).code
    sync.enroll(demo, SERVER, code, transport=client)
    return client


def test_a_till_without_a_server_works_alone(demo, users, open_shift):
    sell(demo, users["Fatima"])
    state = sync.state(demo)
    assert not state.configured and state.waiting > 0
    with pytest.raises(StateError, match="not enrolled"):
        sync.sync_once(demo)


def test_enroll_push_and_pull_through_lost_answers_and_an_offline_day(
    demo, users, open_shift, server
):
    db, client = server
    message = sync.enroll(demo, SERVER, server_admin.add_device(db, prefix="T01").code, client)
    assert "T01" in message and "SHOP" in message
    with demo.read() as s:
        assert settings.get(s, "device.prefix") == "T01" and settings.get(s, "sync.token")

    flaky = Flaky(client)
    flaky.offline = True  # a day at the fair without network: the till goes on selling
    receipts = [sell(demo, users["Fatima"]).receipt_no for _ in range(3)]
    with pytest.raises(SyncFailure, match="cannot be reached"):
        sync.sync_once(demo, flaky)
    state = sync.state(demo)
    assert state.waiting >= 3 and "cannot be reached" in state.last_error

    flaky.offline = False
    flaky.lose = 1  # the server stores the batch, the answer never arrives
    with pytest.raises(SyncFailure):
        sync.sync_once(demo, flaky)
    stored = server_events(db)
    report = sync.sync_once(demo, flaky)  # resent: acknowledged as duplicates
    assert report.waiting == 0 and server_events(db) == stored
    with demo.read() as s:
        total = s.execute(select(func.count()).select_from(OutboxEvent)).scalar_one()
    assert stored == total  # every outbox event exactly once
    found, _more = server_admin.sales(db, server_admin.SalesFilter(kind="sale"))
    assert sorted(row["receipt_no"] for row in found) == receipts
    assert sync.state(demo).last_error == ""


def test_new_prices_from_head_office_apply_to_new_sales_only(
    demo, users, open_shift, server, tmp_path
):
    db, client = server
    csv = tmp_path / "catalog.csv"
    export_catalog(demo, csv)
    server_admin.import_catalog(db, csv)
    enrolled(demo, server)
    before = sell(demo, users["Fatima"], "SAF-1G")  # sold offline at the old price
    product = server_admin.get_product(db, "SAF-1G")
    server_admin.update_product(db, "SAF-1G", product["version"], {"price_cents": 5000})
    report = sync.sync_once(demo, client)
    assert report.pulled > 0 and report.waiting == 0
    after = sell(demo, users["Fatima"], "SAF-1G")
    assert before.total == 4500 and after.total == 5000
    found, _more = server_admin.sales(db, server_admin.SalesFilter(kind="sale"))
    totals = {row["receipt_no"]: row["total_cents"] for row in found}
    assert totals[before.receipt_no] == 4500  # the offline sale kept its price


def test_enrollment_refuses_a_prefix_that_would_clash(demo, users, open_shift, server):
    db, client = server
    sell(demo, users["Fatima"])  # receipts T01-… already exist on this till
    code = server_admin.add_device(db, prefix="T07").code
    with pytest.raises(StateError, match="--prefix T01"):
        sync.enroll(demo, SERVER, code, transport=client)
    with demo.read() as s:
        assert not settings.get(s, "sync.token")  # nothing half-saved


def test_enrollment_errors_are_one_sentence(demo, server):
    _db, client = server
    with pytest.raises(ValidationError, match="https://"):
        sync.enroll(demo, "server.test", "ABC", transport=client)
    with pytest.raises(SyncFailure, match="refused"):
        sync.enroll(demo, SERVER, "WRONG-CODE", transport=client)


def test_a_revoked_till_is_told_to_enroll_again(demo, users, open_shift, server):
    db, client = server
    enrolled(demo, server)
    device_id = settings_value(demo, "sync.device_id")
    server_admin.revoke_device(db, device_id)
    sell(demo, users["Fatima"])
    with pytest.raises(SyncFailure, match="enroll it again") as caught:
        sync.sync_once(demo, client)
    assert caught.value.retry is False


def settings_value(ctx, key):
    with ctx.read() as s:
        return settings.get(s, key)


def test_pulled_products_are_found_by_the_till(demo, server, tmp_path):
    db, client = server
    csv = tmp_path / "catalog.csv"
    export_catalog(demo, csv)
    server_admin.import_catalog(db, csv)
    enrolled(demo, server)
    with demo.write() as uow:  # the till forgets a product; the pull brings it back
        p = uow.session.execute(select(Product).where(Product.sku == "AML-250")).scalar_one()
        p.price_cents = 1
    sync.sync_once(demo, client)
    with demo.read() as s:
        p = s.execute(select(Product).where(Product.sku == "AML-250")).scalar_one()
        assert p.price_cents == 6500


# -- over real HTTP: the command line and the server process ----------------------------


def test_cli_enroll_and_sync_over_http(demo_path, live_server, capsys):
    from coopos.cli import main

    db, url = live_server
    code = server_admin.add_device(db, prefix="T01").code
    db_arg = ["--db", str(demo_path)]
    assert main([*db_arg, "sync", "--status"]) == 0
    assert "not enrolled" in capsys.readouterr().out
    assert main([*db_arg, "enroll", url, code]) == 0
    assert "T01" in capsys.readouterr().out
    assert main([*db_arg, "shift", "open", "--user", "Fatima"]) == 0
    assert main([*db_arg, "sale", "--item", "SAF-1G", "--pay", "cash:exact"]) == 0
    capsys.readouterr()
    assert main([*db_arg, "sync"]) == 0
    out = capsys.readouterr().out
    assert "0 waiting" in out
    found, _more = server_admin.sales(db, server_admin.SalesFilter(kind="sale"))
    assert [row["receipt_no"] for row in found] == ["T01-000001"]
    assert main([*db_arg, "enroll", url, code]) == 1  # already enrolled: one sentence
    assert "already enrolled" in capsys.readouterr().err


def test_server_and_till_reconcile_a_period_the_same_way(demo, users, open_shift, server):
    """The same command on both sides: a location over days, from the same facts."""
    from datetime import date

    from coopos.server import consignment as server_consignment
    from coopos.services import consignment

    db, client = server
    enrolled(demo, server)
    sell(demo, users["Fatima"], "SAF-1G", "2")
    sell(demo, users["Fatima"], "AML-VRAC", "0.750")
    sync.sync_once(demo, client)
    with demo.read() as s:
        day = s.execute(select(func.max(Sale.created_local))).scalar()[:10]
        mine = consignment.reconciliation(
            s, None, date.fromisoformat(day), date.fromisoformat(day), "SHOP"
        )
    with db.read() as s:
        theirs = server_consignment.reconciliation(s, None, None, None, "SHOP", day, day)

    def figures(recon):
        return {
            r.sku: (r.opening + r.sent, r.sold, r.refunded, r.returned, r.counted, r.variance)
            for r in recon.rows
        }

    assert figures(mine) and figures(mine) == figures(theirs)
    assert figures(mine)["SAF-1G"][1] == 2
