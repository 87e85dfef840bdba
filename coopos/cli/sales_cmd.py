"""``coopos sale``, ``coopos refund`` and ``coopos report sales``."""

from __future__ import annotations

import argparse
import sys

from coopos.cli.base import (
    add_format,
    ask_pin,
    items_arg,
    open_context,
    sale_items_arg,
    split_pair,
    typed_amount,
)
from coopos.cli.render import render_table
from coopos.domain.discount import parse_discount
from coopos.domain.errors import ApprovalRequired, ValidationError
from coopos.domain.money import format_amount
from coopos.domain.sale import PaymentMethod
from coopos.i18n import _
from coopos.services import lookups, refunds, reports, users
from coopos.services.checkout import Approver, Checkout


def register(sub, common) -> None:
    p = sub.add_parser(
        "sale", parents=[common], help=_("record a sale (also to key in paper tickets)")
    )
    p.add_argument(
        "--item",
        action="append",
        required=True,
        metavar="SKU[:QTY]",
        help=_("a product (SKU or barcode) and quantity (default 1); repeat"),
    )
    p.add_argument(
        "--pay",
        action="append",
        required=True,
        metavar="METHOD:AMOUNT",
        help=_(
            "cash, card, mobile, transfer or voucher, and the amount; repeat "
            "to split; AMOUNT may be “exact”"
        ),
    )
    p.add_argument("--seller", metavar="NAME", help=_("default: who opened the shift"))
    p.add_argument("--location", metavar="CODE")
    p.add_argument(
        "--discount",
        metavar="AMOUNT",
        help=_("discount on the whole sale: an amount in MAD, or a percentage such as 10%%"),
    )
    p.add_argument(
        "--manager-pin",
        "--pin",
        dest="pin",
        metavar="PIN",
        help=_(
            "a manager's PIN, for a discount above the sellers' limit (asked on a terminal "
            "when needed)"
        ),
    )
    p.set_defaults(func=cmd_sale)

    p = sub.add_parser("refund", parents=[common], help=_("refund a sale (manager)"))
    p.add_argument("receipt", metavar="RECEIPT_NO")
    p.add_argument(
        "--item",
        action="append",
        metavar="SKU:QTY",
        help=_("what comes back (default: everything left)"),
    )
    p.add_argument("--method", help=_("how the money goes back (default: as it was paid)"))
    p.add_argument("--reason", default="")
    p.add_argument("--pin", help=_("a manager's PIN"))
    p.set_defaults(func=cmd_refund)

    p = sub.add_parser("report", parents=[common], help=_("reports"))
    rsub = p.add_subparsers(dest="report_command", metavar="REPORT", required=True)
    r = rsub.add_parser("sales", parents=[common], help=_("sales over a period"))
    r.add_argument("--from", dest="start", metavar="YYYY-MM-DD")
    r.add_argument("--to", dest="end", metavar="YYYY-MM-DD")
    r.add_argument("--by", choices=reports.GROUPINGS, default="day")
    add_format(r)
    r.set_defaults(func=cmd_report_sales)
    from coopos.cli.consignment_cmd import register_reports

    register_reports(rsub, common)


def cmd_sale(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with ctx.read() as s:
        if args.seller:
            seller = lookups.user_by_name(s, args.seller)
        else:
            shift = lookups.open_shift(s)
            if shift is None:
                raise ValidationError(_("No shift is open: open a shift before selling."))
            seller = shift.opened_by
    checkout = Checkout(ctx, seller, args.location)
    for code, qty in sale_items_arg(args.item):
        checkout.scan(code, qty)
    if args.discount:
        discount = parse_discount(args.discount)
        try:
            checkout.discount_order(discount)
        except ApprovalRequired as needed:
            # as the desktop does: a manager's PIN, asked only when the limit is passed
            missing = _("A manager must approve this discount: give their PIN with --manager-pin.")
            if sys.stdin.isatty():
                print(needed.message, file=sys.stderr)
            pin = ask_pin(args, _("Manager PIN"), missing)
            manager = users.require_manager(ctx, pin, needed.action)
            checkout.discount_order(discount, Approver.of(manager))
    checkout.start_payment()
    for value in args.pay:
        method, amount = split_pair(value, "exact")
        method = PaymentMethod.parse(method)
        if amount.lower() == "exact":
            checkout.pay_exact(method)
        else:
            checkout.add_payment(method, typed_amount(amount))
    result = checkout.complete()
    print(result.receipt_no)
    print(
        _(
            "Total {total} MAD, paid {paid}, change {change}.",
            total=format_amount(result.total),
            paid=format_amount(result.paid),
            change=format_amount(result.change),
        )
    )
    return 0


def cmd_refund(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    manager = users.require_manager(ctx, ask_pin(args, _("Manager PIN")), "refund")
    method = PaymentMethod.parse(args.method) if args.method else None
    items = items_arg(args.item, None) if args.item else None
    result = refunds.refund(ctx, args.receipt, Approver.of(manager), items, method, args.reason)
    print(result.receipt_no)
    print(_("Refunded {amount} MAD.", amount=format_amount(-result.total)))
    return 0


def cmd_report_sales(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    start = reports.parse_day(args.start) if args.start else None
    end = reports.parse_day(args.end) if args.end else None
    with ctx.read() as s:
        table = reports.sales_report(s, start, end, args.by)
    print(render_table(table, args.format))
    return 0
