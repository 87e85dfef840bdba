"""Automatic backups at shift close: beside the database (the user data folder for the
installed app), compressed (``.db.zst``), kept by age and total size (the newest 3
always), a copy on the USB key when one is set; a missing key never stops the close.
Made after the close commits.  A restore reads ``.db.zst`` and the ``.db`` of older
versions alike."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from coopos.services import backup, settings, shifts
from coopos.services.backup import (
    KEEP_NEWEST,
    MB,
    ZSTD_MAGIC,
    Retention,
    automatic_name,
    backup_after_close,
    check_backup_file,
    prune_automatic,
    unpack,
)


def opened(path: Path) -> sqlite3.Connection:
    """The backup's database, decompressed beside it."""
    return sqlite3.connect(unpack(path, path.with_name(path.name + ".plain.db")))


def close(demo, users) -> int:
    shifts.open_shift(demo, users["Fatima"].id, 0)
    return shifts.close_shift(demo, users["Youssef"].id, cash_detail={}).z_number


def test_a_close_is_backed_up_beside_the_database(demo, demo_path, users):
    z = close(demo, users)
    [result] = backup_after_close(demo_path, None, z)
    assert result.ok and result.where == "local"
    assert result.path.parent == demo_path.parent / "backups"
    assert result.path.name.startswith("coopos-auto-") and result.path.name.endswith(
        f"-z{z:04d}.db.zst"
    )
    assert result.path.read_bytes()[:4] == ZSTD_MAGIC
    assert result.path.stat().st_size < demo_path.stat().st_size / 2
    assert check_backup_file(result.path)  # a whole coopos database of a known schema
    conn = opened(result.path)
    assert conn.execute("SELECT z_number FROM shifts WHERE z_number = ?", (z,)).fetchone()
    conn.close()
    assert result.message == f"Backup written: {result.path}"


def test_automatic_backups_are_kept_by_age(demo_path):
    folder = demo_path.parent / "backups"
    folder.mkdir()
    start = datetime(2026, 1, 1, 18, 0, 0)
    for day in range(70):  # one close a day, the first ones in the old .db form
        name = automatic_name(day + 1, start + timedelta(days=day))
        (folder / (name.removesuffix(".zst") if day < 20 else name)).write_bytes(b"x")
    mine = [folder / "coopos-20260101-120000.db", folder / "before-restore-20260101.db"]
    mine += [folder / "notes.txt", folder / "coopos-auto-holiday.db"]
    for path in mine:
        path.write_bytes(b"keep me")

    now = start + timedelta(days=70)
    results = backup_after_close(demo_path, None, 71, Retention(days=60), now=now)
    left = sorted(p.name for p in folder.iterdir() if backup.is_automatic_backup(p))
    assert results[0].ok and results[0].pruned == 10  # days 0 to 9: more than 60 days old
    assert len(left) == 61
    assert left[0] == automatic_name(11, start + timedelta(days=10)).removesuffix(".zst")
    assert all(path.exists() for path in mine)  # not made by the automatic backup


def test_automatic_backups_are_kept_by_total_size_the_newest_three_always(demo_path):
    folder = demo_path.parent / "backups"
    folder.mkdir()
    start = datetime(2026, 5, 1, 18, 0, 0)
    for day in range(10):
        (folder / automatic_name(day + 1, start + timedelta(days=day))).write_bytes(b"x" * MB)
    removed = prune_automatic(folder, Retention(days=0, max_bytes=4 * MB), start)
    assert [p.name for p in removed] == [
        automatic_name(day + 1, start + timedelta(days=day)) for day in range(5, -1, -1)
    ]  # the 4 newest fill 4 MB
    removed = prune_automatic(folder, Retention(days=1, max_bytes=1), start + timedelta(days=99))
    assert len(removed) == 4 - KEEP_NEWEST  # too old and too big, but the newest stay
    assert len(list(folder.iterdir())) == KEEP_NEWEST


def test_retention_comes_from_the_settings(demo):
    settings.update(demo, {"backup.keep_days": "7", "backup.max_mb": 100})
    with demo.read() as s:
        retention = Retention.from_settings(settings.get_all(s))
    assert retention == Retention(days=7, max_bytes=100 * MB, keep_newest=KEEP_NEWEST)


def test_a_zst_backup_and_an_old_db_backup_both_restore(demo, demo_path, users, tmp_path):
    z = close(demo, users)
    [auto] = backup_after_close(demo_path, None, z)
    old = backup.backup(demo_path, tmp_path / "old-style.db")  # what 0.1 wrote
    assert old.read_bytes()[:16] == b"SQLite format 3\x00"
    shifts.open_shift(demo, users["Fatima"].id, 0)
    demo.close()
    for source in (auto.path, old):
        restored = backup.restore(source, demo_path)
        assert restored.safety is not None and restored.safety.exists()
        conn = sqlite3.connect(demo_path)
        assert conn.execute("SELECT count(*) FROM shifts WHERE status = 'open'").fetchone() == (0,)
        conn.close()
        assert not demo_path.with_suffix(".restoring").exists()


def test_a_damaged_zst_backup_is_refused_with_its_name(demo_path, tmp_path):
    [auto] = backup_after_close(demo_path, None, 1)
    broken = tmp_path / auto.path.name
    broken.write_bytes(auto.path.read_bytes()[:200])
    with pytest.raises(backup.ValidationError, match="is damaged and cannot be restored"):
        check_backup_file(broken)
    with pytest.raises(backup.ValidationError, match=broken.name):
        backup.restore(broken, demo_path)


def test_two_closes_in_the_same_second_keep_both(demo_path):
    now = datetime(2026, 3, 1, 20, 0, 0)
    first = backup_after_close(demo_path, None, None, now=now)[0].path
    second = backup_after_close(demo_path, None, None, now=now)[0].path
    assert first != second and first.exists() and second.exists()
    assert first.name.endswith("-1.db.zst") or second.name.endswith("-1.db.zst")
    assert len(prune_automatic(first.parent, Retention(keep_newest=1, max_bytes=1))) == 1


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
    written = list((demo_path.parent / "backups").glob("coopos-auto-*-z0001.db.zst"))
    assert len(written) == 1 and f"Backup written: {written[0]}" in out
    assert "Backing up…" in out  # the command waits for it, and says so
    assert "is not there (is the USB key plugged in?)" in err
    conn = opened(written[0])  # the backup already holds the closed shift
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


def test_a_database_with_many_free_pages_is_backed_up_without_them(demo_path, tmp_path):
    conn = sqlite3.connect(demo_path)  # as after the first pruning of a large outbox
    conn.execute("CREATE TABLE scratch (b BLOB)")
    conn.executemany("INSERT INTO scratch VALUES (zeroblob(4000))", [()] * 2000)
    conn.commit()
    conn.execute("DROP TABLE scratch")
    conn.commit()
    conn.close()
    size = demo_path.stat().st_size
    compact = backup.backup(demo_path, tmp_path / "compact.db")
    assert compact.stat().st_size < size / 2  # VACUUM INTO left the free pages out
    assert check_backup_file(compact)
    as_is = backup.backup(compact, tmp_path / "as-is.db")  # few free pages: copied as is
    assert as_is.stat().st_size == compact.stat().st_size
