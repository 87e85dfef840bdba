"""A horizontal bar chart drawn with QPainter (QtCharts is not part of the bundle).

One bar per row: the label on the leading side, the bar, then its amount.  Everything is
laid out in logical coordinates and mirrored for right-to-left, so the chart reads from
the right in Arabic.  Negative values (a day with more refunds than sales) grow the other
way from a zero line, in red."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from coopos.i18n.formats import format_money
from ui.theme import ACCENT, DANGER

BACKGROUND = QColor("#ffffff")
BORDER = QColor("#cbd5e1")
TEXT = QColor("#0f172a")
MUTED = QColor("#475569")
GRID = QColor("#e2e8f0")
POSITIVE = QColor(ACCENT)
NEGATIVE = QColor(DANGER)

PAD = 14.0
GAP = 8.0
MAX_ROW = 40.0


@dataclass(frozen=True)
class Bar:
    label: str
    value: int  # cents
    detail: str = ""  # shown in the tooltip (e.g. the full name)


class BarChart(QWidget):
    """``set_bars(bars, title, note)``; ``bars`` keeps what is drawn (for tests)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.bars: list[Bar] = []
        self.title = ""
        self.note = ""
        self.empty_text = ""
        self._rows: list[QRectF] = []  # logical row rectangles, for tooltips
        self.setMinimumSize(280, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)

    # -- data ------------------------------------------------------------------------------
    def set_bars(self, bars: list[Bar], title: str = "", note: str = "", empty: str = "") -> None:
        self.bars = list(bars)
        self.title, self.note, self.empty_text = title, note, empty
        self.setAccessibleName(title)
        self.setAccessibleDescription(
            "; ".join(f"{b.label}: {format_money(b.value)}" for b in self.bars)
        )
        self.update()

    def bar_count(self) -> int:
        return len(self.bars)

    def sizeHint(self) -> QSize:
        return QSize(440, 420)

    # -- geometry helpers ------------------------------------------------------------------
    def _rtl(self) -> bool:
        return self.layoutDirection() == Qt.LayoutDirection.RightToLeft

    def _visual(self, rect: QRectF) -> QRectF:
        """A logical rectangle (x from the leading edge) in widget coordinates."""
        if not self._rtl():
            return rect
        return QRectF(self.width() - rect.x() - rect.width(), rect.y(), rect.width(), rect.height())

    def _align(self, leading: bool) -> Qt.AlignmentFlag:
        left = leading != self._rtl()
        horizontal = Qt.AlignmentFlag.AlignLeft if left else Qt.AlignmentFlag.AlignRight
        return horizontal | Qt.AlignmentFlag.AlignVCenter

    # -- painting --------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setLayoutDirection(self.layoutDirection())
        w, h = float(self.width()), float(self.height())
        frame = QRectF(0.5, 0.5, w - 1, h - 1)
        p.setPen(QPen(BORDER, 1))
        p.setBrush(BACKGROUND)
        p.drawRoundedRect(frame, 8, 8)

        base = QFont(self.font())
        title_font = QFont(base)
        title_font.setPixelSize(16)
        title_font.setBold(True)
        top = PAD
        if self.title:
            p.setFont(title_font)
            p.setPen(TEXT)
            fm = QFontMetricsF(title_font)
            line = fm.height()
            p.drawText(
                self._visual(QRectF(PAD, top, w - 2 * PAD, line)),
                int(self._align(True)),
                fm.elidedText(self.title, Qt.TextElideMode.ElideRight, w - 2 * PAD),
            )
            top += line + 2
        if self.note:
            note_font = QFont(base)
            note_font.setPixelSize(12)
            p.setFont(note_font)
            p.setPen(MUTED)
            fm = QFontMetricsF(note_font)
            p.drawText(
                self._visual(QRectF(PAD, top, w - 2 * PAD, fm.height())),
                int(self._align(True)),
                fm.elidedText(self.note, Qt.TextElideMode.ElideRight, w - 2 * PAD),
            )
            top += fm.height()
        top += GAP
        area = QRectF(PAD, top, w - 2 * PAD, h - top - PAD)
        self._rows = []
        if not self.bars:
            empty_font = QFont(base)
            empty_font.setPixelSize(15)
            p.setFont(empty_font)
            p.setPen(MUTED)
            p.drawText(area, int(Qt.AlignmentFlag.AlignCenter), self.empty_text)
            p.end()
            return
        self._paint_bars(p, area, base)
        p.end()

    def _paint_bars(self, p: QPainter, area: QRectF, base: QFont) -> None:
        n = len(self.bars)
        font = QFont(base)
        font.setPixelSize(int(max(10, min(15, area.height() / n * 0.55))))
        fm = QFontMetricsF(font)
        longest = max(fm.horizontalAdvance(b.label) for b in self.bars) + 2
        # Long labels (product names) go above their bar when there is height for it.
        stacked = longest > area.width() * 0.36 and area.height() / n >= fm.height() + 14
        row_h = min(MAX_ROW + (fm.height() if stacked else 0), area.height() / n)
        if not stacked:
            font.setPixelSize(int(max(10, min(15, row_h * 0.55))))
            fm = QFontMetricsF(font)
        p.setFont(font)
        values = [format_money(b.value) for b in self.bars]
        value_w = max(fm.horizontalAdvance(v) for v in values) + 2
        label_w = area.width() if stacked else min(longest, area.width() * 0.36)
        high = max(0, *(b.value for b in self.bars))
        low = min(0, *(b.value for b in self.bars))
        span = (high - low) or 1
        start = area.x() if stacked else area.x() + label_w + GAP
        # room for the amount after the longest bar (and before the longest negative one)
        room_end = value_w + GAP if high > 0 or low == 0 else 0.0
        room_start = value_w + GAP if low < 0 else 0.0
        plot_x = start + room_start
        plot_w = max(10.0, area.right() - room_end - plot_x)
        zero = plot_x + plot_w * (-low / span)
        y = area.y()
        for bar, text in zip(self.bars, values, strict=True):
            row = QRectF(area.x(), y, area.width(), row_h)
            self._rows.append(row)
            p.setPen(TEXT)
            label = fm.elidedText(bar.label, Qt.TextElideMode.ElideRight, label_w)
            if stacked:
                label_rect = QRectF(area.x(), y, label_w, fm.height())
                bar_top, bar_h = y + fm.height(), row_h - fm.height() - 4
                p.drawText(self._visual(label_rect), int(self._align(True)), label)
            else:
                label_rect = QRectF(area.x(), y, label_w, row_h)
                bar_top, bar_h = y, row_h
                p.drawText(self._visual(label_rect), int(self._align(False)), label)
            thickness = max(6.0, min(bar_h * 0.7 if stacked else row_h * 0.62, 24.0))
            bar_y = bar_top + (bar_h - thickness) / 2
            length = plot_w * abs(bar.value) / span
            if bar.value >= 0:
                rect = QRectF(zero, bar_y, length, thickness)
                value_rect = QRectF(zero + length + GAP / 2, bar_top, value_w, bar_h)
                value_align = self._align(True)
            else:
                rect = QRectF(zero - length, bar_y, length, thickness)
                value_rect = QRectF(zero - length - GAP / 2 - value_w, bar_top, value_w, bar_h)
                value_align = self._align(False)
            if length >= 0.5:
                path = QPainterPath()
                path.addRoundedRect(self._visual(rect), 3, 3)
                p.fillPath(path, POSITIVE if bar.value >= 0 else NEGATIVE)
            p.setPen(TEXT if bar.value >= 0 else NEGATIVE)
            p.drawText(self._visual(value_rect), int(value_align), text)
            y += row_h
        # the zero line the bars grow from
        if low < 0 or not stacked:
            p.setPen(QPen(MUTED if low < 0 else GRID, 1))
            line = self._visual(QRectF(zero, area.y(), 0, y - area.y()))
            p.drawLine(line.topLeft(), line.bottomLeft())

    # -- tooltips --------------------------------------------------------------------------
    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            pos = event.pos()
            for bar, row in zip(self.bars, self._rows, strict=False):
                if row.top() <= pos.y() < row.bottom():
                    text = f"{bar.detail or bar.label}\n{format_money(bar.value)}"
                    QToolTip.showText(event.globalPos(), text, self)
                    return True
            QToolTip.hideText()
            return True
        return super().event(event)


__all__ = ["Bar", "BarChart"]
