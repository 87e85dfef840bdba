"""PIN hashing cost: scrypt parameters, and login time with 20 users.

    .venv/bin/python bench/pin_kdf.py            # about a minute
    .venv/bin/python bench/pin_kdf.py --quick    # a smoke run

1. scrypt (r=8, p=1) for n = 2**13 ... 2**16: the median of several runs on one core, and
   the estimate for a cheap shop laptop (``LAPTOP_FACTOR`` times slower, see
   docs/benchmarks.md).  The chosen cost is the largest whose estimate stays under the
   200 ms budget.
2. Login by PIN alone on a till with 20 users (19 sellers and the admin): each user's
   PIN typed once, then wrong PINs; with today's hashes (the 6-bit hint lets scrypt run
   for about one user) and with hashes written before the hint (scrypt for every user
   until the right one).  The pin guard's delay is switched off for the wrong PINs: this
   measures the check, not the waiting.

Times are CPU time of this process (``time.process_time``), not wall time: the reference
machine is shared (2 cores, often 4 to 8 processes running), and the wall time mostly
measures waiting for a core.  The CPU time is what one idle core of this machine takes.

Not a test: it asserts nothing and prints a table.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import fmt_time, median

# A Celeron N4020 / Pentium Silver class laptop: about 2.5 times slower per core than the
# reference machine for scrypt's memory-bound loop (an assumption, not a measurement;
# docs/benchmarks.md says where it comes from).
LAPTOP_FACTOR = 2.5
BUDGET_S = 0.200


# (log2 n, r): the cost grows with n * r; the memory is 128 * n * r bytes
CANDIDATES = [(13, 8), (14, 8), (14, 10), (14, 12), (14, 14), (15, 8), (16, 8)]


def time_scrypt(n: int, r: int, runs: int) -> float:
    samples = []
    for _ in range(runs):
        salt = os.urandom(16)
        start = time.process_time()
        hashlib.scrypt(b"250917", salt=salt, n=n, r=r, p=1, maxmem=2**28, dklen=32)
        samples.append(time.process_time() - start)
    return median(samples)


def kdf_table(runs: int) -> list[tuple[str, str, str, str]]:
    from coopos.domain import security

    rows = []
    for exponent, r in CANDIDATES:
        n = 2**exponent
        here = time_scrypt(n, r, runs)
        laptop = here * LAPTOP_FACTOR
        verdict = "fits" if laptop < BUDGET_S else "too slow"
        if (n, r) == (security._N, security._R):
            verdict += " (coopos)"
        memory = 128 * n * r // 2**20
        rows.append(
            (f"n=2^{exponent}, r={r} ({memory} MiB)", fmt_time(here), fmt_time(laptop), verdict)
        )
    return rows


def login_table(runs: int) -> list[tuple[str, str, str]]:
    from coopos.domain import security
    from coopos.services import pin_guard, setup, users
    from coopos.services.context import Context

    pin_guard.FREE_TRIES = 10**9  # measure the check, not the delay
    pin_guard.LOCK_AFTER = 10**9
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Context.open(Path(tmp) / "till.db")
        setup.init_database(ctx, admin_pin=setup.DEMO_ADMIN_PIN)
        pins = [f"{4000 + 37 * i:04d}" for i in range(19)]
        for i, pin in enumerate(pins):
            users.create_user(ctx, f"Seller {i}", "seller", pin)
        everyone = [*pins, setup.DEMO_ADMIN_PIN]

        def logins(which: list[str]) -> list[float]:
            samples = []
            for _ in range(runs):
                for pin in which:
                    start = time.process_time()
                    with contextlib.suppress(users.PermissionDenied):
                        users.authenticate(ctx, pin, audit=False)
                    samples.append(time.process_time() - start)
            return samples

        right = logins(everyone)
        wrong = logins([f"{9000 + i:04d}" for i in range(5)])
        rows.append(
            ("20 users, today's hashes: right PIN", fmt_time(median(right)), fmt_time(max(right)))
        )
        rows.append(
            ("20 users, today's hashes: wrong PIN", fmt_time(median(wrong)), fmt_time(max(wrong)))
        )
        # the same users with hashes from before the hint (n=2^14, r=8)
        from sqlalchemy import select

        from coopos.db.models import User

        with ctx.write() as uow:
            for user, pin in zip(
                uow.session.execute(select(User).order_by(User.id)).scalars(),
                [setup.DEMO_ADMIN_PIN, *pins],
                strict=True,
            ):
                salt = os.urandom(16)
                digest = hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
                user.pin_hash = f"scrypt$16384$8$1${salt.hex()}${digest.hex()}"
        security.needs_rehash = lambda stored: False  # keep them old for the measure
        users.needs_rehash = security.needs_rehash
        old_right = logins(everyone)
        old_wrong = logins([f"{9000 + i:04d}" for i in range(5)])
        rows.append(
            (
                "20 users, hashes without hint (n=2^14): right PIN",
                fmt_time(median(old_right)),
                fmt_time(max(old_right)),
            )
        )
        rows.append(
            (
                "20 users, hashes without hint (n=2^14): wrong PIN",
                fmt_time(median(old_wrong)),
                fmt_time(max(old_wrong)),
            )
        )
        ctx.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    runs = 3 if args.quick else 9
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"\nscrypt, one PIN check (laptop estimate: x{LAPTOP_FACTOR}, budget 200 ms)")
    print(f"{'parameters':32} {'here':>10} {'laptop':>10}  verdict")
    for name, here, laptop, verdict in kdf_table(runs):
        print(f"{name:32} {here:>10} {laptop:>10}  {verdict}")
    print("\nlogin by PIN alone (median, max)")
    for name, med, worst in login_table(1 if args.quick else 3):
        print(f"{name:52} {med:>10} {worst:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
