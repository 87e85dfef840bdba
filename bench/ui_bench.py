"""Desktop app timings on a 50,000-product catalog (offscreen Qt, in the same process as
the till would run):

- scan to line visible: a barcode typed into the scan field and Enter, until the cart
  model shows the line and Qt has processed the resulting events;
- typing to results shown: each keystroke of a search, until the product grid is rebuilt;
- cold start to the login screen: a new Python process that opens the database, builds
  the window and shows the login screen (with its first paint), then quits.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datagen
from common import Report, Result, timed
from sqlalchemy import select

from coopos.db.models import Product, ProductBarcode
from coopos.services import catalog, setup, shifts, users
from coopos.services.context import Context

ROOT = Path(__file__).resolve().parents[1]


def catalog_db(tmp: Path, rows: int) -> tuple[Path, list]:
    """A shop with ``rows`` generated products (reuses the catalog scenario's file)."""
    coops = datagen.cooperatives(50)
    csv_path = tmp / "ui-catalog.csv"
    info = datagen.write_catalog_csv(csv_path, rows, coops)
    path = tmp / "ui.db"
    ctx = Context.open(path)
    setup.init_database(ctx, admin_pin=setup.DEMO_ADMIN_PIN)
    datagen.seed_reference_data(ctx, coops)
    catalog.import_catalog(ctx, csv_path)
    admin = users.authenticate(ctx, setup.DEMO_ADMIN_PIN, audit=False)
    shifts.open_shift(ctx, admin.id, 0)
    ctx.close()
    return path, info


def bench_ui(tmp: Path, sizes, report: Report) -> None:
    path, info = catalog_db(tmp, sizes.catalog_rows)
    report.results += cold_start(path)
    report.results += in_app(path, info, sizes)


def cold_start(path: Path, runs: int = 7) -> list[Result]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", COOPOS_QUIT_WHEN_READY="1")
    python = [sys.executable]
    app, bare = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([*python, "-c", "pass"], check=True, env=env)
        bare.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        subprocess.run(
            [*python, str(ROOT / "main.py"), "--db", str(path)],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        app.append(time.perf_counter() - t0)
    base = sorted(bare)[len(bare) // 2]
    start = sorted(app)[len(app) // 2]
    verdict = "met" if start < 2.0 else "MISSED"
    return [
        Result(
            "cold start to login screen",
            "50,000 products, new process",
            app,
            "< 2 s",
            f"{verdict} ({start / base:.0f}x a bare python)",
        ),
        Result("bare python start (baseline)", "python -c pass", bare, "—", "baseline"),
    ]


def in_app(path: Path, info, sizes) -> list[Result]:
    from PySide6.QtWidgets import QApplication

    from ui.app import apply_language, create_app
    from ui.main_window import MainWindow
    from ui.session import AppSession

    app = create_app()
    apply_language(app, "fr")
    ctx = Context.open(path)
    session = AppSession(ctx)
    window = MainWindow(session)
    window.resize(1366, 768)
    window.show()
    window.on_login(users.authenticate(ctx, setup.DEMO_ADMIN_PIN, audit=False))
    sell = window.shell.sell
    QApplication.processEvents()
    rng = random.Random(9)
    with ctx.read() as s:  # piece goods: a weighed product would open the weight dialog
        codes = list(
            s.execute(
                select(ProductBarcode.barcode).join(Product).where(~Product.sold_by_weight)
            ).scalars()
        )
    rng.shuffle(codes)

    scans = []
    for i, code in enumerate(codes[: sizes.lookups // 2]):
        if i and i % 20 == 0:  # a customer's basket is done: start the next one
            session.checkout.void("bench")
            session.next_sale()
            QApplication.processEvents()
        before = sell.cart_model.rowCount()

        def scan(code=code):
            sell.scan.setText(code)
            sell.on_enter()
            QApplication.processEvents()

        elapsed, _ = timed(scan)
        assert sell.cart_model.rowCount() >= before, "the scan added nothing"
        scans.append(elapsed)

    queries = datagen.search_queries(info, sizes.queries_per_kind)
    typing = []
    for query in [q for kind, qs in queries.items() if kind != "sku" for q in qs]:
        for n in range(1, len(query) + 1):
            text = query[:n]

            def keystroke(text=text):
                sell.scan.setText(text)
                sell.on_typed(text)
                QApplication.processEvents()

            elapsed, _ = timed(keystroke)
            typing.append(elapsed)
        sell.escape()
    window.close()
    session.bridge.close()
    ctx.close()
    scan_median = sorted(scans)[len(scans) // 2]
    type_median = sorted(typing)[len(typing) // 2]
    return [
        Result(
            "scan to line visible in the cart",
            f"{len(info):,} products, {len(scans)} scans",
            scans,
            "< 30 ms",
            "met" if scan_median < 0.030 else "MISSED",
        ),
        Result(
            "typing to search results shown",
            f"{len(typing)} keystrokes",
            typing,
            "< 50 ms",
            "met" if type_median < 0.050 else "MISSED",
        ),
    ]
