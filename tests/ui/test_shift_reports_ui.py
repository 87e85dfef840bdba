"""The X and Z reports and the close of a shift, driven as a seller does: a finger on the
Shift screen's tab, then keys only (F9, Shift+F9, digits, Tab, F12, Enter, Escape) to
the focused widget of the window in front, in French, Arabic and Tamazight."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QApplication, QLabel

from coopos.i18n import _
from coopos.i18n.formats import format_money
from coopos.services import settings, shifts
from tests.shift_story import EXPECTED, busy_shift
from tests.ui.seller import ENTER, ESCAPE, F12, TAB, Seller, expect, front_window, press

ISO = re.compile(r"\d{4}-\d{2}-\d{2}T|\+00:00|\d{2}:\d{2}:\d{2}")
ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
X_KEY, CLOSE_KEY = press("F9"), press("Shift+F9")
# F12 in the count, then Enter on the confirmation asked once
CONFIRM = [F12, expect("confirmCloseShift"), ENTER]
# Shift+F9, 3 notes of 200 counted, confirmed
COUNT_AND_CLOSE = [CLOSE_KEY, expect("closeShiftDialog"), "3", *CONFIRM]


@pytest.fixture
def till(qapp, qtbot, demo, users, request):
    """The app in ``request.param``'s language with a busy shift and Fatima logged in
    by keys; the Shift screen is in front."""
    from ui import theme
    from ui.app import apply_language
    from ui.main_window import MainWindow
    from ui.session import AppSession

    language = getattr(request, "param", "fr")
    theme.apply(qapp)
    busy_shift(demo, users)
    settings.update(demo, {"language": language})
    apply_language(qapp, language)
    session = AppSession(demo)
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    seller = Seller(qtbot)
    seller.do("1111", ENTER)
    assert session.user.name == "Fatima"
    seller.touch(window.shell.nav_buttons["shifts"])
    yield window, seller, language
    session.bridge.close()
    apply_language(qapp, "en")


def cells(dialog) -> dict[str, dict[str, list[str]]]:
    """Each section's rows: the first cell names the row, the others follow."""
    found = {}
    for key, table in dialog.tables.tables.items():
        model = table.model()
        found[key] = {
            model.section.rows[r].key: [
                model.data(model.index(r, c)) for c in range(model.columnCount())
            ]
            for r in range(model.rowCount())
        }
    return found


def labels(dialog) -> str:
    return " ".join(label.text() for label in dialog.findChildren(QLabel) if label.isVisible())


def check_local_times(shown: dict, language: str, keys: tuple[str, ...]) -> None:
    every = [text for section in shown.values() for row in section.values() for text in row]
    assert not any(ISO.search(text) for text in every), "a raw ISO time is shown"
    for key in keys:
        when = shown["shift"][key][1]
        # the demo's clock: 2026-11-20 from 09:00 UTC, 10:00 in Casablanca
        assert "10:0" in when and "2026" in when, when
        if language == "ar":
            assert ARABIC_LETTER.search(when), f"a Latin-only date in Arabic: {when}"


@pytest.mark.parametrize("till", ["fr", "ar", "zgh"], indirect=True)
def test_the_x_report_is_a_table_in_the_language_and_closes_nothing(till, demo):
    window, seller, language = till
    seen = {}

    def read():
        dialog = front_window()
        seen["cells"] = cells(dialog)
        seen["direction"] = dialog.tables.tables["methods"].layoutDirection()

    seller.do(X_KEY, expect("reportView"), read, ENTER)
    shown = seen["cells"]
    money = lambda cents: format_money(cents, language)  # noqa: E731
    assert shown["sales"]["net_total"][1] == money(EXPECTED["net_total"])
    assert shown["sales"]["gross"][1] == money(EXPECTED["gross"])
    assert shown["methods"]["cash"][1:] == [money(12750), money(-6000), money(6750)]
    assert shown["methods"]["card"][3] == money(EXPECTED["card"])
    assert shown["drawer"]["expected_cash"][1] == money(EXPECTED["expected_cash"])
    assert shown["cash_moves"]["total"][3] == money(7000)
    assert shown["refunds"]["T01-000004"][0] == "T01-000004"
    assert "637,50" in shown["drawer"]["expected_cash"][1]  # a decimal comma, never a dot
    check_local_times(shown, language, ("opened", "as_of"))
    rtl = language == "ar"
    assert (seen["direction"].name == "RightToLeft") == rtl
    assert shifts.x_report(demo).kind == "X"  # still open: the X closed nothing
    assert window.session.shift_open()


@pytest.mark.parametrize("till", ["fr", "ar", "zgh"], indirect=True)
def test_closing_with_a_counted_amount_shows_the_z_report(till, demo):
    window, seller, language = till
    seen = {}

    def counted():
        seen["summary"] = front_window().findChild(QLabel, "cashDifference").text()

    def read():
        seen["cells"] = cells(front_window())

    # 3 x 200 + 0 x 100 + 0 x 50 + 1 x 20 = 620.00 counted, 637.50 expected
    seller.do(
        CLOSE_KEY,
        expect("closeShiftDialog"),
        "3",
        TAB,
        TAB,
        TAB,
        "1",
        counted,
        CONFIRM,
        expect("reportView"),
        read,
        ENTER,
    )
    assert money_in(seen["summary"], -1750, language)
    shown = seen["cells"]
    assert shown["drawer"]["counted_cash"][1] == format_money(62000, language)
    assert shown["drawer"]["difference"][1] == format_money(-1750, language)
    assert shown["denominations"]["20000"][1:] == ["3", format_money(60000, language)]
    check_local_times(shown, language, ("opened", "closed"))
    report = shifts.z_report(demo)
    assert (report.z_number, report.counted_cash, report.expected_cash) == (1, 62000, 63750)
    assert not window.session.shift_open()


