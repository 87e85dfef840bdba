"""coopos performance benchmarks (not tests: nothing here fails, it only measures).

    .venv/bin/python bench/run.py            # full run, a few minutes
    .venv/bin/python bench/run.py --quick    # small sizes, a smoke run
    .venv/bin/python bench/run.py --only reports,import

Prints one table and writes it as Markdown to bench/results/latest.md.  Every database
is created in a temporary directory (on the same disk as /tmp: fsync is real).
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import datagen
from common import Report, Result, fmt_time, machine_info, median, timed
from sqlalchemy import func, select
from ui_bench import bench_ui

from coopos.db.models import Product, ProductBarcode, Shift, new_uuid
from coopos.domain.audit import GENESIS, canonical, entry_hash
from coopos.domain.clock import Clock
from coopos.domain.money import format_amount
from coopos.domain.quantity import from_milli, to_milli
from coopos.domain.sale import settle
from coopos.i18n import set_language
from coopos.services import catalog, lookups, reports, setup, shifts
from coopos.services.checkout import Checkout, apply_sale_allocation, sale_number
from coopos.services.context import Context

RESULTS = Path(__file__).resolve().parent / "results"
# "ui" before the scenarios that draw with QtGui alone: a QGuiApplication made first would
# keep the widgets application from starting in the same process.
SCENARIOS = ("checkout", "catalog", "reports", "import", "ui", "receipts", "consignment")


@dataclass(frozen=True)
class Sizes:
    checkout_sales: int
    catalog_rows: int
    lookups: int
    queries_per_kind: int
    sales: int
    report_runs: int
    import_rows: int
    import_reps: int


FULL = Sizes(200, 50_000, 1_000, 100, 100_000, 7, 10_000, 3)
QUICK = Sizes(30, 5_000, 200, 20, 10_000, 3, 2_000, 2)

COUNTED_TABLES = (
    "sales",
    "sale_lines",
    "sale_payments",
    "sale_vat",
    "stock_movements",
    "outbox",
    "audit_log",
)


def verdict(ok: bool, detail: str = "") -> str:
    word = "met" if ok else "MISSED"
    return f"{detail}: {word}" if detail else word


def table_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED_TABLES}
    finally:
        conn.close()


def delta(before: dict[str, int], after: dict[str, int]) -> str:
    return ", ".join(f"{t} {after[t] - before[t]}" for t in COUNTED_TABLES)


# -- 1. checkout commit vs raw sqlite3 ------------------------------------------------------------

DT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime in SQLite

SALE_SQL = (
    "INSERT INTO sales (uuid, receipt_no, kind, refund_of_id, location_id, shift_id, seller_id,"
    " created_utc, created_local, gross_cents, discount_cents, order_discount_cents,"
    " total_cents, change_cents, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
LINE_SQL = (
    "INSERT INTO sale_lines (sale_id, shift_id, line_no, product_id, sku, name, unit,"
    " quantity_milli, list_price_cents, unit_price_cents, vat_rate, cooperative_id,"
    " cooperative_code, commission_bp, gross_cents, line_discount_cents, order_discount_cents,"
    " net_cents, commission_cents, refund_of_line_id)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
PAYMENT_SQL = (
    "INSERT INTO sale_payments (sale_id, shift_id, method, amount_cents, tendered_cents,"
    " reference) VALUES (?,?,?,?,?,?)"
)
VAT_SQL = (
    "INSERT INTO sale_vat (sale_id, shift_id, rate, gross_cents, vat_cents) VALUES (?,?,?,?,?)"
)
MOVE_SQL = (
    "INSERT INTO stock_movements (uuid, product_id, location_id, quantity_milli, reason,"
    " user_id, created_utc, created_local, reference, sale_id, note)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?)"
)
OUTBOX_SQL = (
    "INSERT INTO outbox (seq, uuid, kind, payload, created_utc, acked_utc) VALUES (?,?,?,?,?,?)"
)
AUDIT_SQL = (
    "INSERT INTO audit_log (seq, at_utc, at_local, user_id, action, details, prev_hash, hash)"
    " VALUES (?,?,?,?,?,?,?,?)"
)
SEQ_SQL = "UPDATE sequences SET last_value = last_value + 1 WHERE name = ? RETURNING last_value"
_HASH_PARAMS = inspect.signature(entry_hash).parameters


def audit_hash(**fields) -> str:
    """coopos.domain.audit.entry_hash over the fields its current signature covers (the
    chain's fields have changed while coopos evolves; the baseline follows the app)."""
    return entry_hash(**{k: v for k, v in fields.items() if k in _HASH_PARAMS})


def open_raw(path: Path) -> sqlite3.Connection:
    """Plain sqlite3 with the app's pragmas; transactions are explicit (BEGIN IMMEDIATE)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def copy_database_content(raw: sqlite3.Connection, source: Path) -> None:
    """Same rows as the app's database (users, catalog, shift...) in the raw file."""
    raw.execute("PRAGMA foreign_keys=OFF")
    raw.execute("ATTACH DATABASE ? AS src", (str(source),))
    tables = [
        r[0]
        for r in raw.execute(
            "SELECT name FROM main.sqlite_master WHERE type='table' AND sql NOT LIKE 'CREATE "
            "VIRTUAL%' AND name NOT LIKE 'product_search_%' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'alembic_version'"
        )
    ]
    raw.execute("BEGIN")
    for table in tables:
        raw.execute(f"INSERT INTO main.{table} SELECT * FROM src.{table}")
    raw.execute(
        "INSERT INTO main.product_search(rowid, text) SELECT rowid, text FROM src.product_search"
    )
    raw.execute("COMMIT")
    raw.execute("DETACH DATABASE src")
    raw.execute("PRAGMA foreign_keys=ON")


class RawCheckout:
    """The rows checkout.complete() writes for one cart, with sqlite3 and nothing else."""

    def __init__(self, conn: sqlite3.Connection, template: Checkout, shift, location, clock):
        self.conn = conn
        self.clock = clock
        self.seller_id = template.seller_id
        self.shift_id = shift.id
        self.shift_uuid = shift.uuid
        self.location_id = location.id
        self.location_code = location.code
        totals = template.totals
        self.totals = totals
        self.tender = settle(totals.total, template.payments)
        self.lines = []
        for n, priced in enumerate(totals.lines, start=1):
            ln = priced.line
            self.lines.append(
                (
                    n,
                    ln.product_id,
                    ln.sku,
                    ln.name,
                    ln.unit,
                    to_milli(ln.quantity),
                    ln.list_price,
                    ln.price,
                    ln.vat_rate,
                    ln.cooperative_id,
                    ln.cooperative_code,
                    ln.commission_bp,
                    ln.gross,
                    ln.discount,
                    priced.order_discount,
                    priced.net,
                    priced.commission,
                    None,
                )
            )
        self.payments = [
            (p.method.value, applied, p.amount, p.reference)
            for p, applied in apply_sale_allocation(totals.total, template.payments)
        ]
        self.vat = [(v.rate, v.gross, v.vat) for v in totals.vat]
        self.approvals = list(template.approvals)

    def next_value(self, cur: sqlite3.Cursor, name: str) -> int:
        row = cur.execute(SEQ_SQL, (name,)).fetchone()
        if row is None:
            cur.execute("INSERT INTO sequences (name, last_value) VALUES (?, 1)", (name,))
            return 1
        return row[0]

    def complete(self) -> str:
        stamp = self.clock.now()
        utc = stamp.utc.strftime(DT)
        t = self.totals
        cur = self.conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            receipt = sale_number("T01", self.next_value(cur, "receipt:T01"))
            sale_uuid = new_uuid()
            cur.execute(
                SALE_SQL,
                (
                    sale_uuid,
                    receipt,
                    "sale",
                    None,
                    self.location_id,
                    self.shift_id,
                    self.seller_id,
                    utc,
                    stamp.local,
                    t.gross,
                    t.discounts,
                    t.order_discount,
                    t.total,
                    self.tender.change,
                    "",
                ),
            )
            sale_id = cur.lastrowid
            shift = self.shift_id
            cur.executemany(LINE_SQL, [(sale_id, shift, *ln) for ln in self.lines])
            cur.executemany(PAYMENT_SQL, [(sale_id, shift, *p) for p in self.payments])
            cur.executemany(VAT_SQL, [(sale_id, shift, *v) for v in self.vat])
            moves = [
                (
                    new_uuid(),
                    ln[1],
                    self.location_id,
                    -ln[5],
                    "sale",
                    self.seller_id,
                    utc,
                    stamp.local,
                    receipt,
                    sale_id,
                    "",
                )
                for ln in self.lines
            ]
            cur.executemany(MOVE_SQL, moves)
            payload = {
                "uuid": sale_uuid,
                "receipt_no": receipt,
                "kind": "sale",
                "refund_of": None,
                "location": self.location_code,
                "shift": self.shift_uuid,
                "created_utc": stamp.utc.isoformat(),
                "created_local": stamp.local,
                "gross": t.gross,
                "discount": t.discounts,
                "order_discount": t.order_discount,
                "total": t.total,
                "change": self.tender.change,
                "lines": [
                    {
                        "line_no": ln[0],
                        "sku": ln[2],
                        "name": ln[3],
                        "unit": ln[4],
                        "quantity": str(from_milli(ln[5])),
                        "list_price": ln[6],
                        "unit_price": ln[7],
                        "vat_rate": ln[8],
                        "cooperative": ln[10],
                        "commission_bp": ln[11],
                        "gross": ln[12],
                        "line_discount": ln[13],
                        "order_discount": ln[14],
                        "net": ln[15],
                        "commission": ln[16],
                        "refund_of_line": None,
                    }
                    for ln in self.lines
                ],
                "payments": [
                    {"method": m, "amount": a, "tendered": td, "reference": r}
                    for m, a, td, r in self.payments
                ],
                "vat": [{"rate": r, "gross": g, "vat": v} for r, g, v in self.vat],
                "stock_movements": [
                    {"uuid": m[0], "quantity": str(from_milli(m[3])), "reason": "sale"}
                    for m in moves
                ],
            }
            cur.execute(
                OUTBOX_SQL,
                (
                    self.next_value(cur, "outbox"),
                    new_uuid(),
                    "sale.completed",
                    json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str),
                    utc,
                    None,
                ),
            )
            for approval in self.approvals:
                last = cur.execute(
                    "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
                ).fetchone()
                seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
                at_utc = stamp.utc.isoformat(timespec="microseconds")
                details = canonical(
                    {
                        "receipt": receipt,
                        **{k: v for k, v in approval.items() if k not in ("action", "by")},
                    }
                )
                action, by = approval["action"], approval["by"]
                cur.execute(
                    AUDIT_SQL,
                    (
                        seq,
                        at_utc,
                        stamp.local,
                        by,
                        action,
                        details,
                        prev,
                        audit_hash(
                            prev_hash=prev,
                            seq=seq,
                            at_utc=at_utc,
                            at_local=stamp.local,
                            user_id=by,
                            action=action,
                            details=details,
                        ),
                    ),
                )
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        return receipt


