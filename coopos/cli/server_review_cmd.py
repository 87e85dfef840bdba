"""``coopos server quarantine ...`` and ``coopos server flags ...``: head office reviews
the events tills pushed that the server quarantined (list, show, replay after a fix,
discard with a reason) and the flags per device (clock, stock, prices...).  Registered by
``server_cmd``; the same use cases answer the API (docs/sync.md)."""

from __future__ import annotations

import argparse
import getpass
import json
import re

from coopos.cli.base import add_format, whole_number
from coopos.cli.render import render_table
from coopos.domain.errors import ValidationError
from coopos.i18n import N_, _
from coopos.services.reports import Column, Table

# Shown escaped (json already escapes control characters): what head office must see.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)

ID = whole_number(1, 2**62)  # a row id: a number too large is a usage error, not a crash


def register(ssub, parents) -> None:
    s = ssub.add_parser(
        "quarantine",
        parents=parents,
        help=_("events stored but not counted: review, replay after a fix, discard"),
    )
    qsub = s.add_subparsers(dest="quarantine_command", metavar="ACTION", required=True)
    c = qsub.add_parser("list", parents=parents, help=_("quarantined events and their reason"))
    c.add_argument("--status", choices=["open", "replayed", "discarded", "all"], default="open")
    c.add_argument("--device", type=ID, metavar="ID")
    c.add_argument("--code", metavar="CODE", help=_("only this reason (e.g. invalid_text)"))
    add_format(c)
    c.set_defaults(func=cmd_quarantine_list)

    c = qsub.add_parser("show", parents=parents, help=_("one event as received, and why"))
    c.add_argument("id", type=ID)
    c.set_defaults(func=cmd_quarantine_show)

    c = qsub.add_parser(
        "replay", parents=parents, help=_("project events again, after fixing what they need")
    )
    c.add_argument("ids", type=ID, nargs="*", metavar="ID")
    c.add_argument("--all", action="store_true", help=_("every open event (of --device, --code)"))
    c.add_argument("--device", type=ID, metavar="ID")
    c.add_argument("--code", metavar="CODE")
    c.add_argument(
        "--clean",
        action="store_true",
        help=_("first remove control and direction characters from the event's text"),
    )
    c.set_defaults(func=cmd_quarantine_replay)

    c = qsub.add_parser("discard", parents=parents, help=_("set an event aside for good"))
    c.add_argument("id", type=ID)
    c.add_argument("--reason", required=True)
    c.set_defaults(func=cmd_quarantine_discard)

    s = ssub.add_parser("flags", parents=parents, help=_("what tills sent that head office checks"))
    fsub = s.add_subparsers(dest="flags_command", metavar="ACTION", required=True)
    c = fsub.add_parser("list", parents=parents, help=_("flagged events, newest first"))
    c.add_argument("--device", type=ID, metavar="ID")
    c.add_argument("--code", metavar="CODE", help=_("only this flag (e.g. clock_ahead)"))
    c.add_argument("--limit", type=whole_number(1, 100_000), default=100)
    add_format(c)
    c.set_defaults(func=cmd_flags_list)
    c = fsub.add_parser("summary", parents=parents, help=_("flagged events per device and flag"))
    c.add_argument("--device", type=ID, metavar="ID")
    c.add_argument("--clock", action="store_true", help=_("only the clock's flags"))
    add_format(c)
    c.set_defaults(func=cmd_flags_summary)


def _open(args):
    from coopos.cli.server_cmd import _open as open_server

    return open_server(args)


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name (a container): still recorded as the CLI
        return "cli"


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _entries_table(found) -> Table:
    return Table(
        _("Quarantined events"),
        [
            Column("id", N_("ID"), "int"),
            Column("device", N_("Device")),
            Column("seq", N_("Seq"), "int"),
            Column("kind", N_("Kind")),
            Column("code", N_("Reason")),
            Column("message", N_("Detail")),
            Column("status", N_("Status")),
            Column("received", N_("Received (UTC)")),
        ],
        [
            {
                "id": e.id,
                "device": f"{e.device_id} ({e.receipt_prefix})",
                "seq": e.seq,
                "kind": e.kind,
                "code": e.code,
                "message": e.message[:80],
                "status": e.status,
                "received": _when(e.received_utc),
            }
            for e in found
        ],
    )


def cmd_quarantine_list(args: argparse.Namespace) -> int:
    from coopos.server import quarantine

    db = _open(args)
    try:
        status = None if args.status == "all" else args.status
        found = quarantine.entries(db, status, args.device, args.code, limit=1000)
    finally:
        db.dispose()
    print(render_table(_entries_table(found), args.format))
    return 0


