"""The till refuses at the source what the server would quarantine (issue 13, item 2): a NUL
or another control character in a name, an invisible direction character in a code,
from the one set of rules in ``coopos.protocol.text`` — in a catalog file, the product and
cooperative forms, places and fairs, and every note, reason and reference that travels in
an outbox event.  Nothing is half-written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coopos.db.models import Cooperative, OutboxEvent, Product
from coopos.domain.errors import ValidationError
from coopos.domain.sale import PaymentMethod
from coopos.i18n import set_language
from coopos.services import (
    catalog,
    consignment,
    inventory,
    locations,
    products,
    refunds,
    shifts,
)
from coopos.services.catalog import CatalogImportError
from coopos.services.checkout import Approver, Checkout
from coopos.services.products import CooperativeFields

HEADER = "sku,barcode,name_fr,cooperative,category,unit,price,vat_rate"


def count(ctx, model) -> int:
    with ctx.read() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def outbox(ctx) -> int:
    return count(ctx, OutboxEvent)


def test_a_catalog_file_with_a_nul_or_a_direction_character_imports_nothing(ctx, tmp_path):
    path = tmp_path / "catalog.csv"
    rows = [
        HEADER,
        "A1,6111111111116,Huile,COOPA,oil,piece,45.50,20",
        "A2,,Huile d'argan\x00 100 ml,COOPA,oil,piece,10,20",  # line 3: NUL in a name
        "A3\x00,,Savon,COOPA,soap,piece,10,20",  # line 4: NUL in a SKU
        "A4\u202e,,Miel,COOPA,honey,piece,90,10",  # line 5: right-to-left override
        "A5,6111\u2066042,Dattes,COOPA,dates,piece,1,0",  # line 6: isolate in a barcode
        "A6,,Thé,COOP\u200bA,food,piece,1,0",  # line 7: zero-width space in a code
        "A7,,Thé\u0085vert,COOPA,food,piece,1,0",  # line 8: a C1 control (NEL)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(CatalogImportError) as info:
        catalog.import_catalog(ctx, path)
    errors = {e.line: e.message for e in info.value.errors}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8]
    assert "U+0000" in errors[3] and "name" in errors[3]
    assert "U+0000" in errors[4] and "SKU" in errors[4]
    assert "U+202E" in errors[5] and "direction" in errors[5]
    assert "U+2066" in errors[6] and "barcode" in errors[6]
    assert "U+200B" in errors[7] and "invisible" in errors[7]
    assert "U+0085" in errors[8]
    assert count(ctx, Product) == 0 and count(ctx, Cooperative) == 0


def test_the_message_is_in_the_users_language(ctx, tmp_path):
    set_language("fr")
    path = tmp_path / "catalog.csv"
    path.write_text(HEADER + "\nA1,,Huile\x00,COOPA,oil,piece,1,0\n", encoding="utf-8")
    with pytest.raises(CatalogImportError) as info:
        catalog.import_catalog(ctx, path)
    assert "caractère de contrôle" in info.value.errors[0].message
    set_language("ar")
    with pytest.raises(CatalogImportError) as info:
        catalog.import_catalog(ctx, path)
    assert "U+0000" in info.value.errors[0].message and "ا" in info.value.errors[0].message


def test_forms_refuse_what_the_server_would(demo, users):
    admin = users["Admin"].id
    before = outbox(demo)
    with pytest.raises(ValidationError, match="U\\+0000"):
        products.save_product(
            demo,
            {
                "sku": "NEW-1",
                "name_fr": "Amlou\x00",
                "cooperative": "TIFAW",
                "price": "1",
                "vat_rate": "10",
            },
        )
    with pytest.raises(ValidationError, match="U\\+202E"):
        products.save_cooperative(demo, CooperativeFields(code="AM\u202eAL", name_fr="Amal"))
    with pytest.raises(ValidationError, match="U\\+0000"):
        products.save_cooperative(demo, CooperativeFields(code="AMAL", name_fr="Amal\x00"))
    with pytest.raises(ValidationError, match="U\\+0007"):
        locations.add_location(demo, "CAR", "stand", "Car\x07", admin)
    with pytest.raises(ValidationError, match="U\\+2067"):
        consignment.create_fair(demo, "SIAM", "SIAM", stand="STAND\u2067X")
    assert outbox(demo) == before


def test_notes_reasons_and_references_refuse_control_characters(demo, users, open_shift):
    fatima, youssef = users["Fatima"], users["Youssef"]
    before = outbox(demo)
    with pytest.raises(ValidationError, match="U\\+0000"):
        shifts.cash_movement(demo, fatima.id, -500, "bank\x00")
    with pytest.raises(ValidationError, match="U\\+001B"):
        inventory.receive(demo, [("ARG-OIL-100", "1")], youssef.id, reference="BL\x1b[2J")
    with pytest.raises(ValidationError, match="U\\+0000"):
        inventory.transfer(demo, [("ARG-OIL-100", "1")], youssef.id, "SHOP", "WH", "TR\x00")
    with pytest.raises(ValidationError, match="U\\+2028"):
        consignment.add_payout(demo, "TIFAW", 100, "transfer", "VIR\u20281")
    checkout = Checkout(demo, fatima)
    checkout.scan("ARG-OIL-100", "1")
    checkout.start_payment()
    with pytest.raises(ValidationError, match="U\\+0000"):
        checkout.add_payment(PaymentMethod.CARD, checkout.totals.total, reference="\x00")
    checkout.pay_exact()
    sale = checkout.complete()  # the sale itself goes through
    with pytest.raises(ValidationError, match="U\\+0000"):
        refunds.refund(demo, sale.receipt_no, Approver.of(youssef), reason="broken\x00")
    # a note may span lines: tab and line breaks are text, not control
    shifts.cash_movement(demo, fatima.id, -500, "bank\nenvelope 12\t(Youssef)")
    assert outbox(demo) == before + 2  # the sale and the last cash movement only
