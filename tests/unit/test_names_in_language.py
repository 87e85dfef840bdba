"""What the till shows is in the user's language: product names in the cart and in
returns, units, the system's reasons for a printer failure, and an amount ending with
``د.م.`` at the end of a sentence (issue 12, item 6)."""

from __future__ import annotations

import errno

import pytest

from coopos.domain.catalog import sold_name, unit_label
from coopos.i18n import _, fill, ngettext, set_language
from coopos.i18n.formats import format_money
from coopos.printing.os_errors import os_reason
from coopos.services import refunds, shifts
from coopos.services.checkout import Checkout, load_sale


@pytest.fixture
def english_afterwards():
    yield
    set_language("en")


def test_a_cart_takes_the_names_of_the_language_of_the_seller_who_takes_over(demo, users):
    checkout = Checkout(demo, users["Fatima"])
    checkout.use_language("fr")
    checkout.scan("ARG-OIL-100")
    checkout.scan("SAF-1G")
    assert [line.name for line in checkout.lines] == [
        "Huile d'argan alimentaire 100 ml",
        "Safran pur de Taliouine 1 g",
    ]
    changes = []
    checkout.on_change(lambda _c: changes.append(1))
    checkout.set_seller(users["Youssef"])
    checkout.use_language("ar")
    assert [line.name for line in checkout.lines] == [
        "زيت أركان غذائي 100 مل",
        "زَعْفَرَان حُرّ من تالوين 1 غ",
    ]
    assert changes  # the screen redraws the cart
    checkout.scan("HON-THY-500")  # new lines too
    assert checkout.lines[-1].name.startswith("عسل")


def test_a_restored_cart_is_named_again_in_the_users_language(demo, users):
    checkout = Checkout(demo, users["Fatima"])
    checkout.use_language("en")
    checkout.scan("ARG-OIL-100")
    restored = Checkout.restore(demo, checkout.snapshot())
    restored.use_language("zgh")
    assert restored.lines[0].name == "ⵣⵣⵉⵜ ⵏ ⵡⴰⵔⴳⴰⵏ ⵉ ⵜⵉⵔⵎⵜ 100 ⵎⵍ"


def test_a_name_that_is_no_longer_in_the_catalog_is_kept():
    names = {"ar": "زيت", "fr": "Huile", "en": None, "zgh": None}
    assert sold_name("Huile", names, "OIL", "ar") == "زيت"
    assert sold_name("OIL", names, "OIL", "ar") == "زيت"  # sold under its code
    assert sold_name("Old name", names, "OIL", "ar") == "Old name"  # renamed since
    assert sold_name("Huile", None, "OIL", "ar") == "Huile"  # gone from the catalog
    assert sold_name("Huile", names, "OIL", "zgh") == "Huile"  # no Tamazight: fr first


def test_returns_show_the_names_in_the_users_language(demo, users):
    shifts.open_shift(demo, users["Fatima"].id, 0)
    checkout = Checkout(demo, users["Fatima"])
    checkout.use_language("fr")
    checkout.scan("ARG-OIL-100")
    checkout.start_payment()
    checkout.pay_exact("cash")
    receipt = checkout.complete().receipt_no
    with demo.read() as s:
        sale = load_sale(s, receipt)
        assert [ln.name for ln in refunds.refundable_lines(s, sale)] == [
            "Huile d'argan alimentaire 100 ml"
        ]
        assert [ln.name for ln in refunds.refundable_lines(s, sale, "ar")] == [
            "زيت أركان غذائي 100 مل"
        ]


@pytest.mark.parametrize(
    ("language", "kg", "ml"),
    [("ar", "كغ", "مل"), ("fr", "kg", "ml"), ("zgh", "ⴽⴳ", "ⵎⵍ"), ("en", "kg", "ml")],
)
def test_units_are_shown_in_the_language(english_afterwards, language, kg, ml):
    set_language(language)
    assert (unit_label("kg"), unit_label("ml")) == (kg, ml)
    assert unit_label("box") == "box"  # not a unit of ours: as it is


@pytest.mark.parametrize("language", ["ar", "fr", "zgh"])
def test_the_systems_reason_for_a_printer_failure_is_translated(english_afterwards, language):
    set_language(language)
    reason = os_reason(FileNotFoundError(errno.ENOENT, "No such file or directory"))
    assert reason and "No such file" not in reason
    assert os_reason(TimeoutError()) != "no answer in time"
    unusual = OSError(errno.EROFS, "Read-only file system")
    assert os_reason(unusual) == "Read-only file system"  # support can still look it up


def test_an_amount_ending_with_a_full_stop_ends_the_sentence(english_afterwards):
    """``200,00 د.م.`` at the end of an Arabic sentence: one full stop, not two."""
    set_language("ar")
    amount = format_money(19250)
    assert amount.rstrip("\u200f").endswith("د.م.")
    text = _("Refund {receipt}: give back {amount}.", receipt="T01-000002", amount=amount)
    assert text == f"استرجاع T01-000002: أرجع {amount}"
    set_language("fr")
    text = _("Refund {receipt}: give back {amount}.", receipt="T01-000002", amount="5 MAD")
    assert text.endswith("5 MAD.")  # an amount without a full stop keeps the sentence's


def test_fill_keeps_everything_else_as_str_format():
    values = {"a": "S.A.", "b": 3, "c": "x"}
    assert fill("{a}.", values) == "S.A."
    assert fill("{a}...", values) == "S.A...."  # an ellipsis is not a full stop
    assert fill("{a}, {b:>3}. {{c}} {c!r}.", values) == "S.A., " + "  3. {c} 'x'."
    assert ngettext("{n} product", "{n} products", 2) == "2 products"
    with pytest.raises(KeyError):
        fill("{missing}", values)
