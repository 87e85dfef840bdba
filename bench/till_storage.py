"""The till's database at 100,000 and 1,000,000 sales (issue 19, "Till storage"): its size
before and after pruning the outbox, per table (``dbstat``), and the shift-close backup's
time and size, the old way (a page-by-page copy of the whole file, as before) against
the new one (prune, then a snapshot compressed with zstandard).  Not a test: it only measures.

    .venv/bin/python bench/till_storage.py                # 100,000 sales (~2 minutes)
    .venv/bin/python bench/till_storage.py --million      # also 1,000,000 (~30 minutes)
    .venv/bin/python bench/till_storage.py --sales 20000  # a smoke run

How the sales are made: a faithful generator.  ``TEMPLATES`` sales go through the real
checkout (``Checkout.complete``: sales, lines, payments, VAT, stock movements and the
outbox event, in one transaction); then every further sale is one of them again, its
rows copied with new identities (ids, uuids, receipt number, times; the outbox payload
with the same values replaced), 500 sales a day, each acknowledged by the server a
minute after it was made, the last 50 not sent yet.  The real checkout at 1M sales
would take hours on this machine.  Before measuring, a few more sales are made with the
real checkout from the templates' carts, and their rows (identities aside) are checked
equal to their generated twins': the run stops if one differs.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import datagen
from common import fmt_time, machine_info, median, timed
from sqlalchemy import select

from coopos.db.models import Product
from coopos.domain.clock import Clock, Stamp
from coopos.i18n import set_language
from coopos.services import backup, catalog, lookups, setup, shifts, storage
from coopos.services.checkout import Checkout
from coopos.services.context import Context

TEMPLATES = 300
TWINS = 5  # real sales checked equal to generated ones
PER_DAY = 500
UNSENT = 50
BATCH = 20_000
MB = 1024 * 1024
START = datetime(2024, 1, 1, 9, 0, 0)
SALE_TABLES = ("sales", "sale_lines", "sale_payments", "sale_vat", "stock_movements")


class BenchClock(Clock):
    """Wall-clock-like stamps (with microseconds) at a time the bench chooses."""

    def __init__(self, at: datetime):
        self.at = at

    def now(self) -> Stamp:
        self.at += timedelta(microseconds=123_457)
        local = self.at + timedelta(hours=1)
        return Stamp(self.at, local.isoformat(timespec="seconds") + "+01:00")


def sale_time(number: int) -> datetime:
    """The ``number``-th sale (from 0): PER_DAY sales a day from 09:00, with microseconds."""
    day, rank = divmod(number, PER_DAY)
    return START + timedelta(days=day, seconds=rank * 72, microseconds=(number * 7919) % 999_983)


# -- the shop and its template sales --------------------------------------------------------


def new_shop(path: Path) -> tuple[Context, BenchClock]:
    coops = datagen.cooperatives(50)
    csv_path = path.with_suffix(".csv")
    datagen.write_catalog_csv(csv_path, 1_000, coops, seed=8)
    clock = BenchClock(START - timedelta(days=1))
    ctx = Context.open(path, clock=clock)
    setup.init_database(ctx, admin_pin=setup.DEMO_ADMIN_PIN)
    datagen.seed_reference_data(ctx, coops)
    catalog.import_catalog(ctx, csv_path)
    return ctx, clock


def carts(ctx: Context, n: int, seed: int = 5) -> list[list[tuple[str, Decimal | None]]]:
    """``n`` carts of 1 to 6 products (3 on average), weighed ones by the gram."""
    rng = random.Random(seed)
    with ctx.read() as s:
        products = s.execute(
            select(Product.sku, Product.sold_by_weight).where(Product.active)
        ).all()
    out = []
    for _ in range(n):
        size = rng.choices([1, 2, 3, 4, 5, 6], [20, 25, 20, 15, 12, 8])[0]
        cart = []
        for sku, weighed in rng.sample(products, size):
            qty = Decimal(rng.randint(100, 2000)) / 1000 if weighed else None
            cart.append((sku, qty))
        out.append(cart)
    return out


def real_sale(ctx: Context, seller, cart, card: bool) -> int:
    checkout = Checkout(ctx, seller)
    for sku, qty in cart:
        checkout.scan(sku, qty)
    checkout.start_payment()
    checkout.pay_exact("card" if card else "cash")
    return checkout.complete().sale_id


def rows_of(conn: sqlite3.Connection, sale_id: int) -> dict[str, list[dict]]:
    """Every row a sale wrote, by table, as dicts; its outbox event under ``outbox``."""
    conn.row_factory = sqlite3.Row
    found = {}
    for table in SALE_TABLES:
        key = "id" if table == "sales" else "sale_id"
        query = f"SELECT * FROM {table} WHERE {key} = ? ORDER BY rowid"
        found[table] = [dict(r) for r in conn.execute(query, (sale_id,))]
    uuid = found["sales"][0]["uuid"]
    found["outbox"] = [
        dict(r)
        for r in conn.execute(
            "SELECT * FROM outbox WHERE kind = 'sale.completed' AND payload LIKE ?",
            (f'%"uuid": "{uuid}", "vat"%',),
        )
    ]
    conn.row_factory = None
    return found


IDENTITY = {"id", "sale_id", "uuid", "receipt_no", "created_utc", "created_local", "seq"}
IDENTITY |= {"reference", "acked_utc", "payload"}


def anonymous(rows: dict[str, list[dict]]) -> dict[str, list]:
    """A sale's rows without what makes them this sale (to compare two sales)."""
    out = {}
    for table, found in rows.items():
        out[table] = [{k: v for k, v in r.items() if k not in IDENTITY} for r in found]
    payload = json.loads(rows["outbox"][0]["payload"])
    for key in ("uuid", "receipt_no", "created_utc", "created_local"):
        payload.pop(key)
    for move in payload["stock_movements"]:
        for key in ("uuid", "reference", "created_utc", "created_local"):
            move.pop(key)
    out["payload"] = payload
    return out


