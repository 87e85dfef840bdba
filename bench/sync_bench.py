"""Sync benchmarks (issue 6): push 10,000 offline sales from one till to a local server
over HTTP, on SQLite and on PostgreSQL; and the server's ingest rate against a plain
multi-row INSERT of the same rows in one transaction, measured in the same run.

Issue 13: ``--large-import 50000`` imports a catalog of that many rows with stock on a
till (one operation, far above the server's body limit as one event), syncs it and checks
that every stock line is on the server exactly once.

    .venv/bin/python bench/sync_bench.py [--sales 10000] [--pg postgresql+psycopg://...]
    .venv/bin/python bench/sync_bench.py --large-import 50000 [--pg ...]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import datagen  # noqa: E402

from coopos.i18n import set_language  # noqa: E402
from coopos.protocol import parts  # noqa: E402
from coopos.server import admin as server_admin  # noqa: E402
from coopos.server.app import create_app  # noqa: E402
from coopos.server.db import Database, normalise_url  # noqa: E402
from coopos.services import catalog, lookups, setup, shifts, sync  # noqa: E402
from coopos.services.checkout import Checkout  # noqa: E402
from coopos.services.context import Context  # noqa: E402

SKUS = ["SAF-1G", "ARG-OIL-100", "AML-250", "AML-VRAC", "SAF-TEA-100"]


def serve(db: Database):
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(database=db), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


def make_till(folder: Path, n_sales: int) -> Path:
    """A demo till with ``n_sales`` offline sales (made once, copied per run)."""
    path = folder / "till.db"
    ctx = Context.open(path)
    setup.init_database(ctx, demo=True)
    with ctx.read() as s:
        fatima = lookups.user_by_name(s, "Fatima")
    shifts.open_shift(ctx, fatima.id, 0)
    for i in range(n_sales):
        checkout = Checkout(ctx, fatima)
        sku = SKUS[i % len(SKUS)]
        checkout.scan(sku, Decimal("0.250") if sku.endswith("VRAC") else None)
        checkout.start_payment()
        checkout.pay_exact()
        checkout.complete()
    ctx.close()
    return path


def server_database(kind: str, folder: Path, pg_url: str | None):
    if kind == "sqlite":
        return Database.open(f"sqlite:///{folder / f'server-{secrets.token_hex(3)}.db'}"), None
    schema = f"bench_{secrets.token_hex(4)}"
    admin_engine = create_engine(normalise_url(pg_url), isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    from sqlalchemy.engine import make_url

    url = make_url(normalise_url(pg_url)).update_query_dict({"options": f"-csearch_path={schema}"})
    return Database.open(url.render_as_string(hide_password=False)), (admin_engine, schema)


def push_run(kind: str, till_template: Path, folder: Path, pg_url: str | None) -> dict:
    db, pg = server_database(kind, folder, pg_url)
    server_admin.init_server(db)
    demo = Context.open(till_template)
    csv = folder / "catalog.csv"
    catalog.export_catalog(demo, csv)
    demo.close()
    server_admin.import_catalog(db, csv)
    till_path = folder / f"till-{kind}-{secrets.token_hex(3)}.db"
    shutil.copy(till_template, till_path)
    server, thread, url = serve(db)
    try:
        till = Context.open(till_path)
        code = server_admin.add_device(db, prefix="T01").code
        sync.enroll(till, url, code)
        waiting = sync.state(till).waiting
        start = time.perf_counter()
        report = sync.sync_once(till)
        elapsed = time.perf_counter() - start
        till.close()
    finally:
        server.should_exit = True
        thread.join(10)
    result = {"kind": kind, "events": waiting, "seconds": elapsed, "left": report.waiting}
    drop_server(db, pg)
    return result


def drop_server(db: Database, pg) -> None:
    db.dispose()
    if pg:
        engine, schema = pg
        with engine.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def large_import_run(kind: str, folder: Path, pg_url: str | None, rows: int) -> dict:
    """A till imports ``rows`` products with stock, then one round pushes the stock (in
    parts) and pulls head office's catalog of the same products."""
    import csv

    from sqlalchemy import func, select

    from coopos.db.models import OutboxEvent
    from coopos.server.models import StockMovement

    till_csv, server_csv = folder / "large.csv", folder / "large-server.csv"
    if not till_csv.exists():
        made = folder / "large-made.csv"
        datagen.write_catalog_csv(made, rows, datagen.cooperatives())
        with made.open(encoding="utf-8") as fh:
            table = list(csv.DictReader(fh))
        for n, row in enumerate(table):  # every row with stock, as in the issue
            row["stock"] = row["stock"] or str(n % 50 + 1)
        for path, stock in ((till_csv, True), (server_csv, False)):  # head office: none
            with path.open("w", encoding="utf-8", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=list(table[0]))
                writer.writeheader()
                writer.writerows(row if stock else {**row, "stock": ""} for row in table)
    db, pg = server_database(kind, folder, pg_url)
    server_admin.init_server(db)
    server_admin.import_catalog(db, server_csv)
    server, thread, url = serve(db)
    result: dict = {"kind": kind}
    try:
        till = Context.open(folder / f"large-till-{kind}-{secrets.token_hex(3)}.db")
        setup.init_database(till, admin_pin="4321")
        sync.enroll(till, url, server_admin.add_device(db, prefix="T01").code)
        start = time.perf_counter()
        summary = catalog.import_catalog(till, till_csv)
        result["import"] = time.perf_counter() - start
        result["lines"] = summary.stock_lines
        with till.read() as s:
            sizes = [parts.size(p) for p in s.execute(select(OutboxEvent.payload)).scalars()]
        result["events"], result["bytes"] = len(sizes), sum(sizes)
        client = sync.client_for(till)
        start = time.perf_counter()
        sync._push_all(till, client)
        result["push"] = time.perf_counter() - start
        start = time.perf_counter()
        result["pulled"] = sync._pull_all(till, client)
        result["pull"] = time.perf_counter() - start
        result["left"] = sync.state(till).waiting
        till.close()
    finally:
        server.should_exit = True
        thread.join(10)
    with db.read() as s:
        result["projected"] = s.execute(
            select(func.count())
            .select_from(StockMovement)
            .where(StockMovement.device_id.isnot(None))
        ).scalar_one()
    drop_server(db, pg)
    return result


