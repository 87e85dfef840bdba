"""``coopos enroll URL CODE`` and ``coopos sync``: join a central server, then send the
sales and fetch the catalog."""

from __future__ import annotations

import argparse

from coopos.cli.base import open_context
from coopos.i18n import _


def register(sub, common) -> None:
    e = sub.add_parser(
        "enroll",
        parents=[common],
        help=_("join a central server with a one-time code from head office"),
    )
    e.add_argument("url", metavar="URL", help=_("the server, e.g. https://coopos.example.ma"))
    e.add_argument("code", metavar="CODE", help=_("the enrollment code"))
    e.add_argument("--name", default="", help=_("this till's name (default: the computer's)"))
    e.set_defaults(func=cmd_enroll)

    s = sub.add_parser(
        "sync", parents=[common], help=_("send sales to the server and fetch the catalog")
    )
    s.add_argument("--status", action="store_true", help=_("only show what waits, do not connect"))
    s.set_defaults(func=cmd_sync)


def cmd_enroll(args: argparse.Namespace) -> int:
    from coopos.services import sync

    ctx = open_context(args)
    print(sync.enroll(ctx, args.url, args.code, device_name=args.name))
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from coopos.services import sync

    ctx = open_context(args)
    state = sync.state(ctx)
    if args.status or not state.configured:
        if not state.configured:
            print(_("This till is not enrolled with a server: it works on its own."))
        else:
            print(_("Server: {url}", url=state.server))
            print(_("Last successful sync: {when}", when=state.last_ok_utc or _("never")))
            if state.last_error:
                print(_("Last problem: {error}", error=state.last_error))
            if sync.advice(state):
                print(sync.advice(state))
        print(_("Events waiting to be sent: {n}", n=state.waiting))
        return 0
    report = sync.sync_once(ctx, retry_refused=True)  # a person asked: try everything
    print(
        _(
            "Synced: {pushed} events sent, {pulled} catalog changes received, {waiting} waiting.",
            pushed=report.pushed,
            pulled=report.pulled,
            waiting=report.waiting,
        )
    )
    if report.flagged:
        print(
            _(
                "The server flagged {n} events for head office to look at (stock or price "
                "differences); they are stored.",
                n=report.flagged,
            )
        )
    if report.held:
        print(
            _(
                "The server holds {n} events aside for head office (they break a rule); they "
                "are stored and will not be sent again.",
                n=report.held,
            )
        )
    return 0
