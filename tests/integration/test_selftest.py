"""``coopos --self-test``: one line per check, exit 1 if any fails, and never the user's
database.  (The same checks run on the frozen bundle in tests/bundle.)"""

from __future__ import annotations

import io

import pytest

from coopos import selftest


@pytest.fixture
def gui(qapp):
    """A widgets QApplication first, as in the desktop app (see test_receipts.py)."""
    return qapp


def run() -> tuple[int, list[str]]:
    out = io.StringIO()
    code = selftest.main(out)
    return code, out.getvalue().splitlines()


def test_every_check_passes_on_a_working_installation(gui, tmp_path, monkeypatch):
    user_db = tmp_path / "user" / "coopos.db"
    monkeypatch.setenv("COOPOS_DB", str(user_db))
    code, lines = run()
    assert code == 0, "\n".join(lines)
    assert lines[0].startswith("coopos ") and "self-test" in lines[0]
    checks = lines[1:-1]
    assert len(checks) == len(selftest.CHECKS)
    assert all(": ok" in line for line in checks), "\n".join(lines)
    assert lines[-1] == f"All {len(checks)} checks passed."
    names = [line.split(": ok")[0] for line in checks]
    for name in ("Database migrations", "Sale", "Receipt", "Fonts", "Translations", "Qt platform"):
        assert name in names
    assert not user_db.exists()  # a scratch database only


def test_the_command_line_flag(gui, capsys):
    from coopos import cli

    assert cli.main(["--self-test"]) == 0
    out = capsys.readouterr().out
    assert "Receipt: ok" in out and "All " in out


def test_a_failing_check_says_why_and_the_others_still_run(gui, tmp_path, monkeypatch):
    monkeypatch.setattr("coopos.resources.resources_root", lambda: tmp_path / "nowhere")
    code, lines = run()
    assert code == 1
    failed = [line for line in lines if "FAILED" in line]
    assert any(line.startswith("Program files: FAILED: missing in") for line in failed)
    assert any(line.startswith("Fonts: FAILED: font files missing") for line in failed)
    assert any(line.startswith("Database migrations: ok") for line in lines)
    assert "checks FAILED" in lines[-1] and "to whoever supports your till" in lines[-1]


def test_a_missing_qt_platform_plugin_is_found_before_qt_aborts(gui, monkeypatch):
    """Qt kills the process when its platform plugin is missing: the check looks for the
    file first, and the checks that draw say they need it."""
    monkeypatch.setenv("QT_QPA_PLATFORM", "nosuchplatform")
    code, lines = run()
    assert code == 1
    text = "\n".join(lines)
    assert "Qt platform: FAILED: Qt platform plugins missing: nosuchplatform" in text
    assert "Receipt: FAILED: needs the Qt platform check to pass" in text
    assert "Sale: ok" in text  # the core checks do not need Qt


def test_the_language_is_restored_after_the_translation_check(gui):
    from coopos.i18n import current_language, set_language

    set_language("fr")
    run()
    assert current_language() == "fr"
