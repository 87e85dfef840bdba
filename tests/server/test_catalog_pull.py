"""Head office owns the catalog: versioned edits (a stale one is a 409), and a pull
stream in commit order that never skips a change committed late."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from coopos.server import admin, sync
from coopos.server.models import Product


def pull_all(client, headers, cursor=0, limit=500):
    changes = []
    while True:
        page = client.get(f"/v1/sync/pull?cursor={cursor}&limit={limit}", headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        changes += body["changes"]
        cursor = body["cursor"]
        if not body["more"]:
            return changes, cursor


def test_pull_pages_through_the_catalog_with_references_first(client, db, till):
    admin.add_fair(db, "SIAM", "SIAM", "Meknes")
    admin.add_location(db, "STAND1", "stand", "Stand", fair="SIAM")
    admin.add_user(db, "Fatima", "seller", "1111")
    changes, cursor = pull_all(client, till.headers, limit=3)
    cursors = [c["cursor"] for c in changes]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)
    assert cursor == cursors[-1]
    seen: set[tuple[str, str]] = set()
    for change in changes:  # applying in order never meets an unknown reference
        data = change["data"]
        if change["entity"] == "product":
            assert ("cooperative", data["cooperative"]) in seen
            assert ("category", data["category"]) in seen
        if change["entity"] == "location" and data["fair"]:
            assert ("fair", data["fair"]) in seen
        seen.add((change["entity"], change["key"]))
    products = {c["key"]: c["data"] for c in changes if c["entity"] == "product"}
    assert products["ARG-OIL-100"]["price_cents"] == 6000
    assert products["ARG-OIL-100"]["barcodes"] == ["6111000000011"]
    user = next(c["data"] for c in changes if c["entity"] == "user")
    assert user["name"] == "Fatima" and user["role"] == "seller"
    assert user["pin_hash"].startswith("scrypt$")
    # nothing new: same cursor, no more
    again = client.get(f"/v1/sync/pull?cursor={cursor}", headers=till.headers).json()
    assert again == {"changes": [], "cursor": cursor, "more": False}


def test_a_price_edit_reaches_the_next_pull(client, db, till):
    _, cursor = pull_all(client, till.headers)
    token = admin.new_admin_token(db, "hq")[1]
    hq = {"Authorization": f"Bearer {token}"}
    product = client.get("/v1/catalog/products/ARG-OIL-100", headers=hq).json()
    edit = client.put(
        "/v1/catalog/products/ARG-OIL-100",
        json={"version": product["version"], "price_cents": 6500, "barcodes": ["6111000000999"]},
        headers=hq,
    )
    assert edit.status_code == 200, edit.text
    assert edit.json()["version"] == product["version"] + 1
    changes, _ = pull_all(client, till.headers, cursor)
    assert [(c["entity"], c["key"]) for c in changes] == [("product", "ARG-OIL-100")]
    assert changes[0]["data"]["price_cents"] == 6500
    assert changes[0]["data"]["barcodes"] == ["6111000000999"]


def test_a_stale_edit_is_refused_not_overwritten(client, db, till):
    token = admin.new_admin_token(db)[1]
    hq = {"Authorization": f"Bearer {token}"}
    version = client.get("/v1/catalog/products/ALM-500", headers=hq).json()["version"]
    first = client.put(
        "/v1/catalog/products/ALM-500", json={"version": version, "price_cents": 7500}, headers=hq
    )
    assert first.status_code == 200
    stale = client.put(
        "/v1/catalog/products/ALM-500", json={"version": version, "price_cents": 100}, headers=hq
    )
    assert stale.status_code == 409
    assert stale.json()["detail"]["code"] == "stale_version"
    assert stale.json()["detail"]["current_version"] == version + 1
    assert admin.get_product(db, "ALM-500")["price_cents"] == 7500
    # a device may read the catalog but not edit it
    denied = client.put(
        "/v1/catalog/products/ALM-500", json={"version": version + 1}, headers=till.headers
    )
    assert denied.status_code == 403 and denied.json()["detail"]["code"] == "admin_only"
    missing = client.put("/v1/catalog/products/NOPE", json={"version": 1}, headers=hq)
    assert missing.status_code == 404
    taken = client.put(
        "/v1/catalog/products/ALM-500",
        json={"version": version + 1, "barcodes": ["6111000000011"]},  # ARG-OIL-100's
        headers=hq,
    )
    assert taken.status_code == 422
    admin.revoke_admin_token(db, 1)
    revoked = client.get("/v1/catalog/products/ALM-500", headers=hq)
    assert revoked.status_code == 403 and revoked.json()["detail"]["code"] == "token_revoked"


def test_a_concurrent_edit_between_read_and_write_is_a_conflict(db, catalog):
    """Two editors read version 1; the second to write gets 409, even though its own
    read was fresh when it started."""
    version = admin.get_product(db, "ALM-500")["version"]
    read_done, first_committed = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def slow_editor():
        def work(log):
            product = log.session.execute(
                select(Product).where(Product.sku == "ALM-500")
            ).scalar_one()
            read_done.set()
            first_committed.wait(10)
            product.price_cents = 1
            product.updated_utc = log.now
            log.touch(product)
            log.session.flush()

        try:
            sync.catalog_write(db, work, attempts=1)
        except Exception as exc:
            outcome["error"] = exc

    if db.dialect == "sqlite":
        pytest.skip("SQLite has one writer at a time: the edits cannot interleave")
    thread = threading.Thread(target=slow_editor)
    thread.start()
    read_done.wait(10)
    admin.update_product(db, "ALM-500", version, {"price_cents": 7100})
    first_committed.set()
    thread.join(10)
    assert type(outcome.get("error")).__name__ == "StaleDataError"
    assert admin.get_product(db, "ALM-500")["price_cents"] == 7100


def test_a_cursor_from_another_database_is_refused(client, till):
    answer = client.get("/v1/sync/pull?cursor=999999", headers=till.headers)
    assert answer.status_code == 409
    assert answer.json()["detail"]["code"] == "cursor_ahead"


def _edit(db, sku: str, price: int) -> None:
    def work(log):
        product = log.session.execute(select(Product).where(Product.sku == sku)).scalar_one()
        product.price_cents = price
        product.updated_utc = log.now
        log.touch(product)

    sync.catalog_write(db, work)


def test_a_transaction_that_starts_first_and_commits_last_is_not_skipped(db, catalog):
    """The trap: numbers taken when a transaction writes follow start order.  T1 writes
    first but commits last; a till pulling between the two commits must still get T1's
    change at its next pull."""
    if db.dialect != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL); SQLite serialises them")
    start = sync.pull(db, 0, 1000).cursor
    t1_wrote, t1_may_commit = threading.Event(), threading.Event()

    def t1():
        def work(log):
            product = log.session.execute(
                select(Product).where(Product.sku == "ARG-OIL-100")
            ).scalar_one()
            product.price_cents = 1111
            product.updated_utc = log.now
            log.touch(product)
            log.session.flush()  # T1's row is written (and locked) before T2 begins
            t1_wrote.set()
            t1_may_commit.wait(10)

        sync.catalog_write(db, work)

    thread = threading.Thread(target=t1)
    thread.start()
    assert t1_wrote.wait(10)
    _edit(db, "ALM-500", 2222)  # T2: starts after T1, commits before it

    between = sync.pull(db, start)
    assert [c["key"] for c in between.changes] == ["ALM-500"]
    t1_may_commit.set()
    thread.join(10)

    after = sync.pull(db, between.cursor)
    assert [c["key"] for c in after.changes] == ["ARG-OIL-100"]
    assert after.changes[0]["data"]["price_cents"] == 1111
    assert after.changes[0]["cursor"] > between.cursor


def test_a_writer_waits_for_the_clock_until_the_holder_commits(db, catalog):
    """Once T1 took its numbers, T2 cannot take larger ones (and commit) before T1
    commits: readers never see a hole that fills later."""
    if db.dialect != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL); SQLite serialises them")
    start = sync.pull(db, 0, 1000).cursor
    numbered, release = threading.Event(), threading.Event()
    done: list[str] = []

    def t1():
        with db.write() as session:
            log = sync.ChangeLog(session, db.now())
            product = session.execute(
                select(Product).where(Product.sku == "ARG-OIL-100")
            ).scalar_one()
            product.price_cents = 3333
            product.updated_utc = log.now
            log.touch(product)
            log.finish()
            numbered.set()
            release.wait(10)
            done.append("t1")  # before the commit: T2 cannot end before it (no race)

    def t2():
        _edit(db, "ALM-500", 4444)
        done.append("t2")

    first = threading.Thread(target=t1)
    first.start()
    assert numbered.wait(10)
    second = threading.Thread(target=t2)
    second.start()
    second.join(0.5)
    assert second.is_alive() and done == []  # blocked on the clock row
    assert sync.pull(db, start).changes == []  # T1's number is not visible yet
    release.set()
    first.join(10)
    second.join(10)
    assert done == ["t1", "t2"]
    keys = [c["key"] for c in sync.pull(db, start).changes]
    assert keys == ["ARG-OIL-100", "ALM-500"]
