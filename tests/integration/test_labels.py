"""Price labels end to end: products -> Label documents -> thermal images, ESC/POS jobs
(decoded back to bitmaps) and A4 PDF sheets (rendered back to pixels); every barcode and
QR code is read back with zxing-cpp and must give the product's barcode (or SKU)."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPainter

from coopos.cli import main
from coopos.db.models import Product
from coopos.domain.errors import NotFoundError, ValidationError
from coopos.i18n import formats
from coopos.printing import barcodes, labels, render
from coopos.services import products
from tests.escpos_decode import Decoded, decode_job

zxingcpp = pytest.importorskip("zxingcpp")
Image = pytest.importorskip("PIL.Image")

DEMO_SKUS = ["ARG-OIL-100", "ARG-OIL-250", "AML-250", "SAF-1G", "AML-VRAC", "CSC-VRAC"]
LONG_AR = (
    "زيت أركان بكر ممتاز معصور على البارد من تعاونية نسوية في منطقة الصويرة، قنينة زجاجية "
    "عنبرية بقطارة، مناسب للطبخ والتجميل، منتج محلي بشهادة الجودة"
)
LONG_FR = (
    "Huile d'argan vierge extra pressée à froid par une coopérative féminine de la région "
    "d'Essaouira, flacon en verre ambré avec compte-gouttes"
)


@pytest.fixture
def gui(qapp):
    """pytest-qt's application (so widget tests still get theirs), with coopos's fonts."""
    render.ensure_gui()
    return qapp


@pytest.fixture
def extra(demo):
    """Products whose labels need Code 128: a shop's own code, an EAN-13 with a wrong
    check digit (printed as it is, so that it still scans to what the till knows), and a
    long SKU with no barcode and very long names."""
    rows = [
        ("TIF-SOAP-01", "TIF-2024-0042", "صابون أركان", "Savon à l'argan"),
        ("TIF-BAD-EAN", "6111042001018", "زيت أركان", "Huile d'argan"),
        ("TIF-ARGAN-EXTRA-VIERGE-50ML", "", LONG_AR, LONG_FR),
    ]
    for sku, code, name_ar, name_fr in rows:
        fields = {
            "sku": sku,
            "barcode": code,
            "name_ar": name_ar,
            "name_fr": name_fr,
            "cooperative": "TIFAW",
            "unit": "piece",
            "price": "1234.50",
            "vat_rate": "20",
        }
        products.save_product(demo, fields)
    return [sku for sku, *_rest in rows]


def expected_code(ctx, sku: str) -> str:
    """What the label's barcode must scan to: one of the product's barcodes, or its SKU."""
    with ctx.read() as s:
        product = s.query(Product).filter_by(sku=sku).one()
        return barcodes.for_product([b.barcode for b in product.barcodes], sku).data


def to_pil(image: QImage):
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    data = bytes(grey.constBits())
    size = (grey.width(), grey.height())
    return Image.frombuffer("L", size, data, "raw", "L", grey.bytesPerLine(), 1)


def read_codes(picture) -> Counter:
    """(format, text) of every barcode and QR code found in a PIL image or a QImage."""
    if isinstance(picture, QImage):
        picture = to_pil(picture)
    return Counter((r.format.name, r.text) for r in zxingcpp.read_barcodes(picture))


def expected_codes(ctx, skus, copies=1, qr=False) -> Counter:
    found = Counter()
    for sku in skus:
        code = expected_code(ctx, sku)
        kind = "EAN13" if barcodes.is_ean13(code) else "Code128"
        found[(kind, code)] += copies
        if qr:
            found[("QRCode", sku)] += copies
    return found


def decode_jobs(data: bytes) -> list[Decoded]:
    """Several jobs back to back (one per label): each one's tail must be a feed
    (``ESC d n``) and a partial cut (``GS V 66 0``), then the next job or nothing."""
    jobs = []
    while data:
        job = decode_job(data)
        tail = job.tail
        assert tail[:2] == b"\x1bd", "a feed after the label"
        assert tail[3:7] == b"\x1dVB\x00", "a cut after the feed"
        job.tail = tail[:7]
        jobs.append(job)
        data = tail[7:]
        assert not data or data.startswith(b"\x1b@")
    return jobs


def ink_columns(image: QImage, top: int, bottom: int) -> tuple[int, int] | None:
    """The leftmost and rightmost black columns between two rows, or None if blank."""
    xs = [
        x
        for y in range(top, bottom)
        for x in range(image.width())
        if QImage.pixelColor(image, x, y).lightness() < 128
    ]
    return (min(xs), max(xs)) if xs else None


# -- the document -------------------------------------------------------------------------


def test_labels_are_built_from_the_products(demo):
    found = labels.load_labels(demo, ["ARG-OIL-100", "arg-oil-250", "CSC-VRAC"], language="fr")
    oil, oil250, couscous = found
    assert oil.name_ar == "زيت أركان غذائي 100 مل"
    assert oil.name_fr == "Huile d'argan alimentaire 100 ml"
    assert oil.price_cents == 6000
    assert oil.price_text == formats.format_money(6000, "fr")
    assert oil.cooperative_code == "TIFAW"
    assert (oil.barcode.kind, oil.barcode.data) == (barcodes.EAN13, "6111042001017")
    assert oil.qr_text is None
    # two barcodes: the first valid EAN-13; SKUs are found in any case
    assert oil250.sku == "ARG-OIL-250" and oil250.barcode.data == "6111042001024"
    # sold by weight, no barcode: the price per kilogram, Code 128 of the SKU
    assert couscous.unit == "kg" and couscous.price_text.endswith("/\u00a0kg")
    assert (couscous.barcode.kind, couscous.barcode.data) == (barcodes.CODE128, "CSC-VRAC")


def test_copies_qr_and_language(demo):
    found = labels.load_labels(demo, ["SAF-1G", "AML-250"], copies=3, qr=True, language="ar")
    assert [label.sku for label in found] == ["SAF-1G"] * 3 + ["AML-250"] * 3
    assert found[0].qr_text == "SAF-1G"
    assert found[0].price_text == formats.format_money(4500, "ar")
    url = labels.load_labels(demo, ["SAF-1G"], qr_url="https://coop.ma/p/{sku}?x=1")
    assert url[0].qr_text == "https://coop.ma/p/SAF-1G?x=1"
    with pytest.raises(ValidationError, match="must contain"):
        labels.load_labels(demo, ["SAF-1G"], qr_url="https://coop.ma/p")
    for copies in (0, labels.MAX_COPIES + 1):
        with pytest.raises(ValidationError, match="copies"):
            labels.load_labels(demo, ["SAF-1G"], copies=copies)


def test_an_unknown_sku_names_it(demo):
    with pytest.raises(NotFoundError) as error:
        labels.load_labels(demo, ["ARG-OIL-100", "NOPE-1"])
    assert error.value.message == "Unknown SKU “NOPE-1”: no label was printed."


# -- the thermal printer --------------------------------------------------------------------


@pytest.mark.parametrize("width", [576, 384])
def test_thermal_png_barcodes_and_qr_codes_decode(demo_path, demo, extra, gui, tmp_path, width):
    skus = DEMO_SKUS + extra
    out = tmp_path / "labels.png"
    args = ["--db", str(demo_path), "print", "labels", "--png", str(out), "--width", str(width)]
    args += [part for sku in skus for part in ("--sku", sku)] + ["--qr"]
    assert main(args) == 0
    image = QImage(str(out))
    assert image.width() == width
    # 1 bit deep: only black and white, nothing grey to print as dither
    assert image.format() in (QImage.Format.Format_Mono, QImage.Format.Format_MonoLSB)
    assert read_codes(image) == expected_codes(demo, skus, qr=True)


def test_escpos_job_decodes_to_every_label(demo_path, demo, extra, gui, tmp_path, capsys):
    spool = tmp_path / "job.bin"
    skus = ["ARG-OIL-100", "CSC-VRAC", extra[0]]
    args = ["--db", str(demo_path), "print", "labels", "--printer", f"file:{spool}"]
    args += [part for sku in skus for part in ("--sku", sku)] + ["--copies", "2", "--qr"]
    assert main(args) == 0
    assert "6 labels sent to file:" in capsys.readouterr().out
    jobs = decode_jobs(spool.read_bytes())
    assert len(jobs) == 6  # one job per label, each cut
    found = Counter()
    for job in jobs:
        assert job.width == 576
        assert job.ink() > 0.03 * job.width * job.height
        found += read_codes(job.to_pil())
    assert found == expected_codes(demo, skus, copies=2, qr=True)


def test_58mm_strip_is_one_job_with_one_cut(demo_path, demo, gui, tmp_path):
    spool = tmp_path / "strip.bin"
    args = ["--db", str(demo_path), "print", "labels", "--printer", f"file:{spool}"]
    args += ["--sku", "SAF-1G", "--sku", "AML-VRAC", "--width", "384", "--strip"]
    assert main(args) == 0
    (job,) = decode_jobs(spool.read_bytes())
    assert job.width == 384
    assert read_codes(job.to_pil()) == expected_codes(demo, ["SAF-1G", "AML-VRAC"])


def test_the_job_is_the_rendered_label_bit_for_bit(demo, gui):
    (label,) = labels.load_labels(demo, ["AML-250"], qr=True)
    image = labels.render_label(label, 576)
    (job,) = decode_jobs(labels.labels_job([label], 576))
    assert job.height == image.height()
    mono = render.to_mono(image)
    assert all(
        job.black(x, y) == bool(mono.pixelIndex(x, y))
        for y in range(0, image.height(), 3)
        for x in range(576)
    )


def test_arabic_name_is_drawn_right_aligned_above_the_french_one(demo, gui):
    (label,) = labels.load_labels(demo, ["ARG-OIL-100"])
    with_name = labels.render_label(label, 576)
    canvas = render.Canvas(with_name, 576, rtl=False)
    layout, _w, arabic_height = canvas.layout(
        label.name_ar, labels.LabelStyle.thermal().name_ar, 560, render.END
    )
    # laid out right to left and shaped: in "زيت" the ya and the teh take joined forms
    # (initial, final) that the same letters set apart never use
    assert layout.textOption().textDirection() == Qt.LayoutDirection.RightToLeft
    font = labels.LabelStyle.thermal().name_ar
    joined = canvas.layout("زيت", font, 560, render.END)[0]
    apart = canvas.layout("ز ي ت", font, 560, render.END)[0]
    joined_ids = {g for run in joined.glyphRuns() for g in run.glyphIndexes()}
    apart_ids = {g for run in apart.glyphRuns() for g in run.glyphIndexes()}
    assert len(joined_ids - apart_ids) == 2
    pad = labels.LabelStyle.thermal().pad
    band = (pad, pad + arabic_height)
    left, right = ink_columns(with_name, *band)
    assert right >= 576 - pad - 4  # ends at the right margin: right to left
    assert left > 576 // 3  # a short name does not reach the left side
    # the French name starts at the left margin, below
    left_fr, _right_fr = ink_columns(with_name, band[1], band[1] + 30)
    assert left_fr <= pad + 4
    # without an Arabic name that band holds the French name instead (not blank text)
    without = labels.render_label(dataclasses.replace(label, name_ar=""), 576)
    assert ink_columns(without, *band)[0] <= pad + 4


def test_names_too_long_for_a_label_are_shortened_not_cut(demo, extra, gui):
    (label,) = labels.load_labels(demo, [extra[2]])
    probe = QImage(1, 1, QImage.Format.Format_RGB32)
    canvas = render.Canvas(probe, 576, rtl=False)
    style = labels.LabelStyle.thermal()
    for name, font, where in (
        (label.name_fr, style.name_fr, render.START),
        (label.name_ar, style.name_ar, render.END),
    ):
        text = labels._lay_out_text(canvas, name, font, 560, where, 2)
        assert text.layout.lineCount() == 2
        shown = text.layout.text()
        assert shown.endswith("…")
        # whole words dropped from the end, the rest as it was
        assert render.keep_units(name).startswith(shown[:-1])
        assert shown[-2] != " "


# -- the A4 sheet ---------------------------------------------------------------------------


def pdf_page_count(data: bytes) -> int:
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
    declared = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data, re.S)]
    declared += [int(n) for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data, re.S)]
    assert declared and all(n == pages for n in declared), (pages, declared)
    return pages


def pdf_pages_as_images(path: Path, tmp_path: Path, labels_list, dpi: int = 300) -> list:
    """The PDF's pages as pictures: QtPdf if this PySide6 has it, else pdftoppm, else
    (neither installed) the same pages painted by the PDF's own painting code."""
    if importlib.util.find_spec("PySide6.QtPdf") is not None:
        from PySide6.QtPdf import QPdfDocument

        document = QPdfDocument()
        document.load(str(path))
        size = QSize(round(210 / 25.4 * dpi), round(297 / 25.4 * dpi))
        return [to_pil(document.render(i, size)) for i in range(document.pageCount())]
    if shutil.which("pdftoppm"):
        prefix = tmp_path / "page"
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(path), str(prefix)], check=True
        )
        return [Image.open(p).convert("L") for p in sorted(tmp_path.glob("page-*.png"))]
    pages = labels.sheet_pages(len(labels_list))
    return [to_pil(labels.render_sheet_page(labels_list, i, dpi)) for i in range(pages)]


