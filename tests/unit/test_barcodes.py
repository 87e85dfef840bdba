"""Barcode patterns (EAN-13, Code 128) against the published tables, and the drawing:
whole-dot modules, quiet zones, and a decoder (zxing-cpp) reading back what was drawn."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter

from coopos.domain.errors import ValidationError
from coopos.printing import barcodes, render

zxingcpp = pytest.importorskip("zxingcpp")
Image = pytest.importorskip("PIL.Image")


@pytest.fixture(scope="module")
def gui(qapp):
    """pytest-qt's application (so widget tests still get theirs), with coopos's fonts."""
    render.ensure_gui()
    return qapp


# -- EAN-13 -----------------------------------------------------------------------------

# GS1 tables: left digits in set L or G (chosen by the first digit), right digits in set R.
L = ["0001101", "0011001", "0010011", "0111101", "0100011",
     "0110001", "0101111", "0111011", "0110111", "0001011"]  # fmt: skip
G = ["0100111", "0110011", "0011011", "0100001", "0011101",
     "0111001", "0000101", "0010001", "0001001", "0010111"]  # fmt: skip
R = ["1110010", "1100110", "1101100", "1000010", "1011100",
     "1001110", "1010000", "1000100", "1001000", "1110100"]  # fmt: skip
PARITY = ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG",
          "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"]  # fmt: skip


def ean13_reference(code: str) -> str:
    """The 95 modules of an EAN-13, straight from the GS1 tables (guards as 1)."""
    parity = PARITY[int(code[0])]
    left = "".join((L if p == "L" else G)[int(d)] for p, d in zip(parity, code[1:7], strict=True))
    right = "".join(R[int(d)] for d in code[7:])
    return "101" + left + "01010" + right + "101"


@pytest.mark.parametrize(
    ("first12", "check"),
    [
        ("400638133393", 1),  # 4006381333931
        ("590123412345", 7),  # 5901234123457
        ("611104200101", 7),  # demo: argan oil 100 ml
        ("000000000000", 0),
        ("978020137962", 4),  # ISBN 978-0-201-37962-4 as EAN-13
    ],
)
def test_ean13_check_digit(first12, check):
    assert barcodes.ean13_check_digit(first12) == check
    assert barcodes.is_ean13(first12 + str(check))
    assert not barcodes.is_ean13(first12 + str((check + 1) % 10))


@pytest.mark.parametrize(
    "code", ["5901234123457", "4006381333931", "6111042001017", "0000000000000"]
)
def test_ean13_modules_follow_the_gs1_tables(code):
    symbol = barcodes.ean13(code)
    assert symbol.kind == barcodes.EAN13 and symbol.data == code
    assert len(symbol.modules) == 95
    assert symbol.modules.replace("G", "1") == ean13_reference(code)
    # guard bars (start, centre, end) are marked to be drawn longer
    guards = [i for i, m in enumerate(symbol.modules) if m == "G"]
    assert guards == [0, 2, 46, 48, 92, 94]
    assert (symbol.quiet_left, symbol.quiet_right) == (11, 7)
    assert symbol.total_modules == 113


def test_ean13_from_12_digits_gets_its_check_digit():
    assert barcodes.ean13("590123412345").data == "5901234123457"
    assert barcodes.ean13(" 400638133393 ").data == "4006381333931"


def test_ean13_with_a_wrong_check_digit_is_a_clear_error():
    with pytest.raises(ValidationError, match="last digit should be 7") as error:
        barcodes.ean13("5901234123458")
    assert "5901234123458" in error.value.message


@pytest.mark.parametrize(
    "code", ["", "12345", "59012341234570", "59012341234A7", "５９０１２３４１２３４５７"]
)
def test_ean13_needs_12_or_13_ascii_digits(code):
    with pytest.raises(ValidationError, match="12 or 13 digits"):
        barcodes.ean13(code)
    assert not barcodes.is_ean13(code)


# -- Code 128 ---------------------------------------------------------------------------

START_B = "11010010000"  # value 104
START_C = "11010011100"  # value 105
STOP = "1100011101011"
CODE128 = {12: "10110011100", 33: "10100011000", 34: "10001011000"}  # ISO/IEC 15417


def test_code128_of_one_letter_is_the_textbook_symbol():
    # "A" in subset B is value 33; checksum (104 + 1 x 33) mod 103 = 34
    symbol = barcodes.code128("A")
    assert symbol.modules == START_B + CODE128[33] + CODE128[34] + STOP
    assert (symbol.quiet_left, symbol.quiet_right) == (10, 10)


def test_code128_digit_runs_use_subset_c():
    symbol = barcodes.code128("1234")
    # start C, "12", "34", checksum, stop: two digits per symbol
    assert symbol.modules.startswith(START_C + CODE128[12] + CODE128[34])
    assert len(symbol.modules) == 4 * 11 + 13
    # a 13-digit barcode takes 10 symbols, not the 15 of subset B alone
    assert len(barcodes.code128("6111042001017").modules) == 10 * 11 + 13
    mixed = barcodes.code128("SKU-000123456789")
    assert len(mixed.modules) < (len("SKU-000123456789") + 2) * 11 + 13


@pytest.mark.parametrize("data", ["", "zaït", "tab\there", "€5"])
def test_code128_refuses_what_it_cannot_encode(data):
    with pytest.raises(ValidationError):
        barcodes.code128(data)


def test_product_symbol_prefers_a_valid_ean13_then_code128_then_the_sku():
    assert barcodes.for_product(["6111042001024", "6111042001031"], "X").data == "6111042001024"
    # a later valid EAN-13 wins over an earlier non-EAN barcode
    chosen = barcodes.for_product(["TIF-42", "6111042001017"], "X")
    assert chosen.kind == barcodes.EAN13
    # a bad check digit, a 12-digit code: printed as they are, in Code 128, so that they
    # scan back to the barcode the till knows
    assert barcodes.for_product(["6111042001018"], "X").kind == barcodes.CODE128
    assert barcodes.for_product(["036000291452"], "X").data == "036000291452"
    assert barcodes.for_product([], "CSC-VRAC").data == "CSC-VRAC"
    assert barcodes.for_product(["", "  "], "CSC-VRAC").kind == barcodes.CODE128


def test_fit_module():
    symbol = barcodes.ean13("5901234123457")  # 113 modules with quiet zones
    assert barcodes.fit_module(symbol, 339, largest=3) == 3
    assert barcodes.fit_module(symbol, 338, largest=3) == 2
    assert barcodes.fit_module(symbol, 112, largest=3) == 0


# -- drawing ----------------------------------------------------------------------------


def draw(symbol: barcodes.Symbol, module: int = 2, bar_height: int = 60) -> tuple[QImage, int]:
    """The symbol on white with 20 dots around; returns the image and the bars' row."""
    drawing = barcodes.BarcodeDrawing.fitted(symbol, module, bar_height, 9 * module)
    image = QImage(drawing.width + 40, drawing.height + 40, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, False)
    drawing.paint(painter, 20, 20)
    painter.end()
    return render.to_mono(image), 20 + bar_height // 2


