"""A restored or revoked till finds its place again (docs/sync.md, Recovery), on SQLite
and PostgreSQL: the real till (the demo shop) against the server.

Invariants checked every time: every sale the till ever confirmed to a seller is on the
server exactly once, no receipt number was issued twice, and sync is not stuck."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from coopos.db.models import OutboxEvent
from coopos.domain.errors import NumbersOnHold
from coopos.server import admin
from coopos.server.models import Event, EventFlag, Sale
from coopos.services import backup, shifts, sync
from coopos.services.checkout import Checkout
from coopos.services.context import Context
from coopos.sync.client import DeviceNotAccepted, PrefixMismatch, SequenceConflict

URL = "http://testserver"


def sell(ctx, user) -> str:
    checkout = Checkout(ctx, user)
    checkout.scan("SAF-1G")
    checkout.start_payment()
    checkout.pay_exact()
    return checkout.complete().receipt_no


def server_receipts(db) -> list[str]:
    with db.read() as s:
        return sorted(s.execute(select(Sale.receipt_no)).scalars())


def server_uuids(db) -> list[str]:
    with db.read() as s:
        return list(s.execute(select(Event.uuid)).scalars())


def local_uuids(ctx) -> set[str]:
    with ctx.read() as s:
        return set(s.execute(select(OutboxEvent.uuid)).scalars())


def no_flags(db, code: str) -> bool:
    with db.read() as s:
        return not s.execute(select(EventFlag.id).where(EventFlag.code == code)).first()


@pytest.fixture
def shop(demo, users, client, db):
    """The demo shop enrolled (prefix T01) with a shift open."""
    sync.enroll(demo, URL, admin.add_device(db, prefix="T01").code, transport=client)
    shifts.open_shift(demo, users["Fatima"].id, 0)
    return demo


def test_a_till_restored_from_an_older_backup_continues_and_loses_nothing(
    shop, demo_path, users, client, db, clock, tmp_path
):
    fatima = users["Fatima"]
    sold = [sell(shop, fatima) for _ in range(2)]
    sync.sync_once(shop, client)
    older = backup.backup(demo_path, tmp_path / "older.db")
    sold += [sell(shop, fatima) for _ in range(3)]
    sync.sync_once(shop, client)  # the server has 5 sales; the backup 2
    sold += [sell(shop, fatima) for _ in range(2)]  # confirmed, never sent before the restore
    ever = local_uuids(shop)
    shop.close()

    restored = backup.restore(older, demo_path)
    assert restored.report.carried >= 2 and not restored.report.held
    till = Context.open(demo_path, clock=clock)
    try:
        assert sync.state(till).recovering
        offline = sell(till, fatima)  # offline, before it speaks to the server
        assert offline == "T01-000008"  # after the 7 the replaced database had issued
        sold.append(offline)
        ever |= local_uuids(till)
        report = sync.sync_once(till, client)
        assert report.waiting == 0 and not sync.state(till).recovering
        sold.append(sell(till, fatima))
        sync.sync_once(till, client)
        ever |= local_uuids(till)
    finally:
        till.close()
    assert sold[-1] == "T01-000009"
    assert server_receipts(db) == sorted(sold)  # every sale once, no number twice
    on_server = server_uuids(db)
    assert len(on_server) == len(set(on_server)) and set(on_server) == ever
    assert no_flags(db, "receipt_collision") and no_flags(db, "duplicate_document")


def test_a_till_restored_on_a_new_laptop_waits_for_the_server_before_numbering(
    shop, demo_path, users, client, db, clock, tmp_path
):
    fatima = users["Fatima"]
    older = backup.backup(demo_path, tmp_path / "older.db")
    sold = [sell(shop, fatima) for _ in range(4)]
    sync.sync_once(shop, client)
    shop.close()

    laptop = tmp_path / "new-laptop" / "coopos.db"  # the old laptop is gone
    restored = backup.restore(older, laptop)
    assert restored.safety is None and restored.report.held
    till = Context.open(laptop, clock=clock)
    try:
        state = sync.state(till)
        assert state.numbers_held and state.recovering
        with pytest.raises(NumbersOnHold):
            sell(till, fatima)  # it cannot know T01-000001..4 are taken
        sync.sync_once(till, client)
        assert not sync.state(till).numbers_held
        sold.append(sell(till, fatima))
        sync.sync_once(till, client)
        assert sync.state(till).waiting == 0
    finally:
        till.close()
    assert sold[-1] == "T01-000005"
    assert server_receipts(db) == sorted(sold)
    assert no_flags(db, "receipt_collision")


def test_a_revoked_till_is_reenrolled_with_a_new_code_and_keeps_its_unsent_sales(
    shop, demo_path, users, client, db, capsys
):
    fatima = users["Fatima"]
    sold = [sell(shop, fatima) for _ in range(2)]
    sync.sync_once(shop, client)
    device = sync.state(shop)
    with shop.read() as s:
        from coopos.services import settings

        device_id = settings.get(s, "sync.device_id")
    admin.revoke_device(db, device_id)
    sold += [sell(shop, fatima) for _ in range(2)]  # it goes on selling meanwhile
    with pytest.raises(DeviceNotAccepted):
        sync.sync_once(shop, client)
    state = sync.state(shop)
    assert state.must_reenroll and state.status == sync.SyncStatus.REENROLL
    assert state.waiting >= 2 and device.configured
    from coopos.cli import main

    assert main(["--db", str(demo_path), "sync", "--status"]) == 0
    out = capsys.readouterr().out
    assert "must be re-enrolled: ask head office" in out and "try again" not in out

    other = admin.add_device(db, prefix="T09").code  # a code for another till
    with pytest.raises(PrefixMismatch):
        sync.enroll(shop, URL, other, transport=client)
    code = admin.reenroll_device(db, device_id).code
    sync.enroll(shop, URL, code, transport=client)
    report = sync.sync_once(shop, client)
    assert report.waiting == 0 and sync.state(shop).status == sync.SyncStatus.OK
    sold.append(sell(shop, fatima))
    sync.sync_once(shop, client)
    assert server_receipts(db) == sorted(sold)
    on_server = server_uuids(db)
    assert len(on_server) == len(set(on_server)) == len(local_uuids(shop))
    # the code for T09 was not used up by the wrong till
    assert client.post("/v1/enroll", json={"code": other}).status_code == 200


def test_a_database_copied_back_by_hand_is_noticed_and_lined_up(
    shop, demo_path, users, client, db, clock, tmp_path
):
    """Without coopos restore nothing marks the copy: the first push meets events of the
    other history (sequence_conflict), the round lines up after them and goes on."""
    fatima = users["Fatima"]
    sell(shop, fatima)
    sync.sync_once(shop, client)
    older = backup.backup(demo_path, tmp_path / "older.db")
    sell(shop, fatima)
    sync.sync_once(shop, client)
    shop.close()
    import shutil

    shutil.copyfile(older, demo_path)
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"{demo_path.name}{suffix}").unlink(missing_ok=True)
    till = Context.open(demo_path, clock=clock)
    try:
        sell(till, fatima)
        sync.sync_once(till, client)  # no SequenceConflict: recovered within the round
        assert sync.state(till).waiting == 0
        ever = local_uuids(till)
    finally:
        till.close()
    on_server = server_uuids(db)
    assert len(on_server) == len(set(on_server)) and ever <= set(on_server)


def test_the_server_tells_a_device_where_it_stands(till, client, db):
    sale = till.sale(("ARG-OIL-100", "1"))
    till.event(
        "stock.movements",
        {
            "movements": [],
            "note": {
                "uuid": "0" * 31 + "1",
                "number": f"BL-{till.prefix}-00007",
                "kind": "dispatch",
                "fair": None,
                "from": "COOP:TIFAW",
                "to": till.location,
            },
        },
    )
    till.close_shift()
    till.sync()
    answer = client.post(
        "/v1/sync/state",
        json={"uuids": [sale["uuid"], "f" * 32]},
        headers=till.headers,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["acked_through"] == 3 and body["receipt_prefix"] == till.prefix
    assert body["numbers"] == {"receipt": 1, "note:dispatch": 7, "z_report": 1}
    assert body["held"] == {sale["uuid"]: 1}
    admin_token = admin.new_admin_token(db)[1]
    refused = client.post(
        "/v1/sync/state", json={"uuids": []}, headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert refused.status_code == 403


def test_a_conflict_that_recovery_cannot_explain_stops_with_its_type(shop, users, client, db):
    """Another device already sent an event under the uuid of this till's next one: after
    one recovery the round stops with SequenceConflict, says so, and keeps the event."""
    sell(shop, users["Fatima"])
    with shop.read() as s:
        uuid = (
            s.execute(
                select(OutboxEvent.uuid)
                .where(OutboxEvent.acked_utc.is_(None))
                .order_by(OutboxEvent.seq)
            )
            .scalars()
            .first()
        )
    other = admin.add_device(db, prefix="T05")
    with db.write() as s:
        s.add(
            Event(
                device_id=other.id,
                seq=1,
                uuid=uuid,
                kind="x.unknown",
                payload=json.dumps({}),
                payload_sha256="0" * 64,
                created_utc=db.now(),
                received_utc=db.now(),
                flagged=True,
            )
        )
    with pytest.raises(SequenceConflict):
        sync.sync_once(shop, client)
    state = sync.state(shop)
    assert state.status == sync.SyncStatus.REFUSED and state.waiting > 0
    assert uuid in local_uuids(shop)


def test_head_office_reenrolls_a_device_from_the_command_line(database_url, db, client, capsys):
    from coopos.cli import main

    device = admin.add_device(db, prefix="T03")
    token = client.post("/v1/enroll", json={"code": device.code}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    admin.revoke_device(db, device.id)
    code = main(["server", "device", "reenroll", str(device.id), "--database-url", database_url])
    out = capsys.readouterr().out
    assert code == 0 and "T03" in out
    new_code = next(line for line in out.splitlines() if "Enrollment code:" in line).split()[2]
    assert client.post("/v1/sync/state", json={}, headers=headers).status_code == 401
    answer = client.post("/v1/enroll", json={"code": new_code, "receipt_prefix": "T03"})
    assert answer.status_code == 200 and answer.json()["device_id"] == device.id
    assert [d.status for d in admin.list_devices(db)] == ["enrolled"]
    assert main(["server", "device", "reenroll", "99", "--database-url", database_url]) == 1


def test_a_backup_from_before_a_reenrollment_keeps_the_new_token(
    shop, demo_path, users, client, db, clock, tmp_path
):
    """Restore, re-enroll, restore again from the older backup: the backup's token is the
    dead one; the replaced database's new token comes along, nobody enrolls again."""
    fatima = users["Fatima"]
    sold = [sell(shop, fatima)]
    older = backup.backup(demo_path, tmp_path / "older.db")
    with shop.read() as s:
        from coopos.services import settings

        device_id = settings.get(s, "sync.device_id")
    admin.revoke_device(db, device_id)
    sync.enroll(shop, URL, admin.reenroll_device(db, device_id).code, transport=client)
    sold.append(sell(shop, fatima))
    shop.close()
    backup.restore(older, demo_path)
    till = Context.open(demo_path, clock=clock)
    try:
        sync.sync_once(till, client)
        assert sync.state(till).status == sync.SyncStatus.OK
        sold.append(sell(till, fatima))
        sync.sync_once(till, client)
    finally:
        till.close()
    assert server_receipts(db) == sorted(sold)
