"""``coopos server``: run the central server, and head office's admin commands
(``init``, ``catalog import``, ``location``, ``fair``, ``user``, ``device``,
``admin-token``, ``quarantine`` and ``flags`` in ``server_review_cmd``), the consignment
reports over every till's sales (``report
reconciliation``, ``report settlement``), ``payout add``, ``coop access-code`` (the
cooperatives' portal) and ``shop`` (head office on statements).  Every command takes
``--database-url`` (default: ``server.db`` in the user data folder, or
``$COOPOS_SERVER_DATABASE_URL``)."""

from __future__ import annotations

import argparse
import io
import os
import sys
from datetime import date
from pathlib import Path

from coopos.catalog_file import CatalogImportError
from coopos.cli import server_review_cmd
from coopos.cli.base import add_format, whole_number
from coopos.cli.render import render_table
from coopos.domain.catalog import Role
from coopos.domain.consignment import PAYOUT_METHODS
from coopos.domain.errors import ValidationError
from coopos.i18n import N_, _
from coopos.services.reports import Column, Table

URL_ENV = "COOPOS_SERVER_DATABASE_URL"
TEXT_FORMATS = ("text", "csv", "json")
DEFAULT_PORT = 8700


def register(sub, common) -> None:
    # Not the till's ``--db``: the server's database is named by URL.
    url = argparse.ArgumentParser(add_help=False)
    url.add_argument(
        "--lang",
        default=argparse.SUPPRESS,
        choices=["ar", "fr", "zgh", "en"],
        help=_("language of messages"),
    )
    url.add_argument(
        "--database-url",
        metavar="URL",
        default=argparse.SUPPRESS,
        help=_(
            "sqlite:///PATH or postgresql+psycopg://USER@HOST/DB "
            "(default: ${env}, else server.db in the data folder)",
            env=URL_ENV,
        ),
    )
    parents = [url]

    p = sub.add_parser("server", parents=parents, help=_("run the central server, or manage it"))
    p.add_argument("--host", default="127.0.0.1", help=_("address to listen on"))
    p.add_argument("--port", type=whole_number(1, 65535), default=DEFAULT_PORT)
    p.add_argument(
        "--workers",
        type=whole_number(1, 64),
        default=1,
        help=_("server processes (they share the database)"),
    )
    p.add_argument(
        "--trusted-proxies",
        "--forwarded-allow-ips",
        dest="trusted_proxies",
        default=None,
        metavar="IPS",
        help=_(
            "reverse proxies whose X-Forwarded-For is believed: addresses or networks, "
            "comma-separated (default: $COOPOS_SERVER_TRUSTED_PROXIES, else 127.0.0.1, a "
            "proxy on this machine)"
        ),
    )
    p.set_defaults(func=cmd_run)
    ssub = p.add_subparsers(dest="server_command", metavar="ACTION")

    s = ssub.add_parser("init", parents=parents, help=_("create or upgrade the server database"))
    s.set_defaults(func=cmd_init)

    s = ssub.add_parser("catalog", parents=parents, help=_("head office's catalog"))
    csub = s.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    c = csub.add_parser("import", parents=parents, help=_("import a CSV or XLSX catalog"))
    c.add_argument("file", type=Path)
    c.add_argument(
        "--location",
        default="SHOP",
        help=_("where the stock column is received (default: SHOP)"),
    )
    c.add_argument("--dry-run", action="store_true", help=_("check the file, change nothing"))
    c.set_defaults(func=cmd_catalog_import)

    s = ssub.add_parser("location", parents=parents, help=_("shops, warehouses, fair stands"))
    lsub = s.add_subparsers(dest="location_command", metavar="ACTION", required=True)
    c = lsub.add_parser("add", parents=parents, help=_("add a location"))
    c.add_argument("code")
    c.add_argument("--kind", choices=["shop", "warehouse", "stand"], required=True)
    c.add_argument("--name", required=True)
    c.add_argument("--fair", metavar="CODE", help=_("for a stand: its fair (see “fair add”)"))
    c.set_defaults(func=cmd_location_add)

    s = ssub.add_parser("fair", parents=parents, help=_("fairs, for stands"))
    fsub = s.add_subparsers(dest="fair_command", metavar="ACTION", required=True)
    c = fsub.add_parser("add", parents=parents, help=_("add a fair"))
    c.add_argument("code")
    c.add_argument("--name", required=True)
    c.add_argument("--city", default="")
    c.add_argument("--from", dest="starts_on", metavar="YYYY-MM-DD")
    c.add_argument("--to", dest="ends_on", metavar="YYYY-MM-DD")
    c.set_defaults(func=cmd_fair_add)

    s = ssub.add_parser("user", parents=parents, help=_("users of the tills"))
    usub = s.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    c = usub.add_parser("add", parents=parents, help=_("add a user"))
    c.add_argument("name")
    c.add_argument("--role", choices=[r.value for r in Role], required=True)
    c.add_argument(
        "--pin",
        required=True,
        help=_("the user's PIN (4 to 8 digits; 6 or more for a manager or an admin)"),
    )
    c.add_argument("--language", choices=["ar", "fr", "zgh", "en"])
    where = _("a location whose tills receive this user (repeat; default: SHOP)")
    c.add_argument("--location", action="append", metavar="CODE", help=where)
    c.set_defaults(func=cmd_user_add)
    c = usub.add_parser(
        "locations", parents=parents, help=_("set where a user works (their tills only)")
    )
    c.add_argument("name")
    c.add_argument("--location", action="append", metavar="CODE", required=True, help=where)
    c.set_defaults(func=cmd_user_locations)
    c = usub.add_parser("pin", parents=parents, help=_("give a user a new PIN on every till"))
    c.add_argument("name")
    c.add_argument("--pin", required=True, help=_("the new PIN"))
    c.set_defaults(func=cmd_user_pin)

    s = ssub.add_parser("device", parents=parents, help=_("tills allowed to sync"))
    dsub = s.add_subparsers(dest="device_command", metavar="ACTION", required=True)
    c = dsub.add_parser("add", parents=parents, help=_("a one-time enrollment code for a till"))
    c.add_argument("--location", default="SHOP", help=_("the till's location (default: SHOP)"))
    c.add_argument("--prefix", help=_("its receipt prefix (default: the next free T01, T02…)"))
    c.add_argument("--name", default="")
    c.add_argument(
        "--hours",
        type=whole_number(1, 24 * 365),
        default=24,
        help=_("how long the code is valid (default: 24)"),
    )
    c.set_defaults(func=cmd_device_add)
    c = dsub.add_parser("list", parents=parents, help=_("devices, their last contact and clock"))
    add_format(c)
    c.set_defaults(func=cmd_device_list)
    c = dsub.add_parser("revoke", parents=parents, help=_("refuse a device from now on"))
    c.add_argument("id", type=whole_number(1, 2**62))
    c.set_defaults(func=cmd_device_revoke)
    c = dsub.add_parser(
        "reenroll",
        parents=parents,
        help=_(
            "a new one-time code for an existing device (revoked, or restored on another "
            "computer): same prefix, its unsent sales kept"
        ),
    )
    c.add_argument("id", type=whole_number(1, 2**62))
    c.add_argument(
        "--hours",
        type=whole_number(1, 24 * 365),
        default=24,
        help=_("how long the code is valid (default: 24)"),
    )
    c.set_defaults(func=cmd_device_reenroll)

    s = ssub.add_parser(
        "admin-token", parents=parents, help=_("a token for catalog edits through the API")
    )
    s.add_argument("--name", default="", help=_("who or what uses it"))
    s.add_argument("--list", action="store_true", help=_("list tokens instead"))
    s.add_argument(
        "--revoke", type=whole_number(1, 2**62), metavar="ID", help=_("revoke a token instead")
    )
    s.set_defaults(func=cmd_admin_token)

    _register_consignment(ssub, parents)
    server_review_cmd.register(ssub, parents)


