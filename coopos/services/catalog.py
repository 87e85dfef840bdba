"""Catalog: import and export (CSV and XLSX), search, and product lookup.

Import validates every row before writing anything: one bad row and nothing is
imported; the error lists every bad row with its line number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload

from coopos.db.models import (
    Category,
    Cooperative,
    Product,
    ProductBarcode,
)
from coopos.domain import events
from coopos.domain.catalog import Unit, released_barcodes
from coopos.domain.errors import CooposError, ValidationError
from coopos.domain.money import Cents, format_amount, parse_amount
from coopos.domain.quantity import ZERO, format_quantity, quantity
from coopos.domain.search import normalise
from coopos.domain.stock import MovementReason
from coopos.domain.vat import check_vat_rate
from coopos.i18n import _, ngettext
from coopos.protocol import text as text_rules
from coopos.services import inventory, lookups
from coopos.services.context import Context
from coopos.spreadsheet import CsvWriter, append_xlsx, unprotect

COLUMNS = [
    "sku",
    "barcode",
    "name_ar",
    "name_fr",
    "name_en",
    "name_zgh",
    "cooperative",
    "category",
    "unit",
    "price",
    "vat_rate",
    "stock",
]
NAME_COLUMNS = ("name_ar", "name_fr", "name_en", "name_zgh")
REQUIRED = ("sku", "cooperative", "price", "vat_rate")
_BARCODE = re.compile(r"^[0-9A-Za-z\-.]{1,64}$")
_CODE = re.compile(r"^[A-Za-z0-9_\-]{1,16}$")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return _("line {line}: {message}", line=self.line, message=self.message)


class CatalogImportError(CooposError):
    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(
            ngettext(
                "{n} bad row: nothing was imported.",
                "{n} bad rows: nothing was imported.",
                len(errors),
            )
        )


@dataclass(frozen=True)
class CatalogRow:
    line: int
    sku: str
    barcodes: tuple[str, ...]
    names: dict[str, str]
    cooperative: str
    category: str
    unit: Unit
    price: Cents
    vat_rate: int
    stock: Decimal | None


@dataclass
class ImportSummary:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stock_lines: int = 0
    new_cooperatives: list[str] = field(default_factory=list)
    new_categories: list[str] = field(default_factory=list)
    dry_run: bool = False


# -- reading files ----------------------------------------------------------------------


def read_table(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV or XLSX file as ``(line number, {column: text})``."""
    if not path.exists():
        raise ValidationError(_("File not found: {path}", path=path))
    if path.is_dir():
        raise ValidationError(_("{path} is a folder: give a file.", path=path))
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        yield from _read_xlsx(path)
    else:
        yield from _read_csv(path)


def _header(cells: Iterable[object]) -> list[str]:
    return [str(c or "").strip().lower().lstrip("\ufeff") for c in cells]


def _check_header(header: list[str]) -> None:
    missing = [c for c in REQUIRED if c not in header]
    if not any(c in header for c in NAME_COLUMNS):
        missing.append("name_ar|name_fr|name_en|name_zgh")
    if missing:
        raise ValidationError(
            _(
                "The header lacks the column(s) {columns}; expected: {expected}.",
                columns=", ".join(missing),
                expected=",".join(COLUMNS),
            )
        )


def _read_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            _("{path} is not UTF-8 text: save it as “CSV UTF-8”.", path=path.name)
        ) from None
    first = content.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        header = _header(next(reader))
    except StopIteration:
        raise ValidationError(_("{path} is empty.", path=path.name)) from None
    _check_header(header)
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        cells = (unprotect(c.strip()) for c in row)
        yield reader.line_num, dict(zip(header, cells, strict=False))


