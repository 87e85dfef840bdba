"""``coopos stock show|receive|transfer|count|adjust``."""

from __future__ import annotations

import argparse

from coopos.cli.base import add_format, ask_pin, items_arg, open_context
from coopos.cli.render import render_table
from coopos.domain.quantity import format_quantity
from coopos.domain.stock import MovementReason
from coopos.i18n import N_, _
from coopos.services import inventory, lookups, users
from coopos.services.reports import Column, Table


def register(sub, common) -> None:
    p = sub.add_parser("stock", parents=[common], help=_("stock on hand and movements"))
    ssub = p.add_subparsers(dest="stock_command", metavar="ACTION", required=True)

    s = ssub.add_parser("show", parents=[common], help=_("stock on hand"))
    s.add_argument("--location", help=_("location code, or * for all (default: this till's)"))
    s.add_argument("--sku", help=_("one product (SKU or barcode)"))
    s.add_argument("--negative", action="store_true", help=_("only negative stock"))
    s.add_argument("--all", action="store_true", help=_("include products at zero"))
    add_format(s)
    s.set_defaults(func=cmd_show)

    s = ssub.add_parser("receive", parents=[common], help=_("goods received from a cooperative"))
    _items(s)
    s.add_argument("--location")
    s.add_argument("--reference", default="", help=_("delivery note number"))
    s.add_argument("--user", help=_("who received (default: Admin)"))
    s.set_defaults(func=cmd_receive)

    s = ssub.add_parser("transfer", parents=[common], help=_("move goods between locations"))
    _items(s)
    s.add_argument("--from", dest="source", required=True, metavar="CODE")
    s.add_argument("--to", dest="target", required=True, metavar="CODE")
    s.add_argument("--reference", default="")
    s.add_argument("--user")
    s.set_defaults(func=cmd_transfer)

    s = ssub.add_parser("count", parents=[common], help=_("record a stock count (manager)"))
    _items(s)
    s.add_argument("--location")
    s.add_argument(
        "--full",
        action="store_true",
        help=_("the whole location was counted: what was not counted is set to 0"),
    )
    s.add_argument("--pin", help=_("a manager's PIN"))
    s.add_argument("--note", default="")
    s.set_defaults(func=cmd_count)

    s = ssub.add_parser("adjust", parents=[common], help=_("correct stock (manager)"))
    s.add_argument("sku")
    s.add_argument("quantity", help=_("signed change, e.g. -2"))
    s.add_argument(
        "--reason", choices=[r.value for r in inventory.ADJUST_REASONS], default="adjustment"
    )
    s.add_argument("--location")
    s.add_argument("--note", default="")
    s.add_argument("--pin", help=_("a manager's PIN"))
    s.set_defaults(func=cmd_adjust)


def _items(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--item",
        action="append",
        required=True,
        metavar="SKU:QTY",
        help=_("a product (SKU or barcode) and its quantity; repeat"),
    )


def _user_id(ctx, name: str | None) -> int:
    with ctx.read() as s:
        return lookups.user_by_name(s, name or "Admin").id


def cmd_show(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with ctx.read() as s:
        rows = inventory.stock_report(
            s,
            args.location,
            negative_only=args.negative,
            include_zero=args.all,
            product_code=args.sku,
        )
    table = Table(
        _("Stock on hand"),
        [
            Column("location", N_("Location")),
            Column("sku", N_("SKU")),
            Column("name", N_("Name")),
            Column("cooperative", N_("Cooperative")),
            Column("unit", N_("Unit")),
            Column("quantity", N_("On hand"), "quantity"),
            Column("flag", N_("Note")),
        ],
        [
            {
                "location": r.location,
                "sku": r.sku,
                "name": r.name,
                "cooperative": r.cooperative,
                "unit": r.unit,
                "quantity": r.quantity,
                "flag": _("NEGATIVE: count it") if r.negative else "",
            }
            for r in rows
        ],
    )
    print(render_table(table, args.format))
    return 0


def cmd_receive(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    n = inventory.receive(
        ctx, items_arg(args.item, None), _user_id(ctx, args.user), args.location, args.reference
    )
    print(_("{n} products received.", n=n))
    return 0


def cmd_transfer(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    n = inventory.transfer(
        ctx,
        items_arg(args.item, None),
        _user_id(ctx, args.user),
        args.source,
        args.target,
        args.reference,
    )
    print(
        _(
            "{n} products transferred from {source} to {target}.",
            n=n,
            source=args.source,
            target=args.target,
        )
    )
    return 0


def cmd_count(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    manager = users.require_manager(ctx, ask_pin(args, _("Manager PIN")), "stock_count")
    lines = inventory.count(
        ctx, items_arg(args.item, None), manager.id, args.location, full=args.full, note=args.note
    )
    changed = [ln for ln in lines if ln.difference]
    for ln in changed:
        print(
            _(
                "{sku}: expected {expected}, counted {counted} ({diff:+})",
                sku=ln.sku,
                expected=format_quantity(ln.expected),
                counted=format_quantity(ln.counted),
                diff=ln.difference,
            )
        )
    print(
        _(
            "Count recorded: {n} products counted, {changed} adjusted.",
            n=len(lines),
            changed=len(changed),
        )
    )
    return 0


def cmd_adjust(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    manager = users.require_manager(ctx, ask_pin(args, _("Manager PIN")), "stock_adjust")
    inventory.adjust(
        ctx,
        args.sku,
        args.quantity,
        manager.id,
        MovementReason(args.reason),
        args.location,
        args.note,
    )
    print(_("Stock adjusted."))
    return 0
