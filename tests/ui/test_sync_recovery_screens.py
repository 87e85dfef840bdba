"""The desktop app says honestly where a till's sync stands (typed states, never "will
try again" for a till head office must act on), re-enrolls a revoked till from Settings,
and restores a backup after closing its own database."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit

from coopos.i18n import set_language
from coopos.services import backup, settings, sync
from coopos.services.checkout import Checkout
from tests.ui.conftest import click, find, label_text, login
from ui.sync_status import describe


@pytest.fixture
def manager(window, qtbot, open_shift, monkeypatch):
    login(window, qtbot, "250917")
    # unsent events at the end of a failed test must not open a modal question
    monkeypatch.setattr(window, "ask_quit_unsent", lambda waiting: True)
    return window


def _state(**changes) -> sync.SyncState:
    base = {"configured": True, "server": "https://x", "waiting": 3, "last_ok_utc": ""}
    base.update({"last_error": "", **changes})
    return sync.SyncState(**base)


@pytest.mark.parametrize("language", ["en", "fr", "ar", "zgh"])
def test_each_state_has_its_own_words_in_every_language(language):
    set_language(language)
    try:
        offline = describe(_state(status=sync.SyncStatus.OFFLINE, last_error="x"))
        reenroll = describe(_state(status=sync.SyncStatus.REENROLL, last_error="x"))
        refused = describe(_state(status=sync.SyncStatus.REFUSED, last_error="x"))
        held = describe(_state(numbers_held=True, recovering=True))
        texts = {offline[0], reenroll[0], refused[0], held[0]}
        assert len(texts) == 4 and all(warning for _t, warning in (reenroll, refused, held))
        if language in ("fr", "ar"):  # complete languages: translated, not English
            set_language("en")
            english = describe(_state(status=sync.SyncStatus.REENROLL, last_error="x"))[0]
            assert reenroll[0] != english
    finally:
        set_language("en")


def test_a_revoked_till_is_told_and_reenrolled_from_settings(
    manager, demo, users, qtbot, live_server
):
    from coopos.server import admin as server_admin

    db, url = live_server
    sync.enroll(demo, url, server_admin.add_device(db, prefix="T01").code)
    with demo.read() as s:
        device = settings.get(s, "sync.device_id")
    server_admin.revoke_device(db, device)
    checkout = Checkout(demo, users["Fatima"])
    checkout.scan("SAF-1G")
    checkout.start_payment()
    checkout.pay_exact()
    receipt = checkout.complete().receipt_no
    manager.sync.sync_now()
    status = manager.findChild(QLabel, "syncStatus")
    qtbot.waitUntil(lambda: "re-enrolled" in status.text(), timeout=15000)
    assert "try again" not in status.text()
    assert not manager.sync.timer.isActive()  # no point retrying until enrolled again

    screen = manager.shell.show_screen("settings")
    assert "ask head office for a new code" in label_text(screen, "syncState")
    code = server_admin.reenroll_device(db, device).code
    find(screen, QLineEdit, "sync_code").setText(code)
    click(screen, "enrollButton", qtbot)
    qtbot.waitUntil(
        lambda: "must be re-enrolled" not in label_text(screen, "syncState"), timeout=15000
    )
    manager.sync.sync_now()
    qtbot.waitUntil(lambda: "all sent" in status.text(), timeout=15000)
    found, _more = server_admin.sales(db, server_admin.SalesFilter(kind="sale"))
    assert [row["receipt_no"] for row in found] == [receipt]


def test_restore_closes_the_apps_own_database_first(
    manager, demo_path, qtbot, tmp_path, monkeypatch
):

    copy = backup.backup(demo_path, tmp_path / "older.db")
    screen = manager.shell.show_screen("settings")
    monkeypatch.setattr(screen, "ask_restore_file", lambda: str(copy))
    monkeypatch.setattr(screen, "confirm_restore", lambda source: True)
    restarted = []
    monkeypatch.setattr(screen, "restored", lambda: restarted.append(True))
    click(screen, "restoreBackup", qtbot)
    qtbot.waitUntil(lambda: bool(restarted), timeout=15000)
    assert "restored" in label_text(screen, "settingsMessage")
    assert list((demo_path.parent / "backups").glob("before-restore-*.db"))


def test_a_refused_restore_leaves_the_app_working(
    manager, demo, demo_path, users, qtbot, tmp_path, monkeypatch
):
    from coopos.services.context import Context

    copy = backup.backup(demo_path, tmp_path / "older.db")
    other = Context.open(demo_path)  # another program has the database open
    try:
        screen = manager.shell.show_screen("settings")
        monkeypatch.setattr(screen, "ask_restore_file", lambda: str(copy))
        monkeypatch.setattr(screen, "confirm_restore", lambda source: True)
        monkeypatch.setattr(screen, "restored", lambda: pytest.fail("it was replaced"))
        click(screen, "restoreBackup", qtbot)
        qtbot.waitUntil(
            lambda: "another window" in label_text(screen, "settingsMessage"), timeout=15000
        )
    finally:
        other.close()
    assert not demo.closed  # the app opened its database again
    checkout = Checkout(demo, users["Fatima"])
    checkout.scan("SAF-1G")
    checkout.start_payment()
    checkout.pay_exact()
    assert checkout.complete().receipt_no == "T01-000001"
