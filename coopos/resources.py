"""Locate files shipped in ``resources/`` both from a source checkout and a frozen bundle.

Always relative to the code or the bundle, never to the current directory: the app is
started from a menu, a shortcut or a terminal anywhere."""

from __future__ import annotations

import sys
from pathlib import Path


def is_frozen() -> bool:
    """True in the installed app (a PyInstaller bundle), False from a source checkout."""
    return bool(getattr(sys, "frozen", False))


def bundle_dir() -> Path | None:
    """The folder holding the bundle's files (PyInstaller's ``_internal``), or None."""
    if not is_frozen():
        return None
    bundle = getattr(sys, "_MEIPASS", None)  # set by PyInstaller
    return Path(bundle) if bundle else Path(sys.executable).resolve().parent


def resources_root() -> Path:
    bundle = bundle_dir()
    if bundle is not None:
        return bundle / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resources_root().joinpath(*parts)


# Bundled fonts (SIL OFL, resources/fonts/OFL.txt), so the app and the receipts look the
# same on every machine.  Order matters: Qt tries each family in turn for each character;
# Noto Sans Tifinagh has no digits, which then fall back to Noto Sans.
FONT_FILES = (
    "NotoSans-Regular.ttf",
    "NotoSans-Bold.ttf",
    "NotoSansArabic-Regular.ttf",
    "NotoSansArabic-Bold.ttf",
    "NotoSansTifinagh-Regular.ttf",
)
FONT_FAMILIES = ("Noto Sans", "Noto Sans Arabic", "Noto Sans Tifinagh")


def font_paths() -> list[Path]:
    return [resource_path("fonts", name) for name in FONT_FILES]


ICON_PNG = "coopos.png"
ICON_ICO = "coopos.ico"


def icon_path(name: str = ICON_PNG) -> Path:
    return resource_path("icons", name)
