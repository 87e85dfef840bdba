"""Where the time goes: SQL statements and a cProfile of the benchmarked operations.

    .venv/bin/python bench/diagnose.py checkout [--n 100]
    .venv/bin/python bench/diagnose.py reports [--sales 100000] [--db kept/sales.db]

``checkout`` lists the statements one checkout.complete() sends (with the time SQLite
spent on each) and profiles ``--n`` completes.  ``reports`` does the same for
shifts.shift_report and reports.sales_report(by="cooperative") and shows SQLite's query
plans.  (A kept database comes from ``bench/run.py --keep --only reports``.)

A diagnostic tool, not a benchmark: cProfile slows Python code down several times.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import fmt_time
from run import checkout_fixture, sales_fixture
from sqlalchemy import event, select

from coopos.db.models import Shift
from coopos.domain.clock import Clock
from coopos.i18n import set_language
from coopos.services import reports, shifts
from coopos.services.context import Context


class StatementLog:
    """Every statement the engine sends, with the time spent in cursor.execute(): for a
    SELECT that is the time to its first row (a GROUP BY finishes part of its work while
    the rows are fetched, so the wall time printed beside it is the reference)."""

    def __init__(self, engine):
        self.engine = engine
        self.rows: list[tuple[float, str]] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, params, context, executemany):
        conn.info["bench_t0"] = time.perf_counter()

    def _after(self, conn, cursor, statement, params, context, executemany):
        if self.on:
            label = " ".join(statement.split())
            if executemany and params and isinstance(params[0], tuple | list | dict):
                label = f"[executemany x{len(params)}] {label}"
            self.rows.append((time.perf_counter() - conn.info["bench_t0"], label))

    def __enter__(self):
        self.rows.clear()
        self.on = True
        return self

    def __exit__(self, *exc):
        self.on = False

    def print(self, title: str, width: int = 130) -> None:
        total = sum(t for t, _ in self.rows)
        print(f"\n{title}: {len(self.rows)} statements, {fmt_time(total)} inside SQLite")
        for t, label in self.rows:
            print(f"  {fmt_time(t):>9}  {label[:width]}")


def print_profile(profiler: cProfile.Profile, runs: int, limit: int = 30) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    total = stats.total_tt
    print(f"\ncProfile: {fmt_time(total / runs)} per run under the profiler ({runs} runs)")
    for label, key in (("sqlite3 commit", "commit"), ("sqlite3 execute", "execute")):
        own = sum(
            tt
            for (file, _, name), (_, _, tt, _, _) in stats.stats.items()
            if name.startswith(f"<method '{key}' of 'sqlite3.")
            or (file == "~" and f"'{key}' of 'sqlite3." in name)
        )
        print(f"  {label:16} {fmt_time(own / runs):>9} per run ({own / total:5.1%})")
    stats.sort_stats("cumulative").print_stats(limit)
    text = out.getvalue()
    print(text[text.find("   ncalls") :])


def profile_checkout(n: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="coopos-profile-"))
    try:
        ctx, new_cart = checkout_fixture(tmp / "checkout.db", Clock())
        for _ in range(10):  # warm caches (statement cache, pages)
            new_cart().complete()
        log = StatementLog(ctx.engine)
        cart = new_cart()
        with log:
            start = time.perf_counter()
            cart.complete()
            elapsed = time.perf_counter() - start
        log.print(f"one checkout.complete() ({fmt_time(elapsed)} wall)")
        carts = [new_cart() for _ in range(n)]
        profiler = cProfile.Profile()
        profiler.enable()
        for cart in carts:
            cart.complete()
        profiler.disable()
        print_profile(profiler, n)
        ctx.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def profile_reports(n_sales: int, db: Path | None) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="coopos-profile-"))
    try:
        if db is None:
            ctx, shift_id, counts, _ = sales_fixture(tmp / "sales.db", n_sales)
            print(f"built {counts}")
        else:
            ctx = Context.open(db)
            with ctx.read() as s:
                shift_id = s.execute(select(Shift.id).order_by(Shift.id.desc())).scalar()
        log = StatementLog(ctx.engine)
        calls = {
            "shifts.shift_report": lambda s: shifts.shift_report(s, s.get(Shift, shift_id)),
            "reports.sales_report(by='cooperative')": lambda s: reports.sales_report(
                s, None, None, by="cooperative"
            ),
        }
        for name, call in calls.items():
            with ctx.read() as s:
                call(s)  # warm-up
            with ctx.read() as s, log:
                start = time.perf_counter()
                call(s)
                elapsed = time.perf_counter() - start
            log.print(f"{name} ({fmt_time(elapsed)} wall)", width=400)
            with ctx.engine.connect() as conn:
                seen = set()
                for _, label in list(log.rows):
                    if not label.startswith("SELECT") or label in seen:
                        continue
                    seen.add(label)
                    if "sale" not in label:
                        continue
                    plan = conn.exec_driver_sql(
                        "EXPLAIN QUERY PLAN " + label,
                        tuple(_params_for(label, shift_id)),
                    ).all()
                    print(f"  plan of: {label[:100]}...")
                    for row in plan:
                        print(f"      {row[-1]}")
            profiler = cProfile.Profile()
            with ctx.read() as s:
                profiler.enable()
                call(s)
                profiler.disable()
            print_profile(profiler, 1, limit=15)
        ctx.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _params_for(statement: str, shift_id: int) -> list:
    """Placeholder values good enough for EXPLAIN (the plan does not depend on them)."""
    return [shift_id] * statement.count("?")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("checkout")
    p.add_argument("--n", type=int, default=100)
    p = sub.add_parser("reports")
    p.add_argument("--sales", type=int, default=100_000)
    p.add_argument("--db", type=Path, default=None)
    args = parser.parse_args(argv)
    set_language("fr")
    if args.what == "checkout":
        profile_checkout(args.n)
    else:
        profile_reports(args.sales, args.db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
