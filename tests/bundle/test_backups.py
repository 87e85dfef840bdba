"""Automatic backups at shift close: beside the database (the user data folder for the
installed app), the last 30 kept, a copy on the USB key when one is set; a missing key
never stops the close.  Made after the close commits."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from coopos.services import backup, settings, shifts
from coopos.services.backup import (
    KEEP_AUTOMATIC,
    automatic_name,
    backup_after_close,
    check_backup_file,
    prune_automatic,
)


def close(demo, users) -> int:
    shifts.open_shift(demo, users["Fatima"].id, 0)
    return shifts.close_shift(demo, users["Youssef"].id, cash_detail={}).z_number


def test_a_close_is_backed_up_beside_the_database(demo, demo_path, users):
    z = close(demo, users)
    [result] = backup_after_close(demo_path, None, z)
    assert result.ok and result.where == "local"
    assert result.path.parent == demo_path.parent / "backups"
    assert result.path.name.startswith("coopos-auto-") and result.path.name.endswith(
        f"-z{z:04d}.db"
    )
    assert check_backup_file(result.path)  # a whole coopos database of a known schema
    conn = sqlite3.connect(result.path)
    assert conn.execute("SELECT z_number FROM shifts WHERE z_number = ?", (z,)).fetchone()
    conn.close()
    assert result.message == f"Backup written: {result.path}"


def test_only_the_last_30_automatic_backups_are_kept(tmp_path, demo_path):
    folder = demo_path.parent / "backups"
    folder.mkdir()
    start = datetime(2026, 1, 1, 18, 0, 0)
    for day in range(35):
        (folder / automatic_name(day + 1, start + timedelta(days=day))).write_bytes(b"x")
    mine = [folder / "coopos-20260101-120000.db", folder / "before-restore-20260101.db"]
    mine += [folder / "notes.txt", folder / "coopos-auto-holiday.db"]
    for path in mine:
        path.write_bytes(b"keep me")

    results = backup_after_close(demo_path, None, 36, now=start + timedelta(days=40))
    assert results[0].ok and results[0].pruned == 6
    autos = sorted(p.name for p in folder.iterdir() if p.name.startswith("coopos-auto-2"))
    assert len(autos) == KEEP_AUTOMATIC
    assert autos[0] == automatic_name(7, start + timedelta(days=6))  # the 6 oldest went
    assert all(path.exists() for path in mine)  # not made by the automatic backup


def test_two_closes_in_the_same_second_keep_both(demo_path):
    now = datetime(2026, 3, 1, 20, 0, 0)
    first = backup_after_close(demo_path, None, None, now=now)[0].path
    second = backup_after_close(demo_path, None, None, now=now)[0].path
    assert first != second and first.exists() and second.exists()
    assert len(prune_automatic(first.parent, keep=1)) == 1


def test_a_copy_goes_to_the_usb_key(tmp_path, demo_path):
    usb = tmp_path / "USBKEY"
    usb.mkdir()
    local, key = backup_after_close(demo_path, usb, 3)
    assert local.ok and key.ok and key.where == "usb"
    assert key.path.parent == usb and key.path.name == local.path.name
    assert key.path.read_bytes() == local.path.read_bytes()
    assert not list(usb.glob("*.part"))


def test_a_missing_usb_key_is_said_in_one_sentence(tmp_path, demo_path):
    local, key = backup_after_close(demo_path, tmp_path / "E-drive", 3)
    assert local.ok
    assert not key.ok and key.path is None
    assert key.message.endswith("the shift is closed all the same.")
    assert "USB key" in key.message


def test_a_failing_copy_never_raises(tmp_path, demo_path, monkeypatch):
    usb = tmp_path / "USBKEY"
    usb.mkdir()

    def full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup.shutil, "copyfile", full)
    local, key = backup_after_close(demo_path, usb, 3)
    assert local.ok and not key.ok
    assert "No space left on device" in key.message

    def broken(*_args, **_kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(backup, "backup", broken)
    [local] = backup_after_close(demo_path, None, 4)
    assert not local.ok and "could not be written" in local.message


def test_cli_close_backs_up_after_the_commit(demo_path, demo, users, tmp_path, capsys):
    from coopos import cli

    settings.update(demo, {"backup.folder": str(tmp_path / "no-key")})
    shifts.open_shift(demo, users["Fatima"].id, 0)
    demo.close()
    code = cli.main(["--db", str(demo_path), "shift", "close", "--cash", "0", "--user", "Youssef"])
    assert code == 0  # the key is missing, the close stands
    out, err = capsys.readouterr()
    written = list((demo_path.parent / "backups").glob("coopos-auto-*-z0001.db"))
    assert len(written) == 1 and f"Backup written: {written[0]}" in out
    assert "is not there (is the USB key plugged in?)" in err
    conn = sqlite3.connect(written[0])  # the backup already holds the closed shift
    assert conn.execute("SELECT status FROM shifts WHERE z_number = 1").fetchone() == ("closed",)
    conn.close()


def test_cli_close_in_json_keeps_stdout_parseable(demo_path, demo, users, capsys):
    import json

    from coopos import cli

    shifts.open_shift(demo, users["Fatima"].id, 0)
    demo.close()
    args = ["--db", str(demo_path), "shift", "close", "--cash", "0", "--format", "json"]
    assert cli.main(args) == 0
    out, err = capsys.readouterr()
    json.loads(out)
    assert "Backup written" in err


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_a_read_only_data_folder_does_not_stop_the_close(tmp_path, demo_path, monkeypatch):
    monkeypatch.setattr(
        backup, "backup_dir", lambda db: Path("/proc/coopos-cannot-write-here/backups")
    )
    [local] = backup_after_close(demo_path, None, 1)
    assert not local.ok and local.message.startswith("The automatic backup could not be written")
