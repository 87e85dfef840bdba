"""The receipts journal's queries: the shop's days, the search, details, duplicates."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from coopos.db.models import AuditEntry
from coopos.domain.errors import ValidationError
from coopos.printing import queue, render
from coopos.services import audit, journal, refunds
from coopos.services import settings as shop_settings
from coopos.services.checkout import Approver, Checkout
from tests.escpos_decode import decode_job

AZERTY = str.maketrans("1234567890-", "&é\"'(-è_çà)")


def sell(ctx, user, items, order_discount=0, manager=None):
    checkout = Checkout(ctx, user)
    for code, qty in items:
        checkout.scan(code, qty)
    if order_discount:
        checkout.set_order_discount(order_discount, manager)
    checkout.start_payment()
    checkout.pay_exact()
    return checkout.complete()


def at(clock, *when):
    clock.current = datetime(*when)


def receipts(rows) -> list[str]:
    return [r.receipt_no for r in rows]


def test_a_day_is_the_shops_day_not_the_utc_day(demo, users, clock, open_shift):
    # Casablanca is UTC+1: 23:30 UTC on the 4th is 00:30 on the 5th in the shop.
    fatima = users["Fatima"]
    at(clock, 2026, 12, 4, 22, 10)  # 23:10 on the 4th in the shop
    late = sell(demo, fatima, [("ARG-OIL-100", 1)])
    at(clock, 2026, 12, 4, 23, 30)  # 00:30 on the 5th in the shop, the 4th in UTC
    after_midnight = sell(demo, fatima, [("SAF-1G", 1)])
    assert receipts(journal.list_sales(demo, date(2026, 12, 4), date(2026, 12, 4))) == [
        late.receipt_no
    ]
    assert receipts(journal.list_sales(demo, date(2026, 12, 5), date(2026, 12, 5))) == [
        after_midnight.receipt_no
    ]
    assert journal.today(demo) == date(2026, 12, 5)
    both = journal.list_sales(demo, date(2026, 12, 4), date(2026, 12, 5))
    assert receipts(both) == [after_midnight.receipt_no, late.receipt_no]  # newest first


def test_a_shop_west_of_greenwich_keeps_its_evening_sales_on_its_day(demo, users, clock):
    from coopos.services import shifts

    shop_settings.update(demo, {"shop.time_zone": "America/New_York"})  # UTC-5 in December
    at(clock, 2026, 12, 5, 4, 30)  # 23:30 on the 4th in New York, the 5th in UTC
    shifts.open_shift(demo, users["Fatima"].id, 0)
    sale = sell(demo, users["Fatima"], [("ARG-OIL-100", 1)])
    assert receipts(journal.list_sales(demo, date(2026, 12, 4), date(2026, 12, 4))) == [
        sale.receipt_no
    ]
    assert journal.list_sales(demo, date(2026, 12, 5), date(2026, 12, 5)) == []
    assert journal.today(demo) == date(2026, 12, 4)


def test_a_period_that_ends_before_it_starts_is_refused(demo):
    with pytest.raises(ValidationError):
        journal.list_sales(demo, date(2026, 12, 5), date(2026, 12, 4))


@pytest.fixture
def three(demo, users, open_shift):
    fatima = users["Fatima"]
    return [
        sell(demo, fatima, [("ARG-OIL-100", 1)]),  # 60.00
        sell(demo, fatima, [("SAF-1G", 1), ("ROS-SOAP", 1)]),
        sell(demo, fatima, [("CSC-VRAC", "1.250")]),  # 27.50
    ]


def search(ctx, text):
    day = date(2026, 11, 20)
    return receipts(journal.list_sales(ctx, day, day, text))


def test_search_by_receipt_number_on_any_layout(demo, three):
    second = three[1].receipt_no
    assert search(demo, second) == [second]
    assert search(demo, second.translate(AZERTY)) == [second]  # a US scanner on AZERTY
    arabic = second.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert search(demo, arabic) == [second]
    assert search(demo, second.lower()) == [second]


def test_search_by_amount_with_a_comma_or_a_dot(demo, three):
    bulk = three[2].receipt_no
    assert search(demo, "27,50") == [bulk]
    assert search(demo, "27.50") == [bulk]
    assert search(demo, "27,5O") == []  # not an amount, no product, no receipt


def test_search_by_product_name_in_any_language_folded(demo, three):
    from coopos.db.models import Product

    with demo.read() as s:
        names = s.execute(select(Product).where(Product.sku == "CSC-VRAC")).scalar().names
    bulk = three[2].receipt_no
    arabic = names["ar"]
    assert search(demo, arabic) == [bulk]
    # without the hamza-carrying alef and the tashkeel folded as product search does
    first_word = arabic.split()[0]
    assert search(demo, first_word.replace("أ", "ا")) == [bulk]
    assert bulk in search(demo, names["fr"].split()[0].upper())
    assert search(demo, "ROS-SOAP") == [three[1].receipt_no]


def test_rows_say_who_what_how_and_refunded(demo, users, three):
    manager = Approver.of(users["Youssef"])
    refund = refunds.refund(demo, three[1].receipt_no, manager, [("SAF-1G", 1)])
    day = date(2026, 11, 20)
    rows = {r.receipt_no: r for r in journal.list_sales(demo, day, day)}
    second = rows[three[1].receipt_no]
    assert (second.seller, second.lines, second.methods) == ("Fatima", 2, ("cash",))
    assert second.refunded_cents == -refund.total and not second.fully_refunded
    back = rows[refund.receipt_no]
    assert back.is_refund and back.refund_of == three[1].receipt_no and back.total_cents < 0
    info = journal.details(demo, three[1].receipt_no, "fr")
    assert [ln.sku for ln in info.lines] == ["SAF-1G", "ROS-SOAP"]
    assert [ln.refunded for ln in info.lines] == [1, 0]
    assert info.refunds == [refund.receipt_no] and info.duplicates == 0
    assert [(p.method, p.amount_cents) for p in info.payments] == [("cash", three[1].total)]
    refunds.refund(demo, three[1].receipt_no, manager)  # all that is left
    again = {r.receipt_no: r for r in journal.list_sales(demo, day, day)}
    assert again[three[1].receipt_no].fully_refunded
    assert not again[three[0].receipt_no].fully_refunded


@pytest.fixture
def gui(qapp):
    render.ensure_gui()
    return qapp


def test_a_reprint_is_a_numbered_audited_duplicate(demo, users, three, gui, tmp_path):
    receipt = three[0].receipt_no
    fatima = users["Fatima"].id
    assert queue.add_duplicate(demo, receipt, fatima)[0] == 1
    assert queue.add_duplicate(demo, receipt.translate(AZERTY), fatima)[0] == 2
    jobs = queue.pending(demo)
    assert [(j.kind, j.receipt_no) for j in jobs] == [(queue.DUPLICATE, receipt)] * 2
    printed = [queue.job_receipt(demo, j, "fr") for j in jobs]
    assert [(r.duplicate, r.duplicate_text) for r in printed] == [
        (1, "DUPLICATA 1"),
        (2, "DUPLICATA 2"),
    ]
    with demo.read() as s:
        rows = s.execute(
            select(AuditEntry.user_id, AuditEntry.details).where(
                AuditEntry.action == journal.DUPLICATE
            )
        ).all()
        assert journal.duplicates(s, receipt) == 2
    assert [user for user, _details in rows] == [fatima, fatima]
    assert audit.verify(demo).ok
    # Printed, they carry the banner: a duplicate is not the original's image.
    spool = tmp_path / "spool.bin"
    shop_settings.update(demo, {"printer.uri": f"file:{spool}"})
    assert queue.run_waiting(demo).printed == 2
    with demo.read() as s:
        from coopos.printing.document import build_receipt

        original = render.render_receipt(build_receipt(s, receipt, "fr"), render.WIDTH_80MM)
    first = decode_job(spool.read_bytes())
    assert first.height > original.height()


def test_the_duplicate_count_survives_a_restart(demo_path, demo, users, three, clock):
    from coopos.services.context import Context

    receipt = three[0].receipt_no
    queue.add_duplicate(demo, receipt, users["Fatima"].id)
    demo.close()
    again = Context.open(demo_path, clock=clock)
    try:
        assert queue.add_duplicate(again, receipt, users["Fatima"].id)[0] == 2
    finally:
        again.close()
