"""Imports point inward: ui -> services -> domain; db depends on domain only.  The core
never imports ui or QtWidgets.  Checked on the source, so it fails the moment it breaks."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "coopos"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def files(subpackage: str = "") -> list[Path]:
    return sorted((ROOT / subpackage).rglob("*.py"))


def offenders(subpackage: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in files(subpackage):
        for name in imports_of(path):
            if name.startswith(forbidden) or any(
                f".{f}" in f".{name}" for f in forbidden if f.endswith("QtWidgets")
            ):
                found.append(f"{path.relative_to(ROOT.parent)}: {name}")
    return found


def test_core_never_imports_ui_or_widgets():
    assert offenders("", ("ui", "PySide6.QtWidgets", "QtWidgets")) == []


def test_domain_is_plain_python():
    assert (
        offenders(
            "domain",
            ("sqlalchemy", "alembic", "coopos.db", "coopos.services", "coopos.cli", "PySide6"),
        )
        == []
    )


def test_protocol_is_plain_python_shared_by_till_and_server():
    """coopos.protocol holds the rules both sides apply: no database, web framework, Qt,
    nor either side's code."""
    forbidden = (
        "sqlalchemy",
        "alembic",
        "fastapi",
        "pydantic",
        "PySide6",
        "coopos.db",
        "coopos.services",
        "coopos.server",
        "coopos.cli",
        "coopos.sync",
    )
    assert offenders("protocol", forbidden) == []


def test_db_depends_on_domain_only():
    assert offenders("db", ("coopos.services", "coopos.cli")) == []


def test_services_do_not_reach_out_to_the_cli():
    assert offenders("services", ("coopos.cli",)) == []


def test_the_checker_can_fail(tmp_path, monkeypatch):
    bad = tmp_path / "coopos" / "bad.py"
    bad.parent.mkdir()
    bad.write_text("from PySide6.QtWidgets import QWidget\nimport ui.app\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path / "coopos")
    assert len(offenders("", ("ui", "PySide6.QtWidgets"))) >= 2


def test_the_server_loads_no_till_code():
    """``import coopos.server.app`` loads nothing of the till's services or database."""
    code = (
        "import sys, coopos.server.app\n"
        "print(sorted(m for m in sys.modules if m.startswith(('coopos.services', 'coopos.db'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"