def _read_xlsx(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise ValidationError(_("{path} is not a readable .xlsx file.", path=path.name)) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = _header(next(rows))
    except StopIteration:
        raise ValidationError(_("{path} is empty.", path=path.name)) from None
    _check_header(header)
    for number, row in enumerate(rows, start=2):
        cells = [_cell_text(c) for c in row]
        if any(cells):
            yield number, dict(zip(header, cells, strict=False))
    book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Excel stores 45.5 for 45.50; keep it exact by going through repr.
        return repr(value)
    return unprotect(str(value).strip())


# -- validation ---------------------------------------------------------------------------


def parse_row(line: int, row: dict[str, str]) -> CatalogRow:
    """One row to a ``CatalogRow``, or ValidationError naming the first problem."""
    sku = text_rules.check_code(row.get("sku", "").strip(), _("The SKU"))
    if not sku:
        raise ValidationError(_("the SKU is empty"))
    if len(sku) > 64:
        raise ValidationError(_("the SKU is longer than 64 characters"))
    barcodes = tuple(b.strip() for b in row.get("barcode", "").split("|") if b.strip())
    for code in barcodes:
        text_rules.check_code(code, _("A barcode"))
        if not _BARCODE.match(code):
            raise ValidationError(_("“{barcode}” is not a valid barcode", barcode=code))
    names = {c[5:]: row.get(c, "").strip() for c in NAME_COLUMNS if row.get(c, "").strip()}
    for name in names.values():
        text_rules.check_name(name, _("The name"))
    if not names:
        raise ValidationError(_("the product has no name in any language"))
    cooperative = text_rules.check_code(row.get("cooperative", "").strip(), _("The cooperative"))
    if not cooperative:
        raise ValidationError(_("the cooperative is empty"))
    unit = Unit.parse(row.get("unit", ""))
    price_text = row.get("price", "").strip()
    if not price_text:
        raise ValidationError(_("the price is empty"))
    price = parse_amount(price_text)
    if price < 0:
        raise ValidationError(_("the price is negative"))
    vat_text = row.get("vat_rate", "").strip()
    if not vat_text:
        raise ValidationError(_("the VAT rate is empty"))
    vat = check_vat_rate(vat_text)
    stock_text = row.get("stock", "").strip()
    stock = quantity(stock_text) if stock_text else None
    if stock is not None:
        if stock < 0:
            raise ValidationError(_("the stock is negative"))
        if not unit.weighed and stock != stock.to_integral_value():
            raise ValidationError(_("a product sold by the piece needs a whole stock quantity"))
    return CatalogRow(
        line=line,
        sku=sku,
        barcodes=barcodes,
        names=names,
        cooperative=cooperative,
        category=text_rules.check_code(row.get("category", "").strip(), _("The category")),
        unit=unit,
        price=price,
        vat_rate=vat,
        stock=stock,
    )


def check_rows(
    rows: Iterable[tuple[int, dict[str, str]]],
) -> tuple[list[CatalogRow], list[RowError], dict[str, int], dict[str, str]]:
    """Each row parsed (``parse_row``), then the checks across rows of one file: a SKU
    twice, a barcode given to two products.  Pure: the till and the server share it.
    Returns the good rows, the errors, each SKU's line and each barcode's SKU."""
    parsed: list[CatalogRow] = []
    errors: list[RowError] = []
    sku_lines: dict[str, int] = {}
    barcode_owner: dict[str, str] = {}
    for line, row in rows:
        try:
            item = parse_row(line, row)
        except CooposError as exc:
            errors.append(RowError(line, exc.message))
            continue
        if item.sku in sku_lines:
            errors.append(
                RowError(
                    line,
                    _(
                        "SKU {sku} is already on line {other}",
                        sku=item.sku,
                        other=sku_lines[item.sku],
                    ),
                )
            )
            continue
        sku_lines[item.sku] = line
        clash = next((b for b in item.barcodes if barcode_owner.get(b, item.sku) != item.sku), None)
        if clash:
            errors.append(
                RowError(
                    line,
                    _(
                        "barcode {barcode} is also given to {sku}",
                        barcode=clash,
                        sku=barcode_owner[clash],
                    ),
                )
            )
            continue
        barcode_owner.update(dict.fromkeys(item.barcodes, item.sku))
        parsed.append(item)
    return parsed, errors, sku_lines, barcode_owner


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


def _guess_code(name: str, taken: set[str]) -> str:
    if _CODE.match(name):
        base = name.upper()
    else:
        words = normalise(name).upper().split()
        ascii_words = [w for w in words if w.isascii()]
        base = "".join(w[0] for w in ascii_words)[:6] or "COOP"
    code, n = base[:16], 1
    while code in taken:
        n += 1
        code = f"{base[:13]}{n}"
    taken.add(code)
    return code


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
                code=_guess_code(row.cooperative, taken_codes), name_fr=row.cooperative
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
