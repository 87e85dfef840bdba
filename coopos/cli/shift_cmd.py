"""``coopos shift open|cash|drawer|x|close|z|settings``.

The shop's rules for closing apply here as in the app: with ``shift.blind_count`` the
expected cash is not shown before the count (``shift x`` hides it unless a manager's PIN
is given); without ``shift.sellers_may_close`` a seller's close needs a manager's PIN."""

from __future__ import annotations

import argparse
import sys

from coopos.cli.base import (
    add_format,
    ask_pin,
    open_context,
    split_pair,
    typed_amount,
    whole_number,
)
from coopos.cli.render import render_shift_report
from coopos.domain.errors import ValidationError
from coopos.domain.money import format_amount
from coopos.domain.sale import PaymentMethod
from coopos.i18n import _
from coopos.services import lookups, shifts, users


def register(sub, common) -> None:
    p = sub.add_parser("shift", parents=[common], help=_("open and close shifts, X and Z"))
    ssub = p.add_subparsers(dest="shift_command", metavar="ACTION", required=True)

    s = ssub.add_parser("open", parents=[common], help=_("open a shift with a cash float"))
    s.add_argument("--float", dest="float_amount", default="0", metavar="AMOUNT")
    s.add_argument("--user", default="Admin", metavar="NAME")
    s.add_argument("--location", metavar="CODE")
    s.set_defaults(func=cmd_open)

    s = ssub.add_parser("cash", parents=[common], help=_("cash in (+) or out (-) of the drawer"))
    s.add_argument("amount", help=_("e.g. 100 or -50"))
    s.add_argument("--reason", required=True)
    s.add_argument("--user", default="Admin", metavar="NAME")
    s.set_defaults(func=cmd_cash)

    s = ssub.add_parser(
        "drawer", parents=[common], help=_("open the cash drawer without a sale (manager, audited)")
    )
    s.add_argument("--reason", required=True)
    s.add_argument("--pin", help=_("a manager's PIN"))
    s.set_defaults(func=cmd_drawer)

    s = ssub.add_parser(
        "x", parents=[common], help=_("X report of the open shift (closes nothing)")
    )
    s.add_argument("--pin", help=_("a manager's PIN: shows the expected cash of a blind count"))
    add_format(s)
    s.set_defaults(func=cmd_x)

    s = ssub.add_parser("close", parents=[common], help=_("close the shift with a cash count"))
    s.add_argument("--cash", metavar="AMOUNT", help=_("cash counted in the drawer"))
    s.add_argument(
        "--count",
        nargs="+",
        metavar="VALUE=N",
        help=_("cash counted by note and coin, e.g. 200=3 100=2 0.5=4"),
    )
    s.add_argument(
        "--counted",
        action="append",
        metavar="METHOD:AMOUNT",
        help=_("terminal total for card, mobile...; default: as expected"),
    )
    s.add_argument("--user", default="Admin", metavar="NAME")
    s.add_argument("--pin", help=_("a manager's PIN, when sellers may not close alone"))
    add_format(s)
    s.set_defaults(func=cmd_close)

    s = ssub.add_parser("z", parents=[common], help=_("print a Z report again"))
    s.add_argument("--number", type=whole_number(1, 10**9), help=_("default: the last one"))
    add_format(s)
    s.set_defaults(func=cmd_z)

    s = ssub.add_parser(
        "settings",
        parents=[common],
        help=_("show or change the closing rules and the shop's time zone"),
    )
    s.add_argument("--blind-count", choices=["on", "off"], help=_("hide the expected cash"))
    s.add_argument(
        "--sellers-may-close", choices=["on", "off"], help=_("sellers close without a manager")
    )
    s.add_argument("--time-zone", metavar="ZONE", help=_("e.g. Africa/Casablanca"))
    number = whole_number(0, 1_000_000)
    s.add_argument(
        "--backup-days", type=number, metavar="N", help=_("keep automatic backups N days")
    )
    s.add_argument(
        "--backup-max-mb",
        type=number,
        metavar="N",
        help=_("keep automatic backups up to N MB in all"),
    )
    s.add_argument(
        "--outbox-days",
        type=number,
        metavar="N",
        help=_("delete sales the server has from the send queue after N days"),
    )
    s.add_argument("--pin", help=_("a manager's PIN (to change them)"))
    s.set_defaults(func=cmd_settings)


def _user(ctx, name: str):
    with ctx.read() as s:
        return lookups.user_by_name(s, name)


