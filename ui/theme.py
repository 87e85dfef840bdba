"""Look and feel: touch-sized controls, large totals readable from a metre away.

Only logical properties are used (no left/right), so right-to-left needs no change."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

TOUCH = 56  # minimum height of a touch target, in pixels
ACCENT = "#0f766e"  # teal: a cooperative, calm colour
DANGER = "#b91c1c"
WARN_BG = "#fef3c7"
FOCUS = "#2563eb"  # where Tab is: visible on every control

STYLE = f"""
QWidget {{ font-size: 15px; }}
QPushButton, QToolButton {{
    min-height: {TOUCH - 16}px; padding: 6px 12px; border-radius: 6px;
    border: 1px solid #94a3b8; background: #f8fafc;
}}
QPushButton:hover, QToolButton:hover {{ background: #e2e8f0; }}
QPushButton:pressed, QToolButton:pressed {{ background: #cbd5e1; }}
QPushButton[role="primary"] {{
    background: {ACCENT}; color: white; border: none; font-size: 20px; font-weight: bold;
}}
QPushButton[role="primary"]:disabled {{ background: #94a3b8; }}
QPushButton[role="danger"] {{ color: {DANGER}; }}
QToolButton[role="product"] {{
    background: white; font-size: 15px; min-width: 150px; padding: 2px;
    min-height: 88px; max-height: 88px;
}}
QToolButton[role="product"][highlighted="true"] {{
    border: 3px solid {ACCENT}; background: #ccfbf1;
}}
QPushButton:focus, QToolButton:focus, QComboBox:focus, QTableView:focus {{
    border: 2px solid {FOCUS};
}}
QToolButton[role="chip"] {{ min-height: 32px; border-radius: 16px; }}
QToolButton[role="chip"]:checked {{ background: {ACCENT}; color: white; border: none; }}
QToolButton[role="nav"] {{
    min-width: 110px; min-height: 52px; border: none; background: transparent;
}}
QToolButton[role="nav"]:checked {{ background: #ccfbf1; color: #134e4a; font-weight: bold; }}
QLabel[role="total"] {{ font-size: 44px; font-weight: bold; color: #0f172a; }}
QLabel[role="change"] {{ font-size: 40px; font-weight: bold; color: {ACCENT}; }}
QLabel[role="title"] {{ font-size: 22px; font-weight: bold; }}
QLabel[role="muted"] {{ color: #475569; }}
QLabel[role="banner"] {{
    background: {WARN_BG}; border: 1px solid #f59e0b; border-radius: 6px; padding: 6px;
}}
QLabel[role="error"] {{
    background: #fee2e2; border: 1px solid {DANGER}; border-radius: 6px; padding: 6px;
    color: #7f1d1d;
}}
QLineEdit {{ min-height: 36px; font-size: 18px; padding: 2px 8px; }}
QLineEdit#scanInput {{ min-height: 48px; font-size: 22px; }}
QTableView {{ font-size: 16px; }}
QHeaderView::section {{ padding: 6px; font-weight: bold; }}
"""


def apply(app: QApplication) -> None:
    from ui.fonts import apply_fonts

    app.setStyle("Fusion")
    apply_fonts(app, 11)
    app.setStyleSheet(STYLE)


def set_role(widget, role: str):
    """Tag a widget for the style sheet (and re-polish it)."""
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    return widget
