"""Server fixtures: every test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``$COOPOS_TEST_DATABASE_URL`` (CI exports
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); tests run in their own schemas
(``search_path``), dropped afterwards: one migrated schema emptied before each test, and
a fresh one for the migration tests.  Without the variable the PostgreSQL parameter is
skipped, with the reason.

``Till`` builds outbox events shaped like the real till's (``coopos/services/documents.py``)
and pushes them the way docs/sync.md tells the till's client to.
"""

from __future__ import annotations

import os
import secrets
import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

# Starlette warns that its TestClient prefers httpx2; httpx is what coopos ships with.
warnings.filterwarnings("ignore", message=".*httpx2.*")

from fastapi.testclient import TestClient  # noqa: E402

from coopos.domain.vat import vat_included  # noqa: E402
from coopos.server import admin, consignment  # noqa: E402
from coopos.server.app import create_app  # noqa: E402
from coopos.server.db import Database, create_server_engine, normalise_url  # noqa: E402
from coopos.server.models import ServerBase, new_uuid  # noqa: E402

PG_ENV = "COOPOS_TEST_DATABASE_URL"

CATALOG = """sku,barcode,name_fr,cooperative,category,unit,price,vat_rate,stock
ARG-OIL-100,6111000000011,Huile d'argan 100 ml,TIFAW,oil,piece,60.00,10,40
ARG-OIL-250,6111000000028,Huile d'argan 250 ml,TIFAW,oil,piece,130.00,10,
ALM-500,6111000000035,Amandes 500 g,LOUZ,food,piece,70.00,10,5
ALM-VRAC,,Amandes en vrac,LOUZ,food,kg,130.00,0,10.500
"""
PRICES = {"ARG-OIL-100": 6000, "ARG-OIL-250": 13000, "ALM-500": 7000, "ALM-VRAC": 13000}
COOPS = {"ARG-OIL-100": "TIFAW", "ARG-OIL-250": "TIFAW", "ALM-500": "LOUZ", "ALM-VRAC": "LOUZ"}


def _pg_url(schema: str) -> str:
    url = make_url(normalise_url(os.environ[PG_ENV]))
    # synchronous_commit=off: tests need no durability, and fsyncs only make them slow
    options = f"-csearch_path={schema} -csynchronous_commit=off"
    return url.update_query_dict({"options": options}).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _pg_admin():
    """One engine to create, empty and drop the test schemas."""
    url = os.environ.get(PG_ENV)
    if not url:
        yield None
        return
    engine = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@contextmanager
def _pg_schema(engine) -> Iterator[str]:
    schema = f"t_{secrets.token_hex(6)}"
    with engine.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield schema
    finally:
        with engine.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, _pg_admin) -> str:
    if request.param == "postgresql" and _pg_admin is None:
        pytest.skip(f"PostgreSQL: set {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1/test)")
    return request.param