def ingest_vs_insert(pg_url: str, till_template: Path, folder: Path, n: int) -> dict:
    """Server ingest (push endpoint logic, in-process) against one multi-row INSERT of the
    same event rows into a plain table, on the same PostgreSQL, same run."""
    import json

    from coopos.server import schemas
    from coopos.server import sync as server_sync

    till = Context.open(till_template)
    with till.read() as s:
        rows = s.execute(
            text("SELECT seq, uuid, kind, payload, created_utc FROM outbox ORDER BY seq")
        ).all()
    till.close()
    events = [
        schemas.EventIn(
            seq=r.seq,
            uuid=r.uuid,
            kind=r.kind,
            payload=json.loads(r.payload),
            created_utc=str(r.created_utc).replace(" ", "T"),
        )
        for r in rows
    ]
    db, (engine, schema) = server_database("postgresql", folder, pg_url)
    server_admin.init_server(db)
    code = server_admin.add_device(db, prefix="T01").code
    device_id = server_sync.enroll(db, code, "bench", None, "127.0.0.1").device_id
    start = time.perf_counter()
    for i in range(0, len(events), 500):
        server_sync.push(db, device_id, events[i : i + 500])
    ingest = time.perf_counter() - start
    sales = sum(1 for e in events if e.kind == "sale.completed")
    with engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE TABLE {schema}.plain_events (seq bigint, uuid text, kind text, "
                "payload jsonb, created_utc text)"
            )
        )
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO {schema}.plain_events VALUES "
                "(:seq, :uuid, :kind, CAST(:payload AS jsonb), :created_utc)"
            ),
            [
                {
                    "seq": e.seq,
                    "uuid": e.uuid,
                    "kind": e.kind,
                    "payload": json.dumps(e.payload),
                    "created_utc": e.created_utc,
                }
                for e in events
            ],
        )
    plain = time.perf_counter() - start
    db.dispose()
    with engine.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()
    return {"events": len(events), "sales": sales, "ingest": ingest, "plain": plain}


def rules_cost(till_template: Path) -> tuple[int, float]:
    """The protocol's rules (what the server checks in each event before projecting it,
    issue 13) on the till's sale events: (events, median seconds per event of 5 runs)."""
    import json
    import statistics

    from coopos.protocol import rules

    till = Context.open(till_template)
    with till.read() as s:
        rows = s.execute(
            text("SELECT kind, payload FROM outbox WHERE kind = 'sale.completed'")
        ).all()
    till.close()
    events = [(kind, json.loads(payload)) for kind, payload in rows]
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for kind, payload in events:
            rules.check_event(kind, payload)
        runs.append((time.perf_counter() - start) / max(len(events), 1))
    return len(events), statistics.median(runs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sales", type=int, default=10_000)
    parser.add_argument("--pg", default=os.environ.get("COOPOS_TEST_DATABASE_URL"))
    parser.add_argument("--large-import", type=int, default=0, metavar="ROWS")
    args = parser.parse_args(argv)
    set_language("en")
    folder = Path(tempfile.mkdtemp(prefix="coopos-sync-bench-"))
    try:
        if args.large_import:
            for kind in ["sqlite"] + (["postgresql"] if args.pg else []):
                r = large_import_run(kind, folder, args.pg, args.large_import)
                exact = "exactly once" if r["projected"] == r["lines"] else "MISMATCH"
                print(
                    f"{kind}: import of {args.large_import} rows with {r['lines']} stock lines "
                    f"on the till {r['import']:.1f} s -> {r['events']} outbox events "
                    f"({r['bytes'] / 1e6:.1f} MB); push {r['push']:.1f} s; {r['projected']} "
                    f"movements projected on the server ({exact}), {r['left']} left unsent; "
                    f"then the pull of {r['pulled']} catalog changes {r['pull']:.1f} s"
                )
            return 0
        t0 = time.perf_counter()
        template = make_till(folder, args.sales)
        print(f"till with {args.sales} offline sales made in {time.perf_counter() - t0:.1f} s")
        n, per_event = rules_cost(template)
        print(f"protocol rules on {n} sale events: {per_event * 1e6:.0f} µs per event")
        kinds = ["sqlite"] + (["postgresql"] if args.pg else [])
        for kind in kinds:
            r = push_run(kind, template, folder, args.pg)
            verdict = "met" if r["seconds"] < 20 else "MISSED"
            print(
                f"push {r['events']} events ({args.sales} sales) to a local server on {kind}: "
                f"{r['seconds']:.1f} s, {r['events'] / r['seconds']:.0f} events/s "
                f"(target < 20 s: {verdict}; left unsent: {r['left']})"
            )
        if args.pg:
            r = ingest_vs_insert(args.pg, template, folder, args.sales)
            print(
                f"server ingest on PostgreSQL: {r['sales'] / r['ingest']:.0f} sales/s "
                f"({r['events']} events in {r['ingest']:.2f} s); plain multi-row INSERT of "
                f"the same rows: {r['plain']:.2f} s; ratio {r['ingest'] / r['plain']:.1f}x"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
