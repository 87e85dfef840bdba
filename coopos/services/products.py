"""Editing the catalog from the back office: products and cooperatives.

Edits carry the version the user started from; if someone else saved meanwhile the edit
is refused with a clear message instead of silently overwriting (stale edit).  Product
fields are validated by the same rules as a catalog file row.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from coopos.catalog_file import parse_row
from coopos.db.models import Category, Cooperative, Product, ProductBarcode
from coopos.domain import events
from coopos.domain.catalog import parse_rate_bp
from coopos.domain.errors import NotFoundError, StateError, ValidationError
from coopos.domain.money import format_amount
from coopos.i18n import _
from coopos.protocol import text as text_rules
from coopos.services import lookups
from coopos.services.catalog import reindex, search
from coopos.services.context import Context

STALE = "This record was changed by someone else meanwhile: reload it and try again."


def _check_version(current: int, expected: int | None) -> None:
    if expected is not None and current != expected:
        raise StateError(_(STALE))


def save_product(
    ctx: Context,
    fields: dict[str, str],
    product_id: int | None = None,
    expected_version: int | None = None,
    user_id: int | None = None,
) -> Product:
    """Create or update a product from text fields named like the catalog columns
    (sku, barcode, name_ar... cooperative (code), category (code), unit, price, vat_rate)."""
    row = parse_row(0, fields)
    with ctx.write() as uow:
        s = uow.session
        coop = lookups.cooperative(s, row.cooperative)
        category = None
        if row.category:
            category = s.execute(
                select(Category).where(func.lower(Category.code) == row.category.lower())
            ).scalar()
            if category is None:
                raise NotFoundError(_("Unknown category “{name}”.", name=row.category))
        clash = s.execute(select(Product.id).where(Product.sku == row.sku)).scalar()
        if clash is not None and clash != product_id:
            raise ValidationError(_("Another product already has the SKU {sku}.", sku=row.sku))
        for code in row.barcodes:
            owner = s.execute(
                select(Product.sku).join(ProductBarcode).where(ProductBarcode.barcode == code)
            ).first()
            if owner and owner[0] != row.sku:
                raise ValidationError(
                    _("Barcode {barcode} already belongs to {sku}.", barcode=code, sku=owner[0])
                )
        if product_id is None:
            product = Product(sku=row.sku)
            s.add(product)
            old_price = None
        else:
            product = s.get(Product, product_id, options=[selectinload(Product.barcodes)])
            if product is None:
                raise NotFoundError(_("This product no longer exists."))
            _check_version(product.version, expected_version)
            old_price = product.price_cents
        product.sku = row.sku
        product.name_ar = row.names.get("ar")
        product.name_fr = row.names.get("fr")
        product.name_en = row.names.get("en")
        product.name_zgh = row.names.get("zgh")
        product.cooperative = coop
        product.category = category
        product.unit = row.unit.value
        product.sold_by_weight = row.unit.weighed
        product.price_cents = row.price
        product.vat_rate = row.vat_rate
        product.updated_utc = uow.stamp.utc
        if sorted(b.barcode for b in product.barcodes) != sorted(row.barcodes):
            product.barcodes = [ProductBarcode(barcode=b) for b in row.barcodes]
        s.flush()
        reindex(s, [product])
        if old_price is not None and old_price != row.price:
            uow.audit(
                "price_changed",
                user_id,
                sku=row.sku,
                old=format_amount(old_price),
                new=format_amount(row.price),
            )
        uow.audit("product_saved", user_id, sku=row.sku, created=product_id is None)
        uow.publish(events.CATALOG_CHANGED, product_id=product.id)
        return product


def set_product_active(ctx: Context, product_id: int, active: bool, user_id: int | None) -> None:
    """Archive (or bring back) a product: archived ones are not sold, their history stays."""
    with ctx.write() as uow:
        product = uow.session.get(Product, product_id)
        if product is None:
            raise NotFoundError(_("This product no longer exists."))
        product.active = active
        uow.audit(
            "product_archived" if not active else "product_restored", user_id, sku=product.sku
        )
        uow.publish(events.CATALOG_CHANGED, product_id=product_id)


def list_products(
    session: Session,
    text: str = "",
    cooperative_id: int | None = None,
    category_id: int | None = None,
    include_archived: bool = False,
    limit: int | None = None,
) -> list[Product]:
    stmt = (
        select(Product)
        .options(
            selectinload(Product.barcodes),
            selectinload(Product.cooperative),
            selectinload(Product.category),
        )
        .order_by(Product.sku)
    )
    if not include_archived:
        stmt = stmt.where(Product.active)
    if cooperative_id:
        stmt = stmt.where(Product.cooperative_id == cooperative_id)
    if category_id:
        stmt = stmt.where(Product.category_id == category_id)
    if text.strip():
        ids = [
            h.product.id
            for h in search(session, text, limit=500, include_inactive=include_archived)
        ]
        stmt = stmt.where(Product.id.in_(ids))
    if limit:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt).scalars())


# -- cooperatives ------------------------------------------------------------------------------


@dataclass
class CooperativeFields:
    code: str
    name_ar: str = ""
    name_fr: str = ""
    name_en: str = ""
    name_zgh: str = ""
    odco_number: str = ""
    ice: str = ""
    phone: str = ""
    city: str = ""
    commission: str = "0"  # percent, as typed
    active: bool = True


def save_cooperative(
    ctx: Context,
    fields: CooperativeFields,
    coop_id: int | None = None,
    expected_version: int | None = None,
    user_id: int | None = None,
) -> Cooperative:
    code = text_rules.check_code(fields.code.strip().upper(), _("The cooperative code"))
    if not code or len(code) > 16 or not code.replace("-", "").replace("_", "").isalnum():
        raise ValidationError(_("A cooperative code is 1 to 16 letters or digits."))
    for lang in ("ar", "fr", "en", "zgh"):
        text_rules.check_name(getattr(fields, f"name_{lang}"), _("The name"))
    for value in (fields.odco_number, fields.ice, fields.phone, fields.city):
        text_rules.check_name(value, _("A detail of the cooperative"))
    if not (fields.name_ar.strip() or fields.name_fr.strip()):
        raise ValidationError(_("A cooperative needs a name in Arabic or French."))
    ice = fields.ice.strip()
    if ice and not (ice.isdigit() and len(ice) == 15):
        raise ValidationError(_("An ICE is 15 digits."))
    commission = parse_rate_bp(fields.commission or "0")
    with ctx.write() as uow:
        s = uow.session
        clash = s.execute(
            select(Cooperative.id).where(func.upper(Cooperative.code) == code)
        ).scalar()
        if clash is not None and clash != coop_id:
            raise ValidationError(_("Another cooperative already has the code {code}.", code=code))
        if coop_id is None:
            coop = Cooperative(code=code)
            s.add(coop)
            old_commission = None
        else:
            coop = s.get(Cooperative, coop_id)
            if coop is None:
                raise NotFoundError(_("This cooperative no longer exists."))
            _check_version(coop.version, expected_version)
            old_commission = coop.commission_bp
        coop.code = code
        for lang in ("ar", "fr", "en", "zgh"):
            setattr(coop, f"name_{lang}", getattr(fields, f"name_{lang}").strip() or None)
        coop.odco_number = fields.odco_number.strip()
        coop.ice = ice
        coop.phone = fields.phone.strip()
        coop.city = fields.city.strip()
        coop.commission_bp = commission
        coop.active = fields.active
        s.flush()
        if old_commission is not None and old_commission != commission:
            uow.audit(
                "commission_changed", user_id, cooperative=code, old=old_commission, new=commission
            )
        uow.audit("cooperative_saved", user_id, cooperative=code, created=coop_id is None)
        # the cooperative's names are part of its products' search text
        products = list(
            s.execute(
                select(Product)
                .where(Product.cooperative_id == coop.id)
                .options(selectinload(Product.barcodes))
            ).scalars()
        )
        reindex(s, products)
        uow.publish(events.CATALOG_CHANGED, cooperative_id=coop.id)
        return coop


def list_cooperatives(session: Session, include_inactive: bool = True) -> list[Cooperative]:
    stmt = select(Cooperative).order_by(Cooperative.code)
    if not include_inactive:
        stmt = stmt.where(Cooperative.active)
    return list(session.execute(stmt).scalars())


def list_categories(session: Session) -> list[Category]:
    return list(session.execute(select(Category).order_by(Category.code)).scalars())
