"""The command line as a user runs it: the issue's Done-when flow and its user errors."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from coopos.cli import main
from coopos.db.models import OutboxEvent, Sale, StockMovement
from coopos.services.context import Context


@pytest.fixture
def cli(demo_path, capsys):
    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", str(demo_path), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def rows(path, model) -> int:
    ctx = Context.open(path)
    with ctx.read() as s:
        n = s.execute(select(func.count()).select_from(model)).scalar()
    ctx.close()
    return n


def test_demo_sells_refunds_closes_and_prints_a_correct_z_report(cli):
    assert cli("shift", "open", "--float", "500", "--user", "Fatima")[0] == 0
    # 2 x argan oil 100 ml (60.00, VAT 10 %) + 1 saffron 1 g (45.00): 100 cash + 65 card
    code, out, _ = cli(
        "sale",
        "--item",
        "6111042001017:2",
        "--item",
        "SAF-1G",
        "--pay",
        "cash:100",
        "--pay",
        "card:exact",
    )
    assert code == 0
    receipt = out.splitlines()[0]
    assert receipt == "T01-000001"
    code, out, _ = cli("sale", "--item", "CSC-VRAC:1,250", "--pay", "cash:50")
    assert code == 0 and "change 22.50" in out  # 1.250 kg x 22.00 = 27.50
    code, out, _ = cli("refund", receipt, "--item", "ARG-OIL-100:1", "--pin", "250917")
    assert code == 0 and "Refunded 60.00 MAD" in out
    code, out, _ = cli("shift", "close", "--count", "200=2", "100=1", "20=3", "--format", "json")
    assert code == 0
    z = json.loads(out)
    # cash: float 500 + 100 (sale 1) + 27.50 (sale 2) - 60 refund (in cash: the sale was
    # paid two ways) = 567.50; counted 2 x 200 + 100 + 3 x 20 = 560
    assert z["kind"] == "Z" and z["z_number"] == 1
    assert (z["sales_count"], z["refunds_count"]) == (2, 1)
    assert z["sales_total"] == 12000 + 4500 + 2750
    assert z["refunds_total"] == -6000
    assert z["net_total"] == 13250
    assert z["expected_cash"] == 56750 and z["counted_cash"] == 56000
    cash = next(m for m in z["by_method"] if m["method"] == "cash")
    assert cash["difference"] == -750
    card = next(m for m in z["by_method"] if m["method"] == "card")
    assert (card["expected"], card["counted"], card["difference"]) == (6500, 6500, 0)
    assert sum(m["expected"] for m in z["by_method"]) == 50000 + 13250
    assert sum(c["net"] for c in z["by_cooperative"]) == z["net_total"]
    assert sum(v["gross"] for v in z["by_vat"]) == z["net_total"]
    code, text, _ = cli("shift", "z")
    assert code == 0 and "Z report no. 1" in text and "Cash difference" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("sale", "--item", "NOPE", "--pay", "cash:10"), "Unknown barcode “NOPE”"),
        (("sale", "--item", "SAF-1G", "--pay", "cash:1"), "44.00 MAD is still to pay"),
        (("sale", "--item", "SAF-1G", "--pay", "card:100"), "Only cash can give change"),
        (("sale", "--item", "CSC-VRAC", "--pay", "cash:100"), "sold by weight"),
        (("sale", "--item", "SAF-1G:1.5", "--pay", "cash:100"), "whole number"),
        (("sale", "--item", "SAF-1G", "--pay", "bitcoin:45"), "Unknown payment method"),
        (("refund", "T01-000001", "--pin", "1111"), "manager's PIN"),
        (("refund", "T01-000001", "--pin", "999999"), "Wrong PIN"),
        (("refund", "T09-000001", "--pin", "250917"), "No receipt numbered"),
        (("stock", "adjust", "SAF-1G", "-1", "--pin", "1111"), "manager's PIN"),
        (("report", "sales", "--from", "yesterday"), "is not a date"),
    ],
)
def test_user_errors_print_one_line_and_change_nothing(cli, demo_path, args, message):
    cli("shift", "open", "--float", "100")
    before = (rows(demo_path, Sale), rows(demo_path, StockMovement), rows(demo_path, OutboxEvent))
    code, _out, err = cli(*args)
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    after = (rows(demo_path, Sale), rows(demo_path, StockMovement), rows(demo_path, OutboxEvent))
    assert after == before


def test_selling_without_an_open_shift_is_refused(cli):
    code, _, err = cli("sale", "--item", "SAF-1G", "--pay", "cash:exact", "--seller", "Fatima")
    assert code == 1 and "No shift is open" in err


def test_usage_error_is_one_line(cli):
    with pytest.raises(SystemExit) as info:
        cli("sale", "--pay", "cash:1")
    assert info.value.code == 2


def test_commands_on_a_missing_database_say_what_to_do(tmp_path, capsys):
    code = main(["--db", str(tmp_path / "none.db"), "stock", "show"])
    assert code == 1
    assert "coopos init" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()


def test_init_prints_pins_once_and_refuses_twice(tmp_path, capsys):
    db = str(tmp_path / "new.db")
    assert main(["--db", db, "init", "--admin-pin", "730518", "--shop-name", "Tamount"]) == 0
    assert "730518" in capsys.readouterr().out
    assert main(["--db", db, "init"]) == 1
    assert "already set up" in capsys.readouterr().err


def test_demo_flag_is_safe_to_repeat(tmp_path, capsys):
    db = str(tmp_path / "d.db")
    assert main(["--db", db, "--demo"]) == 0
    assert "1111" in capsys.readouterr().out
    assert main(["--db", db, "--demo"]) == 0
    assert "1111" not in capsys.readouterr().out


def test_stock_commands(cli):
    assert cli("stock", "receive", "--item", "SAF-1G:10", "--reference", "BL-7")[0] == 0
    assert (
        cli("stock", "transfer", "--item", "SAF-1G:4", "--from", "SHOP", "--to", "SIAM-STAND")[0]
        == 0
    )
    code, out, _ = cli("stock", "show", "--location", "*", "--sku", "SAF-1G", "--format", "json")
    assert code == 0
    on_hand = {r["location"]: r["quantity"] for r in json.loads(out)["rows"]}
    assert on_hand["SIAM-STAND"] == "4"
    shop = int(on_hand["SHOP"])
    code, out, _ = cli(
        "stock", "count", "--item", "SAF-1G:1", "--location", "SIAM-STAND", "--pin", "250917"
    )
    assert code == 0 and "expected 4, counted 1" in out
    assert cli("stock", "adjust", "SAF-1G", "-2", "--reason", "damaged", "--pin", "250917")[0] == 0
    code, out, _ = cli("stock", "show", "--sku", "SAF-1G", "--format", "csv")
    assert out.splitlines()[1].split(",")[5] == str(shop - 2)


def test_catalog_and_report_commands(cli, tmp_path):
    export = tmp_path / "cat.csv"
    assert cli("catalog", "export", str(export))[0] == 0
    code, out, _ = cli("catalog", "import", str(export), "--dry-run")
    assert code == 0 and "80 unchanged" in out
    code, out, _ = cli("catalog", "search", "safran", "--format", "json")
    assert code == 0 and json.loads(out)["rows"][0]["sku"].startswith("SAF")
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,name_fr,cooperative,price,vat_rate\nA,,C,1,20\nB,Thé,C,x,20\n")
    code, _, err = cli("catalog", "import", str(bad))
    assert code == 1
    assert "line 2:" in err and "line 3:" in err
    cli("shift", "open", "--float", "0")
    cli("sale", "--item", "SAF-1G", "--pay", "cash:exact", "--seller", "Fatima")
    for by in ("day", "hour", "product", "cooperative", "payment"):
        code, out, _ = cli("report", "sales", "--by", by, "--format", "csv")
        assert code == 0 and "45.00" in out


def test_backup_restore_and_audit(cli, demo_path, tmp_path):
    code, out, _ = cli("backup", str(tmp_path / "copy.db"))
    assert code == 0 and (tmp_path / "copy.db").exists()
    cli("shift", "open", "--float", "0")
    cli("sale", "--item", "SAF-1G", "--pay", "cash:exact", "--seller", "Fatima")
    assert rows(demo_path, Sale) == 1
    code, out, _ = cli("restore", str(tmp_path / "copy.db"))
    assert code == 0 and "kept in" in out
    assert rows(demo_path, Sale) == 0
    code, out, _ = cli("audit", "verify")
    assert code == 0 and "intact" in out
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    code, _, err = cli("restore", str(junk))
    assert code == 1 and "not a coopos database" in err


def test_locations(cli):
    code, out, _ = cli(
        "location",
        "add",
        "moussem",
        "--kind",
        "stand",
        "--name",
        "Stand",
        "--fair",
        "Moussem des roses",
        "--city",
        "Kelaat M'Gouna",
        "--from",
        "2027-05-01",
        "--to",
        "2027-05-03",
    )
    assert code == 0 and "MOUSSEM" in out
    assert cli("location", "add", "MOUSSEM", "--kind", "stand", "--name", "x")[0] == 1
    assert cli("location", "add", "W2", "--kind", "warehouse", "--name", "x", "--fair", "y")[0] == 1
    code, out, _ = cli("location", "list")
    assert "Moussem des roses (Kelaat M'Gouna)" in out and "SIAM-STAND" in out
    assert cli("stock", "receive", "--item", "SAF-1G:3", "--location", "moussem")[0] == 0


def test_no_screen_is_one_clear_sentence(tmp_path, capsys, monkeypatch):
    from ui import launcher

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(launcher.sys, "platform", "linux")
    assert launcher.main(["--db", str(tmp_path / "x.db")]) == 1
    err = capsys.readouterr().err
    assert "No screen was found" in err and len(err.strip().splitlines()) == 1


def test_opening_the_drawer_without_a_sale_needs_a_manager_and_is_audited(cli, demo_path, tmp_path):
    from coopos.db.models import AuditEntry

    code, _out, err = cli("shift", "drawer", "--reason", "change", "--pin", "1111")
    assert code == 1 and "manager's PIN" in err
    job = tmp_path / "printer.bin"
    assert cli("shift", "drawer", "--reason", "", "--pin", "250917")[0] == 1  # a reason is due
    ctx = Context.open(demo_path)
    from coopos.services import settings

    settings.update(ctx, {"printer.uri": f"file:{job}"})
    ctx.close()
    code, out, _err = cli("shift", "drawer", "--reason", "change for the stand", "--pin", "250917")
    assert code == 0 and "Drawer opened" in out
    assert job.read_bytes() == b"\x1b@\x1bp\x00\x19\xfa"  # ESC @, then ESC p on pin 2
    ctx = Context.open(demo_path)
    with ctx.read() as s:
        entries = s.execute(select(AuditEntry).where(AuditEntry.action == "drawer_opened"))
        [entry] = entries.scalars().all()
    ctx.close()
    assert "change for the stand" in entry.details


def test_codes_pins_and_amounts_typed_on_azerty_or_in_arabic_digits(cli):
    """What a scanner set for a US keyboard types on AZERTY (``-&&&à'éàà&à&è`` for
    6111042001017), Arabic-Indic digits, a PIN on the AZERTY digit row: read as meant."""
    assert cli("shift", "open", "--float", "٥٠٠", "--user", "Fatima")[0] == 0
    code, out, err = cli(
        "sale",
        "--item=-&&&à'éàà&à&è:é",  # two of 6111042001017, both typed on AZERTY
        "--item",
        "QRG)OIL)é(à",  # ARG-OIL-250
        "--discount",
        "éà",  # 20.00: above the sellers' limit
        "--pin",
        'é"é"',  # 2323: nobody's PIN
        "--pay",
        "cash:٣٠٠",
    )
    assert code == 1 and "PIN" in err  # a wrong PIN stays wrong, whatever the layout
    code, out, err = cli(
        "sale",
        "--item=-&&&à'éàà&à&è:é",
        "--item",
        "QRG)OIL)é(à",
        "--discount",
        "éà",
        "--pin",
        "é(àç&è",  # 250917, the manager's, on the AZERTY digit row
        "--pay",
        "cash:٣٠٠",
    )
    assert code == 0, err
    assert "Total 220.00 MAD, paid 300.00, change 80.00." in out
    receipt = "Tà&)ààààà&"  # T01-000001 from a scanner set for a US keyboard, on AZERTY
    code, out, err = cli("refund", receipt, "--item", "ARG-OIL-250:&", "--pin", "''''")
    assert code == 1 and "PIN" in err  # 4444 is nobody's
    code, out, err = cli("refund", receipt, "--item", "ARG-OIL-250:&", "--pin", "é(àç&è")
    assert code == 0 and out.startswith("T01-000002"), err
    code, _out, err = cli("sale", "--item=-&&&ççççççççè", "--pay", "cash:exact")
    assert code == 1 and "keyboard layout" in err


def test_a_discount_on_the_whole_sale_typed_as_a_percentage(cli):
    assert cli("shift", "open", "--float", "500", "--user", "Fatima")[0] == 0
    # 2 x 60.00; 5 % is the sellers' limit: no PIN asked
    code, out, err = cli(
        "sale", "--item", "6111042001017:2", "--discount", "5%", "--pay", "cash:exact"
    )
    assert code == 0, err
    assert "Total 114.00 MAD" in out
    code, out, err = cli(
        "sale",
        "--item",
        "6111042001017:2",
        "--discount",
        "٢٥٪",
        "--pin",
        "250917",
        "--pay",
        "cash:100",
    )
    assert code == 0, err
    assert "Total 90.00 MAD, paid 100.00, change 10.00." in out