def test_a4_pdf_sheet_is_valid_and_every_barcode_decodes(
    demo_path, demo, extra, gui, tmp_path, capsys
):
    skus = DEMO_SKUS + extra  # 9 products x 3 copies = 27 labels: 2 pages
    out = tmp_path / "sheet.pdf"
    args = ["--db", str(demo_path), "print", "labels", "--pdf", str(out), "--copies", "3"]
    args += [part for sku in skus for part in ("--sku", sku)]
    assert main(args) == 0
    assert "2 A4 pages saved to" in capsys.readouterr().out
    data = out.read_bytes()
    assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF")
    assert b"startxref" in data[-200:]
    assert pdf_page_count(data) == 2
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert boxes
    for box in boxes:
        x0, y0, x1, y1 = (float(v) for v in box)
        assert (x1 - x0) / 72 * 25.4 == pytest.approx(210, abs=1)
        assert (y1 - y0) / 72 * 25.4 == pytest.approx(297, abs=1)
    sheet = labels.load_labels(demo, skus, copies=3)
    pages = pdf_pages_as_images(out, tmp_path, sheet)
    assert len(pages) == 2
    found = read_codes(pages[0]) + read_codes(pages[1])
    assert found == expected_codes(demo, skus, copies=3)
    assert sum(read_codes(pages[0]).values()) == 24


