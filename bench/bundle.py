"""The installable app: bundle size and cold start of the frozen app to the login screen.

    .venv/bin/python bench/bundle.py                      # builds the bundle first (~30 s)
    .venv/bin/python bench/bundle.py --bundle build/bundle/coopos --runs 9

Cold start = a new process that opens the demo database, builds the window, shows the
login screen and quits (``COOPOS_QUIT_WHEN_READY=1``, offscreen Qt), timed from outside.
The frozen app and the same code run from source (``python main.py``, the baseline) are
started alternately in the same run, so both see the same machine and disk cache; the
OS file cache is warm (a first start after boot reads ~150 MB more from disk).

Prints a table and writes it as Markdown to bench/results/bundle.md.  Nothing fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from common import Report, Result, fmt_time, machine_info, median

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 3.0


def size_of(folder: Path) -> tuple[int, int]:
    """Bytes and files under ``folder`` (links counted once, as on disk)."""
    total = files = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
            files += 1
    return total, files


def mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def build(work: Path) -> tuple[Path, Path | None]:
    env = dict(
        os.environ,
        PYTHON=sys.executable,
        COOPOS_BUILD_DIR=str(work / "build"),
        COOPOS_DIST_DIR=str(work / "dist"),
    )
    subprocess.run(["bash", str(ROOT / "installer" / "build-linux.sh")], env=env, check=True)
    archives = sorted((work / "dist").glob("coopos-*.tar.gz"))
    return work / "build" / "bundle" / "coopos", archives[-1] if archives else None


def timed_start(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, help="an already built bundle folder")
    parser.add_argument("--archive", type=Path, help="its .tar.gz, for the download size")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="coopos-bench-bundle-") as tmp_name:
        tmp = Path(tmp_name)
        report = Report(machine_info(tmp), mode="bundle")
        started = time.perf_counter()
        if args.bundle:
            bundle, archive = args.bundle.resolve(), args.archive
        else:
            bundle, archive = build(tmp)
        exe = bundle / ("coopos.exe" if os.name == "nt" else "coopos")

        env = dict(
            os.environ,
            QT_QPA_PLATFORM="offscreen",
            COOPOS_DATA_DIR=str(tmp / "data"),
            COOPOS_LOG_DIR=str(tmp / "logs"),
        )
        db = tmp / "shop.db"
        subprocess.run(
            [sys.executable, str(ROOT / "main.py"), "--db", str(db), "init", "--demo"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        ready = dict(env, COOPOS_QUIT_WHEN_READY="1")
        frozen_cmd = [str(exe), "--db", str(db)]
        source_cmd = [sys.executable, str(ROOT / "main.py"), "--db", str(db)]
        for command in (frozen_cmd, source_cmd):  # one warm-up each: the disk cache
            timed_start(command, ready)
        frozen, source, version = [], [], []
        for _ in range(args.runs):
            frozen.append(timed_start(frozen_cmd, ready))
            source.append(timed_start(source_cmd, ready))
            version.append(timed_start([str(exe), "--version"], env))

        size, files = size_of(bundle)
        f_med, s_med = median(frozen), median(source)
        report.results += [
            Result(
                "frozen cold start to login screen",
                f"demo shop, {args.runs} runs",
                frozen,
                f"< {TARGET_S:.0f} s",
                ("met" if f_med < TARGET_S else "MISSED") + f" ({f_med / s_med:.2f}x source)",
            ),
            Result("source cold start (baseline)", "python main.py", source, "—", "baseline"),
            Result("frozen `coopos --version`", "no Qt, no database", version, "—", "info"),
        ]
        report.notes += [
            f"bundle folder: {mb(size)} in {files} files ({bundle})",
        ]
        if archive is not None and Path(archive).is_file():
            with tarfile.open(archive) as tar:
                members = len(tar.getmembers())
            report.notes.append(
                f"download (.tar.gz): {mb(Path(archive).stat().st_size)}, {members} entries"
            )
        report.notes.append(
            f"frozen start {fmt_time(f_med)} vs source {fmt_time(s_med)} (median of {args.runs})"
        )
        report.wall_seconds = time.perf_counter() - started

    print(report.text())
    for note in report.notes:
        print(f"- {note}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bundle.md").write_text(report.markdown(), encoding="utf-8")
    print(f"written: {out / 'bundle.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