def _register_consignment(ssub, parents) -> None:
    """Reports over every till's sales, payouts, the shop on statements, portal codes."""
    s = ssub.add_parser(
        "report", parents=parents, help=_("consignment reports over every till's sales")
    )
    rsub = s.add_subparsers(dest="report_command", metavar="REPORT", required=True)
    r = rsub.add_parser(
        "reconciliation",
        parents=parents,
        help=_("sent, sold, refunded, returned and counted, per cooperative and product"),
    )
    r.add_argument("--fair", metavar="CODE")
    r.add_argument("--location", metavar="CODE", help=_("for a period: the location"))
    r.add_argument("--from", dest="start", metavar="YYYY-MM-DD")
    r.add_argument("--to", dest="end", metavar="YYYY-MM-DD")
    r.add_argument("--coop", metavar="CODE")
    r.add_argument("--format", choices=(*TEXT_FORMATS, "pdf"), default="text")
    r.add_argument("--output", metavar="FILE")
    r.set_defaults(func=cmd_report_reconciliation)

    r = rsub.add_parser(
        "settlement", parents=parents, help=_("a cooperative's settlement statement")
    )
    r.add_argument("--coop", required=True, metavar="CODE")
    r.add_argument("--fair", metavar="CODE")
    r.add_argument("--from", dest="start", metavar="YYYY-MM-DD")
    r.add_argument("--to", dest="end", metavar="YYYY-MM-DD")
    r.add_argument("--format", choices=(*TEXT_FORMATS, "pdf", "xlsx", "slip"), default="text")
    r.add_argument("--output", metavar="FILE", help=_("needed for pdf, xlsx and slip (PNG)"))
    r.set_defaults(func=cmd_report_settlement)

    s = ssub.add_parser("payout", parents=parents, help=_("money paid to cooperatives"))
    psub = s.add_subparsers(dest="payout_command", metavar="ACTION", required=True)
    c = psub.add_parser("add", parents=parents, help=_("record a payout"))
    c.add_argument("cooperative")
    c.add_argument("amount", help=_("in MAD"))
    c.add_argument("--method", choices=PAYOUT_METHODS, required=True)
    c.add_argument("--reference", default="", help=_("transfer or cheque number"))
    c.add_argument("--fair", metavar="CODE")
    c.add_argument("--note", default="")
    c.set_defaults(func=cmd_payout_add)

    s = ssub.add_parser("coop", parents=parents, help=_("cooperatives and their portal"))
    csub = s.add_subparsers(dest="coop_command", metavar="ACTION", required=True)
    c = csub.add_parser(
        "access-code",
        parents=parents,
        help=_("a new portal access code for a cooperative (the old one stops working)"),
    )
    c.add_argument("cooperative")
    c.set_defaults(func=cmd_coop_access_code)

    s = ssub.add_parser(
        "shop", parents=parents, help=_("head office as printed on statements (shows it)")
    )
    for name, flag in (
        ("name", "--name"),
        ("address", "--address"),
        ("ice", "--ice"),
        ("if", "--if"),
        ("tp", "--tp"),
        ("odco", "--odco"),
        ("phone", "--phone"),
    ):
        s.add_argument(flag, dest=f"shop_{name}", metavar="TEXT")
    s.set_defaults(func=cmd_shop)


