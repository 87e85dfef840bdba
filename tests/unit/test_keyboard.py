"""What a scanner or a keyboard typed, read back as meant: Arabic-Indic and Persian digits,
and a scanner set for a US keyboard on a French or Belgian AZERTY computer."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopos.domain import keyboard
from coopos.domain.errors import NotFoundError, ValidationError
from coopos.domain.keyboard import Field, looks_mangled, readings, whole_digits
from coopos.domain.money import parse_amount
from coopos.domain.security import check_pin_format, hash_pin, verify_pin

# The keys as each layout prints them, written out here from the keyboards themselves
# (not from the module's tables): the US key, then what it types on AZERTY.
US_KEYS = "1234567890-qwertyuiopasdfghjklzxcvbnmQWERTYUIOPASDFGHJKLZXCVBNM"
FRENCH_TYPES = "&é\"'(-è_çà)azertyuiopqsdfghjklwxcvbn,AZERTYUIOPQSDFGHJKLWXCVBN?"
BELGIAN_TYPES = "&é\"'(§è!çà)azertyuiopqsdfghjklwxcvbn,AZERTYUIOPQSDFGHJKLWXCVBN?"
LAYOUTS = {
    "fr": str.maketrans(US_KEYS, FRENCH_TYPES),
    "be": str.maketrans(US_KEYS, BELGIAN_TYPES),
}

codes = st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=24).filter(
    lambda c: c.strip("-")
)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@given(code=codes)
def test_a_code_typed_through_a_layout_reads_back_as_itself(layout, code):
    typed = code.translate(LAYOUTS[layout])
    assert code in readings(typed)


@given(code=codes)
def test_a_code_typed_right_is_read_first_as_typed(code):
    assert readings(code)[0] == code


@given(code=st.text(string.digits, min_size=1, max_size=14))
def test_arabic_indic_and_persian_digits_read_as_ascii(code):
    arabic = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert readings(arabic)[0] == readings(persian)[0] == code


def test_the_examples_of_the_issue():
    assert "1234567890" in readings("&é\"'(-è_çà")
    assert "0013748911" in readings("àà&\"è'!ç&&")  # odoo PR 214407, a FR-BE layout
    assert "ARG-OIL-250" in readings("QRG)OIL)é(à")
    assert readings("٦١١١٠٤٢٠٠١٠١٧") == ["6111042001017"]


def test_pins_on_azerty_and_in_arabic_digits_are_the_same_pin():
    stored = hash_pin("1234")
    for typed in ("1234", "&é\"'", "١٢٣٤", "۱۲۳۴", " &é\"' "):
        assert verify_pin(typed, stored), typed
    assert check_pin_format("§!çà") == "6890"  # Belgian 6 and 8
    assert not verify_pin("azer", stored)
    with pytest.raises(ValidationError):
        check_pin_format("azer")


@pytest.mark.parametrize(
    ("typed", "cents"),
    [("600", 60000), ("-àà", 60000), ("&é,(à", 1250), ("١٢٫٥", 1250), ("1'234", 123400)],
)
def test_amounts_as_typed_first_then_from_the_digit_row(typed, cents):
    assert keyboard.parse_typed(typed, parse_amount) == cents


def test_a_negative_amount_typed_right_stays_negative():
    assert keyboard.parse_typed("-5", parse_amount) == -500


def test_what_is_not_a_number_in_any_reading_is_refused_as_typed():
    with pytest.raises(ValidationError, match="“abc” is not a number"):
        keyboard.parse_typed("abc", parse_amount)


def test_mangled_scans_are_recognised_and_real_codes_are_not():
    assert looks_mangled("-&&&à'éàà&à&è")  # 6111042001017 on AZERTY
    assert looks_mangled("-&&&à'é")  # shorter, mostly digit-row characters
    assert not looks_mangled("6119999999999")
    assert not looks_mangled("ARG-OIL-250")
    assert not looks_mangled("huile d'argan")
    assert not looks_mangled("")


def test_an_unknown_mangled_code_says_the_layout_is_probably_wrong():
    error = keyboard.unknown_code("-&&&ççççççççè")
    assert isinstance(error, NotFoundError)
    assert "keyboard layout" in error.message
    plain = keyboard.unknown_code("6119999999999")
    assert plain.message == "Unknown barcode “6119999999999”: nothing was added."


@pytest.mark.parametrize(
    ("typed", "digits"),
    [("600", 3), ("1 234,50", 4), ("6111042001017", 13), ("-àà", 3), ("12.5", 2), ("", 0)],
)
def test_whole_digits_of_a_typed_amount(typed, digits):
    assert whole_digits(typed) == digits


def test_the_layout_tables_are_one_to_one_and_never_reread_a_digit():
    for layout in keyboard.LAYOUTS.values():
        assert len(set(layout.values())) == len(layout)  # no two keys read back alike
        assert not set(layout) & set(string.digits)


def test_fields():
    assert readings("&é", Field.PIN) == ["12"]
    assert readings("12", Field.NUMBER) == ["12"]
