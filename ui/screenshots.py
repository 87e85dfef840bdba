"""Render every main screen with the demo data, in Arabic and French, to PNG.

    python -m ui.screenshots [--out docs/screenshots] [--lang ar --lang fr]

Runs offscreen (no display needed).  Look at the images: nothing clipped, overlapping or
untranslated."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QWidget

SIZE = (1366, 768)  # a common cheap-laptop screen


def build_demo(folder: Path):
    """A demo shop with an open shift and a few sales, so reports have something."""
    from coopos.domain.clock import FixedClock
    from coopos.services import refunds, setup, shifts, users
    from coopos.services.checkout import Approver, Checkout
    from coopos.services.context import Context

    ctx = Context.open(
        folder / "demo.db", clock=FixedClock(datetime(2026, 11, 20, 8, 30), step_seconds=1700)
    )
    setup.init_database(ctx, demo=True)
    seller = users.authenticate(ctx, setup.DEMO_SELLER_PIN, audit=False)
    manager = users.authenticate(ctx, setup.DEMO_MANAGER_PIN, audit=False)
    shifts.open_shift(ctx, seller.id, 50000)
    baskets = [
        [("ARG-OIL-250", 2), ("SAF-1G", 1)],
        [("HON-THY-500", 1), ("AML-250", 1)],
        [("DAT-MJH-1K", 1), ("ROS-WAT-250", 3)],
        [("SAV-BLD-250", 4), ("GHS-250", 2), ("TAJ-30", 1)],
        [("ARG-OIL-100", 1), ("DAT-JIH-VRAC", "2.400")],
    ]
    receipts = []
    for basket in baskets:
        checkout = Checkout(ctx, seller)
        for code, qty in basket:
            checkout.scan(code, qty)
        checkout.start_payment()
        checkout.pay_exact()
        receipts.append(checkout.complete().receipt_no)
    refunds.refund(ctx, receipts[-1], Approver.of(manager), [("ARG-OIL-100", 1)])
    return ctx


def grab(widget: QWidget, path: Path) -> None:
    QApplication.processEvents()
    widget.grab().save(str(path))
    print(path)


def render(language: str, out: Path) -> None:
    from coopos.services import setup, users
    from ui.app import apply_language, create_app
    from ui.main_window import MainWindow, available_screens
    from ui.screens.payment import PaymentDialog
    from ui.session import AppSession

    app = create_app()
    folder = Path(tempfile.mkdtemp(prefix="coopos-shots-"))
    try:
        ctx = build_demo(folder)
        from coopos.services import settings

        settings.update(ctx, {"language": language})  # what a login applies
        apply_language(app, language)
        session = AppSession(ctx)
        window = MainWindow(session)
        window.resize(*SIZE)
        window.show()
        grab(window, out / f"login-{language}.png")
        manager = users.authenticate(ctx, setup.DEMO_MANAGER_PIN, audit=False)
        window.on_login(manager)
        checkout = session.checkout
        for code, qty in (("ARG-OIL-250", 1), ("SAF-1G", 2), ("CSC-VRAC", "1.250")):
            checkout.scan(code, qty)
        grab(window, out / f"sell-{language}.png")
        dialog = PaymentDialog(session, window)
        dialog.resize(700, 640)
        dialog.show()
        dialog.add("cash", 50000)
        grab(dialog, out / f"payment-{language}.png")
        dialog.reject()
        report_shot(window, out, language)
        journal_shot(window, out, language)
        # A receipt the printer did not take: the sell screen's button and its dialog.
        from coopos.printing import queue
        from ui.screens.print_queue import PrintQueueDialog

        settings.update(ctx, {"printer.uri": f"file:{folder / 'unplugged' / 'lp0'}"})
        window.printer.configure()
        queue.add(ctx, queue.RECEIPT, "T01-000005")
        outcome = queue.run_waiting(ctx)
        window.shell.sell.on_print_queue(outcome.waiting, outcome.message, True)
        grab(window, out / f"sell-print-waiting-{language}.png")
        waiting = PrintQueueDialog(window.printer, window)
        waiting.show()
        grab(waiting, out / f"print-queue-{language}.png")
        waiting.reject()
        for entry in available_screens():
            window.shell.show_screen(entry.key)
            grab(window, out / f"{entry.key}-{language}.png")
        # the lower half of Settings: printer and sync server
        from PySide6.QtWidgets import QScrollArea

        scroll = window.shell.show_screen("settings").findChild(QScrollArea, "settingsScroll")
        scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
        grab(window, out / f"settings-printer-sync-{language}.png")
        fair_shots(window, ctx, manager, out, language)
        window.close()
        session.bridge.close()
        ctx.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def report_shot(window, out: Path, language: str) -> None:
    """The X report of the demo's open shift (a Z report is laid out the same)."""
    from coopos.services import shifts
    from ui.screens.shift_report import ReportView

    dialog = ReportView(shifts.x_report(window.session.ctx), window)
    dialog.resize(1100, 700)
    dialog.show()
    grab(dialog, out / f"x-report-{language}.png")
    dialog.reject()