def cmd_open(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    user = _user(ctx, args.user)
    shift = shifts.open_shift(ctx, user.id, typed_amount(args.float_amount), args.location)
    print(
        _(
            "Shift {id} opened by {user} with a float of {amount} MAD.",
            id=shift.id,
            user=user.name,
            amount=format_amount(shift.float_cents),
        )
    )
    return 0


def cmd_cash(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    user = _user(ctx, args.user)
    move = shifts.cash_movement(ctx, user.id, typed_amount(args.amount), args.reason)
    print(_("Cash movement of {amount} MAD recorded.", amount=format_amount(move.amount_cents)))
    return 0


def cmd_drawer(args: argparse.Namespace) -> int:
    """Record the opening, then kick the drawer through the receipt printer if one is set."""
    from coopos.services import settings

    ctx = open_context(args)
    manager = users.require_manager(ctx, ask_pin(args, _("Manager PIN")), "drawer_open")
    shifts.record_drawer_opened(ctx, manager.id, args.reason)
    with ctx.read() as s:
        uri = str(settings.get(s, "printer.uri") or "")
        pin = int(settings.get(s, "printer.drawer_pin") or 2)
    if uri:
        from coopos.printing import escpos
        from coopos.printing.printers import open_printer

        open_printer(uri).send(escpos.INIT + escpos.drawer_kick(pin))
        print(_("Drawer opened."))
    else:
        print(_("Recorded. No printer is set up to open the drawer: open it by hand."))
    return 0


def cmd_x(args: argparse.Namespace) -> int:
    """Reads only: an X report never closes or numbers anything."""
    ctx = open_context(args)
    viewer = None
    if args.pin:
        viewer = users.require_manager(ctx, ask_pin(args, _("Manager PIN")), "x_report").id
    hide = shifts.hides_expected_cash(ctx, viewer)
    print(render_shift_report(shifts.x_report(ctx), args.format, hide_expected=hide))
    return 0


def parse_denominations(values: list[str]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for value in values:
        if "=" not in value:
            raise ValidationError(
                _("Write a count as VALUE=N, e.g. 200=3 (not “{text}”).", text=value)
            )
        denomination, n = value.split("=", 1)
        try:
            number = int(n)
        except ValueError:
            raise ValidationError(_("“{text}” is not a whole number.", text=n)) from None
        cents = typed_amount(denomination)
        counts[cents] = counts.get(cents, 0) + number
    return counts


def cmd_close(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    user = _user(ctx, args.user)
    counted: dict[PaymentMethod, int] = {}
    if args.cash is not None:
        counted[PaymentMethod.CASH] = typed_amount(args.cash)
    for value in args.counted or []:
        method, amount = split_pair(value, None)
        if amount is None:
            raise ValidationError(_("Give a count as METHOD:AMOUNT in “{text}”.", text=value))
        counted[PaymentMethod.parse(method)] = typed_amount(amount)
    detail = parse_denominations(args.count) if args.count else None
    if detail is None and PaymentMethod.CASH not in counted:
        counted[PaymentMethod.CASH] = ask_count(ctx, user.id)
    approver = None
    if shifts.close_needs_approval(ctx, user.id):
        manager = users.require_manager(ctx, ask_pin(args, _("Manager PIN")), shifts.CLOSE_ACTION)
        approver = manager.id
    report = shifts.close_shift(ctx, user.id, counted, detail, approver_id=approver)
    print(render_shift_report(report, args.format))
    backup_after_close(ctx, report.z_number, quiet=args.format != "text")
    return 0


def ask_count(ctx, user_id: int) -> int:
    """The cash counted, typed on a terminal: the expected cash is said first, unless the
    count is blind (then it is in the Z report printed after the close)."""
    if not sys.stdin.isatty():
        raise ValidationError(_("Count the cash: give --cash AMOUNT or --count 200=3 100=2 …"))
    if not shifts.hides_expected_cash(ctx, user_id):
        expected = shifts.x_report(ctx).expected_cash
        print(_("Expected cash: {amount} MAD", amount=format_amount(expected)))
    return typed_amount(input(_("Cash counted in the drawer (MAD): ")))


def backup_after_close(ctx, z_number: int | None, quiet: bool = False) -> None:
    """The close has committed (its report is printed): prune the outbox and back up
    now; unlike the desktop, the command waits for it and says so.  A failed backup (USB
    key missing) is said in one sentence on stderr and does not change the exit code: the
    shift is closed.  ``quiet``: CSV or JSON on stdout stays parseable, so notes go to
    stderr."""
    import sys

    from coopos.services import settings, storage

    with ctx.read() as s:
        folder = str(settings.get(s, "backup.folder") or "").strip()
    print(_("Backing up…"), file=sys.stderr if quiet else sys.stdout)
    for result in storage.after_close(ctx, folder or None, z_number):
        print(result.message, file=sys.stdout if result.ok and not quiet else sys.stderr)


def cmd_z(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    print(render_shift_report(shifts.z_report(ctx, args.number), args.format))
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    """Shows the closing rules; changing one needs a manager's PIN (audited)."""
    from coopos.services import settings

    ctx = open_context(args)
    changes: dict[str, object] = {}
    if args.blind_count:
        changes["shift.blind_count"] = args.blind_count == "on"
    if args.sellers_may_close:
        changes["shift.sellers_may_close"] = args.sellers_may_close == "on"
    if args.time_zone:
        changes["shop.time_zone"] = args.time_zone
    for key, value in (
        ("backup.keep_days", args.backup_days),
        ("backup.max_mb", args.backup_max_mb),
        ("outbox.retention_days", args.outbox_days),
    ):
        if value is not None:
            changes[key] = value
    if changes:
        manager = users.require_manager(ctx, ask_pin(args, _("Manager PIN")), "settings")
        settings.update(ctx, changes, manager.id)
    with ctx.read() as s:
        values = settings.get_all(s)
    on_off = {True: _("on"), False: _("off")}
    print(_("Blind count: {value}", value=on_off[bool(values["shift.blind_count"])]))
    print(
        _(
            "Sellers may close the shift: {value}",
            value=on_off[bool(values["shift.sellers_may_close"])],
        )
    )
    print(_("Time zone: {zone}", zone=values["shop.time_zone"]))
    print(
        _(
            "Automatic backups kept: {days} days, {mb} MB in all (0: no limit), the 3 "
            "newest always",
            days=values["backup.keep_days"],
            mb=values["backup.max_mb"],
        )
    )
    print(
        _(
            "Sales the server has leave the send queue after {days} days (0: never)",
            days=values["outbox.retention_days"],
        )
    )
    return 0
