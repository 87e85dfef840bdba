"""``coopos catalog import|export|search``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coopos.cli.base import add_format, open_context, whole_number
from coopos.cli.render import render_table
from coopos.domain.catalog import pick_name
from coopos.domain.errors import CooposError
from coopos.i18n import N_, _, current_language
from coopos.services import catalog
from coopos.services.catalog import CatalogImportError
from coopos.services.reports import Column, Table


def register(sub, common) -> None:
    p = sub.add_parser("catalog", parents=[common], help=_("import, export and search products"))
    csub = p.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    c = csub.add_parser("import", parents=[common], help=_("import a CSV or XLSX catalog"))
    c.add_argument("file", type=Path)
    c.add_argument("--dry-run", action="store_true", help=_("check the file, change nothing"))
    c.set_defaults(func=cmd_import)
    c = csub.add_parser("export", parents=[common], help=_("export the catalog"))
    c.add_argument("file", type=Path)
    c.add_argument(
        "--with-stock", action="store_true", help=_("fill the stock column with what is on hand")
    )
    c.set_defaults(func=cmd_export)
    c = csub.add_parser("search", parents=[common], help=_("find products"))
    c.add_argument("query")
    c.add_argument("--limit", type=whole_number(1, 10_000), default=20)
    add_format(c)
    c.set_defaults(func=cmd_search)


def cmd_import(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        summary = catalog.import_catalog(ctx, args.file, dry_run=args.dry_run)
    except CatalogImportError as exc:
        print(_("Error: {message}", message=exc.message), file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    if summary.dry_run:
        print(_("Dry run: the file is valid; nothing was changed."))
    print(
        _(
            "{rows} rows: {created} new, {updated} updated, {unchanged} unchanged.",
            rows=summary.rows,
            created=summary.created,
            updated=summary.updated,
            unchanged=summary.unchanged,
        )
    )
    if summary.stock_lines:
        print(_("Stock received for {n} products.", n=summary.stock_lines))
    if summary.new_cooperatives:
        print(_("New cooperatives: {names}", names=", ".join(summary.new_cooperatives)))
    if summary.new_categories:
        print(_("New categories: {names}", names=", ".join(summary.new_categories)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        n = catalog.export_catalog(ctx, args.file, with_stock=args.with_stock)
    except OSError as exc:
        raise CooposError(
            _("Cannot write {path}: {reason}", path=args.file, reason=exc.strerror)
        ) from None
    print(_("{n} products written to {path}.", n=n, path=args.file))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    lang = current_language()
    with ctx.read() as s:
        hits = catalog.search(s, args.query, limit=args.limit)
        rows = [
            {
                "sku": h.product.sku,
                "name": pick_name(h.product.names, lang),
                "barcode": " ".join(b.barcode for b in h.product.barcodes),
                "cooperative": h.product.cooperative.code,
                "price": h.product.price_cents,
                "vat": h.product.vat_rate,
            }
            for h in hits
        ]
    table = Table(
        _("Products matching “{query}”", query=args.query),
        [
            Column("sku", N_("SKU")),
            Column("name", N_("Name")),
            Column("barcode", N_("Barcode")),
            Column("cooperative", N_("Cooperative")),
            Column("price", N_("Price"), "money"),
            Column("vat", N_("VAT %"), "int"),
        ],
        rows,
    )
    print(render_table(table, args.format))
    return 0
