"""Helpers for tests that run coopos in other processes: a till selling in a loop, and
the command line, each in its own Python process (as on a shop laptop where the desktop
app sells while someone runs a command)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SELLER = """
import sys, time
from pathlib import Path
from coopos.services.context import Context
from coopos.services import lookups
from coopos.services.checkout import Checkout

ctx = Context.open(sys.argv[1])
stop, ready = Path(sys.argv[2]), Path(sys.argv[3])
with ctx.read() as s:
    seller = lookups.user_by_name(s, "Fatima")
receipts = []
deadline = time.monotonic() + 120  # bounded even if the test dies
while not stop.exists() and time.monotonic() < deadline:
    checkout = Checkout(ctx, seller)
    checkout.scan("SAF-1G")
    checkout.start_payment()
    checkout.pay_exact()
    receipts.append(checkout.complete().receipt_no)  # confirmed to the seller
    if len(receipts) == 10:
        ready.touch()
ctx.close()
print(" ".join(receipts))
"""

CLI = "import sys; from coopos.cli import main; sys.exit(main(sys.argv[1:]))"


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "COOPOS_LANG": "en"}


class Seller:
    """A till selling into ``db`` in another process until :meth:`stop`."""

    def __init__(self, db: Path, folder: Path):
        self.stop_file = folder / "stop-selling"
        self.ready_file = folder / "selling"
        self.stop_file.unlink(missing_ok=True)
        self.ready_file.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-c", SELLER, str(db), str(self.stop_file), str(self.ready_file)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env(),
        )

    def wait_until_selling(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while not self.ready_file.exists():
            assert self.process.poll() is None, self.process.communicate()[1]
            assert time.monotonic() < deadline, "the seller did not start"
            time.sleep(0.05)

    def stop(self) -> list[str]:
        """Stop selling; the receipts the seller was given, in order."""
        self.stop_file.touch()
        out, err = self.process.communicate(timeout=120)
        assert self.process.returncode == 0, err
        return out.split()


def cli(db: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``coopos --db DB ARGS`` in its own process."""
    return subprocess.run(
        [sys.executable, "-c", CLI, "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env(),
        timeout=timeout,
    )


def start_cli(db: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CLI, "--db", str(db), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
