from coopos.services.checkout import Checkout


def test_demo_sale(demo, users, open_shift):
    checkout = Checkout(demo, users["Fatima"])
    checkout.scan("6111042001017")
    checkout.start_payment()
    checkout.pay_exact()
    result = checkout.complete()
    assert result.receipt_no == "T01-000001"
