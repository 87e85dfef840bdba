"""``coopos print receipt|test|labels|verify``: receipts and price labels to a printer, a
PNG or a PDF."""

from __future__ import annotations

import argparse

from coopos.cli.base import not_empty, open_context, whole_number
from coopos.i18n import _

WIDTHS = (576, 384)


def register(sub, common) -> None:
    p = sub.add_parser(
        "print", parents=[common], help=_("print receipts, price labels and a printer test")
    )
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

    lab = psub.add_parser(
        "labels",
        parents=[common],
        help=_("print price labels for products"),
        description=_(
            "Labels show the name in Arabic and in French, the price, the cooperative's "
            "code and a barcode: on the receipt printer, as a PNG, or as an A4 PDF sheet "
            "of 3 x 8 labels for an office printer."
        ),
    )
    lab.add_argument(
        "--sku",
        dest="skus",
        metavar="SKU",
        action="append",
        required=True,
        help=_("a product's SKU (repeat for several products)"),
    )
    lab.add_argument(
        "--copies",
        type=whole_number(1, 1000),
        default=1,
        metavar="N",
        help=_("labels per product (default 1)"),
    )
    lab.add_argument("--qr", action="store_true", help=_("add a QR code with the product's SKU"))
    lab.add_argument(
        "--qr-url",
        metavar="URL",
        help=_("put this address in the QR code instead, {sku} replaced by the SKU"),
    )
    target = lab.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--printer",
        type=not_empty,
        metavar="URI",
        help=_("file:/path or tcp://host[:port] (usb:, serial:, cups:, win32: come later)"),
    )
    target.add_argument(
        "--png",
        type=not_empty,
        metavar="FILE",
        help=_("save the labels as printed on the receipt printer"),
    )
    target.add_argument(
        "--pdf",
        type=not_empty,
        metavar="FILE",
        help=_("save an A4 PDF sheet of labels for an office printer"),
    )
    lab.add_argument(
        "--width",
        type=int,
        choices=WIDTHS,
        default=576,
        help=_("printable dots: 576 for 80 mm paper, 384 for 58 mm"),
    )
    lab.add_argument(
        "--strip",
        action="store_true",
        help=_("print all labels on one strip with a single cut (default: a cut after each)"),
    )
    lab.set_defaults(func=cmd_labels)

    v = psub.add_parser(
        "verify", parents=[common], help=_("check the QR code of a receipt (its text)")
    )
    v.add_argument("text", metavar="QR_TEXT")
    v.set_defaults(func=cmd_verify)


def _outputs(p: argparse.ArgumentParser) -> None:
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--printer",
        type=not_empty,
        metavar="URI",
        help=_(
            "file:/path, tcp://HOST[:PORT], usb:VID:PID, serial:PORT[?baudrate=N], "
            "cups:QUEUE or win32:NAME"
        ),
    )
    target.add_argument("--png", type=not_empty, metavar="FILE", help=_("save as a PNG image"))
    target.add_argument(
        "--pdf", type=not_empty, metavar="FILE", help=_("save as a PDF, 80 mm wide")
    )
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


def cmd_labels(args: argparse.Namespace) -> int:
    from coopos.i18n import ngettext
    from coopos.printing import labels
    from coopos.printing.printers import open_printer

    if args.printer:
        open_printer(args.printer)  # a bad URI fails before the database is read
    ctx = open_context(args)
    # Every SKU is looked up before anything is drawn: an unknown one writes nothing.
    found = labels.load_labels(
        ctx, args.skus, args.copies, args.qr, args.qr_url, getattr(args, "lang", None)
    )
    count = len(found)
    if args.printer:
        result = labels.print_labels(found, args.printer, args.width, args.strip)
        print(
            ngettext(
                "{n} label sent to {printer} ({size} KB).",
                "{n} labels sent to {printer} ({size} KB).",
                count,
                printer=result.printer,
                size=round(result.bytes_sent / 1024, 1),
            )
        )
    elif args.png:
        path = labels.save_png(found, args.png, args.width)
        print(
            ngettext("{n} label saved to {path}.", "{n} labels saved to {path}.", count, path=path)
        )
    else:
        path, pages = labels.save_sheet_pdf(found, args.pdf)
        print(
            ngettext(
                "{n} A4 page saved to {path}, labels: {count}.",
                "{n} A4 pages saved to {path}, labels: {count}.",
                pages,
                path=path,
                count=count,
            )
        )
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from coopos.printing.receipts import receipt_from_qr

    ctx = open_context(args)
    with ctx.read() as s:
        receipt = receipt_from_qr(s, args.text)
    print(_("Genuine receipt {receipt}.", receipt=receipt))
    return 0