def money_in(text: str, cents: int, language: str) -> bool:
    return format_money(cents, language) in text


def test_the_confirmation_can_send_the_seller_back(till, demo):
    _window, seller, _language = till
    seller.do(
        CLOSE_KEY,
        expect("closeShiftDialog"),
        "3",
        F12,
        expect("confirmCloseShift"),
        ESCAPE,  # "Go back": nothing is closed
        expect("closeShiftDialog"),
        ESCAPE,
    )
    assert shifts.x_report(demo).kind == "X"


def test_a_blind_count_shows_the_expected_cash_only_once_entered(till, demo):
    _window, seller, language = till
    settings.update(demo, {"shift.blind_count": True})
    expected = format_money(EXPECTED["expected_cash"], language)
    seen = {}

    def before():
        seen["before"] = labels(front_window())

    def after():
        seen["after"] = labels(front_window())
        seen["locked"] = front_window().counts[20000].isReadOnly()

    def read():
        seen["z"] = cells(front_window())

    seller.do(
        X_KEY,
        expect("reportView"),
        lambda: seen.update(x=cells(front_window())),
        ENTER,
        CLOSE_KEY,
        expect("closeShiftDialog"),
        before,
        "3",
        F12,  # the count is entered...
        after,  # ...and only now the expected cash is shown
        CONFIRM,
        expect("reportView"),
        read,
        ENTER,
    )
    x_texts = [t for section in seen["x"].values() for row in section.values() for t in row]
    assert expected not in " ".join(x_texts)  # not in the seller's X report either
    assert expected not in seen["before"]
    assert expected in seen["after"]
    assert seen["locked"]  # the count entered blind cannot be changed any more
    assert seen["z"]["drawer"]["expected_cash"][1] == expected
    report = shifts.z_report(demo)
    assert report.counted_cash == 60000


def test_a_seller_is_refused_the_close_when_the_shop_asks_a_manager(till, demo):
    window, seller, _language = till
    settings.update(demo, {"shift.sellers_may_close": False})
    seen = {}

    def refused():
        seen["approval"] = labels(front_window())

    def said():
        seen["dialog"] = front_window().findChild(QLabel, "closeShiftError").text()

    seller.do(
        COUNT_AND_CLOSE,
        expect("managerApproval"),
        "1111",  # her own PIN: not a manager's
        ENTER,
        refused,
        ESCAPE,
        expect("closeShiftDialog"),
        said,
        ESCAPE,
    )
    assert _("This needs a manager's PIN.") in seen["approval"]
    assert seen["dialog"] == _("Closing the shift needs a manager's approval.")
    assert shifts.x_report(demo).kind == "X"  # the shift is still open
    assert window.session.shift_open()
    # a manager at her side types the PIN: closed
    seller.do(
        COUNT_AND_CLOSE,
        expect("managerApproval"),
        "250917",
        ENTER,
        expect("reportView"),
        ENTER,
    )
    assert shifts.z_report(demo).closed_by == "Fatima"
    QApplication.processEvents()


def test_the_z_report_prints_on_the_receipt_printer_and_saves_a_pdf(
    till, demo, qtbot, tmp_path, monkeypatch
):
    from ui.screens.shift_report import ReportView

    window, seller, _language = till
    spool, pdf = tmp_path / "printer.bin", tmp_path / "z-report"
    settings.update(demo, {"printer.uri": f"file:{spool}"})
    monkeypatch.setattr(ReportView, "ask_pdf_path", lambda self, suggested: str(pdf))
    seen = {}

    def said():
        seen["message"] = front_window().findChild(QLabel, "reportMessage").text()

    seller.do(
        COUNT_AND_CLOSE,
        expect("reportView"),
        press("Ctrl+P"),  # through the print queue: the window never waits
        press("Ctrl+S"),
        said,
        ENTER,
    )
    qtbot.waitUntil(lambda: spool.exists() and spool.stat().st_size > 1000, timeout=10000)
    assert spool.read_bytes().startswith(b"\x1b@")  # ESC @, then the report's raster
    written = pdf.with_name("z-report.pdf")
    assert written.read_bytes().startswith(b"%PDF")
    assert str(written) in seen["message"]
    qtbot.waitUntil(lambda: window.printer.waiting == 0, timeout=10000)


def test_the_close_shows_the_z_report_while_the_backup_still_runs(till, demo, qtbot, monkeypatch):
    import threading

    from coopos.services import backup

    window, seller, _language = till
    release, started = threading.Event(), threading.Event()
    real = backup.backup_after_close

    def held(*args, **kwargs):  # the backup of a big database, held until released
        started.set()
        assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(backup, "backup_after_close", held)
    status = window.findChild(QLabel, "backupStatus")
    seen = {}

    def while_backing_up():
        seen["z"] = front_window().objectName()
        seen["status"] = status.text()
        seen["running"] = not release.is_set()

    try:
        seller.do(COUNT_AND_CLOSE, expect("reportView"), while_backing_up, ENTER)
        assert started.wait(30)
    finally:
        release.set()
    assert seen == {"z": "reportView", "status": _("Backing up…"), "running": True}
    assert not window.session.shift_open()  # closed before the backup is done
    qtbot.waitUntil(lambda: "coopos-auto-" in status.text(), timeout=20000)
    assert list((demo.path.parent / "backups").glob("coopos-auto-*-z0001.db.zst"))
