"""Catalog import: validate everything first, import nothing on any bad row."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from coopos.db.models import Cooperative, OutboxEvent, Product, StockMovement
from coopos.services import catalog, inventory, lookups
from coopos.services.catalog import CatalogImportError

HEADER = (
    "sku,barcode,name_ar,name_fr,name_en,name_zgh,cooperative,category,unit,price,vat_rate,stock"
)


def write(tmp_path, text: str, name: str = "catalog.csv", encoding: str = "utf-8") -> object:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def count(ctx, model) -> int:
    with ctx.read() as s:
        return s.execute(select(func.count()).select_from(model)).scalar()


def test_malformed_file_imports_nothing_and_names_every_bad_line(ctx, tmp_path):
    path = write(
        tmp_path,
        "\n".join(
            [
                HEADER,
                "A1,6111111111116,زيت,Huile,,,COOPA,oil,piece,45.50,20,10",
                "A2,,,,,,COOPA,oil,piece,10,20,",  # line 3: no name
                "A3,,,Savon,,,COOPA,soap,piece,abc,20,",  # line 4: bad price
                "A4,,,Miel,,,COOPA,honey,piece,90,5,",  # line 5: bad VAT
                "A1,,,Doublon,,,COOPA,oil,piece,1,0,",  # line 6: duplicate sku
                "A6,,,Dattes,,,COOPA,dates,bag,1,0,",  # line 7: bad unit
                "A7,,,Thé,,,,food,piece,1,0,",  # line 8: no cooperative
                "A8,,,Pièce,,,COOPA,food,piece,1,0,1.5",  # line 9: fractional pieces
            ]
        ),
    )
    with pytest.raises(CatalogImportError) as info:
        catalog.import_catalog(ctx, path)
    lines = [e.line for e in info.value.errors]
    assert lines == [3, 4, 5, 6, 7, 8, 9]
    messages = [str(e) for e in info.value.errors]
    assert messages[0].startswith("line 3:") and "no name" in messages[0]
    assert "VAT rate 5" in messages[2]
    assert "already on line 2" in messages[3]
    assert count(ctx, Product) == 0
    assert count(ctx, Cooperative) == 0
    assert count(ctx, StockMovement) == 0


def test_excel_french_csv_with_bom_semicolons_and_arabic_digits(ctx, tmp_path):
    text = "\n".join(
        [
            HEADER.replace(",", ";"),
            "ARG-250;6111042001024|6111042001031;زيت أركان;Huile d’argan 250 ml;;;"
            "Coopérative Tifawin;Huiles;piece;45,50;20;12",
            "DAT-KG;;تمر;Dattes Mejhoul;;;TIFAW;dates;kg;٤٥٫٥٠;0;3,250",
        ]
    )
    path = write(tmp_path, "\ufeff" + text)
    summary = catalog.import_catalog(ctx, path)
    assert (summary.created, summary.updated, summary.stock_lines) == (2, 0, 2)
    assert len(summary.new_cooperatives) == 2  # a name and a code, both unknown
    with ctx.read() as s:
        argan = lookups.product(s, "6111042001031")
        dates = lookups.product(s, "DAT-KG")
        assert argan.sku == "ARG-250" and argan.price_cents == 4550
        assert dates.price_cents == 4550 and dates.sold_by_weight
        shop = lookups.location(s).id
        assert inventory.on_hand(s, dates.id, shop) == Decimal("3.250")
        assert inventory.on_hand(s, argan.id, shop) == Decimal(12)
        # the stock received is on its way to the server
        kinds = s.execute(select(OutboxEvent.kind)).scalars().all()
        assert kinds == ["stock.movements"]


def test_reimport_updates_by_sku_and_bumps_version(ctx, tmp_path):
    first = write(tmp_path, f"{HEADER}\nX1,111,,Miel,,,COOP,honey,piece,90,10,\n", "a.csv")
    catalog.import_catalog(ctx, first)
    second = write(tmp_path, f"{HEADER}\nX1,222,,Miel de thym,,,COOP,honey,piece,95,10,\n", "b.csv")
    summary = catalog.import_catalog(ctx, second)
    assert (summary.created, summary.updated) == (0, 1)
    with ctx.read() as s:
        product = lookups.product(s, "X1")
        assert product.name_fr == "Miel de thym" and product.price_cents == 9500
        assert product.version == 2
        assert [b.barcode for b in product.barcodes] == ["222"]
        assert lookups.product_by_code(s, "111") is None
    again = catalog.import_catalog(ctx, second)
    assert (again.updated, again.unchanged) == (0, 1)


def test_dry_run_changes_nothing(ctx, tmp_path):
    path = write(tmp_path, f"{HEADER}\nX1,111,,Miel,,,COOP,honey,piece,90,10,5\n")
    summary = catalog.import_catalog(ctx, path, dry_run=True)
    assert summary.created == 1
    assert count(ctx, Product) == 0 and count(ctx, StockMovement) == 0


def test_barcode_owned_by_another_product_is_refused(ctx, tmp_path):
    catalog.import_catalog(
        ctx, write(tmp_path, f"{HEADER}\nX1,111,,Miel,,,C,,piece,9,10,\n", "a.csv")
    )
    with pytest.raises(CatalogImportError) as info:
        catalog.import_catalog(
            ctx, write(tmp_path, f"{HEADER}\nX2,111,,Savon,,,C,,piece,9,10,\n", "b.csv")
        )
    assert "111 already belongs to X1" in str(info.value.errors[0])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_round_trips(demo, tmp_path, suffix):
    path = tmp_path / f"export{suffix}"
    n = catalog.export_catalog(demo, path)
    assert n == 80
    summary = catalog.import_catalog(demo, path)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 80)
    assert summary.stock_lines == 0  # an export never receives the same goods twice


def test_missing_columns_and_non_utf8_are_one_clear_error(ctx, tmp_path):
    from coopos.domain.errors import ValidationError

    with pytest.raises(ValidationError, match="lacks the column"):
        catalog.import_catalog(ctx, write(tmp_path, "sku,name_fr\nA,B\n"))
    with pytest.raises(ValidationError, match="not UTF-8"):
        catalog.import_catalog(
            ctx, write(tmp_path, f"{HEADER}\nA,,,Thé,,,C,,piece,1,0,\n", encoding="cp1252")
        )


def test_search_finds_arabic_and_french_as_typed(demo):
    with demo.read() as s:
        arabic = [h.product.sku for h in catalog.search(s, "زيت اركان")]
        french = [h.product.sku for h in catalog.search(s, "Huile d'argan")]
        by_barcode = catalog.search(s, "6111042001031")
    assert "ARG-OIL-250" in arabic  # stored as زَيْتُ أَرْكَان with harakat
    assert "ARG-OIL-250" in french  # stored with a typographic apostrophe
    assert by_barcode[0].product.sku == "ARG-OIL-250" and by_barcode[0].rank == 0


def test_two_products_swap_their_barcodes_in_one_import(ctx, tmp_path):
    """The import gave a barcode before the product that held it gave it up: it failed
    on the unique barcode (an IntegrityError, not even a sentence)."""
    head = "sku,barcode,name_fr,cooperative,unit,price,vat_rate\n"
    first = tmp_path / "first.csv"
    first.write_text(head + "A,111|112,A,TIFAW,piece,6,10\nB,222,B,TIFAW,piece,6,10\n")
    catalog.import_catalog(ctx, first)
    swapped = tmp_path / "swapped.csv"
    swapped.write_text(head + "A,222,A,TIFAW,piece,6,10\nB,111|112,B,TIFAW,piece,6,10\n")
    assert catalog.import_catalog(ctx, swapped).updated == 2
    with ctx.read() as s:
        assert lookups.product(s, "222").sku == "A"
        assert [lookups.product(s, code).sku for code in ("111", "112")] == ["B", "B"]
        assert {hit.product.sku for hit in catalog.search(s, "111")} == {"B"}
