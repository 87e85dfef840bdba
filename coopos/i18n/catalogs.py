"""Translation catalogs: extract, update and check the gettext ``.po`` files with Babel.

One catalog (domain ``coopos``) serves the core, the CLI and the desktop app, so that
receipts and CLI messages are translated without Qt.  The ``.po`` files in
``resources/locale/<lang>/LC_MESSAGES/coopos.po`` are the source of truth; they are
compiled in memory when a language is chosen (no build step to forget).

    python -m coopos.i18n.catalogs extract   # refresh resources/locale/coopos.pot
    python -m coopos.i18n.catalogs update    # merge the template into every .po
    python -m coopos.i18n.catalogs check     # placeholders, missing translations
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
SOURCES = ("coopos", "ui")
PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def locale_root() -> Path:
    from coopos.i18n import locale_dir

    return locale_dir()


def po_path(language: str) -> Path:
    return locale_root() / language / "LC_MESSAGES" / "coopos.po"


def extract() -> Catalog:
    catalog = Catalog(project="coopos", msgid_bugs_address="", charset="utf-8")
    for source in SOURCES:
        for filename, lineno, message, comments, _context in extract_from_dir(
            ROOT / source,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",),
        ):
            catalog.add(message, None, [(f"{source}/{filename}", lineno)], auto_comments=comments)
    return catalog


def write_template(catalog: Catalog) -> Path:
    path = locale_root() / "coopos.pot"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True, omit_header=False)
    return path


def load_po(language: str) -> Catalog | None:
    path = po_path(language)
    if not path.exists():
        return None
    with path.open("rb") as fh:
        return read_po(fh, locale=language if language != "zgh" else "zgh")


def update(languages: list[str]) -> None:
    template = extract()
    write_template(template)
    for language in languages:
        catalog = load_po(language) or Catalog(locale=language, project="coopos")
        catalog.update(template, no_fuzzy_matching=True)
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, sort_output=True, ignore_obsolete=True)


def compiled(language: str) -> io.BytesIO | None:
    """The language's catalog compiled to .mo in memory (fuzzy entries included: they are
    machine or unsure translations, better than English for a reader of that language)."""
    catalog = load_po(language)
    if catalog is None:
        return None
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=True)
    buffer.seek(0)
    return buffer


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def problems(language: str) -> list[str]:
    """Entries whose placeholders differ from the source, and untranslated ones."""
    catalog = load_po(language)
    if catalog is None:
        return [f"{language}: no catalog"]
    found = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not any(strings):
            found.append(f"{language}: untranslated: {ids[0]!r}")
            continue
        for string in strings:
            if (
                string
                and placeholders(string) != placeholders(ids[-1])
                and placeholders(string) != placeholders(ids[0])
            ):
                found.append(f"{language}: placeholders differ: {ids[0]!r} -> {string!r}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coopos.i18n.catalogs")
    parser.add_argument("action", choices=["extract", "update", "check"])
    parser.add_argument("--lang", action="append", default=None)
    args = parser.parse_args(argv)
    languages = args.lang or ["ar", "fr", "zgh"]
    if args.action == "extract":
        print(write_template(extract()))
    elif args.action == "update":
        update(languages)
    else:
        issues = [p for language in languages for p in problems(language)]
        print("\n".join(issues) or "ok")
        return 1 if issues else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
