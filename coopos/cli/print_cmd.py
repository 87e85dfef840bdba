"""``coopos print receipt|test|verify``: receipts to a printer, a PNG or a PDF."""

from __future__ import annotations

import argparse

from coopos.cli.base import open_context
from coopos.domain.errors import ValidationError
from coopos.i18n import _

WIDTHS = (576, 384)


def register(sub, common) -> None:
    p = sub.add_parser("print", parents=[common], help=_("print receipts and a printer test"))
    psub = p.add_subparsers(dest="print_command", metavar="WHAT", required=True)

    r = psub.add_parser(
        "receipt",
        parents=[common],
        help=_("print a receipt again, or save it as an image or a PDF"),
        description=_(
            "The receipt is drawn in the language given with --lang (default: the shop's)."
        ),
    )
    r.add_argument("receipt", metavar="RECEIPT_NO")
    _outputs(r)
    r.set_defaults(func=cmd_receipt)

    t = psub.add_parser("test", parents=[common], help=_("print a test page"))
    _outputs(t)
    t.set_defaults(func=cmd_test)

    v = psub.add_parser(
        "verify", parents=[common], help=_("check the QR code of a receipt (its text)")
    )
    v.add_argument("text", metavar="QR_TEXT")
    v.set_defaults(func=cmd_verify)


def _outputs(p: argparse.ArgumentParser) -> None:
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--printer",
        metavar="URI",
        help=_("file:/path or tcp://host[:port] (usb:, serial:, cups:, win32: come later)"),
    )
    target.add_argument("--png", metavar="FILE", help=_("save as a PNG image"))
    target.add_argument("--pdf", metavar="FILE", help=_("save as a PDF, 80 mm wide"))
    p.add_argument(
        "--width",
        type=int,
        choices=WIDTHS,
        default=576,
        help=_("printable dots: 576 for 80 mm paper, 384 for 58 mm"),
    )


def cmd_receipt(args: argparse.Namespace) -> int:
    from coopos.printing import receipts

    ctx = open_context(args)
    language = getattr(args, "lang", None)
    if args.printer:
        result = receipts.print_receipt(ctx, args.receipt, args.printer, language, args.width)
        print(
            _(
                "Receipt {receipt} sent to {printer} ({size} KB).",
                receipt=result.receipt_no,
                printer=result.printer,
                size=round(result.bytes_sent / 1024, 1),
            )
        )
        return 0
    path = receipts.save_receipt_file(ctx, args.receipt, args.png or args.pdf, language, args.width)
    print(_("Receipt {receipt} saved to {path}.", receipt=args.receipt.strip().upper(), path=path))
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from coopos.cli.base import db_path
    from coopos.printing import receipts, render

    # The shop's name when there is a database; a test page needs none.
    ctx = open_context(args) if db_path(args).exists() else None
    language = getattr(args, "lang", None)
    if args.printer:
        result = receipts.print_test_page(ctx, args.printer, language, args.width)
        print(_("Test page sent to {printer}.", printer=result.printer))
        return 0
    page = receipts.build_test_page(ctx, args.png or args.pdf, language)
    if args.png:
        path = render.save_test_page_png(page, args.png, args.width)
    else:
        path = render.save_test_page_pdf(page, args.pdf, args.width)
    print(_("Test page saved to {path}.", path=path))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from coopos.db.models import Sale
    from coopos.printing import qr
    from coopos.services import settings

    ctx = open_context(args)
    with ctx.read() as s:
        secret = str(settings.get(s, "receipt.secret") or "")
        sale_uuid = qr.verify(secret, args.text)
        receipt = None
        if sale_uuid:
            receipt = s.execute(select(Sale.receipt_no).where(Sale.uuid == sale_uuid)).scalar()
    if sale_uuid is None:
        raise ValidationError(_("This QR code was not issued by this shop, or it was altered."))
    if receipt is None:
        raise ValidationError(
            _("This QR code is genuine but its sale is not in this database (another till?).")
        )
    print(_("Genuine receipt {receipt}.", receipt=receipt))
    return 0