@pytest.fixture
def empty_url(backend, tmp_path, _pg_admin) -> Iterator[str]:
    """A database with nothing in it yet (for the migration tests)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with _pg_schema(_pg_admin) as schema:
        yield _pg_url(schema)


@pytest.fixture(scope="session")
def _migrated(tmp_path_factory, _pg_admin) -> Iterator[dict[str, str]]:
    """Migrated once per session (Alembic is the slow part of a test's set-up): a SQLite
    file that each test copies, and a PostgreSQL schema that each test empties."""
    templates: dict[str, str] = {}
    path = tmp_path_factory.mktemp("server") / "template.db"
    Database.open(f"sqlite:///{path}").dispose()
    templates["sqlite"] = str(path)
    if _pg_admin is None:
        yield templates
        return
    with _pg_schema(_pg_admin) as schema:
        Database.open(_pg_url(schema)).dispose()
        templates["postgresql"] = schema
        yield templates


def _emptying() -> list[str]:
    """DELETE every table and restart its ids: much faster than TRUNCATE on tiny tables."""
    statements = []
    for table in reversed(ServerBase.metadata.sorted_tables):
        statements.append(f"DELETE FROM {table.name}")
        if "id" in table.c and table.c.id.autoincrement is not False:
            statements.append(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), 1, false)"
            )
    return [*statements, "INSERT INTO change_clock (id, value) VALUES (1, 0)"]


_EMPTYING = _emptying()


@pytest.fixture
def database_url(backend, tmp_path, _migrated, _pg_admin) -> str:
    """A migrated, empty database: a copy of the SQLite template, or the session's
    PostgreSQL schema emptied."""
    if backend == "sqlite":
        path = tmp_path / "server.db"
        shutil.copyfile(_migrated["sqlite"], path)
        return f"sqlite:///{path}"
    schema = _migrated["postgresql"]
    with _pg_admin.connect() as conn:
        conn.execute(text("SET synchronous_commit = off"))
        conn.execute(text("SET lock_timeout = '10s'"))
        conn.execute(text(f"SET search_path = {schema}"))
        conn.execute(text("BEGIN"))
        for statement in _EMPTYING:
            conn.execute(text(statement))
        conn.execute(text("COMMIT"))
    return _pg_url(schema)


def _no_fsync(dbapi_connection, _record) -> None:
    # Tests need no durability; fsync on every commit only makes them slow.
    dbapi_connection.execute("PRAGMA synchronous=OFF")


@pytest.fixture
def db(database_url) -> Iterator[Database]:
    engine = create_server_engine(database_url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _no_fsync)
    database = Database(engine)
    admin.init_server(database)
    yield database
    database.dispose()


@pytest.fixture
def fresh_db(db):
    """``db``, and a function that empties it again (for hypothesis: one server per
    example, with the same app in front of it)."""

    def empty() -> Database:
        with db.engine.begin() as conn:
            for table in reversed(ServerBase.metadata.sorted_tables):
                conn.execute(table.delete())
            if db.dialect == "postgresql":  # SQLite's ids restart by themselves
                for statement in _EMPTYING:
                    if statement.startswith("SELECT setval"):
                        conn.execute(text(statement))
            conn.execute(text("INSERT INTO change_clock (id, value) VALUES (1, 0)"))
        admin.init_server(db)
        return db

    return empty


@pytest.fixture
def client(db):
    with TestClient(create_app(database=db)) as test_client:
        yield test_client


@pytest.fixture
def run(database_url, capsys):
    """``coopos server ARGS --database-url URL``: (exit code, stdout, stderr)."""
    from coopos.cli import main

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["server", *argv, "--database-url", database_url])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def gui(qapp):
    """Statement PDFs are drawn with Qt: the test session's QApplication first (a later
    widgets test needs one, not a bare QGuiApplication)."""
    from coopos.printing.render import ensure_gui

    ensure_gui()
    return qapp


@pytest.fixture
def catalog(db, tmp_path) -> Path:
    """Four products; head office receives 40 ARG-OIL-100, 5 ALM-500, 10.5 kg ALM-VRAC."""
    path = tmp_path / "catalog.csv"
    path.write_text(CATALOG, encoding="utf-8")
    admin.import_catalog(db, path)
    return path


def enroll(client: TestClient, db: Database, location: str = "SHOP", **kwargs) -> Till:
    device = admin.add_device(db, location, **kwargs)
    answer = client.post("/v1/enroll", json={"code": device.code, "device_name": "test till"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return Till(client, body["token"], body["receipt_prefix"], body["location"]["code"])


@pytest.fixture
def till(client, db, catalog) -> Till:
    return enroll(client, db)


@pytest.fixture
def new_till(client, db, catalog):
    """Enroll one more till: ``new_till(location="STAND1", prefix="S01")``."""
    return lambda location="SHOP", **kwargs: enroll(client, db, location, **kwargs)


# -- the cooperatives' portal ----------------------------------------------------------------


def _note(t, number, coop, *moves, fair="SOUK"):
    return t.event(
        "stock.movements",
        {
            "movements": list(moves),
            "note": {
                "uuid": new_uuid(),
                "number": number,
                "kind": "dispatch",
                "fair": fair,
                "from": f"COOP:{coop}",
                "to": t.location,
            },
        },
    )


def _payout(t, coop, amount, fair="SOUK"):
    return t.event(
        "payout.recorded",
        {
            "uuid": new_uuid(),
            "cooperative": coop,
            "amount": amount,
            "method": "transfer",
            "reference": "VIR-9",
            "fair": fair,
            "paid_utc": "2026-11-22T18:00:00",
            "paid_local": "2026-11-22T19:00:00+01:00",
            "note": "",
        },
    )


@pytest.fixture
def portal(db, catalog, new_till):
    """TIFAW and LOUZ both sell at the fair SOUK; only LOUZ is at MOUSSEM; the shop sells
    a TIFAW oil outside any fair.  Returns the two access codes."""
    admin.add_fair(db, "SOUK", "Souk", "Agadir", date(2026, 11, 20), date(2026, 11, 22))
    admin.add_fair(db, "MOUSSEM", "Moussem", "Tan-Tan")
    admin.add_location(db, "STAND-SOUK", "stand", "Stand Souk", fair="SOUK")
    admin.add_location(db, "STAND-MOU", "stand", "Stand Moussem", fair="MOUSSEM")
    souk = new_till(location="STAND-SOUK", prefix="S01")
    _note(
        souk,
        "BL-S01-00001",
        "TIFAW",
        souk.movement("ARG-OIL-100", Decimal(10), "received", "BL-S01-00001"),
    )
    _note(
        souk,
        "BL-S01-00002",
        "LOUZ",
        souk.movement("ALM-500", Decimal(5), "received", "BL-S01-00002"),
    )
    first = souk.sale(("ARG-OIL-100", "3"), ("ALM-500", "1"))
    souk.sale(("ARG-OIL-100", "1"), refund_of=first)
    _payout(souk, "TIFAW", 5000)
    souk.sync()
    moussem = new_till(location="STAND-MOU", prefix="S02")
    _note(
        moussem,
        "BL-S02-00001",
        "LOUZ",
        moussem.movement("ALM-VRAC", Decimal(5), "received", "BL-S02-00001"),
        fair="MOUSSEM",
    )
    moussem.sale(("ALM-VRAC", "1.500"))
    moussem.sync()
    shop = new_till(location="SHOP", prefix="T01")
    shop.day = "2026-10-05"
    shop.sale(("ARG-OIL-250", "1"))
    shop.sync()
    return {
        "TIFAW": consignment.new_access_code(db, "TIFAW"),
        "LOUZ": consignment.new_access_code(db, "louz"),
    }


class Till:
    """A till's outbox, as far as the server can tell."""

    def __init__(self, client: TestClient, token: str, prefix: str, location: str):
        self.client = client
        self.token = token
        self.prefix = prefix
        self.location = location
        self.outbox: list[dict[str, Any]] = []
        self.acked = 0
        self.receipts = 0
        self.shift = new_uuid()
        self.seller = new_uuid()
        self.day = "2026-11-22"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def _stamp(self) -> tuple[str, str]:
        n = len(self.outbox)
        return f"{self.day} 10:{n // 60 % 60:02d}:{n % 60:02d}.000001", f"{self.day}T11:00:00+01:00"

    def event(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        created, _ = self._stamp()
        event = {
            "seq": len(self.outbox) + 1,
            "uuid": new_uuid(),
            "kind": kind,
            "payload": payload,
            "created_utc": created,
        }
        self.outbox.append(event)
        return event

    def movement(self, sku: str, qty: Decimal, reason: str, reference: str, location=None):
        created, local = self._stamp()
        return {
            "uuid": new_uuid(),
            "sku": sku,
            "location": location or self.location,
            "quantity": f"{qty:.3f}",
            "reason": reason,
            "reference": reference,
            "note": "",
            "created_utc": created,
            "created_local": local,
        }

    def sale(
        self,
        *items: tuple[str, str],
        price: dict[str, int] | None = None,
        refund_of: dict[str, Any] | None = None,
        receipt_no: str | None = None,
        location: str | None = None,
    ) -> dict[str, Any]:
        """A completed sale (or refund of ``refund_of``'s event) of ``(sku, qty)``."""
        self.receipts += 1
        receipt = receipt_no or f"{self.prefix}-{self.receipts:06d}"
        kind = "refund" if refund_of else "sale"
        sign = -1 if refund_of else 1
        lines, movements = [], []
        for n, (sku, qty_text) in enumerate(items, start=1):
            qty = Decimal(qty_text) * sign
            unit_price = (price or {}).get(sku, PRICES.get(sku, 1000))
            net = int(qty * unit_price)
            lines.append(
                {
                    "line_no": n,
                    "sku": sku,
                    "name": sku.title(),
                    "unit": "kg" if sku.endswith("VRAC") else "piece",
                    "quantity": f"{qty:.3f}",
                    "list_price": unit_price,
                    "unit_price": unit_price,
                    "vat_rate": 10,
                    "cooperative": COOPS.get(sku, "TIFAW"),
                    "commission_bp": 1500,
                    "gross": net,
                    "line_discount": 0,
                    "order_discount": 0,
                    "net": net,
                    "commission": net * 15 // 100,
                    "refund_of_line_no": n if refund_of else None,
                }
            )
            movements.append(
                self.movement(sku, -qty, "refund" if refund_of else "sale", receipt, location)
            )
        total = sum(line["net"] for line in lines)
        created, local = self._stamp()
        payload = {
            "uuid": new_uuid(),
            "receipt_no": receipt,
            "kind": kind,
            "refund_of": refund_of["payload"]["uuid"] if refund_of else None,
            "location": location or self.location,
            "shift": self.shift,
            "seller": self.seller,
            "created_utc": created.replace(" ", "T"),
            "created_local": local,
            "gross": total,
            "discount": 0,
            "order_discount": 0,
            "total": total,
            "change": 0,
            "note": "",
            "lines": lines,
            "payments": [{"method": "cash", "amount": total, "tendered": total, "reference": ""}],
            "vat": [{"rate": 10, "gross": total, "vat": vat_included(total, 10)}],
            "stock_movements": movements,
        }
        return self.event(f"{kind}.completed", payload)

    def open_shift(self, float_cents: int = 20000) -> dict[str, Any]:
        self.shift = new_uuid()
        created, local = self._stamp()
        return self.event(
            "shift.opened",
            {
                "uuid": self.shift,
                "location": self.location,
                "opened_by": self.seller,
                "opened_utc": created,
                "opened_local": local,
                "float": float_cents,
            },
        )

    def cash(self, amount: int, reason: str = "bank") -> dict[str, Any]:
        created, local = self._stamp()
        return self.event(
            "shift.cash_movement",
            {
                "uuid": new_uuid(),
                "shift": self.shift,
                "amount": amount,
                "reason": reason,
                "created_utc": created,
                "created_local": local,
            },
        )

    def close_shift(self) -> dict[str, Any]:
        created, local = self._stamp()
        return self.event(
            "shift.closed",
            {
                "uuid": self.shift,
                "closed_by": self.seller,
                "closed_utc": created,
                "closed_local": local,
                "counts": {"cash": 30000},
                "expected": {"cash": 30000},
                "net_total": 10000,
                "z_number": 1,
            },
        )

    def stock(self, *movements: dict[str, Any]) -> dict[str, Any]:
        return self.event("stock.movements", {"movements": list(movements)})

    # -- the client side of the protocol ----------------------------------------------------
    def push(self, events: list[dict[str, Any]] | None = None, **body: Any):
        events = self.outbox[self.acked :] if events is None else events
        return self.client.post(
            "/v1/sync/push", json={"events": events, **body}, headers=self.headers
        )

    def sync(self, batch: int = 500) -> list[dict[str, Any]]:
        """Push everything not acknowledged, as docs/sync.md's algorithm does."""
        answers = []
        for _ in range(len(self.outbox) + 10):  # ample for a server that works
            pending = self.outbox[self.acked : self.acked + batch]
            if not pending:
                return answers
            answer = self.push(pending)
            if answer.status_code == 200:
                self.acked = answer.json()["acked_through"]
            elif answer.status_code == 409 and answer.json()["detail"]["code"] == "sequence_gap":
                self.acked = answer.json()["detail"]["expected"] - 1
            else:
                raise AssertionError(answer.text)
            answers.append(answer.json())
        raise AssertionError("sync does not converge")
