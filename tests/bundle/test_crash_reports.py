"""An unexpected crash in the desktop app writes a report file, says in plain words
where it is, and never damages the database: the sale in progress survives, a sale
cut off in the middle of its transaction leaves nothing half-written.  Also the app's
start: logs, version, errors at start shown on screen."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit

os.environ["QT_QPA_PLATFORM"] = "offscreen"

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def session(demo, qapp):
    from coopos.services import settings
    from ui import theme
    from ui.app import apply_language
    from ui.session import AppSession

    theme.apply(qapp)
    settings.update(demo, {"language": "en"})
    apply_language(qapp, "en")
    s = AppSession(demo)
    yield s
    s.bridge.close()


@pytest.fixture
def window(session, qtbot):
    from ui.main_window import MainWindow

    win = MainWindow(session)
    qtbot.addWidget(win)
    win.show()
    return win


def type_into(window, qtbot, name: str, text: str) -> None:
    field = window.findChild(QLineEdit, name)
    assert field is not None, name
    field.setText(text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def log_dir() -> Path:
    return Path(os.environ["COOPOS_LOG_DIR"])


def saved_cart(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = 'cart.open'").fetchone()
        return row[0] if row else ""
    finally:
        conn.close()


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_a_crash_in_a_screen_reports_where_and_keeps_the_sale(
    window, session, qtbot, demo, demo_path, users, monkeypatch
):
    from coopos.services import shifts
    from coopos.services.checkout import Checkout

    shifts.open_shift(demo, users["Fatima"].id, 0)
    type_into(window, qtbot, "pinInput", "1111")
    type_into(window, qtbot, "scanInput", "6111042001017")
    qtbot.waitUntil(
        lambda: "6111042001017" in saved_cart(demo_path) or "ARG-OIL-100" in saved_cart(demo_path)
    )

    def bug(self, product_id, qty=None):
        raise RuntimeError("a bug in the cart code")

    monkeypatch.setattr(Checkout, "add_product_id", bug)
    type_into(window, qtbot, "scanInput", "6111042001024")
    message = window.findChild(QLabel, "sellMessage").text()
    assert message.startswith("Something unexpected went wrong (RuntimeError).")
    assert "The sale in progress is kept." in message
    report = Path(message.rsplit(" ", 1)[-1])
    assert report.parent == log_dir() and report.is_file()
    assert "a bug in the cart code" in report.read_text(encoding="utf-8")

    assert [line.sku for line in session.checkout.lines] == ["ARG-OIL-100"]
    assert "ARG-OIL-100" in saved_cart(demo_path)
    assert integrity(demo_path) == "ok"
    monkeypatch.undo()
    checkout = session.checkout  # the till goes on with the same sale
    checkout.start_payment()
    checkout.pay_exact()
    assert checkout.complete().receipt_no == "T01-000001"


def test_the_last_line_of_defence_writes_a_report_and_says_where(qapp, monkeypatch):
    from ui import errors

    shown = []
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    monkeypatch.setattr(errors, "show_error", lambda parent, message: shown.append(message))
    errors.install_excepthook()
    try:
        raise ValueError("raised inside a Qt callback")
    except ValueError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    [message] = shown
    report = Path(message.rsplit(" ", 1)[-1])
    assert report.is_file() and "raised inside a Qt callback" in report.read_text("utf-8")


CRASH_IN_A_SALE = textwrap.dedent(
    """
    import faulthandler, resource, sys
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file left behind
    from PySide6.QtWidgets import QApplication
    from coopos.services import checkout as co, lookups, shifts
    from coopos.services.context import Context
    from ui.errors import enable_fault_log
    from ui.session import AppSession

    app = QApplication([])
    ctx = Context.open(sys.argv[1])
    with ctx.read() as s:
        fatima = lookups.user_by_name(s, "Fatima")
    shifts.open_shift(ctx, fatima.id, 0)
    session = AppSession(ctx)
    session.login(fatima)
    session.checkout.scan("6111042001017")
    session.save_cart()  # what the app does a quarter second after each change
    enable_fault_log()
    original = co.write_document

    def write_then_die(uow, *args, **kwargs):
        result = original(uow, *args, **kwargs)
        faulthandler._sigsegv()  # the process dies inside the sale's transaction
        return result

    co.write_document = write_then_die
    session.checkout.start_payment()
    session.checkout.pay_exact()
    session.checkout.complete()
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_hard_crash_in_the_middle_of_a_sale_damages_nothing(
    qapp, demo_path, demo, users, tmp_path
):
    """A fault Python cannot catch: the sale's transaction is lost whole, the cart comes
    back, the file is sound, and the next start says where the report is."""
    from ui.errors import fault_message, take_fault_report
    from ui.session import AppSession

    demo.close()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", CRASH_IN_A_SALE, str(demo_path)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0, done.stdout + done.stderr  # it really crashed

    assert integrity(demo_path) == "ok"
    conn = sqlite3.connect(demo_path)
    assert conn.execute("SELECT count(*) FROM sales").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM sale_lines").fetchone() == (0,)
    conn.close()

    report = take_fault_report()
    assert report is not None and report.name.endswith("-fatal.txt")
    assert "Segmentation fault" in report.read_text(encoding="utf-8")
    assert str(report) in fault_message(report)
    assert take_fault_report() is None  # reported once

    from coopos.services import lookups
    from coopos.services.context import Context

    ctx = Context.open(demo_path)
    again = AppSession(ctx)  # the next start
    with ctx.read() as s:
        again.login(lookups.user_by_name(s, "Fatima"))
    assert [line.sku for line in again.checkout.lines] == ["ARG-OIL-100"]
    again.checkout.start_payment()
    again.checkout.pay_exact()
    assert again.checkout.complete().receipt_no == "T01-000001"  # no number was burnt
    again.bridge.close()
    ctx.close()


