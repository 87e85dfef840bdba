"""Shared fixtures: a real SQLite file per test, a fixed clock, the demo shop."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

# Keep every test away from the user's real data and log folders.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("COOPOS_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("COOPOS_LOG_DIR", str(home / "logs"))
    monkeypatch.delenv("COOPOS_DB", raising=False)
    monkeypatch.delenv("COOPOS_PIN", raising=False)
    from coopos.i18n import set_language

    set_language("en")


@pytest.fixture
def clock():
    from coopos.domain.clock import FixedClock

    return FixedClock(datetime(2026, 11, 20, 9, 0, 0), offset_hours=1, step_seconds=1)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "till.db"


@pytest.fixture
def ctx(db_path, clock):
    """An empty, migrated database with the SHOP location and an admin (PIN 468203)."""
    from coopos.services import setup
    from coopos.services.context import Context

    context = Context.open(db_path, clock=clock)
    setup.init_database(context, admin_pin=setup.DEMO_ADMIN_PIN)
    yield context
    context.close()


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory) -> Path:
    """The demo database is built once and copied for each test (scrypt is slow)."""
    from coopos.domain.clock import FixedClock
    from coopos.services import setup
    from coopos.services.context import Context

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    context = Context.open(path, clock=FixedClock(datetime(2026, 11, 20, 8, 0, 0)))
    setup.init_database(context, demo=True)
    context.close()
    return path


@pytest.fixture
def demo_path(_demo_template, tmp_path) -> Path:
    from coopos.services.backup import backup

    return backup(_demo_template, tmp_path / "demo.db")


@pytest.fixture
def demo(demo_path, clock):
    """The demo shop: Admin 468203, Fatima (seller) 1111, Youssef (manager) 250917
    (``setup.DEMO_*_PIN``)."""
    from coopos.services.context import Context

    context = Context.open(demo_path, clock=clock)
    yield context
    context.close()


@pytest.fixture
def users(demo):
    from coopos.services import lookups

    with demo.read() as s:
        return {name: lookups.user_by_name(s, name) for name in ("Admin", "Fatima", "Youssef")}


@pytest.fixture
def open_shift(demo, users):
    from coopos.services import shifts

    return shifts.open_shift(demo, users["Fatima"].id, 50000)


@pytest.fixture
def live_server(tmp_path):
    """The server app served by uvicorn on 127.0.0.1 in a thread."""
    import socket
    import threading
    import time

    import uvicorn

    from coopos.server import admin as server_admin
    from coopos.server.app import create_app
    from coopos.server.db import Database

    db = Database.open(f"sqlite:///{tmp_path / 'live-server.db'}")
    server_admin.init_server(db)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(database=db), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield db, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    db.dispose()
