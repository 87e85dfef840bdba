"""An ESC/POS job decoder for the tests, written from the command reference (not from
coopos): it turns the byte stream back into the bitmap a printer would print.

Understood: ``ESC @`` (first), ``GS P x y`` (motion units), ``ESC p m t1 t2`` (drawer),
``GS v 0 m xL xH yL yH d...`` (raster band; m = 0 normal, 1 double width, 2 double
height, 3 both) and ``ESC J n`` (feed ``n`` dots, printed as white rows).  Whatever
follows the last band or feed is the job's tail (feed lines, cut)."""

from __future__ import annotations

from dataclasses import dataclass, field

_DOUBLE = [int("".join(c * 2 for c in f"{b:08b}"), 2).to_bytes(2, "big") for b in range(256)]


@dataclass
class Decoded:
    width_bytes: int
    rows: list[bytes]
    bands: list[int] = field(default_factory=list)  # printed rows per GS v 0 band
    modes: list[int] = field(default_factory=list)  # m of each band
    feeds: list[int] = field(default_factory=list)  # dots fed by each ESC J
    drawer: bytes | None = None  # the ESC p command, if any
    motion: tuple[int, int] | None = None  # GS P x y
    tail: bytes = b""

    @property
    def width(self) -> int:
        return self.width_bytes * 8

    @property
    def height(self) -> int:
        return len(self.rows)

    def black(self, x: int, y: int) -> bool:
        return bool(self.rows[y][x // 8] & (0x80 >> (x % 8)))

    def ink(self) -> int:
        return sum(bin(b).count("1") for row in self.rows for b in row)

    def to_pil(self):
        """A greyscale image (black 0, white 255) for the barcode decoder."""
        from PIL import Image

        data = b"".join(self.rows)
        return Image.frombytes("1", (self.width, len(self.rows)), data, "raw", "1;I").convert("L")


def _band_rows(data: bytes, wb: int, h: int, mode: int) -> list[bytes]:
    rows = [data[r * wb : (r + 1) * wb] for r in range(h)]
    if mode in (1, 3):
        rows = [b"".join(_DOUBLE[b] for b in row) for row in rows]
    if mode in (2, 3):
        rows = [row for row in rows for _ in (0, 1)]
    return rows


def decode_job(job: bytes, max_band: int = 255) -> Decoded:
    """Parse a job; every band must be complete, at most ``max_band`` rows, and print at
    the same width as the others."""
    assert job[:2] == b"\x1b@", "a job starts with ESC @"
    out = Decoded(0, [])
    i = 2
    while True:
        if job[i : i + 2] == b"\x1dP":
            assert len(job) >= i + 4, "GS P cut short"
            out.motion = (job[i + 2], job[i + 3])
            i += 4
        elif job[i : i + 2] == b"\x1bp":
            assert len(job) >= i + 5, "ESC p cut short"
            out.drawer = job[i : i + 5]
            i += 5
        else:
            break
    while True:
        if job[i : i + 3] == b"\x1dv0":
            assert len(job) >= i + 8, "band header cut short"
            m, xl, xh, yl, yh = job[i + 3 : i + 8]
            assert m in (0, 1, 2, 3), f"raster mode {m}"
            wb, h = xl + 256 * xh, yl + 256 * yh
            assert wb > 0 and 1 <= h <= max_band, (wb, h)
            data = job[i + 8 : i + 8 + wb * h]
            assert len(data) == wb * h, "band data cut short"
            printed = wb * (2 if m in (1, 3) else 1)
            assert out.width_bytes in (0, printed), "all bands print at the same width"
            out.width_bytes = printed
            band = _band_rows(data, wb, h, m)
            out.rows += band
            out.bands.append(len(band))
            out.modes.append(m)
            i += 8 + wb * h
        elif job[i : i + 2] == b"\x1bJ" and len(job) > i + 2:
            n = job[i + 2]
            assert out.motion is not None, "ESC J needs GS P first (dot-sized units)"
            out.feeds.append(n)
            out.rows += [None] * n  # filled with white once the width is known
            i += 3
        else:
            break
    assert out.bands, "no raster band"
    white = bytes(out.width_bytes)
    out.rows = [white if row is None else row for row in out.rows]
    out.tail = job[i:]
    return out
