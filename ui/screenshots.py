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
    from coopos.services import users
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
        manager = users.authenticate(ctx, "2222", audit=False)
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
        window.close()
        session.bridge.close()
        ctx.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
