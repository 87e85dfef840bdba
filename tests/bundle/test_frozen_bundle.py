"""Build the Linux bundle with PyInstaller (installer/build-linux.sh) and run the frozen
app: the self-test passes, it sells and prints to a file printer, it upgrades an old
database, and it starts to the login screen and quits (its cold start is printed; the
benchmark is bench/bundle.py).

Slow (about a minute): skipped unless COOPOS_BUNDLE_TEST=1.  CI runs it as a separate
step after the unit tests (.ci/run).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "coopos-0.1.0.db"

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("COOPOS_BUNDLE_TEST") != "1",
        reason="builds the PyInstaller bundle (slow): set COOPOS_BUNDLE_TEST=1",
    ),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux bundle"),
    pytest.mark.timeout(900),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("bundle")
    env = dict(
        os.environ,
        PYTHON=sys.executable,
        COOPOS_BUILD_DIR=str(work / "build"),
        COOPOS_DIST_DIR=str(work / "dist"),
    )
    done = subprocess.run(
        ["bash", str(ROOT / "installer" / "build-linux.sh")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=840,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    [archive] = (work / "dist").glob("coopos-*-linux-*.tar.gz")
    return {"bundle": work / "build" / "bundle" / "coopos", "archive": archive, "work": work}


@pytest.fixture
def home(tmp_path) -> dict[str, str]:
    """A user with no coopos data yet, and no display: Qt offscreen."""
    return dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path / "home"),
        COOPOS_DATA_DIR=str(tmp_path / "home" / "data"),
        COOPOS_LOG_DIR=str(tmp_path / "home" / "logs"),
    )


def frozen(built, env, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(built["bundle"] / "coopos"), *args],
        env=env,
        cwd=env["HOME"] if Path(env["HOME"]).is_dir() else None,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_frozen_self_test_passes(built, home):
    from coopos import selftest

    done = frozen(built, home, "--self-test")
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "installed bundle" in lines[0]
    checks = lines[1:-1]
    assert len(checks) == len(selftest.CHECKS)
    assert all(": ok" in line for line in checks), done.stdout
    assert lines[-1] == f"All {len(checks)} checks passed."


def test_the_frozen_app_sells_and_prints_to_a_file(built, home, tmp_path):
    db = str(tmp_path / "till.db")
    receipt = tmp_path / "receipt.bin"
    items = ["--item", "6111042001017:2", "--item", "DAT-JIH-VRAC:0.5"]
    sale = ["sale", *items, "--pay", "cash:exact"]
    steps = [
        ["init", "--demo"],
        ["shift", "open", "--float", "200", "--user", "Fatima"],
        sale,
        ["print", "receipt", "T01-000001", "--printer", f"file:{receipt}"],
        ["print", "receipt", "T01-000001", "--lang", "ar", "--png", str(tmp_path / "ar.png")],
        ["shift", "close", "--cash", "337.50", "--user", "Fatima"],
    ]
    for args in steps:
        done = frozen(built, home, "--db", db, *args)
        assert done.returncode == 0, f"{args}: {done.stdout}{done.stderr}"
    job = receipt.read_bytes()
    assert job.startswith(b"\x1b@") and b"\x1dv0" in job  # ESC @, then raster bands
    assert (tmp_path / "ar.png").read_bytes()[:4] == b"\x89PNG"
    [auto] = (tmp_path / "backups").glob("coopos-auto-*-z0001.db.zst")
    assert auto.read_bytes()[:4] == b"\x28\xb5\x2f\xfd"  # zstd: the frozen app compresses


def test_the_frozen_app_upgrades_a_database_of_the_first_release(built, home, tmp_path):
    db = tmp_path / "old.db"
    shutil.copyfile(FIXTURE, db)
    done = frozen(built, home, "--db", str(db), "audit", "verify")
    assert done.returncode == 0, done.stdout + done.stderr
    done = frozen(built, home, "--db", str(db), "shift", "x", "--format", "json")
    assert done.returncode == 0 and '"net_total": 12000' in done.stdout


def test_the_frozen_desktop_app_reaches_the_login_screen(built, home, tmp_path):
    db = str(tmp_path / "shop.db")
    assert frozen(built, home, "--db", db, "init", "--demo").returncode == 0
    env = dict(home, COOPOS_QUIT_WHEN_READY="1")
    times = []
    for _ in range(3):
        start = time.perf_counter()
        done = frozen(built, env, "--db", db)
        times.append(time.perf_counter() - start)
        assert done.returncode == 0, done.stdout + done.stderr
    log = (Path(home["COOPOS_LOG_DIR"]) / "coopos.log").read_text(encoding="utf-8")
    assert "window shown: coopos" in log and "starting (bundle," in log
    print(f"\nfrozen cold start to the login screen: {sorted(times)[1]:.2f} s (median of 3)")


def test_the_archive_installs_for_one_user_and_keeps_the_data(built, tmp_path):
    with tarfile.open(built["archive"]) as tar:
        names = tar.getnames()
        tar.extractall(tmp_path / "unpacked", filter="tar")
    [top] = {name.split("/")[0] for name in names}
    for member in ("coopos", "install.sh", "uninstall.sh", "coopos.desktop", "coopos.png"):
        assert f"{top}/{member}" in names
    assert not [n for n in names if "/pytest/" in n or "/hypothesis/" in n or "tkinter" in n]
    folder = tmp_path / "unpacked" / top
    env = dict(os.environ, HOME=str(tmp_path / "user"), QT_QPA_PLATFORM="offscreen")
    env.pop("XDG_DATA_HOME", None)
    env.pop("COOPOS_DATA_DIR", None)
    env.pop("COOPOS_LOG_DIR", None)
    done = subprocess.run(["sh", "./install.sh"], cwd=folder, env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    local = tmp_path / "user" / ".local"
    entry = (local / "share" / "applications" / "coopos.desktop").read_text(encoding="utf-8")
    assert f"Exec={local / 'lib' / 'coopos' / 'coopos'}" in entry
    installed = local / "bin" / "coopos"
    done = subprocess.run([str(installed), "--version"], env=env, capture_output=True)
    assert done.returncode == 0
    demo = subprocess.run(
        [str(installed), "init", "--demo"], env=env, capture_output=True, text=True
    )
    assert demo.returncode == 0, demo.stderr
    data = local / "share" / "coopos" / "coopos.db"
    assert data.is_file()
    subprocess.run(["sh", str(local / "lib" / "coopos" / "uninstall.sh")], env=env, check=True)
    assert not (local / "lib" / "coopos").exists() and not installed.exists()
    assert data.is_file()  # the seller's data stays
