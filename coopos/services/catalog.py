"""Catalog: import and export (CSV and XLSX), search, and product lookup.

Import validates every row before writing anything: one bad row and nothing is
imported; the error lists every bad row with its line number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload

from coopos.catalog_file import (  # the file's format: pure, shared with the server
    COLUMNS,
    CatalogImportError,
    CatalogRow,
    ImportSummary,
    RowError,
    check_rows,
    guess_cooperative_code,
    read_table,
)
from coopos.db.models import (
    Category,
    Cooperative,
    Product,
    ProductBarcode,
)
from coopos.domain import events
from coopos.domain.catalog import released_barcodes
from coopos.domain.money import format_amount
from coopos.domain.quantity import ZERO, format_quantity
from coopos.domain.search import normalise
from coopos.domain.stock import MovementReason
from coopos.i18n import _
from coopos.services import inventory, lookups
from coopos.services.context import Context
from coopos.spreadsheet import CsvWriter, append_xlsx

Progress = Callable[[int, int], None]


def validate(
    rows: Iterable[tuple[int, dict[str, str]]], session: Session
) -> tuple[list[CatalogRow], list[RowError]]:
    parsed, errors, sku_lines, barcode_owner = check_rows(rows)
    # Barcodes already used by another product that this file does not re-import.
    if barcode_owner:
        existing = session.execute(select(ProductBarcode.barcode, Product.sku).join(Product)).all()
        for barcode, sku in existing:
            owner = barcode_owner.get(barcode)
            if owner and owner != sku and sku not in sku_lines:
                errors.append(
                    RowError(
                        sku_lines[owner],
                        _("barcode {barcode} already belongs to {sku}", barcode=barcode, sku=sku),
                    )
                )
    errors.sort(key=lambda e: e.line)
    return parsed, errors


# -- import ------------------------------------------------------------------------------


def import_catalog(
    ctx: Context,
    path: str | Path,
    dry_run: bool = False,
    user_id: int | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    path = Path(path)
    with ctx.read() as s:
        rows, errors = validate(read_table(path), s)
    if errors:
        raise CatalogImportError(errors)
    summary = ImportSummary(rows=len(rows), dry_run=dry_run)
    with ctx.write() as uow:
        s = uow.session
        _apply_rows(uow, rows, summary, path.name, user_id, progress)
        if dry_run:
            s.rollback()
            return summary
        uow.publish(events.CATALOG_CHANGED, created=summary.created, updated=summary.updated)
        uow.audit(
            "catalog_import",
            user_id,
            file=path.name,
            created=summary.created,
            updated=summary.updated,
            stock_lines=summary.stock_lines,
        )
    return summary


def _apply_rows(uow, rows, summary, filename, user_id, progress) -> None:
    s: Session = uow.session
    coops = {c.code.upper(): c for c in s.execute(select(Cooperative)).scalars()}
    coop_by_name = {}
    for c in coops.values():
        for name in c.names.values():
            if name:
                coop_by_name[name.strip().lower()] = c
    categories = {c.code.lower(): c for c in s.execute(select(Category)).scalars()}
    category_by_name = {}
    for c in categories.values():
        for name in c.names.values():
            if name:
                category_by_name[name.strip().lower()] = c
    products = {
        p.sku: p
        for p in s.execute(select(Product).options(selectinload(Product.barcodes))).scalars()
    }
    location = lookups.location(s)
    taken_codes = set(coops)
    had = {sku: sorted(b.barcode for b in p.barcodes) for sku, p in products.items()}
    lost = released_barcodes({row.sku: row.barcodes for row in rows}, had)
    for sku, codes in lost.items():  # barcodes may change hands within the file: free them first
        products[sku].barcodes = [b for b in products[sku].barcodes if b.barcode not in codes]
    if lost:
        s.flush()
    touched: list[Product] = []
    stock: list[tuple[Product, Decimal]] = []
    for i, row in enumerate(rows):
        coop = coops.get(row.cooperative.upper()) or coop_by_name.get(row.cooperative.lower())
        if coop is None:
            coop = Cooperative(
                code=guess_cooperative_code(row.cooperative, taken_codes), name_fr=row.cooperative
            )
            s.add(coop)
            coops[coop.code] = coop
            coop_by_name[row.cooperative.lower()] = coop
            summary.new_cooperatives.append(f"{coop.code} ({row.cooperative})")
        category = None
        if row.category:
            category = categories.get(row.category.lower()) or category_by_name.get(
                row.category.lower()
            )
            if category is None:
                slug = "-".join(normalise(row.category).split())[:32] or row.category[:32]
                category = Category(code=slug, name_fr=row.category)
                s.add(category)
                categories[slug] = category
                category_by_name[row.category.lower()] = category
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
            product.updated_utc = uow.stamp.utc
            s.add(product)
            products[row.sku] = product
            summary.created += 1
            touched.append(product)
        else:
            changed = product.cooperative is not coop or product.category is not category
            changed |= any(getattr(product, k) != v for k, v in values.items())
            changed |= had[row.sku] != sorted(row.barcodes)
            changed |= not product.active
            if changed:
                for key, value in values.items():
                    setattr(product, key, value)
                product.cooperative, product.category, product.active = coop, category, True
                product.updated_utc = uow.stamp.utc  # before the flush: one UPDATE, one version
                if had[row.sku] != sorted(row.barcodes):
                    kept = {b.barcode: b for b in product.barcodes}
                    product.barcodes = [
                        kept.get(b) or ProductBarcode(barcode=b) for b in row.barcodes
                    ]
                summary.updated += 1
                touched.append(product)
            else:
                summary.unchanged += 1
        if row.stock:
            stock.append((product, row.stock))
        if progress and i % 200 == 0:
            progress(i, len(rows))
    s.flush()
    reindex(s, touched)
    if stock:
        summary.stock_lines = len(stock)
        reference = f"import:{filename}"
        inventory.write_movements(
            uow,
            [
                inventory.movement_row(
                    uow, p, location, q, MovementReason.RECEIVED, user_id, reference
                )
                for p, q in stock
            ],
        )
    if progress:
        progress(len(rows), len(rows))


# -- search index -------------------------------------------------------------------------


def search_text(product: Product) -> str:
    barcodes = [b.barcode for b in product.barcodes]
    return index_text(product.sku, product.names.values(), barcodes, product.cooperative)


def index_text(
    sku: str, names: Iterable[str | None], barcodes: Iterable[str], coop: Cooperative | None
) -> str:
    """What the search index holds for a product (its barcodes in order)."""
    parts = [sku, *names, *barcodes]
    if coop is not None:
        parts += [coop.code, *coop.names.values()]
    return normalise(" ".join(p for p in parts if p))


def reindex(session: Session, products: list[Product]) -> None:
    reindex_texts(session, {p.id: search_text(p) for p in products})


def reindex_texts(session: Session, texts: dict[int, str]) -> None:
    """Replace the search index rows of these product ids."""
    if not texts:
        return
    ids = list(texts)
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        session.execute(
            text(f"DELETE FROM product_search WHERE rowid IN ({','.join(map(str, part))})")
        )
    session.execute(
        text("INSERT INTO product_search(rowid, text) VALUES (:id, :text)"),
        [{"id": pid, "text": body} for pid, body in texts.items()],
    )


# -- search ---------------------------------------------------------------------------------


_SEARCH_RANKED = text(
    "SELECT rowid FROM product_search WHERE product_search MATCH :q ORDER BY rank LIMIT :n"
)
_SEARCH_SHORT = text("SELECT rowid FROM product_search WHERE product_search MATCH :q LIMIT :n")


@dataclass(frozen=True)
class SearchHit:
    product: Product
    rank: int  # 0 exact barcode/sku, 1 a name starts with the query, 2 any word prefix


def search(
    session: Session, query: str, limit: int = 50, include_inactive: bool = False
) -> list[SearchHit]:
    """Products matching a barcode, sku or the prefixes of words of their names and
    cooperative; exact codes first, then names starting with the query, then the rest."""
    query = query.strip()
    if not query:
        return []
    hits: dict[int, SearchHit] = {}
    exact = lookups.product_by_code(session, query)
    if exact is not None and (exact.active or include_inactive):
        hits[exact.id] = SearchHit(exact, 0)
    words = normalise(query).split()
    if words:
        match = " ".join(f'"{w}"*' for w in words)
        # Up to three letters match much of a big catalog: bm25-ranking all of them costs
        # tens of ms per keystroke, so take candidates unranked and let our own rule
        # (names starting with the query first) order them.
        short = len("".join(words)) < 4
        ids = [
            r[0]
            for r in session.execute(
                _SEARCH_SHORT if short else _SEARCH_RANKED,
                # unranked short queries only need enough candidates to fill the page
                {"q": match, "n": limit * 2 if short else max(limit * 4, 200)},
            )
        ]
        ids = [i for i in ids if i not in hits]
        if ids:
            stmt = select(Product).where(Product.id.in_(ids))
            if not include_inactive:
                stmt = stmt.where(Product.active)
            phrase = " ".join(words)
            for p in session.execute(stmt).scalars():
                starts = any(normalise(n).startswith(phrase) for n in p.names.values() if n)
                hits[p.id] = SearchHit(p, 1 if starts else 2)
    ordered = sorted(
        hits.values(),
        key=lambda h: (h.rank, normalise(h.product.name_fr or h.product.name_ar or "")),
    )
    return ordered[:limit]


# -- export ---------------------------------------------------------------------------------


def export_rows(session: Session, with_stock: bool = False) -> list[dict[str, str]]:
    stock = (
        inventory.on_hand_by_product(session, lookups.location(session).id) if with_stock else {}
    )
    products = session.execute(
        select(Product)
        .where(Product.active)
        .options(
            selectinload(Product.barcodes),
            selectinload(Product.cooperative),
            selectinload(Product.category),
        )
        .order_by(Product.sku)
    ).scalars()
    rows = []
    for p in products:
        qty = stock.get(p.id, ZERO)
        rows.append(
            {
                "sku": p.sku,
                "barcode": "|".join(b.barcode for b in p.barcodes),
                "name_ar": p.name_ar or "",
                "name_fr": p.name_fr or "",
                "name_en": p.name_en or "",
                "name_zgh": p.name_zgh or "",
                "cooperative": p.cooperative.code,
                "category": p.category.code if p.category else "",
                "unit": p.unit,
                "price": format_amount(p.price_cents),
                "vat_rate": str(p.vat_rate),
                "stock": format_quantity(qty) if with_stock and qty > 0 else "",
            }
        )
    return rows


def export_catalog(ctx: Context, path: str | Path, with_stock: bool = False) -> int:
    """Write the active catalog; stock is left empty unless asked, so that re-importing
    an export never receives the same goods twice."""
    path = Path(path)
    with ctx.read() as s:
        rows = export_rows(s, with_stock)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("catalog")
        append_xlsx(sheet, COLUMNS)
        for row in rows:
            append_xlsx(sheet, [row[c] for c in COLUMNS])
        book.save(path)
    else:
        # UTF-8 with BOM so that Excel shows Arabic and Tifinagh correctly.
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = CsvWriter(fh)
            writer.writerow(COLUMNS)
            writer.writerows([row[c] for c in COLUMNS] for row in rows)
    return len(rows)
