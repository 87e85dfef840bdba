"""Draw the app icon with Qt: ``resources/icons/coopos.png`` (256 px, for Linux menus and
the window) and ``coopos.ico`` (16-256 px, for Windows).  Run again after changing it:

    .venv/bin/python installer/make_icon.py

The design: a receipt on an argan-green tile, with a terracotta band.  Drawn in code so
that nobody needs a drawing program and the sizes stay sharp.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPainterPath, QPen

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)

GREEN = QColor("#2f6b3a")
TERRACOTTA = QColor("#c0582b")
PAPER = QColor("#fbf7ee")
INK = QColor("#3b3b3b")


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 256  # drawn on a 256 grid
    p.scale(s, s)
    tile = QPainterPath()
    tile.addRoundedRect(QRectF(8, 8, 240, 240), 48, 48)
    p.fillPath(tile, GREEN)
    # the receipt: straight top, zigzag (torn) bottom
    paper = QPainterPath()
    left, right, top, bottom = 68.0, 188.0, 40.0, 206.0
    paper.moveTo(left, top)
    paper.lineTo(right, top)
    paper.lineTo(right, bottom)
    teeth = 6
    step = (right - left) / teeth
    for i in range(teeth):
        x = right - i * step
        paper.lineTo(x - step / 2, bottom - 14)
        paper.lineTo(x - step, bottom)
    paper.closeSubpath()
    p.fillPath(paper, PAPER)
    p.fillRect(QRectF(left, top, right - left, 30), TERRACOTTA)
    pen = QPen(INK, 10 if size >= 48 else 14, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    lines = (96, 124, 152) if size >= 32 else (104, 144)
    for y in lines:
        p.drawLine(QPointF(left + 20, y), QPointF(right - (44 if y == lines[-1] else 20), y))
    p.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data)


def ico_bytes(images: list[QImage]) -> bytes:
    """A Windows .ico holding one PNG per size (understood since Windows Vista)."""
    pngs = [png_bytes(img) for img in images]
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = 6 + 16 * len(pngs)
    entries, blobs = b"", b""
    for img, png in zip(images, pngs, strict=True):
        side = img.width() if img.width() < 256 else 0  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "coopos.png").write_bytes(png_bytes(draw(256)))
    (OUT / "coopos.ico").write_bytes(ico_bytes([draw(n) for n in ICO_SIZES]))
    print(OUT / "coopos.png")
    print(OUT / "coopos.ico")
    return 0


if __name__ == "__main__":
    sys.exit(main())