def test_sheet_painting_decodes_with_qr_codes(demo, extra, gui):
    """The painting code itself (what the PDF is drawn with), whatever renderer is here."""
    skus = DEMO_SKUS + extra
    sheet = labels.load_labels(demo, skus, qr=True)
    image = labels.render_sheet_page(sheet, 0, dpi=300)
    assert image.width() == 2480 and image.height() == 3508
    assert read_codes(image) == expected_codes(demo, skus, qr=True)


def test_nothing_overflows_a_sheet_label(demo, extra, gui):
    """Every label fits its 63.5 x 33.9 mm box: the padding all around stays white."""
    style = labels.LabelStyle.sheet()
    cell = labels._cell(0, labels.SHEET_DPI)
    w, h = cell.width(), cell.height()
    probe = QImage(1, 1, QImage.Format.Format_RGB32)
    for qr in (False, True):
        for label in labels.load_labels(demo, DEMO_SKUS + extra, qr=qr):
            canvas = labels.lay_out_label(label, probe, w, h, style)
            assert canvas.y == h
            image = QImage(w, h, QImage.Format.Format_RGB32)
            image.fill(Qt.GlobalColor.white)
            painter = QPainter(image)
            canvas.paint(painter)
            painter.end()
            mono = render.to_mono(image)
            edge = style.pad - 2
            blank_rows = [*range(edge), *range(h - edge, h)]
            assert not any(mono.pixelIndex(x, y) for y in blank_rows for x in range(0, w, 2)), (
                label.sku
            )
            assert not any(
                mono.pixelIndex(x, y)
                for x in [*range(edge), *range(w - edge, w)]
                for y in range(0, h, 2)
            ), label.sku
            kind = "EAN13" if label.barcode.kind == barcodes.EAN13 else "Code128"
            assert (kind, label.barcode.data) in read_codes(image)


def test_58mm_labels_fit_long_codes_and_qr_codes(demo, extra, gui):
    for label in labels.load_labels(demo, DEMO_SKUS + extra, qr=True):
        image = labels.render_label(label, 384)
        assert image.width() == 384
        kind = "EAN13" if label.barcode.kind == barcodes.EAN13 else "Code128"
        assert read_codes(image) == Counter(
            {(kind, label.barcode.data): 1, ("QRCode", label.sku): 1}
        )


# -- the command line -----------------------------------------------------------------------


@pytest.mark.parametrize("target", ["--png", "--pdf", "--printer"])
def test_unknown_sku_is_one_sentence_and_writes_nothing(demo_path, gui, tmp_path, capsys, target):
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "labels.bin"
    value = f"file:{out}" if target == "--printer" else str(out)
    args = ["--db", str(demo_path), "print", "labels", "--sku", "SAF-1G", "--sku", "NOPE-1"]
    assert main([*args, target, value]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "Unknown SKU “NOPE-1”: no label was printed." in err
    assert not out.exists()
    assert list(folder.iterdir()) == []
