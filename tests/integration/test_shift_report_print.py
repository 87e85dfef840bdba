"""X and Z reports on paper: through the print queue to the receipt printer as a raster
(decoded back bit for bit), and as a PDF 80 mm wide."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QImage

from coopos.domain.sale import PaymentMethod
from coopos.printing import queue, render
from coopos.printing.shift_report import load_document, render_shift_report, save_shift_report
from coopos.services import settings, shifts
from tests.escpos_decode import decode_job
from tests.integration.test_receipts import image_rows
from tests.shift_story import busy_shift


@pytest.fixture
def gui(qapp):
    render.ensure_gui()
    return qapp


@pytest.fixture
def closed(demo, users):
    busy_shift(demo, users)
    return shifts.close_shift(demo, users["Fatima"].id, {PaymentMethod.CASH: 63000})


def test_a_z_report_goes_through_the_print_queue_as_the_rendered_image(demo, closed, gui, tmp_path):
    spool = tmp_path / "printer.bin"
    settings.update(demo, {"printer.uri": f"file:{spool}", "receipt.language": "ar"})
    job = queue.add(demo, queue.SHIFT, shift_id=closed.shift_id)
    assert [j.label for j in queue.pending(demo) if j.id == job] == [
        f"Report of shift {closed.shift_id}"
    ]
    outcome = queue.run_waiting(demo)
    assert (outcome.printed, outcome.failed) == (1, None)
    decoded = decode_job(spool.read_bytes())
    image = render_shift_report(load_document(demo, closed.shift_id), render.WIDTH_80MM)
    assert decoded.width == render.WIDTH_80MM and decoded.rows == image_rows(image)
    assert decoded.ink() > 0.02 * image.width() * image.height()  # not blank


def test_the_printed_report_is_in_the_receipts_language(demo, closed, gui):
    settings.update(demo, {"language": "fr", "receipt.language": "ar"})
    doc = load_document(demo, closed.shift_id)
    assert doc.language == "ar" and doc.rtl and doc.kind == "Z"
    assert load_document(demo, closed.shift_id, "fr").title == "Rapport Z n° 1"


def test_a_printed_x_report_hides_the_expected_cash_of_a_blind_count(demo, users, gui):
    busy_shift(demo, users)
    settings.update(demo, {"shift.blind_count": True})
    shift_id = shifts.x_report(demo).shift_id
    hidden = load_document(demo, shift_id, "fr")
    assert hidden.expected_hidden and hidden.kind == "X"
    assert "637,50" not in " ".join(hidden.texts())


@pytest.mark.parametrize("width", [render.WIDTH_80MM, render.WIDTH_58MM])
def test_the_report_fits_the_paper_and_arabic_is_drawn(demo, closed, gui, width):
    image = render_shift_report(load_document(demo, closed.shift_id, "ar"), width)
    assert image.width() == width and image.format() == QImage.Format.Format_Mono
    assert image.height() > 1500  # every section is there, none is cut


def test_the_pdf_is_one_page_80_mm_wide(demo, closed, gui, tmp_path):
    path = save_shift_report(load_document(demo, closed.shift_id, "fr"), tmp_path / "z.pdf")
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
    assert len(boxes) == 1  # one page, as long as the report
    width, height = (float(v) for v in boxes[0])
    assert round(width / 72 * 25.4) == 80 and height > 3 * width
