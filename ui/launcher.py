"""The ``coopos`` entry point.  It lives in the outer (ui) layer so that the core never
imports the UI: commands go to ``coopos.cli``; no command starts the desktop app."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence

from coopos import cli


def start_desktop(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("ui.app") is None:
        return cli.no_desktop(args)
    from ui.app import run  # imports Qt only when the window is wanted

    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, desktop=start_desktop)


if __name__ == "__main__":
    sys.exit(main())