def test_a_clean_exit_leaves_no_fault_file(qapp):
    from ui.errors import FAULTS_FILE, disable_fault_log, enable_fault_log

    path = enable_fault_log()
    assert path == log_dir() / FAULTS_FILE and path.exists()
    disable_fault_log()
    assert not path.exists()


# -- the app's start (in a new process each, as a real start) --------------------------


def start_app(db: Path, **env: str) -> subprocess.CompletedProcess:
    """``coopos --db DB`` with no command: the desktop app, quitting once it is ready."""
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", COOPOS_QUIT_WHEN_READY="1")
    environment.update(env)
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--db", str(db)],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_app_logs_its_start_and_shows_its_version(demo_path, demo):
    from coopos import __version__

    demo.close()
    done = start_app(demo_path)
    assert done.returncode == 0, done.stderr
    text = (log_dir() / "coopos.log").read_text(encoding="utf-8")
    assert f"coopos {__version__} starting" in text
    assert f"window shown: coopos {__version__}" in text  # the title shows the version
    assert "coopos stopped (exit code 0)" in text
    assert not (log_dir() / "faults.txt").exists()  # a clean exit


def test_after_a_fatal_error_the_next_start_reports_it(demo_path, demo):
    demo.close()
    log_dir().mkdir(parents=True, exist_ok=True)
    (log_dir() / "faults.txt").write_text("Fatal Python error: Aborted\n", encoding="utf-8")
    done = start_app(demo_path)
    assert done.returncode == 0, done.stderr
    [report] = log_dir().glob("crash-*-fatal.txt")
    assert report.read_text(encoding="utf-8") == "Fatal Python error: Aborted\n"
    assert f"report: {report}" in (log_dir() / "coopos.log").read_text(encoding="utf-8")


def test_errors_at_start_are_said_not_swallowed(tmp_path):
    from coopos.cli.base import EXIT_CRASH, EXIT_USER
    from coopos.services.context import Context

    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    done = start_app(garbage)
    assert done.returncode == EXIT_CRASH
    assert "A report was written to" in done.stderr

    newer = tmp_path / "newer.db"
    Context.open(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    done = start_app(newer)
    assert done.returncode == EXIT_USER
    assert "newer version of coopos" in done.stderr


def test_closing_a_shift_on_screen_backs_up_and_says_where(session, qtbot, demo, users, tmp_path):
    from coopos.services import settings, shifts
    from ui.screens.shifts import ShiftsScreen

    settings.update(demo, {"backup.folder": str(tmp_path / "E-drive")})
    session.login(users["Youssef"])
    screen = ShiftsScreen(session)
    qtbot.addWidget(screen)
    shifts.open_shift(demo, users["Fatima"].id, 0)
    z = shifts.close_shift(demo, users["Youssef"].id, cash_detail={}).z_number
    screen.backup_after_close(z)
    label = screen.findChild(QLabel, "backupStatus")
    qtbot.waitUntil(lambda: "Backup written" in label.text(), timeout=10000)
    assert "is not there (is the USB key plugged in?)" in label.text()
    assert label.property("role") == "error"
    assert list((demo.path.parent / "backups").glob(f"coopos-auto-*-z{z:04d}.db.zst"))
