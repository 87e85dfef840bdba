"""The ``coopos`` command line.  With no command it starts the desktop app.

User errors print one line and exit 1; nothing is half-written because every command is
one transaction.  Unexpected errors are logged with their traceback and summarised.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from coopos import __version__
from coopos.cli import (
    admin,
    catalog_cmd,
    consignment_cmd,
    print_cmd,
    sales_cmd,
    server_cmd,
    shift_cmd,
    stock_cmd,
    sync_cmd,
)
from coopos.cli.base import (
    EXIT_CRASH,
    EXIT_USER,
    Parser,
    add_common,
    close_opened,
    database_problem,
    db_path,
    open_context,
    output_closed,
    problem_with_file,
)
from coopos.domain.errors import CooposError
from coopos.files import secure_start
from coopos.i18n import _
from coopos.logs import log_crash, setup_logging

log = logging.getLogger("coopos")


def build_parser() -> Parser:
    common = argparse.ArgumentParser(add_help=False)
    add_common(common)
    parser = Parser(
        prog="coopos",
        description=_("coopos: point of sale and stock book for cooperatives."),
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"coopos {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help=_(
            "check that this installation can sell, print and read its files, on a scratch "
            "database (never yours); one line per check"
        ),
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help=_("on a new database, load the demo shop first (safe to repeat)"),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in (
        admin,
        catalog_cmd,
        stock_cmd,
        sales_cmd,
        shift_cmd,
        print_cmd,
        consignment_cmd,
        sync_cmd,
        server_cmd,
    ):
        module.register(sub, common)
    return parser


def no_desktop(args: argparse.Namespace) -> int:
    print(
        _(
            "The desktop app is not installed yet: it comes with the next release. "
            "Meanwhile every till function works from the command line: "
            "run “coopos --help”."
        )
    )
    return 0


def main(
    argv: Sequence[str] | None = None,
    desktop: Callable[[argparse.Namespace], int] = no_desktop,
) -> int:
    """Run one command.  With none, call ``desktop``: the Qt layer passes its starter in
    (``ui.launcher``), so the core never imports the UI."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        secure_start(db_path(args))  # before anything is written: files 0600, folders 0700
        setup_logging()
        code = _run(args, desktop)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except BrokenPipeError:
        return output_closed()


def _run(args: argparse.Namespace, desktop: Callable[[argparse.Namespace], int]) -> int:
    try:
        from coopos.i18n import set_language

        set_language(getattr(args, "lang", None) or os.environ.get("COOPOS_LANG", "en"))
        if args.self_test:
            from coopos import selftest

            return selftest.main()
        if not getattr(args, "func", None):
            if args.demo:
                admin.ensure_demo(args)
            return desktop(args)
        return int(args.func(args) or 0)
    except CooposError as exc:
        return _user_error(exc.message)
    except KeyboardInterrupt:
        return _user_error(_("Interrupted: nothing was changed by the unfinished command."))
    except BrokenPipeError:
        raise
    except Exception as exc:
        where = getattr(args, "database_url", None) or db_path(args)
        message = (
            server_not_installed(exc) or problem_with_file(exc) or database_problem(exc, where)
        )
        if message:
            return _user_error(message)
        path = log_crash(exc)  # the last line of defence: log it, say where
        print(
            _(
                "Unexpected error ({error}). Nothing half-done was saved. Details are in {path}",
                error=type(exc).__name__,
                path=path,
            ),
            file=sys.stderr,
        )
        return EXIT_CRASH
    finally:
        close_opened()


# What `pip install 'coopos[server]'` adds; a till is installed without them.
SERVER_PACKAGES = frozenset({"fastapi", "starlette", "pydantic", "uvicorn", "psycopg"})


def server_not_installed(exc: BaseException) -> str | None:
    """One sentence when a `coopos server ...` command (or a PostgreSQL URL) needs a
    package of the server's extra that this installation does not have."""
    if not isinstance(exc, ModuleNotFoundError):
        return None
    name = exc.name or ""
    if name.split(".")[0] not in SERVER_PACKAGES and not name.startswith("coopos.server"):
        return None  # (the frozen till leaves coopos.server itself out)
    return _(
        "The central server is not installed here: install it with “pip install 'coopos[server]'”."
    )


def _user_error(message: str) -> int:
    print(_("Error: {message}", message=message), file=sys.stderr)
    return EXIT_USER


__all__ = ["build_parser", "main", "open_context"]