def database_url(args: argparse.Namespace) -> str:
    from coopos.server.db import default_url

    return getattr(args, "database_url", None) or os.environ.get(URL_ENV) or default_url()


def _open(args: argparse.Namespace):
    from coopos.server.admin import init_server
    from coopos.server.db import Database

    db = Database.open(database_url(args))
    init_server(db)
    return db


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        raise ValidationError(_("“{url}” is not a database URL.", url=url)) from None


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(_("“{text}” is not a date (YYYY-MM-DD).", text=text)) from None


def cmd_run(args: argparse.Namespace) -> int:
    import uvicorn

    from coopos.server.app import create_app
    from coopos.server.clientip import PROXIES_ENV, parse_proxies

    url = database_url(args)
    if not 0 < args.port < 65536:
        raise ValidationError(_("A port is between 1 and 65535."))
    if args.workers < 1:
        raise ValidationError(_("At least one worker."))
    proxies = args.trusted_proxies
    if proxies is None:
        proxies = os.environ.get(PROXIES_ENV, "127.0.0.1")
    parse_proxies(proxies)  # a bad setting stops here, in one sentence
    print(
        _(
            "coopos server on http://{host}:{port} (database: {url})",
            host=args.host,
            port=args.port,
            url=_shown(url),
        ),
        flush=True,
    )
    # The app reads X-Forwarded-For itself (coopos.server.clientip), from the trusted
    # proxies only; uvicorn must not rewrite the client address before it.
    options = {"host": args.host, "port": args.port, "proxy_headers": False}
    if args.workers > 1:
        # Worker processes import the app themselves: migrate once here, pass the URL on.
        _open(args).dispose()
        os.environ[URL_ENV] = url
        os.environ[PROXIES_ENV] = proxies
        uvicorn.run(
            "coopos.server.app:from_environment", factory=True, workers=args.workers, **options
        )
    else:
        from coopos.server.documents import prepare_drawing

        prepare_drawing()  # Qt in the main thread, for the portal's statement PDFs
        uvicorn.run(create_app(url, trusted_proxies=proxies), **options)
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from coopos.server.admin import init_server
    from coopos.server.db import Database, head_revision

    db = Database.open(database_url(args))
    try:
        created = init_server(db)
    finally:
        db.dispose()
    print(
        _(
            "Server database ready (schema {revision}): {url}",
            revision=head_revision(),
            url=_shown(database_url(args)),
        )
    )
    if created:
        print(_("Location SHOP created."))
    return 0


