"""A report as a table of plain values: what the command line renders as text, CSV or JSON
and the screens show, whoever computed it (a till's report, a consignment statement)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # msgid, translated when shown
    kind: str = "text"  # text | money | quantity | int


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] | None = None
