"""Text normalisation for search, applied to both the indexed text and the query.

Arabic: remove tashkeel (harakat) and tatweel, fold أ إ آ ٱ to ا, ة to ه, ى to ي, Arabic-Indic
and Persian digits to Latin.  Latin: fold accents and case; apostrophes (’ ' ʼ) become
spaces so ``d'argan`` and ``d’argan`` both find ``argan``.
"""

from __future__ import annotations

import re
import unicodedata

_ARABIC_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ؤ": "و",
        "ئ": "ي",
        "ـ": None,  # tatweel
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
        "’": " ",
        "'": " ",
        "ʼ": " ",
        "‘": " ",
        "`": " ",
    }
)
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise(text: str | None) -> str:
    if not text:
        return ""
    # NFKC first: Arabic presentation forms (text pasted from PDFs) become plain letters
    # before they are folded.
    text = unicodedata.normalize("NFKC", text).translate(_ARABIC_FOLD)
    text = unicodedata.normalize("NFKD", text)
    # Drop every combining mark: Latin accents and Arabic harakat (both category Mn).
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(_WORD.findall(text))


def tokens(text: str | None) -> list[str]:
    return normalise(text).split()
