"""Wrong PINs: audited, delayed, locked out until a manager unlocks; PIN rules by role; a
duplicate PIN refused without saying whose it is; login stays one scrypt with 20 users.

The clock is the context's fixed clock, moved by hand: nothing here waits or times."""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from coopos.cli import main
from coopos.db.models import AuditEntry, Sale, User
from coopos.domain import security
from coopos.domain.pin_policy import WeakPin
from coopos.domain.security import hash_pin
from coopos.services import audit, pin_guard, setup, shifts, users
from coopos.services.context import Context
from coopos.services.users import PinUnavailable

MANAGER, SELLER = setup.DEMO_MANAGER_PIN, setup.DEMO_SELLER_PIN


@pytest.fixture
def still(clock):
    """The fixed clock, standing still: each test moves it."""
    clock.step = timedelta(0)
    return clock


def audited(ctx, action: str) -> list[dict]:
    with ctx.read() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars()
        return [json.loads(r.details) for r in rows]


def wrong(ctx, n: int, clock=None, pin: str = "999999", step: float = 0) -> None:
    for _ in range(n):
        with pytest.raises(users.PermissionDenied):
            users.authenticate(ctx, pin)
        if clock is not None:
            clock.current += timedelta(seconds=step)


def test_wrong_pins_are_audited_then_delayed_more_and_more(demo, still):
    wrong(demo, 3)  # free
    assert len(audited(demo, "pin_failed")) == 3
    delays = []
    for _ in range(5):
        with pytest.raises(pin_guard.PinWait) as wait:
            users.authenticate(demo, SELLER)  # not even checked: the right PIN waits too
        delays.append(wait.value.seconds)
        still.current += timedelta(seconds=wait.value.seconds)
        wrong(demo, 1)
    assert delays == [1, 2, 4, 8, 16]
    assert len(audited(demo, "pin_failed")) == 8  # every wrong PIN, none of the waits
    assert audit.verify(demo).ok  # in the hash chain
    still.current += timedelta(seconds=60)
    assert users.authenticate(demo, SELLER).name == "Fatima"


def guess_manager_pins(ctx, clock, tries: int, seconds: float) -> int:
    """A script trying manager PINs as fast as it can; returns how many were checked."""
    checked = 0
    for _ in range(tries):
        try:
            users.require_manager(ctx, f"{random.randrange(10**6):06d}", "discount")
        except pin_guard.PinWait:
            pass
        except users.PermissionDenied:
            checked += 1
        clock.current += timedelta(seconds=seconds / tries)
    return checked


def test_a_burst_of_wrong_manager_pins_is_slowed_then_locked(demo, still):
    """The tester's 223 wrong manager PINs in 60 s: now 9 are checked, each audited; the
    same script running for an hour locks the till."""
    checked = guess_manager_pins(demo, still, 223, 60)
    assert checked == 8  # 3 at once, then after 1, 2, 4, 8 and 16 s
    failed = audited(demo, "pin_failed")
    assert len(failed) == checked and {f["purpose"] for f in failed} == {"approval:discount"}
    checked += guess_manager_pins(demo, still, 360, 3600)  # then one try every 10 s
    assert checked <= 16  # 10 to lock, then one per 10 minutes
    assert len(audited(demo, "pin_failed")) == checked
    assert audited(demo, "pins_locked") and pin_guard.status(demo).locked


def test_a_locked_till_opens_only_for_a_manager_who_unlocks_it(demo, still):
    wrong(demo, pin_guard.LOCK_AFTER, still, step=61)
    assert pin_guard.status(demo).locked
    with pytest.raises(pin_guard.PinLocked):
        users.authenticate(demo, SELLER)  # the right PIN, but a seller's
    assert users.authenticate(demo, MANAGER).name == "Youssef"  # unlocks
    assert audited(demo, "pins_unlocked") and not pin_guard.status(demo).locked
    assert users.authenticate(demo, SELLER).name == "Fatima"


