"""Back-office editing: stale edits are refused, events fire only after commit."""

from __future__ import annotations

import pytest

from coopos.domain.errors import StateError, ValidationError
from coopos.services import lookups, products, settings
from coopos.services import users as user_service
from coopos.services.products import CooperativeFields


def fields_of(product) -> dict[str, str]:
    return {
        "sku": product.sku,
        "barcode": "|".join(b.barcode for b in product.barcodes),
        "name_ar": product.name_ar or "",
        "name_fr": product.name_fr or "",
        "cooperative": product.cooperative.code,
        "category": product.category.code if product.category else "",
        "unit": product.unit,
        "price": "61,50",
        "vat_rate": str(product.vat_rate),
    }


def test_a_stale_product_edit_is_refused_not_overwritten(demo, users):
    with demo.read() as s:
        product = lookups.product(s, "ARG-OIL-100")
        data, version = fields_of(product), product.version
    seen = []
    demo.events.subscribe(lambda name, payload: seen.append(name))
    saved = products.save_product(demo, data, product.id, version, users["Admin"].id)
    assert saved.price_cents == 6150 and saved.version == version + 1
    assert seen == ["catalog.changed"]
    data["price"] = "70"
    with pytest.raises(StateError, match="changed by someone else"):
        products.save_product(demo, data, product.id, version, users["Admin"].id)
    with demo.read() as s:
        assert lookups.product(s, "ARG-OIL-100").price_cents == 6150
    assert seen == ["catalog.changed"]  # nothing announced for the refused edit


def test_new_product_with_a_taken_barcode_is_refused(demo):
    with pytest.raises(ValidationError, match="already belongs to ARG-OIL-100"):
        products.save_product(
            demo,
            {
                "sku": "NEW",
                "barcode": "6111042001017",
                "name_fr": "Nouveau",
                "cooperative": "TIFAW",
                "price": "10",
                "vat_rate": "20",
            },
        )


def test_archived_products_are_not_sold_but_keep_history(demo, users, open_shift):
    from coopos.services.checkout import Checkout

    with demo.read() as s:
        pid = lookups.product(s, "SAF-1G").id
    products.set_product_active(demo, pid, False, users["Admin"].id)
    with pytest.raises(ValidationError, match="archived"):
        Checkout(demo, users["Fatima"]).scan("SAF-1G")
    with demo.read() as s:
        assert all(p.sku != "SAF-1G" for p in products.list_products(s))
        assert any(p.sku == "SAF-1G" for p in products.list_products(s, include_archived=True))


def test_cooperative_edit_is_versioned_and_searchable(demo, users):
    with demo.read() as s:
        coop = lookups.cooperative(s, "TIFAW")
    fields = CooperativeFields(
        code="TIFAW", name_fr="Tifawin Argan", name_ar=coop.name_ar, commission="17,5"
    )
    saved = products.save_cooperative(demo, fields, coop.id, coop.version, users["Admin"].id)
    assert saved.commission_bp == 1750
    with pytest.raises(StateError):
        products.save_cooperative(demo, fields, coop.id, coop.version, users["Admin"].id)
    with pytest.raises(ValidationError, match="ICE"):
        products.save_cooperative(demo, CooperativeFields(code="X", name_fr="X", ice="12"))
    from coopos.services.catalog import search

    with demo.read() as s:
        assert any(h.product.sku == "ARG-OIL-100" for h in search(s, "tifawin argan"))


def test_settings_and_users(demo, users):
    settings.update(demo, {"shop.name": "Tamount", "idle_lock_minutes": "3"}, 1)
    with demo.read() as s:
        assert settings.get(s, "shop.name") == "Tamount"
        assert settings.get(s, "idle_lock_minutes") == 3
    with pytest.raises(ValidationError):
        settings.update(demo, {"device.prefix": "T99"})
    with pytest.raises(ValidationError, match="last admin"):
        user_service.set_active(demo, users["Admin"].id, False, users["Admin"].id)
