"""ESC/POS: a 1-bit image as a printer job, and the printers that take it.

The job is written here byte by byte (it is short and testable):

- ``ESC @`` initialise;
- ``GS P 203 203``: motion units of one dot, so that ``ESC J n`` below feeds ``n`` dots
  (printers whose default unit is finer, such as 1/360 inch, would otherwise shrink the
  gaps);
- the image in bands of at most ``band_rows`` rows (255 by default), each one
  ``GS v 0`` with ``m = 0`` (normal size), ``xL xH`` = bytes per row (width / 8),
  ``yL yH`` = rows in the band, then the rows, 1 bit per dot, most significant bit
  first, 1 = black;
- runs of at least ``BLANK_RUN`` white rows between bands are sent as ``ESC J n``
  (feed ``n`` dots) instead of 72 bytes of zeros per row: a receipt is a third white, and
  a smaller job prints sooner over a slow serial or Bluetooth link;
- ``ESC d n`` feed ``n`` lines, then ``GS V 66 0`` feed to the cutter and cut partially.

The printers that take the job are in :mod:`coopos.printing.printers`.
"""

from __future__ import annotations

from PySide6.QtGui import QImage

ESC = b"\x1b"
GS = b"\x1d"
INIT = ESC + b"@"
RASTER = GS + b"v0"  # GS v 0
MOTION_DOTS = GS + b"P" + bytes([203, 203])  # GS P x y: 1/203 inch units
FEED_DOTS = ESC + b"J"  # ESC J n: print, then feed n motion units
BLANK_RUN = 8  # shorter white gaps stay inside the raster (no stop-start banding)
CUT_PARTIAL = GS + b"V" + bytes([66, 0])  # GS V 66 0: feed to the cutter, partial cut
DEFAULT_BAND_ROWS = 255
MAX_BAND_ROWS = 2303  # the largest yL + yH * 256 that ESC/POS printers accept
DEFAULT_FEED_LINES = 3

_INVERT = bytes(255 - i for i in range(256))


# -- encoding -----------------------------------------------------------------------------


def raster_rows(image: QImage) -> tuple[int, list[bytes]]:
    """The image's rows as ESC/POS bits: (bytes per row, rows); 1 = black dot.

    A ``Format_Mono`` image is read directly (whatever its colour table says is black);
    any other format is thresholded at mid-grey first (no dithering).
    """
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor

    if image.isNull() or image.width() == 0 or image.height() == 0:
        raise ValueError("cannot print an empty image")
    if image.format() != QImage.Format.Format_Mono:
        flags = Qt.ImageConversionFlag.MonoOnly | Qt.ImageConversionFlag.ThresholdDither
        image = image.convertToFormat(QImage.Format.Format_Mono, flags)
    table = image.colorTable()
    one_is_black = len(table) > 1 and QColor.fromRgb(table[1]).lightness() < 128
    width, height = image.width(), image.height()
    width_bytes = (width + 7) // 8
    stride = image.bytesPerLine()
    bits = bytes(image.constBits())[: stride * height]
    if not one_is_black:
        bits = bits.translate(_INVERT)
    spare = width_bytes * 8 - width
    last_mask = (0xFF << spare) & 0xFF  # keep the dots inside the image, blank the rest
    rows = []
    for y in range(height):
        row = bits[y * stride : y * stride + width_bytes]
        if spare:
            row = row[:-1] + bytes([row[-1] & last_mask])
        rows.append(row)
    return width_bytes, rows


def raster_bands(
    image: QImage, band_rows: int = DEFAULT_BAND_ROWS, skip_blank: bool = False
) -> bytes:
    """The image as ``GS v 0`` commands of at most ``band_rows`` rows each.

    With ``skip_blank``, white runs of ``BLANK_RUN`` rows or more become ``ESC J`` feeds,
    and a run made of 2 x 2 dot blocks (the QR code) is sent at half size with ``m = 3``
    (double width and height), a quarter of the bytes for the same dots."""
    if not 1 <= band_rows <= MAX_BAND_ROWS:
        raise ValueError(f"band_rows must be 1..{MAX_BAND_ROWS}, not {band_rows}")
    width_bytes, rows = raster_rows(image)
    if width_bytes > 0xFFFF:
        raise ValueError("image too wide")
    out = bytearray()
    for start, end, blank in _runs(rows, BLANK_RUN if skip_blank else None):
        if blank:
            for done in range(0, end - start, 255):
                out += FEED_DOTS + bytes([min(255, end - start - done)])
            continue
        span, mode, wb = rows[start:end], 0, width_bytes
        if skip_blank and width_bytes % 2 == 0:
            halved = _halve(span)
            if halved is not None:
                span, mode, wb = halved, 3, width_bytes // 2
        for first in range(0, len(span), band_rows):
            band = span[first : first + band_rows]
            out += RASTER + bytes([mode, wb & 0xFF, wb >> 8])
            out += bytes([len(band) & 0xFF, len(band) >> 8])
            out += b"".join(band)
    return bytes(out)


