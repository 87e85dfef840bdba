"""``coopos server ...``: the admin commands on a real database, and the server start."""

from __future__ import annotations

import re

import pytest

from coopos.server import admin


def test_head_office_sets_up_catalog_users_and_devices(run, tmp_path, client, db):
    assert run("init")[0] == 0
    assert run("init")[0] == 0  # safe to repeat
    csv = tmp_path / "catalog.csv"
    csv.write_text(
        "sku,name_fr,cooperative,price,vat_rate,stock\nARG-OIL-100,Huile,TIFAW,60.00,10,12\n",
        encoding="utf-8",
    )
    code, out, _ = run("catalog", "import", str(csv))
    assert code == 0 and "1 new" in out and "Stock received for 1" in out
    assert run("fair", "add", "SIAM", "--name", "SIAM", "--from", "2026-04-20")[0] == 0
    assert (
        run("location", "add", "stand1", "--kind", "stand", "--name", "S", "--fair", "SIAM")[0] == 0
    )
    code, _, err = run("location", "add", "STAND1", "--kind", "stand", "--name", "again")
    assert code == 1 and "already exists" in err and len(err.strip().splitlines()) == 1
    assert run("user", "add", "Fatima", "--role", "seller", "--pin", "1111")[0] == 0
    code, _, err = run("user", "add", "Aicha", "--role", "seller", "--pin", "1111")
    assert code == 1 and "PIN" in err

    code, out, _ = run("device", "add", "--location", "STAND1", "--name", "stand till")
    assert code == 0 and "receipt prefix T01" in out and "█" in out  # the QR code
    enrollment = re.search(r"Enrollment code: (\S+)", out).group(1)
    answer = client.post("/v1/enroll", json={"code": enrollment})
    assert answer.status_code == 200 and answer.json()["location"]["code"] == "STAND1"

    code, out, _ = run("device", "list")
    assert code == 0 and "enrolled" in out and "STAND1" in out
    assert run("device", "revoke", "1")[0] == 0
    assert "revoked" in run("device", "list", "--format", "csv")[1]
    assert run("device", "revoke", "99")[0] == 1

    code, out, _ = run("admin-token", "--name", "hq")
    token = out.strip().splitlines()[-1]
    assert code == 0 and token.startswith("cpa_")
    assert client.get("/v1/stock", headers={"Authorization": f"Bearer {token}"}).json()["rows"]
    assert "hq" in run("admin-token", "--list")[1]
    assert run("admin-token", "--revoke", "1")[0] == 0
    assert client.get("/v1/stock", headers={"Authorization": f"Bearer {token}"}).status_code == 403


def test_a_bad_catalog_imports_nothing(run, tmp_path, db):
    csv = tmp_path / "bad.csv"
    csv.write_text(
        "sku,name_fr,cooperative,price,vat_rate\nA,x,C,1.00,10\nA,y,C,abc,33\n", encoding="utf-8"
    )
    code, _, err = run("catalog", "import", str(csv))
    assert code == 1 and "line 3" in err
    assert admin.stock(db) == []
    with pytest.raises(Exception, match="Unknown product"):
        admin.get_product(db, "A")


def test_the_server_starts_uvicorn_on_a_migrated_database(run, monkeypatch, gui):
    import uvicorn

    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.update(app=app, **options))
    code, out, _ = run("--port", "8765")
    assert code == 0 and "http://127.0.0.1:8765" in out
    # issue 13: the app reads X-Forwarded-For itself, from the trusted proxies only
    assert started["port"] == 8765 and started["proxy_headers"] is False
    assert [str(n) for n in started["app"].state.trusted_proxies] == ["127.0.0.1/32"]
    paths = {route.path for route in started["app"].routes}
    assert {"/v1/enroll", "/v1/sync/push", "/v1/sync/pull", "/openapi.json"} <= paths
    assert {"/portal/login", "/portal/verify", "/portal/coop/{coop}"} <= paths
    with pytest.raises(SystemExit) as refused:  # issue 13: out of range is a usage error
        run("--port", "0")
    assert refused.value.code == 2
