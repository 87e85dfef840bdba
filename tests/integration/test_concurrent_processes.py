"""Several processes on one till database, as on a shop laptop: the desktop app sells
while commands run.  Opening the database never fails with "database is locked" (it
writes nothing when there is nothing to migrate, and waits its turn when there is), a
restore is refused while anyone has the database open, and a backup taken while selling
is a consistent database."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import func, select

from coopos.db.models import Sale
from coopos.services import audit, shifts
from coopos.services.context import Context
from tests.integration.processes import Seller, env, start_cli

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
