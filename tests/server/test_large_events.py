"""Events too large for one push (issue 13, item 3), a real till and the server
in-process: a catalog import with stock goes in parts that the server projects once as a
whole, through a till killed between parts and lost answers; an event written whole by an
older coopos is split in place; and an event a server can never accept stops the push
with a clear error instead of being sent again forever.  The 50,000-row import is in
bench/sync_bench.py (``--large-import``); this one has a few thousand rows."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from coopos.config import log_dir
from coopos.db.models import AuditEntry, OutboxEvent, StockMovement
from coopos.db.models import Product as TillProduct
from coopos.protocol import parts
from coopos.protocol.limits import MAX_BODY_BYTES, MAX_EVENT_BYTES
from coopos.server import admin
from coopos.server.models import Event
from coopos.server.models import StockMovement as ServerMovement
from coopos.services import catalog, inventory, lookups, settings, shifts, sync
from coopos.services.checkout import Checkout
from coopos.services.context import Context
from coopos.services.sync_refusals import EventRefused
from coopos.sync.client import SyncFailure

SERVER = "http://testserver"
ROWS = 3_000  # about 0.8 MB of movements: a few parts


class Killed(BaseException):
    """The till's process dies here (nothing after it runs)."""


class Network:
    """The till's way to the server: it may kill the till after the server answered the
    ``kill_after``-th push, lose the answer of a push, or stand for a reverse proxy that
    refuses bodies above ``proxy_limit`` bytes (413, an HTML page), or a server that cannot
    read event ``unreadable`` (422)."""

    def __init__(self, client):
        self.client = client
        self.pushes = 0
        self.kill_after = 0
        self.lose_push = 0
        self.proxy_limit = 0
        self.unreadable: int | None = None  # a seq the server answers 422 for

    def request(self, method, url, **kwargs):
        push = "/sync/push" in url
        body = kwargs.get("content") or b""
        request = httpx.Request(method, url)
        if push and self.proxy_limit and len(body) > self.proxy_limit:
            page = "<html>413 Request Entity Too Large</html>"
            return httpx.Response(413, text=page, request=request)
        if push and self.unreadable in [e["seq"] for e in json.loads(body)["events"]]:
            self.pushes += 1
            detail = {"code": "invalid_event", "message": "the payload is invalid"}
            body = {"detail": {**detail, "seq": self.unreadable}}
            return httpx.Response(422, json=body, request=request)
        response = self.client.request(method, url, **kwargs)
        if push:
            self.pushes += 1
            if self.pushes == self.kill_after:
                raise Killed
            if self.pushes == self.lose_push:
                raise httpx.ReadTimeout("the answer was lost")
        return response