def journal_shot(window, out: Path, language: str) -> None:
    """The receipts journal of the demo's day, with the details of the partly refunded
    sale (the newest row is its refund)."""
    from ui.screens.journal import JournalDialog
    from ui.widgets.forms import select_row

    dialog = JournalDialog(window.session, window)
    dialog.resize(1100, 640)
    dialog.show()
    select_row(dialog.table, 1)
    dialog.on_enter()
    grab(dialog, out / f"journal-{language}.png")
    dialog.reject()


def wait_for(screen: QWidget) -> None:
    """Until a screen's worker thread has reported (reconciliation, statements)."""
    import time

    deadline = time.monotonic() + 10
    while getattr(screen, "loading", False) and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)
    QApplication.processEvents()


def fair_shots(window, ctx, manager, out: Path, language: str) -> None:
    """The demo fair SIAM after a few days: goods sent to its stand from the shop and
    straight from a cooperative, sales there, the count (a bottle missing, damaged
    saffron explained) and a payout; then its screens and dialogs."""
    from decimal import Decimal

    from coopos.services import consignment, users
    from coopos.services.checkout import Approver, Checkout
    from ui.screens.fair_count import FairCountDialog
    from ui.screens.fair_notes import NoteDialog
    from ui.screens.fairs import select_in
    from ui.screens.reconciliation import ExplainDialog
    from ui.screens.settlements import PayoutDialog

    seller = users.authenticate(ctx, "1111", audit=False)
    consignment.dispatch(
        ctx,
        "SIAM",
        [("ARG-OIL-250", 8), ("AML-250", 4), ("SAF-1G", 6), ("HON-THY-500", 3)],
        "SHOP",
        manager.id,
    )
    consignment.dispatch(ctx, "SIAM", [("ROS-WAT-250", 10), ("ROS-SOAP", 12)], "COOP:AJDIG")
    for basket in (
        [("ARG-OIL-250", 2), ("ROS-WAT-250", 3)],
        [("SAF-1G", 2), ("AML-250", 1)],
        [("ROS-SOAP", 4), ("ARG-OIL-250", 1), ("HON-THY-500", 1)],
    ):
        checkout = Checkout(ctx, seller, "SIAM-STAND")
        for code, qty in basket:
            checkout.scan(code, qty)
        checkout.start_payment()
        checkout.pay_exact()
        checkout.complete()
    shell = window.shell

    fairs = shell.show_screen("fairs")
    fairs.refresh()
    fairs.select_fair("SIAM")
    grab(window, out / f"fairs-{language}.png")

    note = NoteDialog(window.session, "dispatch", "SIAM", window)
    note.resize(900, 660)
    note.show()
    for code in ("6*ARG-OIL-500", "6111042001024", "6111042001024", "DAT-MJH-1K"):
        note.lines.add_code(code)
    note.lines.render(len(note.lines.lines) - 1)
    grab(note, out / f"fair-dispatch-{language}.png")
    note.hide()
    note.deleteLater()

    count = FairCountDialog(window.session, "SIAM", window)
    count.resize(960, 680)
    count.show()
    for code in ("4*ARG-OIL-250", "3*AML-250", "3*SAF-1G", "7*ROS-WAT-250"):
        count.lines.add_code(code)
    count.lines.render(0)
    grab(count, out / f"fair-count-{language}.png")
    count.hide()
    count.deleteLater()

    approver = Approver.of(manager)
    consignment.count_fair(
        ctx,
        "SIAM",
        [
            ("ARG-OIL-250", 4),  # one missing
            ("AML-250", 3),
            ("SAF-1G", 3),  # one missing: damaged, explained below
            ("HON-THY-500", 2),
            ("ROS-WAT-250", 7),
            ("ROS-SOAP", 9),  # one more than the books say
        ],
        approver.id,
    )
    consignment.explain_variance(ctx, "SIAM", "SAF-1G", Decimal(1), "damaged", approver.id)
    consignment.add_payout(ctx, "TIFAW", 20000, "transfer", "VIR-2026-0412", "SIAM", manager.id)

    fairs = shell.show_screen("fairs")
    fairs.refresh()
    fairs.select_fair("SIAM")
    fairs.reconcile()
    recon = fairs.reconciliation
    wait_for(recon)
    select_in(recon.table, "sku", "ARG-OIL-250")
    grab(window, out / f"reconciliation-{language}.png")
    fairs.tabs.setCurrentIndex(0)
    row = recon.selected()
    if row is not None:
        explain = ExplainDialog(window.session, approver, "SIAM", row, window)
        explain.show()
        grab(explain, out / f"explain-variance-{language}.png")
        explain.reject()

    statements = shell.show_screen("settlements")
    statements.show_fair("SIAM")
    statements.select_cooperative("TIFAW")
    wait_for(statements)
    grab(window, out / f"settlements-{language}.png")
    statement = statements.statement
    if statement is not None:
        pay = PayoutDialog(
            window.session,
            "TIFAW",
            statements.coop_name("TIFAW"),
            "SIAM",
            statement.balance_cents,
            window,
        )
        pay.show()
        grab(pay, out / f"payout-{language}.png")
        pay.reject()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.screenshots")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--lang", action="append")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for language in args.lang or ["fr", "ar"]:
        render(language, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
