"""The till installs without the central server's packages (the ``[server]`` extra):
starting the till imports none of them, and a ``coopos server`` command says in one
sentence what to install when they are missing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from coopos import cli

ROOT = Path(__file__).resolve().parents[2]
SERVER_ONLY = ("fastapi", "starlette", "pydantic", "uvicorn", "psycopg")


def test_the_till_starts_without_the_servers_packages():
    code = (
        "import sys, ui.launcher, coopos.cli\n"
        "coopos.cli.build_parser()\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {SERVER_ONLY!r}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("package", ["uvicorn", "fastapi", "psycopg"])
def test_a_server_command_names_the_extra_when_its_packages_are_missing(
    package, monkeypatch, tmp_path, capsys
):
    monkeypatch.setenv("COOPOS_DATA_DIR", str(tmp_path))
    # forget what is loaded, so that the command imports it again (restored afterwards)
    for name in [m for m in sys.modules if m.startswith((package, "coopos.server"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, package, None)  # import of it now fails
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none" if package == "psycopg" else None
    argv = ["server", "--port", "8799"] + (["--database-url", url] if url else [])
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert "pip install 'coopos[server]'" in err
    assert len(err.strip().splitlines()) == 1


def test_other_missing_modules_are_not_blamed_on_the_server():
    assert cli.server_not_installed(ModuleNotFoundError("no", name="escpos")) is None
    assert cli.server_not_installed(ValueError("uvicorn")) is None
