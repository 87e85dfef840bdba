"""Translations: the template follows the code, French and Arabic are complete, placeholders
match in every language, Tamazight covers what a seller sees, and the catalogs load at run time."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from coopos.i18n import _, catalogs, ngettext, set_language

LANGUAGES = ("fr", "ar", "zgh")
COMPLETE = ("fr", "ar")

# What a seller meets at the till: sell screen, payment, PIN pad, shift, common errors.
ZGH_CORE = (
    "Sell",
    "Pay (F12)",
    "Payment",
    "Cash",
    "Card",
    "Exact cash",
    "Confirm",
    "Cancel",
    "OK",
    "Change: {amount}",
    "To pay: {amount}",
    "Still to pay: {amount}",
    "Print receipt",
    "No receipt",
    "Type your PIN",
    "{name}, type your PIN",
    "Wrong PIN.",
    "Open the shift",
    "Close the shift",
    "No shift is open: open a shift before selling.",
    "Unknown barcode “{code}”: nothing was added.",
    "The cart is empty.",
    "Return (F8)",
    "Refund",
)


def _ids(catalog) -> set:
    return {message.id for message in catalog if message.id}


def _key(message_id) -> str:
    return message_id[0] if isinstance(message_id, tuple) else message_id


@pytest.fixture(scope="module")
def template():
    with (catalogs.locale_root() / "coopos.pot").open("rb") as fh:
        return read_po(fh)


@pytest.fixture
def english_afterwards():
    yield
    set_language("en")


def test_template_matches_the_strings_of_the_code(template):
    extracted, committed = _ids(catalogs.extract()), _ids(template)
    missing = sorted(_key(i) for i in extracted - committed)
    stale = sorted(_key(i) for i in committed - extracted)
    hint = "run `python -m coopos.i18n.catalogs update` and translate the new entries"
    assert not missing, f"not in coopos.pot ({hint}): {missing}"
    assert not stale, f"in coopos.pot but no longer in the code ({hint}): {stale}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_holds_every_template_string(language, template):
    catalog = catalogs.load_po(language)
    assert catalog is not None, f"no {language} catalog"
    missing = sorted(_key(i) for i in _ids(template) - _ids(catalog))
    assert not missing, f"{language}: run the catalogs update: {missing}"


@pytest.mark.parametrize("language", COMPLETE)
def test_complete_languages_translate_everything(language):
    untranslated = [p for p in catalogs.problems(language) if ": untranslated: " in p]
    assert not untranslated
    catalog = catalogs.load_po(language)
    partial_plurals = [
        _key(m.id) for m in catalog if m.id and isinstance(m.string, tuple) and not all(m.string)
    ]
    assert not partial_plurals, f"{language}: plural forms missing: {partial_plurals}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_are_the_same_in_every_translation(language):
    differ = [p for p in catalogs.problems(language) if ": placeholders differ: " in p]
    assert not differ


def test_french_uses_no_break_spaces_before_double_punctuation():
    plain = [
        m.string
        for m in catalogs.load_po("fr")
        if m.id and isinstance(m.string, str) and any(f" {mark}" in m.string for mark in ":;?!»")
    ]
    assert not plain, f"use U+00A0 before : ; ? ! » in French: {plain}"


@pytest.mark.parametrize("message", ZGH_CORE)
def test_tamazight_translates_the_core_seller_strings(message):
    entry = catalogs.load_po("zgh").get(message)
    assert entry is not None, f"{message!r} is not in the zgh catalog"
    assert entry.string, f"{message!r} is not translated into Tamazight"
    assert any("\u2d30" <= ch <= "\u2d7f" for ch in entry.string), "not written in Tifinagh"


def test_the_language_switch_translates_at_run_time(english_afterwards):
    set_language("fr")
    assert _("Wrong PIN.") == "PIN incorrect."
    assert _("Change: {amount}", amount="5.00") == "Monnaie à rendre\u00a0: 5.00"
    set_language("ar")
    assert _("Wrong PIN.") == "رمز PIN غير صحيح."
    assert ngettext("{n} product", "{n} products", 5) == "5 منتجات"
    set_language("zgh")  # fuzzy entries are used: better than English for a Tamazight reader
    assert _("Wrong PIN.") != "Wrong PIN."
    set_language("en")
    assert _("Wrong PIN.") == "Wrong PIN."


def test_every_literal_message_of_the_code_is_in_the_template(template):
    """Catches what the extractor misses, such as ``_('...')`` inside an f-string."""
    import re
    from pathlib import Path

    ids = {_key(m.id) for m in template if m.id}
    call = re.compile(r"""(?<![\w.])_\(\s*(['"])((?:(?!\1).)+?)\1\s*[,)]""")
    root = Path(__file__).resolve().parents[2]
    missing = set()
    for path in [*root.joinpath("coopos").rglob("*.py"), *root.joinpath("ui").rglob("*.py")]:
        for match in call.finditer(path.read_text(encoding="utf-8")):
            text = match.group(2)
            if "\\" not in text and text not in ids:
                missing.add(f"{path.relative_to(root)}: {text}")
    assert not sorted(missing), "mark them with N_() where they are defined"