def cmd_quarantine_show(args: argparse.Namespace) -> int:
    from coopos.server import quarantine

    db = _open(args)
    try:
        found = quarantine.details(db, args.id)
    finally:
        db.dispose()
    e = found.entry
    pairs = [
        (_("Event"), f"{e.kind}, seq {e.seq}, {e.uuid}"),
        (_("Device"), f"{e.device_id} ({e.receipt_prefix})"),
        (_("Received (UTC)"), _when(e.received_utc)),
        (_("Status"), e.status),
        (_("Reason"), f"{e.code}: {e.message}"),
        (_("Attempts"), str(e.attempts)),
    ]
    if e.waits_for_seq is not None:
        pairs.append((_("Waits for"), _("event {seq}", seq=e.waits_for_seq)))
    if e.resolved_utc is not None:
        pairs.append((_("Resolved"), f"{_when(e.resolved_utc)} {e.resolved_by} {e.resolution}"))
    if found.waiting:
        pairs.append((_("Waiting for it"), ", ".join(str(w.id) for w in found.waiting)))
    width = max(len(label) for label, _v in pairs)
    for label, value in pairs:
        print(f"{label:<{width}}  {value}")
    for problem in e.detail.get("problems", []) or e.detail.get("errors", []):
        where = problem.get("path") or problem.get("loc")
        print(f"  - {where}: {problem.get('message') or problem.get('msg')}")
    print(_("As received:"))
    shown = json.dumps(found.payload, ensure_ascii=False, indent=2, sort_keys=True)
    print(_INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", shown))
    return 0


def cmd_quarantine_replay(args: argparse.Namespace) -> int:
    from coopos.server import quarantine

    if bool(args.ids) == bool(args.all):
        raise ValidationError(_("Give the events to replay, or --all."))
    db = _open(args)
    try:
        if args.all:
            results = quarantine.replay_all(db, args.device, args.code, args.clean, _who())
        else:
            results = [quarantine.replay(db, i, args.clean, _who()) for i in args.ids]
    finally:
        db.dispose()
    still = 0
    stack = list(results)
    while stack:
        result = stack.pop(0)
        e = result.entry
        if result.status == "replayed":
            print(
                _(
                    "{id}: event {seq} of device {device} replayed.",
                    id=e.id,
                    seq=e.seq,
                    device=e.device_id,
                )
            )
        else:
            still += 1
            print(
                _(
                    "{id}: event {seq} of device {device} is still quarantined: {code} "
                    "({message}).",
                    id=e.id,
                    seq=e.seq,
                    device=e.device_id,
                    code=e.code,
                    message=e.message,
                )
            )
        stack[:0] = result.dependents
    return 1 if still else 0


def cmd_quarantine_discard(args: argparse.Namespace) -> int:
    from coopos.server import quarantine

    db = _open(args)
    try:
        entry = quarantine.discard(db, args.id, args.reason, _who())
    finally:
        db.dispose()
    print(
        _(
            "{id}: event {seq} of device {device} discarded.",
            id=entry.id,
            seq=entry.seq,
            device=entry.device_id,
        )
    )
    return 0


def cmd_flags_list(args: argparse.Namespace) -> int:
    from coopos.server import admin

    db = _open(args)
    try:
        found = admin.flags(db, args.code, args.device, args.limit)
    finally:
        db.dispose()
    table = Table(
        _("Flagged events"),
        [
            Column("device_id", N_("Device"), "int"),
            Column("seq", N_("Seq"), "int"),
            Column("kind", N_("Kind")),
            Column("code", N_("Flag")),
            Column("detail", N_("Detail")),
            Column("received_utc", N_("Received (UTC)")),
        ],
        [
            {
                **f,
                "detail": f["detail"]  # JSON keeps it an object, text shows it in one cell
                if args.format == "json"
                else json.dumps(f["detail"], ensure_ascii=False),
            }
            for f in found
        ],
    )
    print(render_table(table, args.format))
    return 0


def cmd_flags_summary(args: argparse.Namespace) -> int:
    from coopos.server import quarantine

    db = _open(args)
    try:
        rows = quarantine.flag_summary(db, args.device, "clock_" if args.clock else None)
    finally:
        db.dispose()
    table = Table(
        _("Flags per device"),
        [
            Column("device", N_("Device")),
            Column("code", N_("Flag")),
            Column("events", N_("Events"), "int"),
            Column("last", N_("Last received (UTC)")),
        ],
        [
            {
                "device": f"{r.device_id} ({r.receipt_prefix})",
                "code": r.code,
                "events": r.events,
                "last": _when(r.last_received_utc),
            }
            for r in rows
        ],
    )
    print(render_table(table, args.format))
    return 0