def test_on_a_locked_till_each_wrong_pin_costs_ten_minutes(demo, still):
    wrong(demo, pin_guard.LOCK_AFTER, still, step=61)
    wrong(demo, 1)  # the first try after the lock is checked at once
    with pytest.raises(pin_guard.PinWait) as wait:
        users.authenticate(demo, MANAGER)
    assert wait.value.seconds == 600
    still.current += pin_guard.LOCKED_DELAY
    assert users.authenticate(demo, MANAGER).name == "Youssef"


def test_logging_in_between_guesses_does_not_reset_the_lock_count(demo, still):
    for _ in range(pin_guard.LOCK_AFTER - 1):
        wrong(demo, 1)
        still.current += timedelta(seconds=61)
        users.authenticate(demo, SELLER)  # the guesser's own PIN, in between
        still.current += timedelta(seconds=61)
    wrong(demo, 1)
    assert pin_guard.status(demo).locked


def test_a_manager_unlocks_from_the_command_line(demo, demo_path, still, capsys):
    wrong(demo, pin_guard.LOCK_AFTER, still, step=61)
    assert main(["--db", str(demo_path), "user", "list"]) == 0
    assert "PIN entry is locked" in capsys.readouterr().out
    code = main(["--db", str(demo_path), "user", "unlock", "--pin", SELLER])
    assert code == 1 and "locked" in capsys.readouterr().err
    assert main(["--db", str(demo_path), "user", "unlock", "--pin", MANAGER]) == 0
    assert "unlocked by Youssef" in capsys.readouterr().out
    assert not pin_guard.status(demo).locked


# -- the PINs people may choose ----------------------------------------------------------------


@pytest.mark.parametrize("pin", ["1234", "0000", "123456", "000000", "121212"])
def test_first_start_refuses_a_weak_admin_pin(tmp_path, pin):
    ctx = Context.open(tmp_path / "new.db")
    with pytest.raises(WeakPin):
        setup.init_database(ctx, admin_pin=pin)
    assert not setup.is_initialised(ctx)  # nothing half-set-up
    ctx.close()


def test_a_drawn_admin_pin_is_never_weak(tmp_path):
    ctx = Context.open(tmp_path / "new.db")
    result = setup.init_database(ctx)
    assert len(result.admin_pin) == 6 and not security_weak(result.admin_pin)
    ctx.close()


def security_weak(pin: str) -> bool:
    from coopos.domain.pin_policy import is_weak

    return is_weak(pin)


def test_a_duplicate_pin_is_refused_without_saying_whose_it_is(demo, users_by_name):
    with pytest.raises(PinUnavailable) as refused:
        users.create_user(demo, "Omar", "seller", SELLER, users_by_name["Youssef"].id)
    message = refused.value.message
    assert message == "This PIN cannot be used: choose another one."
    assert "Fatima" not in message and "another user" not in message
    with demo.read() as s:
        fatima = s.execute(select(User).where(User.name == "Fatima")).scalar_one()
        assert fatima.pin_change_required  # whoever typed it now knows it
        assert s.execute(select(User).where(User.name == "Omar")).first() is None
    assert audited(demo, "pin_collision") and audited(demo, "pin_failed")
    # Fatima is asked for a new PIN at her next login; choosing one clears the request
    fatima = users.authenticate(demo, SELLER)
    assert users.pin_change_due(fatima, SELLER) == "For security, choose a new PIN now."
    users.change_pin(demo, fatima.id, "8642", fatima.id)
    fatima = users.authenticate(demo, "8642")
    assert users.pin_change_due(fatima, "8642") is None


def test_an_old_short_manager_pin_still_works_and_must_be_changed(demo):
    with demo.write() as uow:
        youssef = uow.session.execute(select(User).where(User.name == "Youssef")).scalar_one()
        youssef.pin_hash = hash_pin("2222")  # as set before the 6-digit rule
    youssef = users.authenticate(demo, "2222")
    assert "at least 6 digits" in users.pin_change_due(youssef, "2222")
    with pytest.raises(WeakPin):
        users.change_pin(demo, youssef.id, "222222", youssef.id)
    users.change_pin(demo, youssef.id, "861402", youssef.id)
    assert users.pin_change_due(users.authenticate(demo, "861402"), "861402") is None


