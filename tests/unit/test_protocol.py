"""The protocol's rules (coopos.protocol), shared by the till and the server: what text may
cross the wire, and what each kind of event must hold."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopos.domain.errors import ValidationError
from coopos.domain.vat import vat_included
from coopos.protocol import rules, text

GOOD_CODES = ["ARG-OIL-100", "6111042001017", "COOP:TIFAW", "زيت-1", "ⵜⵉⴼⴰⵡ", "T01-000001"]
BAD_CODES = {
    "A\x00B": text.TextProblem.CONTROL,
    "A\tB": text.TextProblem.CONTROL,
    "A\nB": text.TextProblem.CONTROL,
    "A\x85B": text.TextProblem.CONTROL,  # C1 (NEL)
    "A\u2028B": text.TextProblem.CONTROL,  # line separator
    "ARG\u202eOIL": text.TextProblem.BIDI,
    "ARG\u202aOIL": text.TextProblem.BIDI,
    "ARG\u2066OIL": text.TextProblem.BIDI,
    "ARG\u2069OIL": text.TextProblem.BIDI,
    "ARG\u200bOIL": text.TextProblem.INVISIBLE,
    "\ufeffARG": text.TextProblem.INVISIBLE,
    "ARG\ud800": text.TextProblem.NOT_UNICODE,
}


@pytest.mark.parametrize("code", GOOD_CODES)
def test_good_codes(code):
    assert text.code_problem(code) is None


@pytest.mark.parametrize(("code", "problem"), BAD_CODES.items())
def test_bad_codes(code, problem):
    assert text.code_problem(code)[0] is problem
    with pytest.raises(ValidationError, match=r"U\+"):
        text.check_code(code, "The SKU")


def test_names_and_free_text():
    assert text.name_problem("Huile d’argan\u00a0100 ml — زيت أركان ⵜⴰⵍⵉⵡⵉⵏ") is None
    assert text.name_problem("Amlou\u200f") is None  # a right-to-left mark is text in a name
    assert text.name_problem("Amlou\x00")[0] is text.TextProblem.CONTROL
    assert text.name_problem("two\nlines")[0] is text.TextProblem.CONTROL
    assert text.free_text_problem("two\nlines\tand a tab\r\n") is None
    assert text.free_text_problem("bell\x07")[0] is text.TextProblem.CONTROL
    assert text.free_text_problem("\ud83d")[0] is text.TextProblem.NOT_UNICODE


@given(st.text())
def test_what_clean_leaves_passes_the_rules_for_free_text(value):
    cleaned = text.clean(value)
    assert text.free_text_problem(cleaned) is None
    assert all(c not in text.BIDI_CONTROLS for c in cleaned)
    assert text.clean(cleaned) == cleaned


def test_clean_reaches_keys_and_nested_values():
    assert text.clean({"a\x00": ["b\u202e", {"c": "d\x00"}], "n": 3}) == {
        "a": ["b", {"c": "d"}],
        "n": 3,
    }


# -- event rules -------------------------------------------------------------------------------


def sale(quantity="2.000", price=6000, method="cash", vat=10, kind="sale"):
    sign = -1 if kind == "refund" else 1
    qty = int(float(quantity) * 1000) * sign
    net = qty * price // 1000
    return {
        "uuid": "a" * 32,
        "receipt_no": "T01-000001",
        "kind": kind,
        "refund_of": "b" * 32 if kind == "refund" else None,
        "location": "SHOP",
        "shift": "c" * 32,
        "seller": "d" * 32,
        "created_utc": "2026-11-22T10:00:00",
        "created_local": "2026-11-22T11:00:00+01:00",
        "gross": net,
        "discount": 0,
        "order_discount": 0,
        "total": net,
        "change": 0,
        "note": "",
        "lines": [
            {
                "line_no": 1,
                "sku": "ARG-OIL-100",
                "name": "Huile",
                "unit": "piece",
                "quantity": f"{qty / 1000:.3f}",
                "list_price": price,
                "unit_price": price,
                "vat_rate": vat,
                "cooperative": "TIFAW",
                "commission_bp": 1500,
                "gross": net,
                "line_discount": 0,
                "order_discount": 0,
                "net": net,
                "commission": net * 15 // 100,
            }
        ],
        "payments": [{"method": method, "amount": net, "tendered": net, "reference": ""}],
        "vat": [{"rate": vat, "gross": net, "vat": vat_included(net, vat)}]
        if vat in (0, 7, 10, 14, 20)
        else [],
        "stock_movements": [
            {
                "uuid": "e" * 32,
                "sku": "ARG-OIL-100",
                "location": "SHOP",
                "quantity": f"{-qty / 1000:.3f}",
                "reason": "refund" if kind == "refund" else "sale",
                "reference": "T01-000001",
                "note": "",
                "created_utc": "2026-11-22 10:00:00",
                "created_local": "2026-11-22T11:00:00+01:00",
            }
        ],
    }


def codes(kind, payload):
    return [p.code for p in rules.check_event(kind, payload)]


def test_a_sale_and_a_refund_by_the_rules():
    assert codes("sale.completed", sale()) == []
    assert codes("refund.completed", sale(kind="refund")) == []
    assert codes("refund.completed", sale()) == ["kind_mismatch"]


def test_what_the_tester_sent_breaks_the_rules():
    assert "wrong_sign" in codes("sale.completed", sale(quantity="-2.000"))
    assert codes("sale.completed", sale(vat=100)) == ["unknown_vat_rate"]
    assert codes("sale.completed", sale(method="bitcoin")) == ["unknown_method"]
    dated = sale()
    dated["created_local"] = "9999-99-99"
    assert codes("sale.completed", dated) == ["invalid_time"]
    far = sale()
    far["created_utc"] = "2150-01-01T00:00:00"
    assert codes("sale.completed", far) == ["invalid_time"]
    payout = {
        "uuid": "a" * 32,
        "cooperative": "TIFAW",
        "amount": 10**12,
        "method": "cash",
        "paid_utc": "2026-11-22T18:00:00",
        "paid_local": "2026-11-22T19:00:00+01:00",
    }
    assert codes("payout.recorded", payout) == ["out_of_range"]
    assert codes("payout.recorded", {**payout, "amount": -500_000}) == ["wrong_sign"]
    assert codes("payout.recorded", {**payout, "amount": 500_000}) == []
    move = sale()["stock_movements"][0]
    transfer = {
        "movements": [
            {**move, "location": "SHOP", "reason": "transfer_out", "quantity": "-1.000"},
            {**move, "location": "WH", "reason": "transfer_in", "quantity": "1000.000"},
        ]
    }
    assert codes("stock.movements", transfer) == ["unmatched_transfer"]
    transfer["movements"][1]["quantity"] = "1.000"
    assert codes("stock.movements", transfer) == []


def test_every_number_must_add_up():
    broken = sale()
    broken["payments"][0]["amount"] -= 1
    assert codes("sale.completed", broken) == ["totals_mismatch"]
    broken = sale()
    broken["vat"][0]["vat"] += 1
    assert codes("sale.completed", broken) == ["totals_mismatch"]
    broken = sale()
    broken["stock_movements"][0]["quantity"] = "-1.000"
    assert codes("sale.completed", broken) == ["stock_mismatch"]
    broken = sale()
    broken["lines"] = []
    assert "empty_document" in codes("sale.completed", broken)
    broken = sale()
    broken["lines"][0]["name"] = "Huile\x00"
    [problem] = rules.check_event("sale.completed", broken)
    assert (problem.code, problem.path) == ("invalid_text", "lines.0.name")


@given(data=st.data())
def test_any_broken_field_is_reported_not_raised(data):
    """check_event never raises, whatever a payload holds (the server's schema reports
    the types; the rules must still answer)."""
    payload = copy.deepcopy(sale())
    target = payload
    while True:
        key = data.draw(st.sampled_from(sorted(target)))
        if isinstance(target[key], dict) and data.draw(st.booleans()):
            target = target[key]
            continue
        if isinstance(target[key], list) and target[key] and data.draw(st.booleans()):
            target = target[key][0]
            continue
        target[key] = data.draw(
            st.none() | st.booleans() | st.integers() | st.text() | st.lists(st.integers())
        )
        break
    assert isinstance(rules.check_event("sale.completed", payload), list)
