"""``coopos shift``: the X and Z reports as text in the user's language and the shop's
time, and the shop's closing rules (blind count, sellers' close) on the command line."""

from __future__ import annotations

import json
import re

import pytest

from tests.integration import test_cli

cli = test_cli.cli  # the same fixture: the command line on the demo database
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@pytest.fixture
def busy(cli):
    assert cli("shift", "open", "--float", "500", "--user", "Fatima")[0] == 0
    sale = ["sale", "--item", "6111042001017:2", "--item", "SAF-1G"]
    assert cli(*sale, "--pay", "cash:100", "--pay", "card:exact")[0] == 0  # 165.00
    return cli


@pytest.mark.parametrize(
    ("language", "amount"), [("fr", "165,00\u00a0MAD"), ("ar", "165,00\u00a0د.م.")]
)
def test_the_x_report_text_has_local_times_and_the_apps_amounts(busy, language, amount):
    """Before: ``opened 2026-…T…+01:00`` and ``165.00`` in every language."""
    code, out, _err = busy("shift", "x", "--lang", language)
    assert code == 0
    assert not ISO.search(out), out
    assert amount in out and "165.00" not in out
    if language == "ar":
        assert re.search(r"\d \w*[\u0621-\u064a]+ 20\d\d،", out)  # 4 دجنبر 2026، 15:52


def test_a_seller_closes_only_with_a_managers_pin_when_the_shop_says_so(busy):
    code, out, _ = busy("shift", "settings", "--sellers-may-close", "off", "--pin", "250917")
    assert code == 0 and "Sellers may close the shift: off" in out
    code, _out, err = busy("shift", "close", "--cash", "665", "--user", "Fatima")
    assert code == 1 and "manager's PIN" in err
    code, _out, err = busy("shift", "close", "--cash", "665", "--user", "Fatima", "--pin", "1111")
    assert code == 1 and "manager's PIN" in err
    assert busy("shift", "x")[0] == 0  # still open
    code, out, _ = busy(
        "shift", "close", "--cash", "665", "--user", "Fatima", "--pin", "250917", "--format", "json"
    )
    assert code == 0 and json.loads(out)["z_number"] == 1


def test_a_blind_count_hides_the_expected_cash_from_the_x_report(busy):
    assert busy("shift", "settings", "--blind-count", "on", "--pin", "250917")[0] == 0
    code, out, _ = busy("shift", "x", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["expected_cash"] is None
    assert "cash" not in {m["method"] for m in data["by_method"]}
    code, out, _ = busy("shift", "x")
    assert "600,00" not in out and "600.00" not in out  # 500 float + 100 cash
    code, out, _ = busy("shift", "x", "--pin", "250917", "--format", "json")
    assert json.loads(out)["expected_cash"] == 60000  # a manager sees it
    code, out, _ = busy("shift", "close", "--cash", "590", "--user", "Fatima", "--format", "json")
    z = json.loads(out)
    assert (z["expected_cash"], z["counted_cash"]) == (60000, 59000)  # the Z shows it all


def test_changing_the_rules_needs_a_manager(busy):
    code, _out, err = busy("shift", "settings", "--blind-count", "on", "--pin", "1111")
    assert code == 1 and "manager's PIN" in err
    code, out, _ = busy("shift", "settings")
    assert "Blind count: off" in out and "Time zone: Africa/Casablanca" in out
    code, _out, err = busy("shift", "settings", "--time-zone", "Mars/Base", "--pin", "250917")
    assert code == 1 and "Unknown time zone" in err


def test_the_backup_and_send_queue_retention_are_closing_rules(busy):
    code, out, _ = busy("shift", "settings")
    assert "Automatic backups kept: 60 days, 2048 MB in all" in out
    assert "after 30 days" in out
    args = ["--backup-days", "90", "--backup-max-mb", "500", "--outbox-days", "45"]
    code, out, _ = busy("shift", "settings", *args, "--pin", "250917")
    assert code == 0 and "Automatic backups kept: 90 days, 500 MB in all" in out
    assert "after 45 days" in out
    with pytest.raises(SystemExit) as refused:  # a usage error, before any change
        busy("shift", "settings", "--outbox-days", "-1", "--pin", "250917")
    assert refused.value.code == 2
