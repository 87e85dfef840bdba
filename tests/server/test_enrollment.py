"""Enrollment: one-time, expiring, rate-limited codes; tokens stored hashed; revoked
devices refused everywhere; unique receipt prefixes; device clocks watched."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopos.domain.errors import CooposError
from coopos.server import admin, sync
from coopos.server.models import Device


def test_a_code_gives_a_token_prefix_and_location_once(client, db):
    device = admin.add_device(db, name="till 1")
    body = {"code": device.code.lower().replace("-", " "), "device_name": "caisse 1"}
    answer = client.post("/v1/enroll", json=body)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["device_id"] == device.id
    assert data["receipt_prefix"] == "T01"
    assert data["location"] == {"code": "SHOP", "kind": "shop", "name": "Shop"}
    assert data["token"].startswith("cpd_")
    assert sync.parse_utc(data["server_time"]) <= db.now()

    again = client.post("/v1/enroll", json=body)
    assert again.status_code == 401
    assert again.json()["detail"]["code"] == "invalid_code"

    # Only hashes are kept: neither the code nor the token is in the database.
    with db.read() as s:
        row = s.execute(select(Device)).scalar_one()
    assert row.token_hash == sync.hash_secret(data["token"])
    assert row.code_hash is None and row.name == "caisse 1"


def test_an_expired_code_is_refused(client, db):
    device = admin.add_device(db, hours=1)
    start = db.now()
    db.now = lambda: start + timedelta(hours=1, seconds=1)
    answer = client.post("/v1/enroll", json={"code": device.code})
    assert answer.status_code == 401
    assert answer.json()["detail"]["code"] == "code_expired"


def test_failed_attempts_are_rate_limited_per_address(client, db):
    device = admin.add_device(db)
    for _ in range(sync.ENROLL_MAX_FAILURES):
        answer = client.post("/v1/enroll", json={"code": "AAAA-BBBB-CCCC"})
        assert answer.status_code == 401
    blocked = client.post("/v1/enroll", json={"code": device.code})  # even the right one
    assert blocked.status_code == 429
    assert blocked.json()["detail"]["code"] == "rate_limited"
    assert int(blocked.headers["Retry-After"]) > 0
    # a minute later the address may try again, and the code still works
    start = db.now()
    db.now = lambda: start + sync.ENROLL_WINDOW + timedelta(seconds=1)
    assert client.post("/v1/enroll", json={"code": device.code}).status_code == 200


def test_a_revoked_device_is_refused_everywhere(client, db, till):
    till.sale(("ARG-OIL-100", "1"))
    assert till.push().status_code == 200
    admin.revoke_device(db, _device_id(db, till.prefix))
    for answer in (
        till.push(),
        client.get("/v1/sync/pull", headers=till.headers),
        client.get("/v1/stock", headers=till.headers),
        client.get("/v1/sales", headers=till.headers),
    ):
        assert answer.status_code == 403
        assert answer.json()["detail"]["code"] == "device_revoked"
    assert admin.list_devices(db)[0].status == "revoked"


def test_a_revoked_device_cannot_use_its_unused_code(client, db):
    device = admin.add_device(db)
    admin.revoke_device(db, device.id)
    assert client.post("/v1/enroll", json={"code": device.code}).status_code == 401


def _device_id(db, prefix: str) -> int:
    return next(d.id for d in admin.list_devices(db) if d.receipt_prefix == prefix)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer cpd_nope"}, {"Authorization": "Basic abc"}],
)
def test_every_endpoint_but_enrollment_needs_a_token(client, headers):
    for method, path in (
        ("post", "/v1/sync/push"),
        ("get", "/v1/sync/pull"),
        ("get", "/v1/stock"),
        ("get", "/v1/sales"),
        ("get", "/v1/sales/summary"),
        ("get", "/v1/shifts"),
        ("get", "/v1/catalog/products/ARG-OIL-100"),
        ("put", "/v1/catalog/products/ARG-OIL-100"),
    ):
        answer = client.request(method, path, headers=headers, json={"version": 1, "events": []})
        assert answer.status_code == 401, (method, path, answer.text)
        assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_receipt_prefixes_are_unique_across_devices(db):
    assert [admin.add_device(db).receipt_prefix for _ in range(3)] == ["T01", "T02", "T03"]
    assert admin.add_device(db, prefix="s9").receipt_prefix == "S9"
    with pytest.raises(CooposError, match="already used"):
        admin.add_device(db, prefix="T02")
    with pytest.raises(CooposError, match="prefix"):
        admin.add_device(db, prefix="T-1")  # a dash would make receipt numbers ambiguous
    with pytest.raises(CooposError, match="location"):
        admin.add_device(db, location="NOWHERE")


def test_clock_offset_is_recorded_and_drift_flagged(client, db, till):
    now = db.now()
    slow = (now - timedelta(minutes=10)).isoformat() + "Z"
    assert till.push([], device_time=slow).status_code == 200
    info = admin.list_devices(db)[0]
    assert 595_000 < info.clock_offset_ms < 605_000
    assert info.drift and info.last_seen_utc is not None

    on_time = client.get(
        "/v1/sync/pull", headers={**till.headers, "X-Device-Time": now.isoformat() + "+00:00"}
    )
    assert on_time.status_code == 200
    info = admin.list_devices(db)[0]
    assert abs(info.clock_offset_ms) < 60_000 and not info.drift

    bad = till.push([], device_time="yesterday")
    assert bad.status_code == 422
    assert bad.json()["detail"]["code"] == "invalid_device_time"


def test_the_openapi_schema_is_served_without_a_token(client):
    schema = client.get("/openapi.json").json()
    assert {"/v1/enroll", "/v1/sync/push", "/v1/sync/pull", "/v1/stock", "/v1/sales"} <= set(
        schema["paths"]
    )
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    assert client.get("/health").json() == {"status": "ok"}
