"""``coopos init``, ``backup``, ``restore``, ``audit`` and ``user``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from coopos.cli.base import add_format, ask_pin, db_path, open_context, whole_number
from coopos.cli.render import text_table
from coopos.domain.catalog import Role
from coopos.domain.errors import StateError
from coopos.i18n import N_, _
from coopos.services import audit, backup, locations, pin_guard, setup, users
from coopos.services.context import Context
from coopos.services.reports import Column


def register(sub, common) -> None:
    p = sub.add_parser("init", parents=[common], help=_("create the database"))
    p.add_argument("--demo", action="store_true", help=_("also load the demo shop and catalog"))
    p.add_argument("--admin-pin", metavar="PIN", help=_("the admin's PIN (else one is drawn)"))
    p.add_argument("--shop-name", metavar="NAME")
    p.add_argument("--language", choices=["ar", "fr", "zgh", "en"], default="fr")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("backup", parents=[common], help=_("copy the database safely"))
    p.add_argument("dest", nargs="?", type=Path, help=_("file or folder (default: backups)"))
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", parents=[common], help=_("replace the database by a backup"))
    p.add_argument("file", type=Path)
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("audit", parents=[common], help=_("check or show the audit log"))
    asub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    a = asub.add_parser("verify", parents=[common], help=_("verify the hash chain"))
    a.set_defaults(func=cmd_audit_verify)
    a = asub.add_parser("show", parents=[common], help=_("show recent entries"))
    a.add_argument("--limit", type=whole_number(1, 100_000), default=30)
    add_format(a)
    a.set_defaults(func=cmd_audit_show)

    p = sub.add_parser("location", parents=[common], help=_("shops, warehouses, fair stands"))
    lsub = p.add_subparsers(dest="location_command", metavar="ACTION", required=True)
    loc = lsub.add_parser("add", parents=[common], help=_("add a location"))
    loc.add_argument("code")
    loc.add_argument("--kind", choices=locations.KINDS, required=True)
    loc.add_argument("--name", required=True)
    loc.add_argument("--fair", metavar="NAME", help=_("for a stand: the fair's name"))
    loc.add_argument("--city", default="")
    loc.add_argument("--from", dest="starts_on", metavar="YYYY-MM-DD")
    loc.add_argument("--to", dest="ends_on", metavar="YYYY-MM-DD")
    loc.set_defaults(func=cmd_location_add)
    loc = lsub.add_parser("list", parents=[common], help=_("list locations"))
    loc.set_defaults(func=cmd_location_list)

    p = sub.add_parser("user", parents=[common], help=_("manage users"))
    usub = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    u = usub.add_parser("add", parents=[common], help=_("add a user"))
    u.add_argument("name")
    u.add_argument("--role", choices=[r.value for r in Role], default="seller")
    u.add_argument("--new-pin", required=True, metavar="PIN", help=_("the new user's PIN"))
    u.add_argument("--pin", help=_("a manager's PIN, to approve"))
    u.set_defaults(func=cmd_user_add)
    u = usub.add_parser("list", parents=[common], help=_("list users"))
    u.set_defaults(func=cmd_user_list)
    u = usub.add_parser(
        "unlock", parents=[common], help=_("unlock PIN entry after too many wrong PINs (manager)")
    )
    u.add_argument("--pin", help=_("a manager's PIN"))
    u.set_defaults(func=cmd_user_unlock)


def cmd_init(args: argparse.Namespace) -> int:
    path = db_path(args)
    ctx = Context.open(path)
    try:
        if setup.is_initialised(ctx):
            raise StateError(_("{path} is already set up; nothing was changed.", path=path))
        result = setup.init_database(
            ctx,
            admin_pin=args.admin_pin,
            demo=args.demo,
            shop_name=args.shop_name,
            language=args.language,
        )
    finally:
        ctx.close()
    print(_("Database created: {path}", path=path))
    if args.demo:
        print(
            _(
                "Demo data: {coops} cooperatives, {products} products.",
                coops=result.cooperatives,
                products=result.products,
            )
        )
    _print_users(result)
    return 0


def ensure_demo(args: argparse.Namespace) -> None:
    """``coopos --demo``: create the demo database unless one is already set up."""
    ctx = Context.open(db_path(args))
    try:
        if setup.is_initialised(ctx):
            return
        result = setup.init_database(ctx, demo=True)
    finally:
        ctx.close()
    print(_("Demo database created: {path}", path=db_path(args)))
    _print_users(result)


def _print_users(result: setup.InitResult) -> None:
    print(_("Users and PINs (shown once, write them down):"))
    for name, role, pin in result.created_users:
        print(f"  {name:10} {Role(role).label:10} {pin}")


def cmd_backup(args: argparse.Namespace) -> int:
    dest = backup.backup(db_path(args), args.dest)
    print(_("Backup written: {path}", path=dest))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    restored = backup.restore(args.file, db_path(args))
    print(_("Restored {file} into {path}.", file=args.file, path=db_path(args)))
    if restored.safety:
        print(_("The replaced database was kept in {path}.", path=restored.safety))
    report = restored.report
    if report.carried:
        print(
            _(
                "{n} events of the replaced database had not reached the server yet: they "
                "will be sent.",
                n=report.carried,
            )
        )
    if report.left_behind:
        print(
            _(
                "{n} events of the replaced database never reached the server and belong to "
                "another till: they stay in its copy.",
                n=report.left_behind,
            )
        )
    if report.held:
        print(
            _(
                "Connect this till to the server once (coopos sync) before selling: its "
                "receipt numbers must continue after the last ones head office has."
            )
        )
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    check = audit.verify(ctx)
    if check.ok:
        print(_("Audit log intact: {n} entries verified.", n=check.entries))
        return 0
    print(_("Audit log BROKEN at entry {seq}: it was edited or deleted.", seq=check.broken_at))
    return 1


def cmd_audit_show(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    entries = audit.recent(ctx, args.limit)
    rows = [
        {
            "seq": e.seq,
            "at": e.at_local,
            "user": e.user_id or "",
            "action": e.action,
            "details": e.details,
        }
        for e in reversed(entries)
    ]
    if args.format == "json":
        for r in rows:
            r["details"] = json.loads(r["details"])
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    cols = [
        Column("seq", "#", "int"),
        Column("at", N_("Time")),
        Column("user", N_("User")),
        Column("action", N_("Action")),
        Column("details", N_("Details")),
    ]
    print(text_table(_("Audit log"), cols, rows))
    return 0


def cmd_location_add(args: argparse.Namespace) -> int:
    from coopos.services.reports import parse_day

    ctx = open_context(args)
    location = locations.add_location(
        ctx,
        args.code,
        args.kind,
        args.name,
        fair_name=args.fair,
        city=args.city,
        starts_on=parse_day(args.starts_on) if args.starts_on else None,
        ends_on=parse_day(args.ends_on) if args.ends_on else None,
    )
    print(_("Location {code} added.", code=location.code))
    return 0


def cmd_location_list(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    rows = [
        {
            "code": loc.code,
            "kind": loc.kind,
            "name": loc.name,
            "fair": f"{loc.fair.name} ({loc.fair.city})" if loc.fair else "",
        }
        for loc in locations.list_locations(ctx)
    ]
    cols = [
        Column("code", N_("Code")),
        Column("kind", N_("Kind")),
        Column("name", N_("Name")),
        Column("fair", N_("Fair")),
    ]
    print(text_table(_("Locations"), cols, rows))
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    manager = users.require_manager(ctx, ask_pin(args, _("Manager PIN")), "user_add")
    user = users.create_user(ctx, args.name, args.role, args.new_pin, actor_id=manager.id)
    print(_("User {name} added.", name=user.name))
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    rows = [
        {"name": u.name, "role": Role(u.role).label, "active": _("yes") if u.active else _("no")}
        for u in users.list_users(ctx)
    ]
    cols = [Column("name", N_("Name")), Column("role", N_("Role")), Column("active", N_("Active"))]
    print(text_table(_("Users"), cols, rows))
    guard = pin_guard.status(ctx)
    if guard.locked:
        print(_("PIN entry is locked: a manager unlocks it with “coopos user unlock”."))
    elif guard.last_hour:
        print(_("Wrong PINs in the last hour: {n}.", n=guard.last_hour))
    return 0


def cmd_user_unlock(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    was_locked = pin_guard.status(ctx).locked
    # on a locked till a manager's PIN is accepted, and unlocks
    manager = users.require_manager(ctx, ask_pin(args, _("Manager PIN")), "pins_unlock")
    users.unlock_pins(ctx, manager.id)
    if was_locked:
        print(_("PIN entry unlocked by {name}.", name=manager.name))
    else:
        print(_("PIN entry was not locked; the count of wrong PINs starts again."))
    return 0
