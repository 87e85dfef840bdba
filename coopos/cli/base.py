"""Shared CLI plumbing: the ``--db`` option, opening the database, PIN prompts, parsing
``SKU:QTY`` and ``METHOD:AMOUNT`` arguments.  Amounts and quantities typed are read as
meant (``coopos.domain.keyboard``: Arabic-Indic digits, an AZERTY digit row without
Shift); codes and PINs are read so by the services themselves."""

from __future__ import annotations

import argparse
import getpass
import os
import sqlite3
import sys
from pathlib import Path

from coopos.config import default_db_path
from coopos.domain import keyboard
from coopos.domain.errors import PermissionDenied, StateError, ValidationError
from coopos.domain.money import Cents, parse_amount
from coopos.domain.quantity import quantity
from coopos.i18n import _
from coopos.services.context import Context

EXIT_USER = 1
EXIT_USAGE = 2
EXIT_CRASH = 3
EXIT_PIPE = 141  # as a shell reports a command stopped by SIGPIPE


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(
            EXIT_USAGE,
            _("{prog}: {message} (see “{prog} --help”)\n", prog=self.prog, message=message),
        )


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help=_("database file (default: {path})", path=default_db_path()),
    )
    parser.add_argument(
        "--lang",
        default=argparse.SUPPRESS,
        choices=["ar", "fr", "zgh", "en"],
        help=_("language of messages"),
    )


def whole_number(low: int = 0, high: int = 1_000_000):
    """An argparse ``type``: a whole number from ``low`` to ``high`` (a number too large
    for the database is a usage error, not a crash)."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                _("“{text}” is not a whole number", text=text)
            ) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                _("give a number from {low} to {high}", low=low, high=high)
            )
        return value

    parse.__name__ = "whole number"  # named so in argparse's messages
    return parse


def not_empty(text: str) -> str:
    """An argparse ``type`` for a file or printer that must be named."""
    if not text.strip():
        raise argparse.ArgumentTypeError(_("give a value, not an empty one"))
    return text


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=["text", "csv", "json"], default="text")


def db_path(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "db", None) or default_db_path())


_opened: list[Context] = []


def close_opened() -> None:
    """Close what the command opened (the database's lock goes with it): ``main`` calls
    this after every command, so commands run one after another in one process (tests,
    the self-test) never find their own database still open."""
    while _opened:
        _opened.pop().close()


def open_context(args: argparse.Namespace, need_setup: bool = True) -> Context:
    path = db_path(args)
    if need_setup and not path.exists():
        raise StateError(
            _(
                "No database at {path}: run “coopos init” (or “coopos init --demo”) first.",
                path=path,
            )
        )
    ctx = Context.open(path)
    _opened.append(ctx)
    if need_setup:
        from coopos.services.setup import is_initialised

        if not is_initialised(ctx):
            raise StateError(_("This database is not set up: run “coopos init” first."))
    return ctx


def ask_pin(args: argparse.Namespace, purpose: str, missing: str | None = None) -> str:
    """The PIN from ``--pin``, ``$COOPOS_PIN`` or a hidden prompt on a terminal; else
    ``PermissionDenied(missing)``: one sentence saying how to give it."""
    pin = getattr(args, "pin", None) or os.environ.get("COOPOS_PIN")
    if pin:
        return pin
    if sys.stdin.isatty():
        return getpass.getpass(_("{purpose}: ", purpose=purpose))
    raise PermissionDenied(missing or _("A manager's PIN is needed: give it with --pin."))


def split_pair(text: str, default_second: str | None = None) -> tuple[str, str | None]:
    """``SKU:QTY`` -> (SKU, QTY).  The last colon separates, so SKUs may hold colons."""
    if ":" in text:
        first, second = text.rsplit(":", 1)
        if not first.strip():
            raise ValidationError(_("“{text}” lacks the part before the colon.", text=text))
        return first.strip(), second.strip()
    return text.strip(), default_second


def typed_amount(text: str) -> Cents:
    """An amount in MAD typed on the command line, to centimes."""
    return keyboard.parse_typed(text, parse_amount)


def typed_quantity(text: str | None) -> str | None:
    """A quantity typed on the command line, as plain ``1.250`` text."""
    return None if text is None else str(keyboard.parse_typed(text, quantity))


def items_arg(values: list[str] | None, default_qty: str | None = "1") -> list[tuple[str, str]]:
    """``SKU:QTY`` arguments; with ``default_qty=None`` the quantity is required."""
    items = []
    for value in values or []:
        code, qty = split_pair(value, default_qty)
        if qty is None:
            raise ValidationError(_("Give a quantity as SKU:QTY in “{text}”.", text=value))
        items.append((code, typed_quantity(qty)))
    return items


def sale_items_arg(values: list[str]) -> list[tuple[str, str | None]]:
    """``SKU[:QTY]``: without a quantity, one piece (weighed goods must give theirs)."""
    return [(code, typed_quantity(qty)) for code, qty in map(split_pair, values)]


def problem_with_file(exc: BaseException) -> str | None:
    """One sentence for a file the user named that cannot be used, else None."""
    if not isinstance(exc, OSError) or exc.filename is None:
        return None
    path = exc.filename
    if isinstance(exc, IsADirectoryError):
        return _("{path} is a folder: give a file.", path=path)
    if isinstance(exc, FileNotFoundError):
        return _("File not found: {path}", path=path)
    if isinstance(exc, NotADirectoryError):
        return _("{path} is not in a folder that exists.", path=path)
    if isinstance(exc, PermissionError):
        return _("No permission to use {path}.", path=path)
    return _("Cannot use {path} ({reason}).", path=path, reason=exc.strerror or type(exc).__name__)


def database_problem(exc: BaseException, path: Path | str) -> str | None:
    """One sentence for a database file that SQLite cannot open or read, else None."""
    cause = getattr(exc, "orig", exc)  # SQLAlchemy wraps the driver's error
    if not isinstance(cause, sqlite3.DatabaseError):
        return None
    name = getattr(cause, "sqlite_errorname", "")
    if name in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
        return _("{path} is not a coopos database (or it is damaged).", path=path)
    if name in ("SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM"):
        return _("Cannot open the database {path}: check the path and its rights.", path=path)
    return None


def output_closed() -> int:
    """The reader of our output went away (``coopos ... | head``): stop quietly, and keep
    Python from complaining when it flushes stdout at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is no real file (tests)
        pass
    return EXIT_PIPE
