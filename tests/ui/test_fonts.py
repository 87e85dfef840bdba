"""The bundled fonts load, and Tifinagh text (which has no digits) still shows digits."""

from PySide6.QtGui import QFontDatabase, QFontMetrics


def test_bundled_fonts_are_registered(qapp):
    from ui.fonts import register_fonts

    families = set(register_fonts())
    assert {"Noto Sans", "Noto Sans Arabic", "Noto Sans Tifinagh"} <= families


def test_tifinagh_and_digits_have_glyphs(qapp):
    from ui import theme

    theme.apply(qapp)
    metrics = QFontMetrics(qapp.font())
    for char in "ⵣⵉⵜ0123456789زيت":
        assert metrics.inFontUcs4(ord(char)), char
    assert "Noto Sans Tifinagh" in QFontDatabase.families()
