"""Several processes on one till database, as on a shop laptop: the desktop app sells
while commands run.  Opening the database never fails with "database is locked" (it
writes nothing when there is nothing to migrate, and waits its turn when there is), a
restore is refused while anyone has the database open, and a backup taken while selling
is a consistent database."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from coopos.db.models import OutboxEvent, Sale
from coopos.services import audit, backup, shifts
from coopos.services.context import Context
from tests.integration.processes import Seller, cli, env, start_cli

OPENER = """
import sys
from coopos.services.context import Context
for _ in range(int(sys.argv[2])):
    Context.open(sys.argv[1]).close()
"""


@pytest.fixture
def selling(demo_path, tmp_path):
    ctx = Context.open(demo_path)
    with ctx.read() as s:
        from coopos.services import lookups

        fatima = lookups.user_by_name(s, "Fatima")
    shifts.open_shift(ctx, fatima.id, 0)
    ctx.close()
    seller = Seller(demo_path, tmp_path)
    seller.wait_until_selling()
    yield seller
    if seller.process.poll() is None:
        seller.stop()


def test_commands_and_opens_never_meet_a_locked_database(demo_path, selling):
    commands = [
        ("audit", "verify"),
        ("sale", "--item", "SAF-1G", "--pay", "cash:exact", "--seller", "Fatima"),
        ("sync", "--status"),
    ] * 3
    opener = subprocess.Popen(
        [sys.executable, "-c", OPENER, str(demo_path), "40"],
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    failures = []
    for start in range(0, len(commands), 3):  # three at a time, beside the seller
        running = [start_cli(demo_path, *args) for args in commands[start : start + 3]]
        for args, process in zip(commands[start : start + 3], running, strict=True):
            _out, err = process.communicate(timeout=120)
            if process.returncode != 0:
                failures.append((args[0], err.strip()))
    _out, opener_err = opener.communicate(timeout=120)
    sold = selling.stop()
    assert failures == []
    assert opener.returncode == 0, opener_err
    assert "locked" not in opener_err
    assert len(sold) >= 10
    ctx = Context.open(demo_path)
    try:
        assert audit.verify(ctx).ok
        with ctx.read() as s:
            assert s.execute(select(func.count()).select_from(Sale)).scalar() == len(sold) + 3
    finally:
        ctx.close()


def test_restore_is_refused_while_a_till_sells_and_nothing_is_lost(demo_path, selling, tmp_path):
    copy = backup.backup(demo_path, tmp_path / "older.db")
    refused = cli(demo_path, "restore", str(copy))
    sold = selling.stop()
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert "using this database" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1  # one sentence
    ctx = Context.open(demo_path)  # the database was not touched: every sale is there
    with ctx.read() as s:
        numbers = set(s.execute(select(Sale.receipt_no)).scalars())
    ctx.close()
    assert set(sold) <= numbers
    done = cli(demo_path, "restore", str(copy))  # nobody has it open any more
    assert done.returncode == 0, done.stderr


def test_a_backup_taken_while_selling_is_consistent(demo_path, selling, tmp_path):
    copies = [backup.backup(demo_path, tmp_path / f"while-selling-{n}.db") for n in range(4)]
    selling.stop()
    for path in copies:
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        finally:
            conn.close()
        ctx = Context.open(path)
        try:
            assert audit.verify(ctx).ok
            with ctx.read() as s:
                sales = s.execute(select(func.count()).select_from(Sale)).scalar()
                events = s.execute(
                    select(func.count())
                    .select_from(OutboxEvent)
                    .where(OutboxEvent.kind == "sale.completed")
                ).scalar()
                last = s.execute(select(func.max(Sale.receipt_no))).scalar()
            assert sales == events  # every sale with its event: no half transaction
            assert last == f"T01-{sales:06d}"  # gap-free numbers up to the copy's moment
        finally:
            ctx.close()


def test_this_process_must_close_its_own_database_before_restoring(demo, demo_path, tmp_path):
    from coopos.db.lock import DatabaseInUse

    copy = backup.backup(demo_path, tmp_path / "copy.db")
    with pytest.raises(DatabaseInUse):
        backup.restore(copy, demo_path)
    demo.close()
    assert backup.restore(copy, demo_path).safety is not None


def test_an_open_waits_for_a_restore_then_sees_the_restored_file(demo_path, tmp_path):
    from coopos.db.lock import exclusive

    opener = subprocess.Popen(
        [sys.executable, "-c", OPENER, str(demo_path), "1"],
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    with exclusive(demo_path):  # what a restore holds while it replaces the file
        with contextlib.suppress(subprocess.TimeoutExpired):
            opener.wait(timeout=3)
        assert opener.returncode is None  # still waiting: it never opened a half-copied file
    _out, err = opener.communicate(timeout=120)
    assert opener.returncode == 0, err


def test_processes_opening_an_old_database_at_once_migrate_it_once(tmp_path):
    """Each waits for the write lock (BEGIN IMMEDIATE) and finds the work done."""
    import shutil
    from pathlib import Path

    from coopos.db.migrate import head_revision

    old = tmp_path / "old.db"
    shutil.copyfile(Path(__file__).parents[1] / "fixtures" / "coopos-0.1.0.db", old)
    openers = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, str(old), "3"],
            stderr=subprocess.PIPE,
            text=True,
            env=env(),
        )
        for _ in range(3)
    ]
    for opener in openers:
        _out, err = opener.communicate(timeout=120)
        assert opener.returncode == 0, err
    conn = sqlite3.connect(old)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == (
            head_revision()
        )
    finally:
        conn.close()
