"""schemathesis reads the server's /openapi.json and throws generated requests at every
endpoint, with a device token and with an admin token: none may answer 5xx."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402

from coopos.server import admin as server_admin  # noqa: E402
from coopos.server.app import create_app  # noqa: E402
from coopos.server.db import Database  # noqa: E402

TOKENS: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    db = Database.open(f"sqlite:///{folder / 'server.db'}")
    server_admin.init_server(db)
    _id, TOKENS["admin"] = server_admin.new_admin_token(db, "fuzz")
    app = create_app(database=db)
    from fastapi.testclient import TestClient

    code = server_admin.add_device(db, prefix="F1").code
    with TestClient(app) as client:
        TOKENS["device"] = client.post("/v1/enroll", json={"code": code}).json()["token"]
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    db.dispose()


FUZZ = settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("who", ["device", "admin"])
def test_no_generated_request_makes_the_server_fail(api_schema, who):
    headers = {"Authorization": f"Bearer {TOKENS[who]}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 8  # enroll, push, pull, catalog, stock, sales...
    for operation in operations:
        fuzz(operation, headers)


def fuzz(operation, headers) -> None:
    @FUZZ
    @given(case=operation.as_strategy())
    def run(case):
        response = case.call(headers=headers)
        assert response.status_code < 500, (operation.label, response.text[:300])

    run()