def row_bits(image: QImage, y: int) -> str:
    return "".join("1" if image.pixelIndex(x, y) else "0" for x in range(image.width()))


def to_pil(image: QImage):
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    data = bytes(grey.constBits())
    size = (grey.width(), grey.height())
    return Image.frombuffer("L", size, data, "raw", "L", grey.bytesPerLine(), 1)


def decoded(image: QImage) -> list[tuple[str, str]]:
    return [(r.format.name, r.text) for r in zxingcpp.read_barcodes(to_pil(image))]


@pytest.mark.parametrize("module", [1, 2, 3, 8])
def test_bars_are_whole_dots_with_white_quiet_zones(gui, module):
    symbol = barcodes.ean13("6111042001017")
    image, y = draw(symbol, module)
    bits = row_bits(image, y)
    start = 20 + symbol.quiet_left * module
    end = start + len(symbol.modules) * module
    # each module is exactly `module` dots of one colour: no grey, no half dot
    expected = "".join(m.replace("G", "1") * module for m in symbol.modules)
    assert bits[start:end] == expected
    assert set(bits[:start]) == {"0"} and set(bits[end:]) == {"0"}


def test_guard_bars_reach_lower_than_the_others(gui):
    symbol = barcodes.ean13("6111042001017")
    image, _y = draw(symbol, 3, bar_height=60)
    below = row_bits(image, 20 + 60 + 3)  # just under the normal bars
    bars_x = 20 + symbol.quiet_left * 3
    guard_xs = [bars_x + i * 3 for i, m in enumerate(symbol.modules) if m == "G"]
    assert all(below[x] == "1" for x in guard_xs)


@pytest.mark.parametrize("code", ["6111042001017", "5901234123457", "0000000000000"])
def test_drawn_ean13_decodes(gui, code):
    image, _y = draw(barcodes.ean13(code), 2)
    assert decoded(image) == [("EAN13", code)]


@pytest.mark.parametrize(
    # "99" and "991234": the value of "99" in subset C is also the "switch to C" code
    "data",
    ["A", "1234", "12345", "99", "991234", "ARG-OIL-100", "6111042001017", "Sku 42/b"],
)
def test_drawn_code128_decodes(gui, data):
    image, _y = draw(barcodes.code128(data), 2)
    assert decoded(image) == [("Code128", data)]


@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.text(alphabet="0123456789", min_size=1, max_size=40),
        st.text(
            alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=30
        ),
    )
)
def test_any_digits_or_printable_ascii_round_trip_through_code128(gui, data):
    symbol = barcodes.code128(data)
    assert len(symbol.modules) % 11 == 2  # whole symbols, then the 13-module stop
    image, _y = draw(symbol, 2)
    assert decoded(image) == [("Code128", data)]
