"""The catalog import at head office: the file read and checked by
``coopos.catalog_file`` (the till's rules), then written as catalog changes."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from coopos.catalog_file import (
    CatalogImportError,
    CatalogRow,
    ImportSummary,
    RowError,
    check_rows,
    guess_cooperative_code,
    read_table,
)
from coopos.domain.catalog import released_barcodes
from coopos.domain.quantity import to_milli
from coopos.domain.search import normalise
from coopos.i18n import _
from coopos.server import sync
from coopos.server.admin.common import (
    DEFAULT_LOCATION,
    _local_now,
    _location,
)
from coopos.server.db import Database
from coopos.server.models import (
    Category,
    Cooperative,
    Product,
    ProductBarcode,
    StockMovement,
    new_uuid,
)

# -- catalog import -------------------------------------------------------------------------------


def _barcode_errors(s: Session, rows: list[CatalogRow]) -> list[RowError]:
    """Barcodes that belong to a product this file does not re-import."""
    owner = {b: r for r in rows for b in r.barcodes}
    skus = {r.sku for r in rows}
    errors = []
    if owner:
        existing = s.execute(
            select(ProductBarcode.barcode, Product.sku)
            .join(Product)
            .where(ProductBarcode.barcode.in_(owner))
        )
        for barcode, sku in existing:
            row = owner[barcode]
            if sku != row.sku and sku not in skus:
                errors.append(
                    RowError(
                        row.line,
                        _("barcode {barcode} already belongs to {sku}", barcode=barcode, sku=sku),
                    )
                )
    return errors


def import_catalog(
    db: Database, path: str | Path, location: str = DEFAULT_LOCATION, dry_run: bool = False
) -> ImportSummary:
    """Import a catalog file in the till's format (CSV or XLSX).  All or nothing; a
    ``stock`` column is received at ``location`` as head-office stock movements."""
    path = Path(path)
    rows, errors, _lines, _owners = check_rows(read_table(path))
    with db.read() as s:
        errors += _barcode_errors(s, rows)
        if any(r.stock for r in rows):
            _location(s, location)
    if errors:
        raise CatalogImportError(sorted(errors, key=lambda e: e.line))

    def work(log: sync.ChangeLog) -> ImportSummary:
        summary = ImportSummary(rows=len(rows), dry_run=dry_run)
        _apply_rows(log, rows, summary, path.name, location.strip().upper())
        return summary

    return sync.catalog_write(db, work, dry_run=dry_run)


def _apply_rows(
    log: sync.ChangeLog, rows: list[CatalogRow], summary: ImportSummary, filename: str, loc: str
) -> None:
    s, now = log.session, log.now
    coops = {c.code.upper(): c for c in s.execute(select(Cooperative)).scalars()}
    coop_by_name = {n.strip().lower(): c for c in coops.values() for n in c.names.values() if n}
    categories = {c.code.lower(): c for c in s.execute(select(Category)).scalars()}
    category_by_name = {
        n.strip().lower(): c for c in categories.values() for n in c.names.values() if n
    }
    products = {
        p.sku: p
        for p in s.execute(
            select(Product).options(
                selectinload(Product.barcodes),
                selectinload(Product.cooperative),
                selectinload(Product.category),
            )
        ).scalars()
    }
    taken = set(coops)
    received: list[tuple[str, Decimal]] = []
    had = {sku: sorted(b.barcode for b in p.barcodes) for sku, p in products.items()}
    _free_barcodes(s, rows, products)
    for row in rows:
        coop = coops.get(row.cooperative.upper()) or coop_by_name.get(row.cooperative.lower())
        if coop is None:
            coop = Cooperative(
                code=guess_cooperative_code(row.cooperative, taken), name_fr=row.cooperative
            )
            s.add(coop)
            log.touch(coop)
            coops[coop.code] = coop
            coop_by_name[row.cooperative.lower()] = coop
            summary.new_cooperatives.append(f"{coop.code} ({row.cooperative})")
        category = None
        if row.category:
            key = row.category.lower()
            category = categories.get(key) or category_by_name.get(key)
            if category is None:
                slug = "-".join(normalise(row.category).split())[:32] or row.category[:32]
                category = Category(code=slug, name_fr=row.category)
                s.add(category)
                log.touch(category)
                categories[slug.lower()] = category
                category_by_name[key] = category
                summary.new_categories.append(row.category)
        values = {
            "name_ar": row.names.get("ar"),
            "name_fr": row.names.get("fr"),
            "name_en": row.names.get("en"),
            "name_zgh": row.names.get("zgh"),
            "unit": row.unit.value,
            "sold_by_weight": row.unit.weighed,
            "price_cents": row.price,
            "vat_rate": row.vat_rate,
        }
        product = products.get(row.sku)
        if product is None:
            product = Product(sku=row.sku, cooperative=coop, category=category, **values)
            product.barcodes = [ProductBarcode(barcode=b) for b in row.barcodes]
            product.updated_utc = now
            s.add(product)
            products[row.sku] = product
            summary.created += 1
            log.touch(product)
        else:
            new_barcodes = sorted(row.barcodes) != had[row.sku]
            changed = product.cooperative is not coop or product.category is not category
            changed |= any(getattr(product, k) != v for k, v in values.items())
            changed |= new_barcodes or not product.active
            if changed:
                for key, value in values.items():
                    setattr(product, key, value)
                product.cooperative, product.category, product.active = coop, category, True
                product.updated_utc = now  # the row is updated, so its version moves
                if new_barcodes:
                    kept = {b.barcode: b for b in product.barcodes}
                    product.barcodes = [
                        kept.get(b) or ProductBarcode(barcode=b) for b in row.barcodes
                    ]
                summary.updated += 1
                log.touch(product)
            else:
                summary.unchanged += 1
        if row.stock:
            received.append((row.sku, row.stock))
    if received:
        summary.stock_lines = len(received)
        local = _local_now()
        s.execute(
            StockMovement.__table__.insert(),
            [
                {
                    "uuid": new_uuid(),
                    "device_id": None,  # head office
                    "event_id": None,
                    "sale_uuid": None,
                    "sku": sku,
                    "location_code": loc,
                    "quantity_milli": to_milli(qty),
                    "reason": "received",
                    "reference": f"import:{filename}"[:100],
                    "note": "",
                    "created_utc": now,
                    "created_local": local,
                }
                for sku, qty in received
            ],
        )


def _free_barcodes(s: Session, rows: list[CatalogRow], products: dict[str, Product]) -> None:
    """Take from each product of the file the barcodes it loses, before any is given."""
    held = {sku: [b.barcode for b in p.barcodes] for sku, p in products.items()}
    lost = released_barcodes({row.sku: row.barcodes for row in rows}, held)
    for sku, codes in lost.items():
        products[sku].barcodes = [b for b in products[sku].barcodes if b.barcode not in codes]
    if lost:
        s.flush()
