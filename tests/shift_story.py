"""A busy shift on the demo shop, for the X/Z report tests: cash, card, a split payment,
change, a line and an order discount, a refund and cash movements.

Opened by Fatima with a 500.00 float:

- T01-000001 (Fatima): 2 x argan oil 100 ml (60.00, VAT 10 %) + saffron 1 g (45.00,
  VAT 20 %) = 165.00, paid 100.00 cash + 65.00 card;
- T01-000002 (Fatima): 1.250 kg of couscous (22.00/kg, VAT 0 %) = 27.50, paid with a
  50.00 note (22.50 change);
- T01-000003 (Youssef): argan oil 250 ml 120.00 - 10.00 line discount - 5.00 order
  discount = 105.00, card;
- T01-000004 (Youssef): refund of one argan oil 100 ml of T01-000001: 60.00 in cash;
- cash in 100.00 (change from the bank), cash out 30.00 (bags).

Expected cash: 500 + 100 + 27.50 - 60 + 100 - 30 = 637.50; card 170.00; net 237.50.
"""

from __future__ import annotations

from coopos.domain.sale import PaymentMethod
from coopos.services import refunds, shifts
from coopos.services.checkout import Approver
from tests.unit.test_receipt_document import sell

EXPECTED = {
    "sales_count": 3,
    "refunds_count": 1,
    "gross": 31250,
    "discounts": 1500,
    "line_discounts": 1000,
    "order_discounts": 500,
    "sales_total": 29750,
    "refunds_total": -6000,
    "net_total": 23750,
    "float": 50000,
    "cash_in": 10000,
    "cash_out": -3000,
    "cash_sales": 12750,
    "cash_refunds": -6000,
    "expected_cash": 63750,
    "card": 17000,
}


def busy_shift(demo, users) -> None:
    fatima, youssef = users["Fatima"], users["Youssef"]
    shifts.open_shift(demo, fatima.id, 50000)
    cash, card = PaymentMethod.CASH, PaymentMethod.CARD
    first = sell(
        demo, fatima, [("6111042001017", "2"), ("SAF-1G", None)], [(cash, 10000), (card, None)]
    ).receipt_no
    sell(demo, fatima, [("CSC-VRAC", "1.250")], [(cash, 5000)])
    sell(
        demo,
        youssef,
        [("ARG-OIL-250", None)],
        [(card, None)],
        order_discount=500,
        line_discounts={0: 1000},
    )
    refunds.refund(demo, first, Approver.of(youssef), [("ARG-OIL-100", "1")], user_id=youssef.id)
    shifts.cash_movement(demo, youssef.id, 10000, "Change from the bank")
    shifts.cash_movement(demo, fatima.id, -3000, "Paper bags")
