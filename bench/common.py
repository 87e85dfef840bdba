"""Timing statistics, machine description and the results table (text and Markdown)."""

from __future__ import annotations

import math
import os
import platform
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def p95(samples: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(samples)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def fmt_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 0.001:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


@dataclass
class Result:
    name: str
    size: str
    samples: list[float]
    target: str = "—"
    verdict: str = "info"

    @property
    def median(self) -> float:
        return median(self.samples)

    @property
    def p95_text(self) -> str:
        if len(self.samples) >= 20:
            return fmt_time(p95(self.samples))
        if len(self.samples) > 1:
            return f"max {fmt_time(max(self.samples))}"
        return "—"

    def row(self) -> list[str]:
        return [
            self.name,
            self.size,
            fmt_time(self.median),
            self.p95_text,
            self.target,
            self.verdict,
        ]


HEADER = ["benchmark", "size", "median", "p95", "target", "ratio / verdict"]


@dataclass
class Report:
    machine: dict[str, str]
    results: list[Result] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    mode: str = "full"
    wall_seconds: float = 0.0

    def text(self) -> str:
        rows = [HEADER, *(r.row() for r in self.results)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
        line = "  ".join("-" * w for w in widths)
        out = [
            "  ".join(c.ljust(w) for c, w in zip(rows[0], widths, strict=True)),
            line,
            *("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows[1:]),
        ]
        return "\n".join(out)

    def markdown(self) -> str:
        def esc(text: str) -> str:
            return text.replace("|", "\\|")

        out = [
            f"# coopos benchmark results ({self.mode} run)",
            "",
            *(f"- **{k}**: {v}" for k, v in self.machine.items()),
            f"- **total run time**: {self.wall_seconds:.0f} s",
            "",
            "| " + " | ".join(HEADER) + " |",
            "|" + "|".join(["---"] * len(HEADER)) + "|",
            *("| " + " | ".join(esc(c) for c in r.row()) + " |" for r in self.results),
            "",
            "Median and p95 are nearest-rank over the samples; with fewer than 20 samples the",
            "p95 column shows the maximum instead.",
            "",
            "## Notes",
            "",
            *(f"- {n}" for n in self.notes),
            "",
        ]
        return "\n".join(out)


def machine_info(tmp: Path) -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlalchemy

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count() or 0
    try:
        load = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:  # pragma: no cover
        load = "n/a"
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": f"{os.cpu_count()} logical ({usable} usable by this process)",
        "python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "os": platform.platform(),
        "load average at start": load,
        "temp dir": str(tmp),
    }
