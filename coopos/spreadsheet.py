"""Cells written to CSV and XLSX files that a spreadsheet opens: never a live formula.

A product or cooperative name beginning with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return, which some programs skip before reading the rest as a formula) would
run as a formula in Excel or LibreOffice ("CSV injection").  Every export writes its text
through :func:`protect`, the OWASP rule: such text gets a leading single quote, which a
spreadsheet shows as text.  :func:`unprotect` undoes exactly that on import, so a catalog
exported and imported again keeps its names.  Plain numbers (``-12,50``) are left alone:
they are no formula and stay numbers for the spreadsheet.

XLSX cells are also typed as strings explicitly (:func:`xlsx_row`), so that neither a
``=`` nor an error-looking text such as ``#N/A`` is ever stored as a formula or an error.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
# After any quotes already there: does the text start like a formula?  Quotes are
# counted so that protection stays reversible for text that itself starts with a quote.
_NEEDS = re.compile(r"^'*[=+\-@\t\r]")
_PROTECTED = re.compile(r"^''*[=+\-@\t\r]")
# A plain signed number as coopos writes amounts and quantities (``-1234.50``): no
# formula, and a spreadsheet must still read it as a number.
_NUMBER = re.compile(r"^[+-]?[0-9]+([.,][0-9]+)?$")


def protect(value: Any) -> Any:
    """``value`` as a spreadsheet must receive it: text that would start a formula gets a
    leading ``'``; numbers, dates and other text are returned as they are."""
    if not isinstance(value, str) or not _NEEDS.match(value) or _NUMBER.match(value):
        return value
    return QUOTE + value


def unprotect(text: str) -> str:
    """The text before :func:`protect`: one leading ``'`` removed, only where protect
    would have added it."""
    if _PROTECTED.match(text) and not _NUMBER.match(text[1:]):
        return text[1:]
    return text


def protect_row(values: Iterable[Any]) -> list[Any]:
    return [protect(v) for v in values]


class CsvWriter:
    """``csv.writer`` that protects every cell."""

    def __init__(self, fh, **options: Any):
        self._writer = csv.writer(fh, **options)

    def writerow(self, values: Iterable[Any]) -> None:
        self._writer.writerow(protect_row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """Cells for ``sheet.append`` (write-only or normal openpyxl sheet): text is protected
    and typed as a string (never a formula, never an error such as ``#N/A``); numbers
    stay numbers."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, protect(value))
            cell.data_type = "s"
            cells.append(cell)
        else:
            cells.append(value)
    return cells


def append_xlsx(sheet: Any, values: Iterable[Any]) -> None:
    """Append one row of :func:`xlsx_row` cells."""
    sheet.append(xlsx_row(sheet, values))
