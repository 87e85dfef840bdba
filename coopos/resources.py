"""Locate files shipped in ``resources/`` both from a source checkout and a frozen bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_root() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)  # set by PyInstaller
    if bundle:
        return Path(bundle) / "resources"
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