# -- the generator --------------------------------------------------------------------------


class Template:
    """One real sale's rows, with its identities replaced by placeholders."""

    def __init__(self, rows: dict[str, list[dict]]):
        self.rows = rows
        sale = rows["sales"][0]
        payload = rows["outbox"][0]["payload"]
        created = datetime.fromisoformat(str(sale["created_utc"]))
        swaps = [
            (sale["uuid"], "\x00sale_uuid\x00"),
            (sale["receipt_no"], "\x00receipt\x00"),
            (created.isoformat(), "\x00utc_iso\x00"),
            (str(sale["created_utc"]), "\x00utc_db\x00"),
            (sale["created_local"], "\x00local\x00"),
        ]
        swaps += [(m["uuid"], f"\x00move{i}\x00") for i, m in enumerate(rows["stock_movements"])]
        for old, new in swaps:
            assert old in payload, old
            payload = payload.replace(old, new)
        self.payload = payload
        self.moves = len(rows["stock_movements"])


def fill(template: Template, values: dict[str, str]) -> str:
    text = template.payload
    for key, value in values.items():
        text = text.replace(f"\x00{key}\x00", value)
    return text


def generate(path: Path, templates: list[Template], first: int, count: int) -> None:
    """Sales ``first`` to ``first + count - 1`` (numbered from 0) as the templates again."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    next_id = {
        t: (conn.execute(f"SELECT max(id) FROM {t}").fetchone()[0] or 0) + 1
        for t in ("sales", "sale_lines", "sale_payments", "stock_movements")
    }
    seq = (conn.execute("SELECT max(seq) FROM outbox").fetchone()[0] or 0) + 1
    columns = {
        t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in (*SALE_TABLES, "outbox")
    }
    inserts = {
        t: f"INSERT INTO {t} ({', '.join(c)}) VALUES ({', '.join('?' * len(c))})"
        for t, c in columns.items()
    }
    uuid_rng = random.Random(first)
    last = first + count
    for start in range(first, last, BATCH):
        batch: dict[str, list[tuple]] = {t: [] for t in columns}
        for number in range(start, min(start + BATCH, last)):
            template = templates[number % len(templates)]
            utc = sale_time(number)
            local = (utc + timedelta(hours=1)).isoformat(timespec="seconds") + "+01:00"
            utc_db = utc.strftime("%Y-%m-%d %H:%M:%S.%f")
            receipt = f"T01-{number + 1 + TEMPLATES:06d}"
            sale_id = next_id["sales"]
            next_id["sales"] += 1
            sale_uuid = f"{uuid_rng.getrandbits(128):032x}"
            common = {
                "sale_id": sale_id,
                "created_utc": utc_db,
                "created_local": local,
                "reference": receipt,
            }
            rows = template.rows
            batch["sales"].append(
                row(
                    columns["sales"],
                    rows["sales"][0],
                    id=sale_id,
                    uuid=sale_uuid,
                    receipt_no=receipt,
                    created_utc=utc_db,
                    created_local=local,
                )
            )
            for table in ("sale_lines", "sale_payments"):
                for r in rows[table]:
                    batch[table].append(row(columns[table], r, id=next_id[table], sale_id=sale_id))
                    next_id[table] += 1
            for r in rows["sale_vat"]:
                batch["sale_vat"].append(row(columns["sale_vat"], r, sale_id=sale_id))
            values = {
                "sale_uuid": sale_uuid,
                "receipt": receipt,
                "utc_iso": utc.isoformat(),
                "utc_db": utc_db,
                "local": local,
            }
            for i, r in enumerate(rows["stock_movements"]):
                move_uuid = f"{uuid_rng.getrandbits(128):032x}"
                values[f"move{i}"] = move_uuid
                batch["stock_movements"].append(
                    row(
                        columns["stock_movements"],
                        r,
                        id=next_id["stock_movements"],
                        uuid=move_uuid,
                        **common,
                    )
                )
                next_id["stock_movements"] += 1
            acked = None if number >= last - UNSENT else utc + timedelta(minutes=1)
            batch["outbox"].append(
                (
                    seq,
                    f"{uuid_rng.getrandbits(128):032x}",
                    "sale.completed",
                    fill(template, values),
                    utc_db,
                    acked.strftime("%Y-%m-%d %H:%M:%S.%f") if acked else None,
                )
            )
            seq += 1
        with conn:
            for table, found in batch.items():
                conn.executemany(inserts[table], found)
    with conn:
        conn.execute(
            "UPDATE sequences SET last_value = ? WHERE name = 'receipt:T01'", (last + TEMPLATES,)
        )
        conn.execute("UPDATE sequences SET last_value = ? WHERE name = 'outbox'", (seq - 1,))
    conn.close()


def row(columns: list[str], template: dict, **values) -> tuple:
    return tuple(values[c] if c in values else template[c] for c in columns)


# -- measures -------------------------------------------------------------------------------


def checkpoint(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def sizes(path: Path) -> tuple[int, int, dict[str, int], dict[str, int]]:
    """File bytes, live bytes (pages in use), bytes per table (its indexes included) and
    bytes per table or index."""
    checkpoint(path)
    conn = sqlite3.connect(path)
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    owner = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master"))
    per: dict[str, int] = {}
    each = dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
    for name, used in each.items():
        table = owner.get(name, name)
        per[table] = per.get(table, 0) + used
    conn.close()
    return path.stat().st_size, (pages - free) * page, per, each


def sales_during(ctx: Context, sale, work) -> tuple[list[float], object]:
    """``work()`` on a thread while the till sells a sale every 100 ms: each sale's time."""
    result: dict[str, object] = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", work()))
    thread.start()
    times = []
    while thread.is_alive():
        times.append(timed(sale)[0])
        time.sleep(0.1)
    thread.join()
    return times, result["value"]


