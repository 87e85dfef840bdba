"""The catalog file (CSV or XLSX) as the till and the server read it: its columns, each
row parsed and checked, the checks across the rows of one file.  No database: the till's
import (``coopos.services.catalog``) and the server's (``coopos.server.admin``) both
start from :func:`check_rows`, then compare with what their own tables hold.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from coopos.domain.catalog import Unit
from coopos.domain.errors import CooposError, ValidationError
from coopos.domain.money import Cents, parse_amount
from coopos.domain.quantity import quantity
from coopos.domain.search import normalise
from coopos.domain.vat import check_vat_rate
from coopos.i18n import _, ngettext
from coopos.protocol import text as text_rules
from coopos.protocol.codes import is_cooperative_code
from coopos.spreadsheet import unprotect

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


def guess_cooperative_code(name: str, taken: set[str]) -> str:
    """A cooperative code for a name in a catalog file: the name itself if it looks like a
    code, else the initials of its Latin words (numbered when taken); added to ``taken``."""
    if is_cooperative_code(name):
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
