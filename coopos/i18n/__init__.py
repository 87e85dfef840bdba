"""One translation function for the core, the CLI and (later) the UI.

Every user-facing string goes through ``_``.  Placeholders are ``{name}`` and are filled
*after* translation, so translators can reorder them::

    _("Unknown product {sku}.", sku="ARG-250")

Catalogs are gettext ``.mo`` files compiled by Babel under ``resources/locale`` (domain
``coopos``).  A missing catalog falls back to the English source text.
"""

from __future__ import annotations

import gettext
import os
import re
import string
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DOMAIN = "coopos"
SUPPORTED_LANGUAGES = ("ar", "fr", "zgh", "en")
DEFAULT_LANGUAGE = "en"

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = DEFAULT_LANGUAGE


def locale_dir() -> Path:
    """Where compiled catalogs live (also inside a frozen bundle)."""
    override = os.environ.get("COOPOS_LOCALE_DIR")
    if override:
        return Path(override)
    from coopos.resources import resource_path

    return resource_path("locale")


def set_language(language: str) -> None:
    """Switch the process-wide language (``ar``, ``fr``, ``zgh`` or ``en``)."""
    global _translation, _language
    language = (language or DEFAULT_LANGUAGE).split("_")[0].split("-")[0].lower()
    if language not in SUPPORTED_LANGUAGES:
        language = DEFAULT_LANGUAGE
    _translation = _load(language)
    _language = language


def _load(language: str) -> gettext.NullTranslations:
    """The language's catalog, compiled in memory from its ``.po`` (see catalogs.py)."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    try:
        from coopos.i18n.catalogs import compiled

        mo = compiled(language)
    except Exception:  # a damaged catalog must not stop the till: fall back to English
        import logging

        logging.getLogger(__name__).exception("cannot load the %s catalog", language)
        return gettext.NullTranslations()
    return gettext.GNUTranslations(mo) if mo else gettext.NullTranslations()


_thread = threading.local()  # a language for this thread only (receipts printed off the GUI)
_loaded: dict[str, gettext.NullTranslations] = {}


@contextmanager
def thread_language(language: str) -> Iterator[str]:
    """Translate in ``language`` in this thread only for the duration of the block, so a
    worker can print a French receipt while the window stays in Arabic."""
    language = (language or DEFAULT_LANGUAGE).split("_")[0].split("-")[0].lower()
    if language not in SUPPORTED_LANGUAGES:
        language = current_language()
    if language not in _loaded:
        _loaded[language] = _load(language)
    previous = getattr(_thread, "state", None)
    _thread.state = (_loaded[language], language)
    try:
        yield language
    finally:
        _thread.state = previous


def _active() -> gettext.NullTranslations:
    state = getattr(_thread, "state", None)
    return state[0] if state else _translation


def current_language() -> str:
    state = getattr(_thread, "state", None)
    return state[1] if state else _language


def _(message: str, /, **values: object) -> str:
    """Translate ``message`` and fill its ``{name}`` placeholders."""
    text = _active().gettext(message)
    return fill(text, values) if values else text


def ngettext(singular: str, plural: str, n: int, /, **values: object) -> str:
    text = _active().ngettext(singular, plural, n)
    return fill(text, {"n": n, **values})


_formatter = string.Formatter()
_ENDS_WITH_STOP = re.compile(r"\.[\u200e\u200f\u061c]*$")  # bidi marks may follow it


def fill(text: str, values: dict[str, object]) -> str:
    """``text.format(**values)``, with one rule of typography: a value that ends with an
    abbreviation's full stop (the Arabic dirham ``د.م.``, ``S.A.``) also ends the
    sentence, so the message's own full stop right after it is dropped (no ``د.م..``)."""
    parts: list[str] = []
    ends_with_stop = False
    for literal, field, spec, conversion in _formatter.parse(text):
        if ends_with_stop and literal.startswith(".") and not literal.startswith(".."):
            literal = literal[1:]
        parts.append(literal)
        ends_with_stop = False
        if field is None:
            continue
        value = _formatter.convert_field(_formatter.get_field(field, (), values)[0], conversion)
        shown = _formatter.format_field(value, spec or "")
        parts.append(shown)
        ends_with_stop = bool(_ENDS_WITH_STOP.search(shown))
    return "".join(parts)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (translated where shown)."""
    return message
