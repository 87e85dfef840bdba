"""Product edits through the API, with optimistic versions (``StaleVersion``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from coopos.domain.catalog import Unit
from coopos.domain.errors import NotFoundError, ValidationError
from coopos.i18n import _
from coopos.protocol import text as text_rules
from coopos.server import sync
from coopos.server.admin.common import (
    StaleVersion,
)
from coopos.server.db import Database
from coopos.server.models import (
    Category,
    Cooperative,
    Product,
    ProductBarcode,
)

# -- product edits (API) -------------------------------------------------------------------------


def get_product(db: Database, sku: str) -> dict[str, Any]:
    with db.read() as s:
        return sync.product_data(_product(s, sku))


def _product(s: Session, sku: str) -> Product:
    product = s.execute(
        select(Product)
        .where(Product.sku == sku)
        .options(
            selectinload(Product.barcodes),
            selectinload(Product.cooperative),
            selectinload(Product.category),
        )
    ).scalar_one_or_none()
    if product is None:
        raise NotFoundError(_("Unknown product {sku}.", sku=sku))
    return product


def update_product(db: Database, sku: str, version: int, changes: dict[str, Any]) -> dict:
    """Edit a product as of ``version``; a stale version raises ``StaleVersion``."""
    try:
        sync.check_text(changes)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    for key in ("name_ar", "name_fr", "name_en", "name_zgh"):
        if isinstance(changes.get(key), str):
            text_rules.check_name(changes[key], _("The name"))
    for key, label in (("cooperative", _("The cooperative")), ("category", _("The category"))):
        if isinstance(changes.get(key), str):
            text_rules.check_code(changes[key], label)

    def work(log: sync.ChangeLog) -> dict[str, Any]:
        with log.session.no_autoflush:  # one UPDATE at the end: the version moves by one
            return _edit_product(log, sku, version, changes)

    return sync.catalog_write(db, work)


def _edit_product(
    log: sync.ChangeLog, sku: str, version: int, changes: dict[str, Any]
) -> dict[str, Any]:
    s = log.session
    product = _product(s, sku)
    if product.version != version:
        raise StaleVersion(product.version)
    changed = False
    for key in ("name_ar", "name_fr", "name_en", "name_zgh", "price_cents", "vat_rate"):
        if key in changes and getattr(product, key) != changes[key]:
            setattr(product, key, changes[key])
            changed = True
    if changes.get("unit") is not None and changes["unit"] != product.unit:
        product.unit = changes["unit"]
        product.sold_by_weight = Unit(changes["unit"]).weighed
        changed = True
    if changes.get("active") is not None and changes["active"] != product.active:
        product.active = changes["active"]
        changed = True
    if changes.get("cooperative") is not None:
        coop = s.execute(
            select(Cooperative).where(Cooperative.code == changes["cooperative"].upper())
        ).scalar_one_or_none()
        if coop is None:
            raise ValidationError(_("Unknown cooperative {code}.", code=changes["cooperative"]))
        if coop is not product.cooperative:
            product.cooperative, changed = coop, True
    if changes.get("category") is not None:
        category = None
        if changes["category"]:
            category = s.execute(
                select(Category).where(Category.code == changes["category"])
            ).scalar_one_or_none()
            if category is None:
                raise ValidationError(_("Unknown category {code}.", code=changes["category"]))
        if category is not product.category:
            product.category, changed = category, True
    if changes.get("barcodes") is not None:
        wanted = sorted(set(changes["barcodes"]))
        if wanted != sorted(b.barcode for b in product.barcodes):
            owner = s.execute(
                select(ProductBarcode.barcode, Product.sku)
                .join(Product)
                .where(ProductBarcode.barcode.in_(wanted), Product.id != product.id)
            ).first()
            if owner is not None:
                raise ValidationError(
                    _(
                        "barcode {barcode} already belongs to {sku}",
                        barcode=owner[0],
                        sku=owner[1],
                    )
                )
            kept = {b.barcode: b for b in product.barcodes}
            product.barcodes = [kept.get(b) or ProductBarcode(barcode=b) for b in wanted]
            changed = True
    if changed:
        product.updated_utc = log.now  # bumps the version, even for barcodes alone
        log.touch(product)
        try:
            s.flush()
        except StaleDataError:
            # committed by another editor between our read and our write
            raise StaleVersion(version + 1) from None
    return sync.product_data(product)