def _halve(rows: list[bytes]) -> list[bytes] | None:
    """The rows at half width and height if every 2 x 2 block of dots is all black or
    all white (so printing them doubled gives back the same dots), else None."""
    if len(rows) % 2:
        return None
    out = []
    for y in range(0, len(rows), 2):
        row = rows[y]
        if rows[y + 1] != row:
            return None
        nibbles = [_PAIRS_TO_NIBBLE[b] for b in row]
        if -1 in nibbles:
            return None
        out.append(bytes(hi << 4 | lo for hi, lo in zip(nibbles[::2], nibbles[1::2], strict=True)))
    return out


def _pairs_to_nibble(byte: int) -> int:
    """A byte of 4 two-dot pairs (each 00 or 11) as 4 bits; -1 if a pair is mixed."""
    nibble = 0
    for shift in (6, 4, 2, 0):
        pair = (byte >> shift) & 3
        if pair in (1, 2):
            return -1
        nibble = nibble << 1 | (pair == 3)
    return nibble


_PAIRS_TO_NIBBLE = [_pairs_to_nibble(b) for b in range(256)]


def _runs(rows: list[bytes], blank_run: int | None) -> list[tuple[int, int, bool]]:
    """(start, end, is_blank) spans covering all rows; blank spans are white runs of at
    least ``blank_run`` rows (none when it is None)."""
    if blank_run is None:
        return [(0, len(rows), False)]
    spans: list[tuple[int, int, bool]] = []
    ink_start, y = 0, 0
    while y < len(rows):
        if any(rows[y]):
            y += 1
            continue
        white = y
        while y < len(rows) and not any(rows[y]):
            y += 1
        if y - white >= blank_run:
            if white > ink_start:
                spans.append((ink_start, white, False))
            spans.append((white, y, True))
            ink_start = y
    if ink_start < len(rows):
        spans.append((ink_start, len(rows), False))
    return spans


def feed(lines: int) -> bytes:
    """``ESC d n``: print what is buffered and feed ``n`` lines."""
    if not 0 <= lines <= 255:
        raise ValueError("feed lines must be 0..255")
    return ESC + b"d" + bytes([lines])


def drawer_kick(pin: int = 2, on_ms: int = 50, off_ms: int = 500) -> bytes:
    """``ESC p m t1 t2``: open the cash drawer wired to pin 2 (m = 0) or pin 5 (m = 1);
    the pulse is ``t1 x 2`` ms on and ``t2 x 2`` ms off."""
    if pin not in (2, 5):
        raise ValueError("a cash drawer is on pin 2 or pin 5")
    t1 = max(1, min(255, on_ms // 2))
    t2 = max(t1, min(255, off_ms // 2))
    return ESC + b"p" + bytes([0 if pin == 2 else 1, t1, t2])


def encode_job(
    image: QImage,
    band_rows: int = DEFAULT_BAND_ROWS,
    feed_lines: int = DEFAULT_FEED_LINES,
    cut: bool = True,
    drawer_pin: int | None = None,
    skip_blank: bool = True,
) -> bytes:
    """A complete job: initialise, (open the drawer,) the image, feed, cut."""
    job = bytearray(INIT)
    if skip_blank:
        job += MOTION_DOTS
    if drawer_pin is not None:
        job += drawer_kick(drawer_pin)
    job += raster_bands(image, band_rows, skip_blank)
    job += feed(feed_lines)
    if cut:
        job += CUT_PARTIAL
    return bytes(job)