def cmd_catalog_import(args: argparse.Namespace) -> int:
    from coopos.server import admin

    db = _open(args)
    try:
        summary = admin.import_catalog(db, args.file, args.location, dry_run=args.dry_run)
    except CatalogImportError as exc:
        print(_("Error: {message}", message=exc.message), file=sys.stderr)
        for row_error in exc.errors:
            print(f"  {row_error}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
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


def cmd_location_add(args: argparse.Namespace) -> int:
    from coopos.server import admin

    db = _open(args)
    try:
        location = admin.add_location(db, args.code, args.kind, args.name, args.fair)
    finally:
        db.dispose()
    print(_("Location {code} added.", code=location.code))
    return 0


def cmd_fair_add(args: argparse.Namespace) -> int:
    from coopos.server import admin

    db = _open(args)
    try:
        fair = admin.add_fair(
            db, args.code, args.name, args.city, _day(args.starts_on), _day(args.ends_on)
        )
    finally:
        db.dispose()
    print(_("Fair {code} added.", code=fair.code))
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from coopos.server import admin

    db = _open(args)
    try:
        user = admin.add_user(db, args.name, args.role, args.pin, args.language, args.location)
        places = ", ".join(loc.code for loc in user.locations)
    finally:
        db.dispose()
    print(
        _(
            "User {name} ({role}) added; the tills of {locations} receive it at their next sync.",
            name=user.name,
            role=user.role,
            locations=places,
        )
    )
    return 0


def cmd_user_locations(args: argparse.Namespace) -> int:
    from coopos.server import admin

    db = _open(args)
    try:
        user = admin.set_user_locations(db, args.name, args.location)
        places = ", ".join(loc.code for loc in user.locations)
    finally:
        db.dispose()
    print(
        _(
            "{name} now works at {locations}; other tills drop the user at their next sync.",
            name=user.name,
            locations=places,
        )
    )
    return 0


def cmd_user_pin(args: argparse.Namespace) -> int:
    from coopos.server import admin

    db = _open(args)
    try:
        user = admin.set_user_pin(db, args.name, args.pin)
    finally:
        db.dispose()
    print(_("New PIN for {name}; tills receive it at their next sync.", name=user.name))
    return 0


def qr_text(data: str) -> str:
    """A QR code drawn with block characters, for a terminal."""
    import qrcode

    qr = qrcode.QRCode(border=1)
    qr.add_data(data)
    out = io.StringIO()
    qr.print_ascii(out=out)
    return out.getvalue()


def cmd_device_add(args: argparse.Namespace) -> int:
    from coopos.server import admin

    db = _open(args)
    try:
        device = admin.add_device(db, args.location, args.prefix, args.name, args.hours)
    finally:
        db.dispose()
    print(
        _(
            "Device {id} for {location}, receipt prefix {prefix}.",
            id=device.id,
            location=device.location,
            prefix=device.receipt_prefix,
        )
    )
    _print_code(device)
    return 0


def _print_code(device) -> None:
    print(
        _(
            "Enrollment code: {code} (once, valid until {expires} UTC)",
            code=device.code,
            expires=device.expires_utc.strftime("%Y-%m-%d %H:%M"),
        )
    )
    print(qr_text(device.code), end="")
    print(_("On the till: coopos enroll SERVER_URL {code}", code=device.code))


def cmd_device_reenroll(args: argparse.Namespace) -> int:
    from coopos.server import admin

    db = _open(args)
    try:
        device = admin.reenroll_device(db, args.id, args.hours)
    finally:
        db.dispose()
    print(
        _(
            "Device {id} ({prefix}) can enroll again; its old token no longer works.",
            id=device.id,
            prefix=device.receipt_prefix,
        )
    )
    _print_code(device)
    return 0


def cmd_device_list(args: argparse.Namespace) -> int:
    from coopos.server import admin, quarantine

    db = _open(args)
    try:
        devices = admin.list_devices(db)
        held = quarantine.open_counts(db)
        clock: dict[int, int] = {}
        for row in quarantine.flag_summary(db, prefix="clock_"):
            clock[row.device_id] = clock.get(row.device_id, 0) + row.events
    finally:
        db.dispose()
    rows = [
        {
            "id": d.id,
            "name": d.name,
            "location": d.location,
            "prefix": d.receipt_prefix,
            "status": d.status,
            "last_seen": d.last_seen_utc.strftime("%Y-%m-%d %H:%M:%S") if d.last_seen_utc else "",
            "offset": f"{d.clock_offset_ms / 1000:+.1f}" if d.clock_offset_ms is not None else "",
            "acked": d.acked_seq,
            "held": held.get(d.id, 0),
            "clock": clock.get(d.id, 0),
            "flag": _("CLOCK DRIFT") if d.drift else "",
        }
        for d in devices
    ]
    table = Table(
        _("Devices"),
        [
            Column("id", N_("ID"), "int"),
            Column("name", N_("Name")),
            Column("location", N_("Location")),
            Column("prefix", N_("Prefix")),
            Column("status", N_("Status")),
            Column("last_seen", N_("Last contact (UTC)")),
            Column("offset", N_("Clock offset (s)")),
            Column("acked", N_("Events"), "int"),
            Column("held", N_("Quarantined"), "int"),
            Column("clock", N_("Clock flags"), "int"),
            Column("flag", N_("Note")),
        ],
        rows,
    )
    print(render_table(table, args.format))
    return 0


def cmd_device_revoke(args: argparse.Namespace) -> int:
    from coopos.server import admin

    db = _open(args)
    try:
        device = admin.revoke_device(db, args.id)
    finally:
        db.dispose()
    print(_("Device {id} ({prefix}) is revoked.", id=device.id, prefix=device.receipt_prefix))
    return 0


def cmd_admin_token(args: argparse.Namespace) -> int:
    from coopos.server import admin

    db = _open(args)
    try:
        if args.list:
            for token in admin.list_admin_tokens(db):
                state = _("revoked") if token.revoked_utc else _("active")
                print(f"{token.id}\t{token.name}\t{token.created_utc:%Y-%m-%d %H:%M}\t{state}")
            return 0
        if args.revoke is not None:
            admin.revoke_admin_token(db, args.revoke)
            print(_("Admin token {id} is revoked.", id=args.revoke))
            return 0
        token_id, token = admin.new_admin_token(db, args.name)
    finally:
        db.dispose()
    print(_("Admin token {id} (shown once, keep it secret):", id=token_id))
    print(token)
    return 0


# -- consignment ------------------------------------------------------------------------------


def _write(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
        print(_("Saved to {path}.", path=output))
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _language(args: argparse.Namespace) -> str:
    from coopos.i18n import current_language

    return getattr(args, "lang", None) or current_language()


def _day_arg(text: str | None) -> str | None:
    from coopos.services.reports import parse_day

    return parse_day(text).isoformat() if text else None


def cmd_report_reconciliation(args: argparse.Namespace) -> int:
    from coopos.server import consignment, documents

    if args.format == "pdf" and not args.output:
        raise ValidationError(_("Give the file to write with --output."))
    language = _language(args)
    db = _open(args)
    try:
        with db.read() as s:
            recon = consignment.reconciliation(
                s,
                args.fair,
                args.coop,
                language,
                args.location,
                _day_arg(args.start),
                _day_arg(args.end),
            )
        shop = documents.shop_party(db) if args.format == "pdf" else None
    finally:
        db.dispose()
    from coopos.printing import statements

    if args.format == "pdf":
        path = statements.save_reconciliation_pdf(recon, args.output, shop, language)
        print(_("Saved to {path}.", path=path))
        return 0
    _write(render_table(statements.reconciliation_table(recon), args.format), args.output)
    return 0


def cmd_report_settlement(args: argparse.Namespace) -> int:
    from coopos.server import consignment, documents

    if bool(args.fair) == bool(args.start or args.end):
        raise ValidationError(_("Give either --fair, or --from and --to."))
    if args.format in ("pdf", "xlsx", "slip") and not args.output:
        raise ValidationError(_("Give the file to write with --output."))
    scope = consignment.Scope.of(args.fair, args.start, args.end)
    language = _language(args)
    db = _open(args)
    try:
        doc = documents.statement(db, args.coop, scope, language)
        if args.format == "pdf":
            path = documents.save_statement_pdf(db, doc, args.output, language)
            print(_("Saved to {path}.", path=path))
            return 0
        shop = documents.shop_party(db)
        coop = documents.cooperative_party(db, doc.statement.cooperative, language)
    finally:
        db.dispose()
    from coopos.printing import statements

    statement = doc.statement
    if args.format == "xlsx":
        path = statements.save_statement_xlsx(statement, args.output, language)
    elif args.format == "slip":
        path = Path(args.output)
        statements.statement_slip(statement, shop, coop, language, doc.code).save(str(path))
    elif args.format == "csv":
        _write(statements.statement_csv(statement, language), args.output)
        return 0
    else:
        text = render_table(statements.statement_table(statement), args.format)
        if args.format == "text":
            pairs = statements.summary_pairs(statement, language)
            width = max(len(label) for label, _v in pairs)
            text += "\n\n" + "\n".join(f"{label:<{width}}  {value}" for label, value in pairs)
            text += "\n" + doc.code
        _write(text, args.output)
        return 0
    print(_("Saved to {path}.", path=path))
    return 0


def cmd_payout_add(args: argparse.Namespace) -> int:
    from coopos.domain.money import format_amount, parse_amount
    from coopos.server import consignment

    amount = parse_amount(args.amount)
    db = _open(args)
    try:
        payout = consignment.add_payout(
            db, args.cooperative, amount, args.method, args.reference, args.fair, args.note
        )
    finally:
        db.dispose()
    print(
        _(
            "Payout of {amount} MAD to {coop} recorded.",
            amount=format_amount(amount),
            coop=payout.cooperative,
        )
    )
    return 0


def cmd_coop_access_code(args: argparse.Namespace) -> int:
    from coopos.server import consignment

    db = _open(args)
    try:
        code = consignment.new_access_code(db, args.cooperative)
    finally:
        db.dispose()
    print(
        _(
            "Portal access code for {coop} (shown once; the previous code no longer works):",
            coop=args.cooperative.upper(),
        )
    )
    print(code)
    print(_("The cooperative signs in at SERVER_URL/portal/ with it."))
    return 0


def cmd_shop(args: argparse.Namespace) -> int:
    from coopos.server import consignment

    values = {
        key: getattr(args, f"shop_{key}", None)
        for key in consignment.SHOP_FIELDS
        if getattr(args, f"shop_{key}", None) is not None
    }
    db = _open(args)
    try:
        current = consignment.set_shop(db, **values) if values else consignment.shop(db)
    finally:
        db.dispose()
    labels = {
        "name": _("Name"),
        "address": _("Address"),
        "ice": _("ICE"),
        "if": _("IF"),
        "tp": _("TP"),
        "odco": _("ODCO no."),
        "phone": _("Phone"),
    }
    for key in consignment.SHOP_FIELDS:
        print(f"{labels[key]}: {current[key]}")
    return 0
