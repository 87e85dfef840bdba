"""The ``coopos`` entry point.  It lives in the outer (ui) layer so that the core never
imports the UI: commands go to ``coopos.cli``; no command starts the desktop app."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Sequence

from coopos import cli
from coopos.i18n import _


def has_display() -> bool:
    """Qt aborts the whole process when it finds no screen: check first (Linux/BSD)."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd")):
        return True
    return bool(
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    )


def start_desktop(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("ui.app") is None:
        return cli.no_desktop(args)
    if not has_display():
        print(
            _(
                "No screen was found to open the coopos window (no desktop session). "
                "Start coopos from the desktop, or use the command line: “coopos --help”."
            ),
            file=sys.stderr,
        )
        return 1
    from ui.app import run  # imports Qt only when the window is wanted

    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, desktop=start_desktop)


if __name__ == "__main__":
    sys.exit(main())
