"""The installer files are sound without building anything (fast; the real build is
test_frozen_bundle.py): the scripts parse, the .desktop entry and the Inno Setup script
say what sellers rely on, the icon exists, resources are found from the code's place."""

from __future__ import annotations

import ast
import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALLER = ROOT / "installer"


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize(
    "script", ["build-linux.sh", "linux/install.sh", "linux/uninstall.sh"], ids=str
)
def test_shell_scripts_parse(script):
    path = INSTALLER / script
    shell = "bash" if script.startswith("build") else "sh"
    assert subprocess.run([shell, "-n", str(path)], capture_output=True).returncode == 0
    assert path.stat().st_mode & 0o111, f"{script} is not executable"


def test_the_spec_is_python_and_bundles_what_the_app_reads():
    text = (INSTALLER / "coopos.spec").read_text(encoding="utf-8")
    ast.parse(text)
    for needed in ("resources/fonts", "resources/locale", "resources/demo", "resources/icons"):
        assert needed in text
    assert "coopos/db/migrations" in text and "escpos" in text
    assert '"main.py"' in text  # the same entry point as `python main.py`


def test_the_desktop_entry():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(INSTALLER / "linux" / "coopos.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Exec"] == "@EXEC@"  # install.sh writes the installed path
    assert section["Icon"] == "coopos" and section["Terminal"] == "false"
    assert "Office" in section["Categories"]


def test_the_windows_installer_is_per_user_and_keeps_the_data():
    iss = (INSTALLER / "coopos.iss").read_text(encoding="utf-8")
    assert "PrivilegesRequired=lowest" in iss
    assert "{localappdata}\\coopos" in iss  # the data folder coopos uses on Windows
    assert "uninsneveruninstall" in iss
    assert "Box.Checked := False" in iss  # deleting the data is opt-in
    assert "DelTree(DataDir()" in iss and "if UninstallSilent then" in iss
    assert "coopos-cli.exe" in iss and "--self-test" in iss
    assert (ROOT / "resources" / "icons" / "coopos.ico").is_file()
    ps1 = (INSTALLER / "build-windows.ps1").read_text(encoding="utf-8")
    assert "coopos.spec" in ps1 and "--self-test" in ps1 and "coopos.iss" in ps1


def test_the_windows_data_folder_matches_platformdirs(monkeypatch):
    """The uninstaller deletes %LOCALAPPDATA%\\coopos when asked: it must be the folder
    coopos really uses on Windows (and only that)."""
    import platformdirs

    if sys.platform != "win32":
        pytest.skip("Windows paths")
    local = Path(platformdirs.user_data_path("coopos", appauthor=False))
    assert local.name == "coopos" and local.parent.name.lower() == "local"


def test_the_icon_is_a_png_the_app_can_load():
    from coopos.resources import icon_path

    png = icon_path()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_resources_are_found_relative_to_the_bundle(monkeypatch, tmp_path):
    from coopos import resources

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    monkeypatch.chdir(ROOT)  # the current folder must not matter
    assert resources.is_frozen()
    assert resources.resources_root() == tmp_path / "resources"
    assert resources.font_paths()[0].parent == tmp_path / "resources" / "fonts"
    from coopos.i18n import locale_dir

    monkeypatch.delenv("COOPOS_LOCALE_DIR", raising=False)
    assert locale_dir() == tmp_path / "resources" / "locale"