def old_backup(db: Path, dest: Path) -> None:
    """The shift-close backup before issue 19: every page copied, 30 copies kept."""
    source, target = sqlite3.connect(db), sqlite3.connect(dest)
    source.backup(target)
    target.close()
    source.close()


def mb(n: int) -> str:
    return f"{n / MB:,.1f} MB"


def run(n_sales: int, tmp: Path) -> dict:
    path = tmp / f"till-{n_sales}.db"
    t0 = time.perf_counter()
    ctx, clock = new_shop(path)
    with ctx.read() as s:
        seller = lookups.user_by_name(s, "Admin")
    shifts.open_shift(ctx, seller.id, 50_000)
    cart_list = carts(ctx, TEMPLATES + TWINS)
    ids = [real_sale(ctx, seller, cart, i % 4 == 3) for i, cart in enumerate(cart_list[:TEMPLATES])]
    conn = sqlite3.connect(path)
    templates = [Template(rows_of(conn, i)) for i in ids]
    conn.close()
    generate(path, templates, 0, n_sales - TEMPLATES - TWINS)
    clock.at = sale_time(n_sales - TWINS)
    twins = [real_sale(ctx, seller, cart_list[i], i % 4 == 3) for i in range(TWINS)]
    conn = sqlite3.connect(path)
    for i, sale_id in enumerate(twins):  # the real path and the generator write the same
        real, generated = anonymous(rows_of(conn, sale_id)), anonymous(templates[i].rows)
        assert real == generated, f"twin {i} differs from its template"
        clone_id = ids[-1] + 1 + i  # the first generated sales are templates 0, 1, ...
        assert anonymous(rows_of(conn, clone_id)) == generated, f"clone {i} differs"
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in SALE_TABLES}
    counts["outbox"] = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    payload_bytes = conn.execute(
        "SELECT avg(length(CAST(payload AS BLOB))) FROM outbox"
    ).fetchone()[0]
    conn.close()
    build = time.perf_counter() - t0
    file_before, live_before, tables_before, each_before = sizes(path)

    old_seconds = time.perf_counter()
    old_backup(path, tmp / "old-copy.db")
    old_seconds = time.perf_counter() - old_seconds
    old_size = (tmp / "old-copy.db").stat().st_size
    (tmp / "old-copy.db").unlink()

    ctx.close()
    ctx = Context.open(path, clock=clock)
    now = sale_time(n_sales)
    alone = [timed(lambda: real_sale(ctx, seller, cart_list[0], False))[0] for _ in range(20)]
    prune_seconds = time.perf_counter()
    during, pruned = sales_during(
        ctx,
        lambda: real_sale(ctx, seller, cart_list[0], False),
        lambda: storage.prune_outbox(ctx, days=30, now=now),
    )
    prune_seconds = time.perf_counter() - prune_seconds
    ctx.close()
    file_after, live_after, tables_after, each_after = sizes(path)

    vacuum_seconds = time.perf_counter()
    plain = backup.backup(path, tmp / "vacuum-into.db")
    vacuum_seconds = time.perf_counter() - vacuum_seconds
    plain_size = plain.stat().st_size
    plain.unlink()
    new_seconds = time.perf_counter()
    [result] = backup.backup_after_close(path, None, 1, now=now)
    new_seconds = time.perf_counter() - new_seconds
    zst_size = result.path.stat().st_size
    restore_seconds = time.perf_counter()
    backup.unpack(result.path, tmp / "unpacked.db")
    restore_seconds = time.perf_counter() - restore_seconds
    (tmp / "unpacked.db").unlink()
    result.path.unlink()
    # Later closes: the next sales have filled the free pages again (VACUUM stands for
    # them), so the backup copies pages as they are.
    conn = sqlite3.connect(path)
    conn.execute("VACUUM")
    conn.close()
    steady_seconds = time.perf_counter()
    [steady] = backup.backup_after_close(path, None, 2, now=now)
    steady_seconds = time.perf_counter() - steady_seconds
    steady_size = steady.path.stat().st_size
    steady.path.unlink()
    path.unlink()
    return {
        "sales": n_sales,
        "counts": counts,
        "build_seconds": build,
        "file_before": file_before,
        "live_before": live_before,
        "tables_before": tables_before,
        "pruned_rows": pruned.rows,
        "prune_seconds": prune_seconds,
        "prune_batches": -(-pruned.rows // storage.PRUNE_BATCH),
        "file_after": file_after,
        "live_after": live_after,
        "tables_after": tables_after,
        "each_before": each_before,
        "each_after": each_after,
        "payload_bytes": payload_bytes,
        "old_backup_seconds": old_seconds,
        "old_backup_size": old_size,
        "vacuum_seconds": vacuum_seconds,
        "vacuum_size": plain_size,
        "new_backup_seconds": new_seconds,
        "new_backup_size": zst_size,
        "unpack_seconds": restore_seconds,
        "steady_seconds": steady_seconds,
        "steady_size": steady_size,
        "free_after": 1 - live_after / file_after,
        "sale_alone_median": median(alone),
        "sale_alone_max": max(alone),
        "sales_during_prune": len(during),
        "sale_during_median": median(during) if during else 0.0,
        "sale_during_max": max(during) if during else 0.0,
    }


def report(results: list[dict]) -> str:
    out = []
    for r in results:
        n = r["sales"]
        per100k = 100_000 / n
        out += [
            f"### {n:,} sales ({n // PER_DAY} days of {PER_DAY} sales)",
            "",
            f"Rows: {', '.join(f'{t} {c:,}' for t, c in r['counts'].items())}; built in "
            f"{fmt_time(r['build_seconds'])}.",
            "",
            "| | before pruning | after pruning (30 days kept) |",
            "|---|---|---|",
            f"| database file | {mb(r['file_before'])} | {mb(r['file_after'])} (free pages "
            "are reused by the next sales) |",
            f"| pages in use | {mb(r['live_before'])} | {mb(r['live_after'])} |",
            f"| per 100,000 sales | {mb(r['live_before'] * per100k)} | "
            f"{mb(r['live_after'] * per100k)} |",
            f"| outbox (with its indexes) | {mb(r['tables_before'].get('outbox', 0))} | "
            f"{mb(r['tables_after'].get('outbox', 0))} |",
            "",
            f"Pruning: {r['pruned_rows']:,} rows in {fmt_time(r['prune_seconds'])} "
            f"({r['prune_batches']:,} transactions of at most {storage.PRUNE_BATCH} rows, "
            f"{fmt_time(r['prune_seconds'] / max(r['prune_batches'], 1))} each on average), "
            "on a thread while the till sold a sale every 100 ms through the real checkout: "
            f"{r['sales_during_prune']} sales, median {fmt_time(r['sale_during_median'])}, "
            f"longest {fmt_time(r['sale_during_max'])}; the same sale without pruning: median "
            f"{fmt_time(r['sale_alone_median'])}, longest {fmt_time(r['sale_alone_max'])} "
            f"(ratio of the medians {r['sale_during_median'] / r['sale_alone_median']:.2f}x).",
            "",
            f"Free pages after pruning: {r['free_after']:.0%} of the file, so the first "
            "snapshot is "
            + ("`VACUUM INTO`" if r["free_after"] >= 0.25 else "a page copy")
            + "; later ones are page copies (SQLite's backup API).",
            "",
            "| backup at shift close | time | size | ratio to the old copy |",
            "|---|---|---|---|",
            f"| old: page copy of the whole file (before pruning) | "
            f"{fmt_time(r['old_backup_seconds'])} | {mb(r['old_backup_size'])} | 1.00x / 1.00x |",
            "| the snapshot alone, uncompressed (after pruning) | "
            f"{fmt_time(r['vacuum_seconds'])} | "
            f"{mb(r['vacuum_size'])} | "
            f"{r['vacuum_seconds'] / r['old_backup_seconds']:.2f}x / "
            f"{r['vacuum_size'] / r['old_backup_size']:.2f}x |",
            f"| new, first close after pruning: snapshot + zstd (`.db.zst`) | "
            f"{fmt_time(r['new_backup_seconds'])} | "
            f"{mb(r['new_backup_size'])} | "
            f"{r['new_backup_seconds'] / r['old_backup_seconds']:.2f}x / "
            f"{r['new_backup_size'] / r['old_backup_size']:.2f}x |",
            f"| new, later closes (free pages reused): snapshot + zstd | "
            f"{fmt_time(r['steady_seconds'])} | {mb(r['steady_size'])} | "
            f"{r['steady_seconds'] / r['old_backup_seconds']:.2f}x / "
            f"{r['steady_size'] / r['old_backup_size']:.2f}x |",
            "",
            f"Decompressing the `.db.zst` (the first step of a restore): "
            f"{fmt_time(r['unpack_seconds'])}.",
            "",
            f"Outbox payload: {r['payload_bytes']:,.0f} bytes per sale on average.",
            "",
            "| table (with its indexes) | before | after |",
            "|---|---|---|",
        ]
        tables = sorted(r["tables_before"], key=lambda t: -r["tables_before"][t])
        for table in tables[:10]:
            out.append(
                f"| {table} | {mb(r['tables_before'][table])} | "
                f"{mb(r['tables_after'].get(table, 0))} |"
            )
        out += ["", "| largest tables and indexes, after pruning | size |", "|---|---|"]
        each = sorted(r["each_after"], key=lambda t: -r["each_after"][t])
        out += [f"| {name} | {mb(r['each_after'][name])} |" for name in each[:16]]
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sales", type=int, default=100_000)
    parser.add_argument("--million", action="store_true", help="also 1,000,000 sales (long)")
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)
    set_language("fr")
    tmp = Path(tempfile.mkdtemp(prefix="coopos-storage-"))
    machine = machine_info(tmp)
    results = []
    for n in [args.sales] + ([1_000_000] if args.million else []):
        print(f"{n:,} sales…", flush=True)
        results.append(run(n, tmp))
        print(report(results[-1:]), flush=True)
    text = "\n".join(f"- {k}: {v}" for k, v in machine.items()) + "\n\n" + report(results)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "till_storage.md").write_text(text, encoding="utf-8")
    (args.output / "till_storage.json").write_text(
        json.dumps({"machine": machine, "results": results}, indent=1), encoding="utf-8"
    )
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
