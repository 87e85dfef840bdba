"""Register the bundled fonts and make them the application's font, with the fallback
order Latin -> Arabic -> Tifinagh (see coopos.resources.FONT_FAMILIES)."""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from coopos.resources import FONT_FAMILIES, font_paths

log = logging.getLogger(__name__)


def register_fonts() -> list[str]:
    """Load the bundled font files; returns the families Qt now knows."""
    families: list[str] = []
    for path in font_paths():
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("could not load the font %s", path)
            continue
        families += QFontDatabase.applicationFontFamilies(font_id)
    return families


def apply_fonts(app: QApplication, point_size: int = 11) -> None:
    register_fonts()
    font = QFont()
    font.setFamilies(list(FONT_FAMILIES))
    font.setPointSize(point_size)
    app.setFont(font)
