"""Installing a newer coopos keeps the database and upgrades it with the migrations.

``tests/fixtures/coopos-0.1.0.db`` was made by the first release (schema 0003, see
tests/fixtures/README.md): a closed shift, an open one, sales with weighed goods, a
split payment, a discount, a refund and a delivery.  Whatever migrations come after,
it must open, upgrade to head and keep every sale, receipt, stock level and audit entry.
"""

from __future__ import annotations

import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from coopos.db.migrate import current_revision, head_revision
from coopos.services.context import Context

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "coopos-0.1.0.db"
RECEIPTS = ["T01-000001", "T01-000002", "T01-000003", "T01-000004", "T01-000005", "T01-000006"]
ON_HAND = {  # at SHOP, as recorded in tests/fixtures/README.md
    "ARG-OIL-100": Decimal("49"),
    "ARG-OIL-250": Decimal("33"),
    "ARG-OIL-500": Decimal("17"),
    "DAT-JIH-VRAC": Decimal("28.750"),
    "AML-VRAC": Decimal("6"),
}


@pytest.fixture
def old_db(tmp_path) -> Path:
    assert FIXTURE.is_file(), (
        f"{FIXTURE} is missing: *.db files are ignored by .gitignore, so this one needs "
        "`!tests/fixtures/*.db` there (or `git add -f`)"
    )
    path = tmp_path / "coopos.db"
    shutil.copyfile(FIXTURE, path)
    return path


def raw(path: Path, sql: str):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_the_fixture_is_the_first_release_schema(old_db):
    """Guard against someone regenerating it with a newer coopos."""
    assert raw(old_db, "SELECT version_num FROM alembic_version") == [("0003",)]


def test_an_old_database_upgrades_to_head_and_keeps_its_sales(old_db):
    before = raw(
        old_db,
        "SELECT receipt_no, kind, total_cents, uuid FROM sales ORDER BY receipt_no",
    )
    lines_before = raw(old_db, "SELECT count(*), sum(net_cents) FROM sale_lines")
    payments_before = raw(old_db, "SELECT method, sum(amount_cents) FROM sale_payments GROUP BY 1")

    ctx = Context.open(old_db)  # what the new version does at its first start
    try:
        assert current_revision(ctx.engine) == head_revision()
        with ctx.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    finally:
        ctx.close()

    assert (
        raw(old_db, "SELECT receipt_no, kind, total_cents, uuid FROM sales ORDER BY receipt_no")
        == before
    )
    assert [r[0] for r in before] == RECEIPTS
    assert sum(r[2] for r in before) == 91375  # 913.75 MAD net
    assert raw(old_db, "SELECT count(*), sum(net_cents) FROM sale_lines") == lines_before
    assert (
        raw(old_db, "SELECT method, sum(amount_cents) FROM sale_payments GROUP BY 1")
        == payments_before
    )


def test_the_upgraded_database_keeps_stock_receipts_shifts_and_audit(old_db):
    from coopos.printing.document import build_receipt
    from coopos.services import audit, inventory, lookups, shifts

    ctx = Context.open(old_db)
    try:
        with ctx.read() as s:
            shop = lookups.location(s, "SHOP")
            on_hand = {
                sku: inventory.on_hand(s, lookups.product(s, sku).id, shop.id) for sku in ON_HAND
            }
            receipt = build_receipt(s, "T01-000003", "fr")  # the old receipt prints again
            refund = build_receipt(s, "T01-000005", "fr")
        assert on_hand == ON_HAND
        assert receipt.receipt_no == "T01-000003" and len(receipt.lines) == 2
        assert refund.is_refund
        check = audit.verify(ctx)
        assert check.ok and check.entries >= 10
        z1 = shifts.z_report(ctx, 1)  # the closed shift's Z report is the same
        assert (z1.sales_count, z1.refunds_count, z1.net_total) == (4, 1, 79375)
        x = shifts.x_report(ctx)  # shift 2 is still open, with its sale
        assert (x.shift_id, x.sales_count, x.net_total) == (2, 1, 12000)
    finally:
        ctx.close()


def test_selling_goes_on_after_the_upgrade(old_db):
    """The gap-free receipt numbers continue; a refund still sees what is left."""
    from coopos.services import lookups
    from coopos.services.checkout import Checkout

    ctx = Context.open(old_db)
    try:
        with ctx.read() as s:
            fatima = lookups.user_by_name(s, "Fatima")
        checkout = Checkout(ctx, fatima)
        checkout.scan("6111042001017")
        checkout.start_payment()
        checkout.pay_exact()
        assert checkout.complete().receipt_no == "T01-000007"
    finally:
        ctx.close()


def test_the_desktop_app_keeps_a_copy_before_upgrading(old_db):
    from coopos.services.backup import backup_before_upgrade, check_backup_file

    copy = backup_before_upgrade(old_db)
    assert copy is not None and copy.parent == old_db.parent / "backups"
    assert copy.name.startswith("before-upgrade-0003-")
    assert check_backup_file(copy) == "0003"
    Context.open(old_db).close()
    assert backup_before_upgrade(old_db) is None  # up to date: nothing to keep