def catalog_csv(path: Path, rows: int, with_stock: bool) -> Path:
    lines = ["sku,name_fr,name_ar,cooperative,category,unit,price,vat_rate,stock"]
    for i in range(rows):
        unit, qty = ("kg", f"{i % 7}.250") if i % 5 == 0 else ("piece", str(i % 40 + 1))
        lines.append(
            f'IMP-{i:05d},"Huile ""argan"" {i}",زيت أركان {i},TIFAW,oil,{unit},12.50,10,'
            + (qty if with_stock else "")
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def outbox(ctx) -> list[OutboxEvent]:
    with ctx.read() as s:
        return s.execute(select(OutboxEvent).order_by(OutboxEvent.seq)).scalars().all()


def till_stock(ctx) -> dict[str, int]:
    with ctx.read() as s:
        rows = s.execute(
            select(TillProduct.sku, func.sum(StockMovement.quantity_milli))
            .join(TillProduct, TillProduct.id == StockMovement.product_id)
            .group_by(TillProduct.sku)
        )
        return dict(rows.all())


def server_stock(db) -> dict[str, int]:
    return {r["sku"]: r["quantity_milli"] for r in admin.stock(db, location="SHOP")}


def server_count(db, model) -> int:
    with db.read() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def enrolled_till(ctx, db, client, tmp_path):
    """A till enrolled with a server that has ``rows`` products (no stock yet), pulled."""

    def make(rows: int = 10) -> Context:
        admin.import_catalog(db, catalog_csv(tmp_path / "server.csv", rows, with_stock=False))
        sync.enroll(ctx, SERVER, admin.add_device(db).code, transport=client)
        sync.sync_once(ctx, client)
        return ctx

    return make


def test_an_import_with_stock_reaches_the_server_once_through_a_kill_between_parts(
    enrolled_till, db, client, tmp_path, db_path
):
    shop = enrolled_till(ROWS)
    summary = catalog.import_catalog(shop, catalog_csv(tmp_path / "till.csv", ROWS, True))
    assert summary.stock_lines == ROWS
    events = outbox(shop)
    assert {e.kind for e in events} == {parts.PART_KIND} and len(events) >= 3
    assert all(parts.size(e.payload) <= MAX_EVENT_BYTES for e in events)
    total = sum(parts.size(e.payload) for e in events)

    net = Network(client)
    net.kill_after = 2  # the server stored two parts, then the till's process died
    with pytest.raises(Killed):
        sync.sync_once(shop, net)
    shop.close()
    assert server_count(db, Event) == 2
    assert server_count(db, ServerMovement) == 0  # a part alone counts for nothing

    till = Context.open(db_path)  # the till starts again
    net = Network(client)
    net.lose_push = len(events) - 2  # the answer of the last part is lost
    with pytest.raises(SyncFailure, match="cannot be reached"):
        sync.sync_once(till, net)
    assert server_count(db, ServerMovement) == ROWS  # projected when the last part came
    report = sync.sync_once(till, net)  # resent: duplicates, nothing counted twice
    assert report.waiting == 0
    assert server_count(db, ServerMovement) == ROWS
    assert server_count(db, Event) == len(events)
    assert server_stock(db) == till_stock(till) and len(till_stock(till)) == ROWS
    assert total > MAX_EVENT_BYTES * 2  # it was one event of this size before
    till.close()


def test_an_event_too_large_from_an_older_till_is_split_in_place(enrolled_till, db, client):
    shop = enrolled_till()
    admin_id = admin_user(shop).id
    inventory.receive(shop, [("IMP-00001", "2")], admin_id)  # a normal event first
    movement = json.loads(outbox(shop)[0].payload)["movements"][0]
    # An older coopos wrote a count of a whole warehouse as one event above the body limit.
    many = [dict(movement, uuid=f"{n:032x}", quantity="1.000") for n in range(20_000)]
    with shop.write() as uow:
        uow._outbox_row("stock.movements", json.dumps({"movements": many}, ensure_ascii=False))
    inventory.receive(shop, [("IMP-00002", "3")], admin_id)  # and life went on
    before = outbox(shop)
    assert parts.size(before[1].payload) > MAX_BODY_BYTES

    report = sync.sync_once(shop, Network(client))
    assert report.waiting == 0
    after = outbox(shop)
    assert [e.seq for e in after] == list(range(1, len(after) + 1))  # no hole
    assert after[-1].uuid == before[-1].uuid and after[0].uuid == before[0].uuid
    assert {e.kind for e in after[1:-1]} == {parts.PART_KIND} and len(after) > 20
    stock = server_stock(db)
    assert stock["IMP-00001"] == 2000 + 20_000 * 1000 and stock["IMP-00002"] == 3000
    with shop.read() as s:
        actions = s.execute(select(AuditEntry.action)).scalars().all()
    assert "outbox_split" in actions
    with shop.write() as uow:  # the outbox's counter moved on with it
        assert uow.next_value("outbox") == len(after) + 1


def admin_user(ctx):
    with ctx.read() as s:
        return lookups.user_by_name(s, "Admin")


def sell(ctx):
    checkout = Checkout(ctx, admin_user(ctx))
    checkout.scan("IMP-00003", Decimal(1))
    checkout.start_payment()
    checkout.pay_exact()
    return checkout.complete()


def test_an_event_the_server_can_never_take_stops_the_push_not_the_till(
    enrolled_till, db, client, tmp_path
):
    shop = enrolled_till()
    shifts.open_shift(shop, admin_user(shop).id, 0)
    for _ in range(30):  # more than a 64 KB proxy lets through in one push
        sell(shop)
    catalog.import_catalog(shop, catalog_csv(tmp_path / "till.csv", 600, True))  # 160 KB
    sell(shop)
    events = outbox(shop)
    refused = next(e for e in events if e.kind == "stock.movements")

    net = Network(client)
    net.proxy_limit = 64 * 1024  # a reverse proxy in front of the server, set too low
    product = admin.get_product(db, "IMP-00003")
    admin.update_product(db, "IMP-00003", product["version"], {"price_cents": 999})
    with pytest.raises(EventRefused) as caught:
        sync.sync_once(shop, net)
    message = caught.value.message
    assert caught.value.retry is False
    assert f"event {refused.seq} (stock.movements" in message and "Nothing is lost" in message
    state = sync.state(shop)
    assert state.last_error == message and state.waiting == len(events) - refused.seq + 1
    # the sales before it went through, in smaller pushes; nothing after it was acknowledged
    assert server_count(db, Event) == refused.seq - 1
    with shop.read() as s:
        price = s.execute(select(TillProduct.price_cents).where(TillProduct.sku == "IMP-00003"))
        assert price.scalar_one() == 999  # the pull went on
        assert settings.get(s, "sync.refused")["uuid"] == refused.uuid
    reports = list(log_dir().glob("crash-*.txt"))
    assert any(refused.uuid in r.read_text(encoding="utf-8") for r in reports)

    pushes = net.pushes
    with pytest.raises(EventRefused):
        sync.sync_once(shop, net)  # an automatic round: it is not sent again
    assert net.pushes == pushes

    net.proxy_limit = 0  # support fixed the proxy; a person asks to sync now
    report = sync.sync_once(shop, net, retry_refused=True)
    assert report.waiting == 0 and sync.state(shop).last_error == ""
    assert server_count(db, ServerMovement) >= 600
    with shop.read() as s:
        assert settings.get(s, "sync.refused") is None


def test_an_event_the_server_cannot_read_is_named_and_not_sent_again_by_itself(
    enrolled_till, db, client
):
    shop = enrolled_till()
    for sku in ("IMP-00001", "IMP-00002", "IMP-00003"):
        inventory.receive(shop, [(sku, "2")], admin_user(shop).id)
    net = Network(client)
    net.unreadable = 2  # a server that cannot read event 2 (a bug on one side)
    with pytest.raises(EventRefused, match=r"event 2 \(stock.movements") as caught:
        sync.sync_once(shop, net)
    assert "the payload is invalid" in caught.value.message
    assert server_count(db, Event) == 0 and sync.state(shop).stopped_at == 2
    pushes = net.pushes
    with pytest.raises(EventRefused):
        sync.sync_once(shop, net)
    assert net.pushes == pushes  # automatic rounds do not hammer the server with it
    net.unreadable = None  # the server was fixed
    assert sync.sync_once(shop, net, retry_refused=True).waiting == 0
    assert not sync.state(shop).stopped_at and server_count(db, Event) == 3
