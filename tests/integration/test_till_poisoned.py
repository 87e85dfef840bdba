"""The issue's story end to end (issue 13, item 2): a till holds a product whose name
carries a NUL byte (imported before the till refused it).  Its sale used to get a 422 and
every later event of the till waited behind it forever.  Now the server keeps that sale
aside for head office and the till's queue goes on; head office replays it once it chose
to clean the text, and the sale counts."""

from __future__ import annotations

from sqlalchemy import update

from coopos.db.models import Product
from coopos.domain.sale import PaymentMethod
from coopos.server import admin as server_admin
from coopos.server import quarantine
from coopos.services import shifts, sync
from tests.integration.test_till_sync import enrolled, sell, server  # noqa: F401 (fixture)


def test_a_poisoned_sale_is_set_aside_and_the_queue_goes_on(demo, users, capsys, server):  # noqa: F811
    db, client = server
    enrolled(demo, server)
    with demo.write() as uow:  # legacy data: what an old till imported
        uow.session.execute(
            update(Product)
            .where(Product.sku == "SAF-2G")
            .values(name_fr="Safran\x00 2 g", name_en="Saffron\x00", name_ar="زعفران\x00")
        )
    fatima = users["Fatima"]
    shifts.open_shift(demo, fatima.id, 20000)
    sell(demo, fatima)
    poisoned = sell(demo, fatima, "SAF-2G")
    after = [sell(demo, fatima).receipt_no for _ in range(3)]
    shifts.close_shift(demo, users["Youssef"].id, {PaymentMethod.CASH: 40000})

    report = sync.sync_once(demo, client)
    assert (report.waiting, report.held) == (0, 1)
    assert sync.state(demo).last_error == ""
    found, _more = server_admin.sales(db, server_admin.SalesFilter(kind="sale"))
    receipts = {row["receipt_no"] for row in found}
    assert set(after) <= receipts and poisoned.receipt_no not in receipts
    [entry] = quarantine.entries(db)
    assert entry.code == "invalid_text" and entry.detail["problems"][0]["path"] == "lines.0.name"

    result = quarantine.replay(db, entry.id, clean=True, by="head office")
    assert result.status == "replayed"
    found, _more = server_admin.sales(db, server_admin.SalesFilter(kind="sale"))
    assert poisoned.receipt_no in {row["receipt_no"] for row in found}
    assert sync.sync_once(demo, client).held == 0  # nothing sent twice
