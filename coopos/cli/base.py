"""Shared CLI plumbing: the ``--db`` option, opening the database, PIN prompts, parsing
``SKU:QTY`` and ``METHOD:AMOUNT`` arguments.  Amounts and quantities typed are read as
meant (``coopos.domain.keyboard``: Arabic-Indic digits, an AZERTY digit row without
Shift); codes and PINs are read so by the services themselves."""

from __future__ import annotations

import argparse
import getpass
import os
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


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=["text", "csv", "json"], default="text")


def db_path(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "db", None) or default_db_path())


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
    if need_setup:
        from coopos.services.setup import is_initialised

        if not is_initialised(ctx):
            raise StateError(_("This database is not set up: run “coopos init” first."))
    return ctx


def ask_pin(args: argparse.Namespace, purpose: str) -> str:
    """The PIN from ``--pin``, ``$COOPOS_PIN`` or a hidden prompt on a terminal."""
    pin = getattr(args, "pin", None) or os.environ.get("COOPOS_PIN")
    if pin:
        return pin
    if sys.stdin.isatty():
        return getpass.getpass(_("{purpose}: ", purpose=purpose))
    raise PermissionDenied(_("A manager's PIN is needed: give it with --pin."))


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