def checkout_fixture(path: Path, clock: Clock) -> tuple[Context, Callable[[], Checkout]]:
    """The demo shop with an open shift, and a function making a ready-to-complete cart of
    five different products (with as many VAT rates as possible)."""
    ctx = Context.open(path, clock=clock)
    setup.init_database(ctx, demo=True)
    with ctx.read() as s:
        seller = lookups.user_by_name(s, "Fatima")
        candidates = s.execute(
            select(Product.id, Product.vat_rate, func.min(ProductBarcode.barcode))
            .join(ProductBarcode)
            .where(Product.sold_by_weight.is_(False), Product.active)
            .group_by(Product.id)
            .order_by(Product.id)
        ).all()
    picked, rates = [], set()
    for _, rate, code in candidates:
        if rate not in rates:
            picked.append(code)
            rates.add(rate)
    picked += [code for _, _, code in candidates if code not in picked][: 5 - len(picked)]
    codes = picked[:5]
    shifts.open_shift(ctx, seller.id, 50_000)

    def new_cart() -> Checkout:
        co = Checkout(ctx, seller)
        for code in codes:
            co.scan(code)
        # A 2 % seller discount (under the 5 % limit): complete() audits it with the sale,
        # so the sale writes one audit_log row, as the raw baseline does.
        first = co.lines[0]
        co.set_line_discount(first.line_id, first.gross * 2 // 100)
        co.start_payment()
        total = co.totals.total
        co.add_payment("cash", -(-total // 10_000) * 10_000)  # rounded up: change is given
        return co

    return ctx, new_cart


def fsync_floor(directory: Path, n: int) -> list[float]:
    """os.fsync after a 4 KiB write: what the disk charges for one durable commit."""
    path = directory / "fsync.probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    times = []
    try:
        for _ in range(n):
            os.write(fd, b"\0" * 4096)
            start = time.perf_counter()
            os.fsync(fd)
            times.append(time.perf_counter() - start)
    finally:
        os.close(fd)
        path.unlink()
    return times


def bench_checkout(tmp: Path, sizes: Sizes, report: Report) -> None:
    app_path, raw_path = tmp / "checkout-app.db", tmp / "checkout-raw.db"
    clock = Clock()
    ctx, new_cart = checkout_fixture(app_path, clock)

    template = new_cart()
    with ctx.read() as s:
        shift = lookups.open_shift(s)
        location = shift.location
        s.expunge_all()

    Context.open(raw_path).close()  # the app's migrations create the schema
    raw = open_raw(raw_path)
    copy_database_content(raw, app_path)
    raw.execute("INSERT INTO sequences (name, last_value) VALUES ('bench.floor', 0)")
    raw_checkout = RawCheckout(raw, template, shift, location, clock)

    def floor() -> None:
        raw.execute("BEGIN IMMEDIATE")
        raw.execute(SEQ_SQL, ("bench.floor",)).fetchone()
        raw.execute("COMMIT")

    samples: dict[str, list[float]] = {"app": [], "raw": [], "floor": []}
    rows_app = rows_raw = ""
    warmup = 5
    for i in range(warmup + sizes.checkout_sales):
        order = ["app", "raw", "floor"]
        order = order[i % 3 :] + order[: i % 3]  # interleaved, rotating who goes first
        for which in order:
            if which == "app":
                co = new_cart()
                before = table_counts(app_path) if i == warmup else None
                elapsed, _ = timed(co.complete)
                if before:
                    rows_app = delta(before, table_counts(app_path))
            elif which == "raw":
                before = table_counts(raw_path) if i == warmup else None
                elapsed, _ = timed(raw_checkout.complete)
                if before:
                    rows_raw = delta(before, table_counts(raw_path))
            else:
                elapsed, _ = timed(floor)
            if i >= warmup:
                samples[which].append(elapsed)
    raw.close()
    ctx.close()

    ratio = median(samples["app"]) / median(samples["raw"])
    n = sizes.checkout_sales
    report.results += [
        Result(
            "checkout.complete(), 5-line sale",
            f"{n} sales",
            samples["app"],
            "≤ 3x raw",
            verdict(ratio <= 3, f"{ratio:.2f}x raw"),
        ),
        Result("raw sqlite3, same rows (baseline)", f"{n} txns", samples["raw"], "—", "baseline"),
        Result(
            "raw sqlite3, 1-row UPDATE txn",
            f"{n} txns",
            samples["floor"],
            "—",
            f"info ({median(samples['floor']) / median(samples['raw']):.2f}x raw)",
        ),
        Result("os.fsync of a 4 KiB write (disk floor)", f"{n} calls", fsync_floor(tmp, n)),
    ]
    if rows_app != rows_raw:
        report.notes.append(
            "WARNING: the app and the raw baseline did not write the same rows: the baseline "
            "in bench/run.py (RawCheckout) must be brought in line with checkout.complete()."
        )
    report.notes += [
        f"Checkout: rows written per sale, app: {rows_app}; raw: {rows_raw} (plus the "
        "receipt and outbox sequence UPDATEs in both). A plain sale writes no audit_log row; "
        "the benchmark cart carries a 2 % seller discount so complete() writes one, as the raw "
        "baseline does.",
        "Checkout: the app, the raw baseline and the 1-row UPDATE transaction run interleaved "
        f"(rotating order, {warmup} warm-up rounds dropped) on two files in the same directory, "
        "both WAL + synchronous=FULL + foreign_keys=ON, both seeded with the demo catalog and "
        "one open shift. Only complete() is timed (scans and payments are not).",
    ]


# -- 2. barcode lookup and search over a large catalog ------------------------------------------


def new_shop(path: Path, coops) -> Context:
    ctx = Context.open(path)
    setup.init_database(ctx, admin_pin=setup.DEMO_ADMIN_PIN)
    datagen.seed_reference_data(ctx, coops)
    return ctx


def bench_catalog(tmp: Path, sizes: Sizes, report: Report) -> None:
    coops = datagen.cooperatives(50)
    csv_path = tmp / "catalog-large.csv"
    info = datagen.write_catalog_csv(csv_path, sizes.catalog_rows, coops)
    ctx = new_shop(tmp / "catalog.db", coops)
    elapsed, summary = timed(lambda: catalog.import_catalog(ctx, csv_path))
    n = sizes.catalog_rows
    report.results.append(
        Result(
            "catalog.import_catalog (large)",
            f"{n:,} rows",
            [elapsed],
            "—",
            f"info ({n / elapsed:,.0f} rows/s)",
        )
    )

    rng = random.Random(5)
    with_barcode = [r for r in info if r.barcodes]
    lookups_done, wrong, lookup_times = 0, 0, []
    for _ in range(sizes.lookups):
        row = rng.choice(with_barcode)
        code = rng.choice(row.barcodes)
        with ctx.read() as s:
            elapsed, product = timed(lambda s=s, code=code: lookups.product_by_code(s, code))
            wrong += product is None or product.sku != row.sku
        lookup_times.append(elapsed)
        lookups_done += 1
    report.results.append(
        Result(
            "lookups.product_by_code (barcode)",
            f"{n:,} products, {lookups_done} scans",
            lookup_times,
            "—",
            "info",
        )
    )

    queries = datagen.search_queries(info, sizes.queries_per_kind)
    mixed = [(kind, q) for kind, qs in queries.items() for q in qs]
    rng.shuffle(mixed)
    by_kind: dict[str, list[float]] = {kind: [] for kind in queries}
    hits_by_kind: dict[str, list[int]] = {kind: [] for kind in queries}
    sku_first = 0
    for kind, q in mixed:
        with ctx.read() as s:
            elapsed, hits = timed(lambda s=s, q=q: catalog.search(s, q))
            if kind == "sku" and hits and hits[0].product.sku == q:
                sku_first += 1
        by_kind[kind].append(elapsed)
        hits_by_kind[kind].append(len(hits))
    every = [t for ts in by_kind.values() for t in ts]
    report.results.append(
        Result("catalog.search, all queries", f"{n:,} products, {len(every)} q", every)
    )
    for kind, ts in by_kind.items():
        report.results.append(Result(f"catalog.search: {kind}", f"{len(ts)} queries", ts))
    ctx.close()
    examples = {kind: qs[:4] for kind, qs in queries.items()}
    report.notes += [
        f"Catalog: {n:,} generated products (Arabic + French names from word lists, "
        f"{len(coops)} cooperatives, EAN-13 barcodes with prefix 611, ~5 % with two barcodes, "
        f"loose goods sold by weight often without barcode, stock on ~80 % of rows); import "
        f"summary: {summary.created:,} created, {summary.stock_lines:,} stock lines.",
        f"Lookups: {lookups_done} random existing barcodes, each in a fresh read session (as "
        f"Checkout.scan does); wrong or missing results: {wrong}.",
        "Search: queries shuffled together, each in a fresh read session. Median hits per "
        "query: "
        + ", ".join(
            f"{kind} {median([float(h) for h in hs]):.0f}" for kind, hs in hits_by_kind.items()
        )
        + f"; exact sku ranked first {sku_first}/{len(by_kind['sku'])}. Examples: "
        + "; ".join(f"{k}: {', '.join(repr(q) for q in v)}" for k, v in examples.items())
        + ".",
    ]


# -- 3. Z report and sales by cooperative over a big shift -----------------------------------------


def sales_fixture(path: Path, n_sales: int) -> tuple[Context, int, dict[str, int], float]:
    """A shop (1,000 products, 50 cooperatives) whose one open shift holds ``n_sales``."""
    coops = datagen.cooperatives(50)
    csv_path = path.with_suffix(".csv")
    datagen.write_catalog_csv(csv_path, 1_000, coops, seed=8)
    ctx = new_shop(path, coops)
    catalog.import_catalog(ctx, csv_path)
    with ctx.read() as s:
        admin = lookups.user_by_name(s, "Admin")
    shift_id = shifts.open_shift(ctx, admin.id, 50_000).id
    build, counts = timed(lambda: datagen.bulk_sales(ctx, n_sales))
    return ctx, shift_id, counts, build


def bench_reports(tmp: Path, sizes: Sizes, report: Report) -> None:
    ctx, shift_id, counts, build = sales_fixture(tmp / "sales.db", sizes.sales)
    db_mb = sum(p.stat().st_size for p in tmp.glob("sales.db*")) / 1e6

    z_times, coop_times = [], []
    z = table = None
    for i in range(1 + sizes.report_runs):  # the first run of each only warms up
        with ctx.read() as s:
            shift = s.get(Shift, shift_id)
            elapsed, z = timed(lambda s=s, shift=shift: shifts.shift_report(s, shift))
        if i:
            z_times.append(elapsed)
        with ctx.read() as s:
            elapsed, table = timed(
                lambda s=s: reports.sales_report(s, None, None, by="cooperative")
            )
        if i:
            coop_times.append(elapsed)
    ctx.close()

    n = sizes.sales
    size = f"{n:,} sales, {counts['sale_lines']:,} lines"
    for name, times in (
        ("shifts.shift_report (Z/X)", z_times),
        ("reports.sales_report by cooperative", coop_times),
    ):
        report.results.append(Result(name, size, times, "< 300 ms", verdict(median(times) < 0.300)))
    consistent = (
        z.sales_count == n
        and table.totals["net"] == z.net_total
        and sum(c["net"] for c in z.by_cooperative) == z.net_total
    )
    report.notes += [
        f"Reports: one open shift with {n:,} sales bulk-inserted in transactions of 20,000 "
        f"sales with SQLAlchemy Core executemany ({counts['sale_lines']:,} sale_lines, "
        f"{counts['sale_payments']:,} sale_payments, {counts['sale_vat']:,} sale_vat rows; "
        f"built in {build:.1f} s, database {db_mb:.0f} MB). Carts are priced with the checkout's "
        "own code (price_lines, apply_sale_allocation: 1-6 lines, mean ~3; cash with change, "
        "card, split and mobile payments; a few discounts) over a 1,000-product catalog from "
        "50 cooperatives. stock_movements, outbox and audit_log rows are NOT written: neither "
        "report reads them. No refunds or cash movements.",
        f"Reports: {sizes.report_runs} timed runs each after one warm-up run, interleaved, each "
        "in a fresh read session (the shift is loaded before the timer). Totals consistent "
        f"across the two reports: {consistent} (net {format_amount(z.net_total)} MAD, "
        f"{len(table.rows)} cooperatives).",
    ]


# -- 4. import of a 10,000-row catalog into a fresh database ---------------------------------


def bench_import(tmp: Path, sizes: Sizes, report: Report) -> None:
    coops = datagen.cooperatives(50)
    csv_path = tmp / "catalog-import.csv"
    datagen.write_catalog_csv(csv_path, sizes.import_rows, coops, seed=9)
    times = []
    for rep in range(sizes.import_reps):
        path = tmp / f"import-{rep}.db"
        ctx = new_shop(path, coops)
        elapsed, _ = timed(lambda ctx=ctx: catalog.import_catalog(ctx, csv_path))
        times.append(elapsed)
        ctx.close()
        for p in tmp.glob(f"import-{rep}.db*"):
            p.unlink()
    n = sizes.import_rows
    report.results.append(
        Result(
            "catalog.import_catalog, fresh db",
            f"{n:,} rows x {sizes.import_reps}",
            times,
            "< 5 s",
            verdict(median(times) < 5),
        )
    )
    report.notes.append(
        f"Import: {sizes.import_reps} repetitions, each into a fresh database (admin user, "
        "50 cooperatives and the demo categories created beforehand, not timed); only "
        "import_catalog() is timed: read + validate the CSV, write products, barcodes, search "
        "index, 'received' stock movements, outbox event and audit entry in one transaction."
    )


TEN_LINES = [
    ("ARG-OIL-100", "2"),
    ("ARG-OIL-250", None),
    ("SAF-1G", "3"),
    ("SAF-10G", None),
    ("AML-250", None),
    ("AML-VRAC", "0.750"),
    ("CSC-VRAC", "1.250"),
    ("SAF-TEA-100", None),
    ("SAF-HON-250", None),
    ("AML-HON-250", None),
]


def bench_receipts(tmp: Path, sizes: Sizes, report: Report) -> None:
    """Render + encode a 10-line demo receipt; the baseline is Qt filling and thresholding
    an image of the same size (pure pixel work, no text), measured interleaved."""
    from decimal import Decimal

    from PySide6.QtGui import QImage

    from coopos.printing import escpos, render
    from coopos.printing.receipts import load_receipt

    path = tmp / "receipts.db"
    ctx = Context.open(path)
    setup.init_database(ctx, demo=True)
    with ctx.read() as s:
        fatima = lookups.user_by_name(s, "Fatima")
    shifts.open_shift(ctx, fatima.id, 0)
    checkout = Checkout(ctx, fatima)
    for sku, qty in TEN_LINES:
        checkout.scan(sku, Decimal(qty) if qty else None)
    checkout.start_payment()
    checkout.add_payment("cash", 200000)
    receipt_no = checkout.complete().receipt_no
    render.ensure_gui()
    runs = 20 if sizes is FULL else 5
    for language in ("fr", "ar"):
        receipt = load_receipt(ctx, receipt_no, language)
        app, base, size = [], [], 0
        for i in range(runs + 2):
            t_app, job = timed(
                lambda receipt=receipt: escpos.encode_job(render.render_receipt(receipt, 576))
            )
            height = render.render_receipt(receipt, 576).height()

            def baseline(height=height):
                image = QImage(576, height, QImage.Format.Format_RGB32)
                image.fill(0xFFFFFFFF)
                return render.to_mono(image)

            t_base, _image = timed(baseline)
            if i >= 2:  # two warm-ups
                app.append(t_app)
                base.append(t_base)
            size = len(job)
        ratio = median(app) / median(base)
        report.results.append(
            Result(
                f"receipt render + encode, 576 dots, {language}",
                f"10 lines x {runs}",
                app,
                "< 50 ms",
                verdict(median(app) < 0.05, f"{ratio:.1f}x baseline"),
            )
        )
        report.results.append(
            Result(f"baseline: blank image fill + threshold, {language}", f"x {runs}", base)
        )
        report.results.append(
            Result(
                f"ESC/POS job size, 80 mm, {language}: {size / 1024:.1f} KB",
                "10 lines",
                [0.0],
                "< 60 KB",
                verdict(size < 60 * 1024),
            )
        )
    ctx.close()
    report.notes.append(
        "Receipts: a 10-line demo sale (two weighed lines, a VAT table of three rates, the "
        "QR code); render = layout with Qt's text engine + 1-bit raster, encode = ESC/POS "
        "bands with white runs as dot feeds and the QR at half size (GS v 0 m=3)."
    )


def bench_consignment(tmp: Path, sizes: Sizes, report: Report) -> None:
    """A year of one shop: ~200,000 sale lines from 50 cooperatives spread over 365 days,
    each with its stock movement, plus the goods received; then the shop's reconciliation
    for the year and the settlement statements of the cooperatives.  Baseline: one SQL
    query summing the same sale lines per cooperative, same run."""
    from sqlalchemy import text as sql

    from coopos.services import consignment

    n_sales = 70_000 if sizes is FULL else 7_000
    ctx, _shift, counts, _build = sales_fixture(tmp / "year.db", n_sales)
    with ctx.write() as uow:
        c = uow.connection
        # spread the sales over 2026, then give every line its stock movement
        c.execute(
            sql(
                "UPDATE sales SET created_utc = datetime('2026-01-01 09:00', "
                "'+' || (id % 365) || ' days', '+' || (id % 600) || ' minutes'), "
                "created_local = strftime('%Y-%m-%dT%H:%M:%S+01:00', datetime('2026-01-01 10:00',"
                " '+' || (id % 365) || ' days', '+' || (id % 600) || ' minutes'))"
            )
        )
        c.execute(
            sql(
                "INSERT INTO stock_movements (uuid, product_id, location_id, quantity_milli, "
                "reason, created_utc, created_local, reference, sale_id, note) "
                "SELECT lower(hex(randomblob(16))), l.product_id, s.location_id, "
                "-l.quantity_milli, 'sale', s.created_utc, s.created_local, s.receipt_no, "
                "s.id, '' FROM sale_lines l JOIN sales s ON s.id = l.sale_id"
            )
        )
    with ctx.read() as s:
        coops = [code for (code,) in s.execute(sql("SELECT code FROM cooperatives ORDER BY code"))]
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    recon_t, one_t, all_t, base_t = [], [], [], []
    for i in range(1 + sizes.report_runs):
        with ctx.read() as s:
            t_recon, recon = timed(
                lambda s=s: consignment.reconciliation(s, None, start, end, "SHOP")
            )
        with ctx.read() as s:
            t_one, _one = timed(lambda s=s: consignment.settlement(s, coops[0], None, start, end))
        with ctx.read() as s:
            t_all, statements = timed(
                lambda s=s: [consignment.settlement(s, c, None, start, end) for c in coops]
            )
        with ctx.read() as s:
            t_base, _rows = timed(
                lambda s=s: s.execute(
                    sql(
                        "SELECT cooperative_code, sum(net_cents), sum(commission_cents) "
                        "FROM sale_lines GROUP BY cooperative_code"
                    )
                ).all()
            )
        if i:
            recon_t.append(t_recon)
            one_t.append(t_one)
            all_t.append(t_all)
            base_t.append(t_base)
    with ctx.read() as s:
        sold_milli = s.execute(
            sql("SELECT -sum(quantity_milli) FROM stock_movements WHERE reason = 'sale'")
        ).scalar()
    ctx.close()
    # the reconciliation must see every line sold in the year (not in the opening stock)
    recon_sold = sum(r.sold for r in recon.rows)
    consistent = int(recon_sold * 1000) == sold_milli
    size = f"{counts['sale_lines']:,} lines, 50 coops"
    ratio = median(recon_t) / median(base_t)
    report.results += [
        Result(
            "consignment.reconciliation, shop, a year",
            size,
            recon_t,
            "< 1 s",
            verdict(median(recon_t) < 1, f"{ratio:.0f}x baseline"),
        ),
        Result(
            "consignment.settlement, one cooperative, a year",
            size,
            one_t,
            "< 1 s",
            verdict(median(one_t) < 1),
        ),
        Result("all 50 settlement statements", size, all_t, "—", "info"),
        Result("baseline: SUM per cooperative in SQL", size, base_t, "—", "baseline"),
    ]
    lines_total = sum(st.net_sales_cents for st in statements)
    report.notes.append(
        f"Consignment: {n_sales:,} sales ({counts['sale_lines']:,} lines) spread over 2026 with "
        "one stock movement per line; reconciliation of the shop for the year (every "
        f"product), settlements per cooperative; the 50 statements add up to "
        f"{format_amount(lines_total)} MAD; the reconciliation's sold quantities equal the "
        f"year's sale movements: {consistent}."
    )


# -- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument(
        "--only", default=",".join(SCENARIOS), help=f"comma list among {', '.join(SCENARIOS)}"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated databases")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.md")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    sizes = QUICK if args.quick else FULL
    set_language("fr")

    tmp = Path(tempfile.mkdtemp(prefix="coopos-bench-"))
    report = Report(machine_info(tmp), mode="quick" if args.quick else "full")
    started = time.perf_counter()
    runners = {
        "checkout": bench_checkout,
        "catalog": bench_catalog,
        "reports": bench_reports,
        "import": bench_import,
        "receipts": bench_receipts,
        "consignment": bench_consignment,
        "ui": bench_ui,
    }
    try:
        for name in SCENARIOS:
            if name in chosen:
                t0 = time.perf_counter()
                print(f"[{time.perf_counter() - started:6.1f} s] {name}...", flush=True)
                runners[name](tmp, sizes, report)
                print(f"         {name} done in {fmt_time(time.perf_counter() - t0)}", flush=True)
    finally:
        report.wall_seconds = time.perf_counter() - started
        if args.keep:
            print(f"databases kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print()
    for key, value in report.machine.items():
        print(f"{key}: {value}")
    print()
    print(report.text())
    print()
    for note in report.notes:
        print(f"- {note}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report.markdown(), encoding="utf-8")
    print(f"\nwritten {args.output} (total {report.wall_seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