def test_an_old_hash_is_rewritten_at_the_next_login(demo):
    salt = bytes(range(16))
    digest = hashlib_scrypt("1111", salt)
    with demo.write() as uow:
        fatima = uow.session.execute(select(User).where(User.name == "Fatima")).scalar_one()
        fatima.pin_hash = f"scrypt$16384$8$1${salt.hex()}${digest}"
    users.authenticate(demo, SELLER)
    with demo.read() as s:
        stored = s.execute(select(User.pin_hash).where(User.name == "Fatima")).scalar_one()
    assert stored.startswith("scrypt$16384$12$1$") and stored.count("$") == 6


def hashlib_scrypt(pin: str, salt: bytes) -> str:
    import hashlib

    return hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32).hex()


def test_login_with_twenty_users_runs_scrypt_about_once(ctx, monkeypatch):
    """Seeded salts, so the hints (6 bits each) are the same on every run; a cheap scrypt
    cost, since only the number of scrypt runs is counted."""
    rng = random.Random(13)
    monkeypatch.setattr(security.os, "urandom", lambda n: rng.randbytes(n))
    monkeypatch.setattr(security, "_N", 2**10)
    pins = [f"{4000 + 37 * i:04d}" for i in range(19)]
    for i, pin in enumerate(pins):
        users.create_user(ctx, f"Seller {i}", "seller", pin)
    calls = []
    real = security._scrypt
    monkeypatch.setattr(security, "_scrypt", lambda *a: calls.append(1) or real(*a))
    per_login = []
    for pin in [*pins, setup.DEMO_ADMIN_PIN]:
        calls.clear()
        users.authenticate(ctx, pin)
        per_login.append(len(calls))
    assert max(per_login) <= 2 and sum(per_login) <= 24  # not 20 per login
    calls.clear()
    with pytest.raises(users.PermissionDenied):
        users.authenticate(ctx, "97531")
    assert len(calls) >= 1  # a wrong PIN costs a scrypt too


# -- coopos sale --discount ------------------------------------------------------------------------


@pytest.fixture
def users_by_name(demo):
    from coopos.services import lookups

    with demo.read() as s:
        return {n: lookups.user_by_name(s, n) for n in ("Admin", "Fatima", "Youssef")}


@pytest.fixture
def sale_cli(demo_path, demo, users_by_name, capsys):
    shifts.open_shift(demo, users_by_name["Fatima"].id, 50000)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", str(demo_path), "sale", "--item", "ARG-OIL-500", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def sales(ctx) -> int:
    with ctx.read() as s:
        return len(s.execute(select(Sale.id)).all())


def test_a_large_discount_from_the_cli_needs_a_manager(sale_cli, demo):
    code, _out, err = sale_cli("--discount", "50", "--pay", "cash:exact")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "--manager-pin" in err and sales(demo) == 0
    code, _out, err = sale_cli("--discount", "50", "--manager-pin", SELLER, "--pay", "cash:exact")
    assert code == 1 and "manager" in err and sales(demo) == 0
    code, _out, err = sale_cli("--discount", "50", "--manager-pin", "000001", "--pay", "cash:exact")
    assert code == 1 and "Wrong PIN" in err and sales(demo) == 0
    assert audited(demo, "pin_failed")[-1]["purpose"] == "approval:order_discount"
    code, _out, _err = sale_cli("--discount", "50", "--manager-pin", MANAGER, "--pay", "cash:exact")
    assert code == 0 and sales(demo) == 1


def test_a_small_discount_needs_no_pin_and_a_terminal_is_asked(sale_cli, demo, monkeypatch):
    assert sale_cli("--discount", "1", "--pay", "cash:exact")[0] == 0
    asked = []
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or MANAGER)
    code, _out, err = sale_cli("--discount", "50", "--pay", "cash:exact")
    assert code == 0 and asked == ["Manager PIN: "] and "manager" in err
    assert sales(demo) == 2
