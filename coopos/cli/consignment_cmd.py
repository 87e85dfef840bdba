"""``coopos fair``, ``coopos payout``, ``coopos commission`` and the consignment reports
(``coopos report reconciliation``, ``coopos report settlement``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coopos.cli.base import (
    ask_pin,
    items_arg,
    not_empty,
    open_context,
    typed_amount,
    typed_quantity,
)
from coopos.cli.render import render_table
from coopos.domain.errors import ValidationError
from coopos.domain.money import format_amount, parse_amount
from coopos.domain.quantity import format_quantity
from coopos.i18n import _, current_language
from coopos.services import consignment, users
from coopos.services.reports import parse_day

TEXT_FORMATS = ("text", "csv", "json")


def register(sub, common) -> None:
    f = sub.add_parser("fair", parents=[common], help=_("fairs: stand, dispatch, count, close"))
    fsub = f.add_subparsers(dest="fair_command", metavar="WHAT", required=True)

    c = fsub.add_parser("create", parents=[common], help=_("create a fair and its stand"))
    c.add_argument("code")
    c.add_argument("--name", required=True)
    c.add_argument("--city", default="")
    c.add_argument("--from", dest="start", metavar="YYYY-MM-DD")
    c.add_argument("--to", dest="end", metavar="YYYY-MM-DD")
    c.add_argument("--stand", metavar="CODE", help=_("the stand's location code"))
    c.set_defaults(func=cmd_fair_create)

    d = fsub.add_parser(
        "dispatch", parents=[common], help=_("send goods to the stand with a delivery note")
    )
    d.add_argument("fair")
    d.add_argument("--item", action="append", required=True, metavar="SKU:QTY")
    d.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="LOCATION|COOP:CODE",
        help=_("a location (e.g. WAREHOUSE), or COOP:CODE for goods straight from a cooperative"),
    )
    d.add_argument("--note", default="")
    d.set_defaults(func=cmd_fair_dispatch)

    r = fsub.add_parser(
        "return", parents=[common], help=_("send goods back from the stand with a return note")
    )
    r.add_argument("fair")
    r.add_argument("--item", action="append", required=True, metavar="SKU:QTY")
    r.add_argument("--to", dest="destination", required=True, metavar="LOCATION|COOP:CODE")
    r.add_argument("--note", default="")
    r.set_defaults(func=cmd_fair_return)

    n = fsub.add_parser("count", parents=[common], help=_("the end-of-fair count (manager)"))
    n.add_argument("fair")
    n.add_argument("--item", action="append", default=[], metavar="SKU:QTY")
    n.add_argument("--pin", help=_("a manager's PIN"))
    n.set_defaults(func=cmd_fair_count)

    e = fsub.add_parser(
        "explain", parents=[common], help=_("explain a variance: damaged, gift or sample")
    )
    e.add_argument("fair")
    e.add_argument("sku")
    e.add_argument("quantity")
    e.add_argument("--why", choices=consignment.EXPLANATIONS, required=True)
    e.add_argument("--note", default="")
    e.add_argument("--pin", help=_("a manager's PIN"))
    e.set_defaults(func=cmd_fair_explain)

    x = fsub.add_parser("close", parents=[common], help=_("close a counted fair"))
    x.add_argument("fair")
    x.set_defaults(func=cmd_fair_close)

    note = fsub.add_parser(
        "note", parents=[common], help=_("a delivery or return note as a PDF or on the printer")
    )
    note.add_argument("number")
    target = note.add_mutually_exclusive_group(required=True)
    target.add_argument("--pdf", type=not_empty, metavar="FILE")
    target.add_argument(
        "--png", type=not_empty, metavar="FILE", help=_("as printed on the receipt printer")
    )
    target.add_argument("--printer", type=not_empty, metavar="URI")
    note.set_defaults(func=cmd_fair_note)

    p = sub.add_parser("payout", parents=[common], help=_("money paid to cooperatives"))
    psub = p.add_subparsers(dest="payout_command", metavar="WHAT", required=True)
    a = psub.add_parser("add", parents=[common], help=_("record a payout"))
    a.add_argument("cooperative")
    a.add_argument("amount", help=_("in MAD"))
    a.add_argument("--method", choices=consignment.PAYOUT_METHODS, required=True)
    a.add_argument("--reference", default="", help=_("transfer or cheque number"))
    a.add_argument("--fair", metavar="CODE")
    a.add_argument("--note", default="")
    a.set_defaults(func=cmd_payout_add)

    m = sub.add_parser("commission", parents=[common], help=_("the shop's commission rules"))
    msub = m.add_subparsers(dest="commission_command", metavar="WHAT", required=True)
    s = msub.add_parser("set", parents=[common], help=_("set a cooperative's commission"))
    s.add_argument("cooperative")
    s.add_argument("rate", help=_("percent, e.g. 15 or 12.5"))
    s.add_argument("--category", metavar="CODE")
    s.add_argument(
        "--tier",
        action="append",
        default=[],
        metavar="FROM=RATE",
        help=_("from this unit price (MAD) upwards, this rate (%%); repeat"),
    )
    s.set_defaults(func=cmd_commission_set)


def register_reports(rsub, common) -> None:
    """``coopos report reconciliation`` and ``coopos report settlement``."""
    r = rsub.add_parser(
        "reconciliation",
        parents=[common],
        help=_("sent, sold, refunded, returned and counted, per cooperative and product"),
    )
    r.add_argument("--fair", metavar="CODE")
    r.add_argument("--location", metavar="CODE", help=_("for a period (default: this till's)"))
    r.add_argument("--from", dest="start", metavar="YYYY-MM-DD")
    r.add_argument("--to", dest="end", metavar="YYYY-MM-DD")
    r.add_argument("--coop", metavar="CODE")
    r.add_argument("--format", choices=(*TEXT_FORMATS, "pdf"), default="text")
    r.add_argument("--output", metavar="FILE")
    r.set_defaults(func=cmd_reconciliation)

    s = rsub.add_parser(
        "settlement", parents=[common], help=_("a cooperative's settlement statement")
    )
    s.add_argument("--coop", required=True, metavar="CODE")
    s.add_argument("--fair", metavar="CODE")
    s.add_argument("--from", dest="start", metavar="YYYY-MM-DD")
    s.add_argument("--to", dest="end", metavar="YYYY-MM-DD")
    s.add_argument("--format", choices=(*TEXT_FORMATS, "pdf", "xlsx", "slip"), default="text")
    s.add_argument("--output", metavar="FILE", help=_("needed for pdf, xlsx and slip (PNG)"))
    s.set_defaults(func=cmd_settlement)


# -- fairs ----------------------------------------------------------------------------------


def cmd_fair_create(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    fair = consignment.create_fair(
        ctx,
        args.code,
        args.name,
        args.city,
        parse_day(args.start) if args.start else None,
        parse_day(args.end) if args.end else None,
        args.stand,
    )
    with ctx.read() as s:
        stand = consignment.stands(s, consignment.fair(s, fair.code))[0].code
    print(_("Fair {code} created; its stand is {stand}.", code=fair.code, stand=stand))
    return 0


def cmd_fair_dispatch(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    note = consignment.dispatch(
        ctx, args.fair, items_arg(args.item, None), args.source, note=args.note
    )
    print(_("Delivery note {number}: {n} products.", number=note.number, n=note.lines))
    return 0


def cmd_fair_return(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    note = consignment.return_goods(
        ctx, args.fair, items_arg(args.item, None), args.destination, note=args.note
    )
    print(_("Return note {number}: {n} products.", number=note.number, n=note.lines))
    return 0


def cmd_fair_count(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    manager = users.require_manager(ctx, ask_pin(args, _("Manager PIN")), "stock_count")
    results = consignment.count_fair(ctx, args.fair, items_arg(args.item, None), manager.id)
    for r in results:
        if r.difference:
            print(
                _(
                    "{sku}: expected {expected}, counted {counted} ({diff:+})",
                    sku=r.sku,
                    expected=format_quantity(r.expected),
                    counted=format_quantity(r.counted),
                    diff=r.difference,
                )
            )
    print(
        _(
            "Count recorded: {n} products counted, {changed} adjusted.",
            n=len(results),
            changed=sum(1 for r in results if r.difference),
        )
    )
    return 0


def cmd_fair_explain(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    manager = users.require_manager(ctx, ask_pin(args, _("Manager PIN")), "stock_adjust")
    consignment.explain_variance(
        ctx, args.fair, args.sku, typed_quantity(args.quantity), args.why, manager.id, args.note
    )
    print(_("Recorded."))
    return 0


def cmd_fair_close(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    consignment.close_fair(ctx, args.fair)
    print(_("Fair {code} closed.", code=args.fair.upper()))
    return 0


def cmd_fair_note(args: argparse.Namespace) -> int:
    from coopos.printing import escpos, statements
    from coopos.printing.printers import open_printer

    printer = open_printer(args.printer) if args.printer else None
    ctx = open_context(args)
    language = getattr(args, "lang", None) or current_language()
    with ctx.read() as s:
        note = consignment.note_document(s, args.number, language)
        shop = consignment.shop_party(s)
    if args.pdf:
        path = statements.save_note_pdf(note, args.pdf, shop, language)
    else:
        image = statements.note_slip(note, shop, language)
        if printer is not None:
            printer.send(escpos.encode_job(image))
            print(_("Note {number} sent to {printer}.", number=note.number, printer=printer.uri))
            return 0
        path = Path(args.png)
        image.save(str(path))
    print(_("Note {number} saved to {path}.", number=note.number, path=path))
    return 0


# -- money ------------------------------------------------------------------------------------


def cmd_payout_add(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    amount = typed_amount(args.amount)
    consignment.add_payout(
        ctx, args.cooperative, amount, args.method, args.reference, args.fair, note=args.note
    )
    print(
        _(
            "Payout of {amount} MAD to {coop} recorded.",
            amount=format_amount(amount),
            coop=args.cooperative.upper(),
        )
    )
    return 0


def _rate_bp(text: str) -> int:
    from coopos.domain.catalog import parse_rate_bp

    return parse_rate_bp(text)


def cmd_commission_set(args: argparse.Namespace) -> int:
    tiers = []
    for text in args.tier:
        if "=" not in text:
            raise ValidationError(_("Give a tier as FROM=RATE, e.g. 500=10."))
        start, rate = text.split("=", 1)
        tiers.append((parse_amount(start), _rate_bp(rate)))
    ctx = open_context(args)
    consignment.set_commission_rule(
        ctx, args.cooperative, _rate_bp(args.rate), args.category, tiers
    )
    print(_("Commission rule saved."))
    return 0


# -- reports ----------------------------------------------------------------------------------


def _write(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
        print(_("Saved to {path}.", path=output))
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def cmd_reconciliation(args: argparse.Namespace) -> int:
    from coopos.printing import statements

    if not args.fair and not (args.start and args.end):
        raise ValidationError(_("Give a fair, or a period with --from and --to."))
    if args.format == "pdf" and not args.output:
        raise ValidationError(_("Give the file to write with --output."))
    ctx = open_context(args)
    language = getattr(args, "lang", None) or current_language()
    with ctx.read() as s:
        recon = consignment.reconciliation(
            s,
            args.fair,
            parse_day(args.start) if args.start else None,
            parse_day(args.end) if args.end else None,
            args.location,
            args.coop,
            language,
        )
        shop = consignment.shop_party(s)
    if args.format == "pdf":
        path = statements.save_reconciliation_pdf(recon, args.output, shop, language)
        print(_("Saved to {path}.", path=path))
        return 0
    _write(render_table(statements.reconciliation_table(recon), args.format), args.output)
    return 0


def cmd_settlement(args: argparse.Namespace) -> int:
    from coopos.domain.consignment import statement_code
    from coopos.printing import statements

    if bool(args.fair) == bool(args.start or args.end):
        raise ValidationError(_("Give either --fair, or --from and --to."))
    if args.format in ("pdf", "xlsx", "slip") and not args.output:
        raise ValidationError(_("Give the file to write with --output."))
    start = parse_day(args.start) if args.start else None
    end = parse_day(args.end) if args.end else None
    ctx = open_context(args)
    language = getattr(args, "lang", None) or current_language()
    with ctx.read() as s:
        statement = consignment.settlement(s, args.coop, args.fair, start, end, language)
        shop = consignment.shop_party(s)
        coop = consignment.cooperative_party(s, args.coop, language)
    code = statement_code(statement, consignment.scope_code(args.fair, start, end))
    if args.format == "pdf":
        path = statements.save_statement_pdf(statement, args.output, shop, coop, language, code)
    elif args.format == "xlsx":
        path = statements.save_statement_xlsx(statement, args.output, language)
    elif args.format == "slip":
        path = Path(args.output)
        statements.statement_slip(statement, shop, coop, language, code).save(str(path))
    elif args.format == "csv":
        _write(statements.statement_csv(statement, language), args.output)
        return 0
    else:
        table = statements.statement_table(statement)
        text = render_table(table, args.format)
        if args.format == "text":
            pairs = statements.summary_pairs(statement, language)
            width = max(len(label) for label, _v in pairs)
            text += "\n\n" + "\n".join(f"{label:<{width}}  {value}" for label, value in pairs)
            text += "\n" + code
        _write(text, args.output)
        return 0
    print(_("Saved to {path}.", path=path))
    return 0
