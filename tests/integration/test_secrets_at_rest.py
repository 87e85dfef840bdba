"""Secrets at rest: the database, its backups, the logs and crash reports are the user's
alone (0600 files in 0700 folders, also for folders an older coopos left open), and no
log or crash report ever holds the sync token, the enrollment code, the receipt secret,
a PIN or a PIN hash."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from coopos.cli import main
from coopos.config import data_dir, log_dir
from coopos.services import settings, setup
from coopos.services.context import Context

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX modes (Windows: the profile)")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def everything_under(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in [folder, *folder.rglob("*")]]


def test_the_database_backups_and_logs_are_private(capsys):
    db = data_dir() / "coopos.db"
    assert main(["--db", str(db), "init", "--demo"]) == 0
    assert main(["--db", str(db), "backup"]) == 0
    assert main(["--db", str(db), "catalog", "import", str(data_dir())]) == 1
    assert main(["--db", str(db), "audit", "show", "--format", "json", "--limit", "1"]) == 0
    for path in everything_under(data_dir(), log_dir()):
        expected = 0o700 if path.is_dir() else 0o600
        assert mode(path) == expected, (path, oct(mode(path)))
    assert list((data_dir() / "backups").glob("*.db"))  # the backup was checked too


def test_folders_an_older_coopos_left_open_are_narrowed(demo_path, capsys):
    old = data_dir()
    (old / "backups").mkdir(parents=True)
    db = old / "coopos.db"
    db.write_bytes(demo_path.read_bytes())
    (old / "backups" / "coopos-20261101.db").write_bytes(b"old backup")
    log_dir().mkdir(parents=True)
    (log_dir() / "coopos.log").write_text("old log\n")
    for path in everything_under(old, log_dir()):
        path.chmod(0o755 if path.is_dir() else 0o644)
    assert main(["--db", str(db), "user", "list"]) == 0
    for path in everything_under(old, log_dir()):
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path


def test_no_secret_in_logs_or_crash_reports(live_server, monkeypatch, capsys):
    """A till enrolls, sells, syncs, types wrong and right PINs, fails to sync (revoked)
    and crashes twice with secrets in the exception; then every log and report is read."""
    from coopos.server import admin as server_admin
    from coopos.services import sync

    server, url = live_server
    db = data_dir() / "till.db"
    arg = ["--db", str(db)]
    assert main([*arg, "init", "--demo"]) == 0
    device = server_admin.add_device(server, prefix="T07")
    assert main([*arg, "enroll", url, device.code]) == 0
    ctx = Context.open(db)
    with ctx.read() as s:
        token = str(settings.get(s, "sync.token"))
        receipt_secret = str(settings.get(s, "receipt.secret"))
        hashes = [u.pin_hash for u in _users(s)]
    ctx.close()
    pins = [setup.DEMO_MANAGER_PIN, setup.DEMO_ADMIN_PIN, "935172"]
    assert main([*arg, "user", "add", "Nadia", "--new-pin", pins[2], "--pin", pins[0]]) == 0
    assert main([*arg, "shift", "open", "--user", "Fatima"]) == 0
    assert (
        main(
            [
                *arg,
                "sale",
                "--item",
                "SAF-1G",
                "--discount",
                "20",
                "--manager-pin",
                pins[1],
                "--pay",
                "cash:exact",
            ]
        )
        == 0
    )
    assert main([*arg, "refund", "T07-000001", "--pin", "864209"]) == 1  # a wrong PIN
    assert main([*arg, "sync"]) == 0

    def leaky(ctx, *args, **kwargs):
        raise RuntimeError(
            f"push failed: Authorization: Bearer {token} secret={receipt_secret} "
            f"code={device.code} hash={hashes[0]}"
        )

    monkeypatch.setattr(sync, "sync_once", leaky)
    assert main([*arg, "sync"]) == 3  # a crash, with a report
    monkeypatch.undo()
    server_admin.revoke_device(server, device.id)
    assert main([*arg, "sync"]) == 1  # refused now: said in one sentence
    with pytest.raises(Exception):  # noqa: B017 - a database error, parameters and all
        _crash_in_sql(db, token)
    capsys.readouterr()

    files = [p for p in everything_under(log_dir()) if p.is_file()]
    reports = [p for p in files if p.name.startswith("crash-")]
    assert reports, "the crashes wrote their reports"
    secrets = {"token": token, "receipt secret": receipt_secret, "code": device.code}
    secrets |= {f"hash {i}": h for i, h in enumerate(hashes)}
    secrets |= {f"PIN {p}": p for p in pins}
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for name, secret in secrets.items():
            assert secret not in text, f"{name} in {path.name}"
    assert any("[hidden]" in p.read_text() for p in reports)


def _users(session):
    from sqlalchemy import select

    from coopos.db.models import User

    return session.execute(select(User)).scalars().all()


def _crash_in_sql(db: Path, token: str) -> None:
    """A failed statement whose parameters hold the token, reported as the CLI and the
    desktop report an unexpected error."""
    from coopos.logs import log_crash

    ctx = Context.open(db)
    try:
        with ctx.write() as uow:
            uow.session.execute(
                settings_insert(), {"key": "sync.token", "value": token}
            )  # the key exists: IntegrityError
    except Exception as exc:
        log_crash(exc)
        raise
    finally:
        ctx.close()


def settings_insert():
    from sqlalchemy import text

    return text("INSERT INTO settings (key, value) VALUES (:key, :value)")
