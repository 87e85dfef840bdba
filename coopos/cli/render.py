"""Render report tables and shift reports as text, CSV or JSON."""

from __future__ import annotations

import io
import json
import unicodedata
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from coopos.domain.money import format_amount
from coopos.domain.quantity import format_quantity
from coopos.i18n import _
from coopos.services.reports import Column, Table
from coopos.services.shift_document import ShiftDocument, build_document
from coopos.services.shifts import ShiftReport
from coopos.spreadsheet import CsvWriter


def cell(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "money":
        return format_amount(int(value))
    if kind == "quantity":
        return format_quantity(Decimal(value))
    return str(value)


def _json_value(value: Any, kind: str) -> Any:
    if kind == "money":
        return format_amount(int(value)) if value is not None else None
    if isinstance(value, Decimal):
        return format_quantity(value)
    return value


def render_table(table: Table, fmt: str = "text") -> str:
    cols = table.columns
    if fmt == "json":
        return json.dumps(
            {
                "title": table.title,
                "rows": [
                    {c.key: _json_value(r.get(c.key), c.kind) for c in cols} for r in table.rows
                ],
                "totals": (
                    {
                        c.key: _json_value(table.totals.get(c.key), c.kind)
                        for c in cols
                        if c.key in table.totals
                    }
                    if table.totals
                    else None
                ),
            },
            ensure_ascii=False,
            indent=2,
        )
    if fmt == "csv":
        out = io.StringIO()
        writer = CsvWriter(out, lineterminator="\n")
        writer.writerow([c.key for c in cols])
        for r in table.rows:
            writer.writerow([cell(r.get(c.key), c.kind) for c in cols])
        return out.getvalue().rstrip("\n")
    return text_table(table.title, cols, table.rows, table.totals)


def text_table(title: str, cols: list[Column], rows: list[dict], totals: dict | None = None) -> str:
    header = [_(c.label) for c in cols]
    body = [[cell(r.get(c.key), c.kind) for c in cols] for r in rows]
    if totals:
        body.append([cell(totals.get(c.key), c.kind) for c in cols])
    widths = [
        max(len(h), *(len(row[i]) for row in body)) if body else len(h)
        for i, h in enumerate(header)
    ]

    def line(values: list[str]) -> str:
        parts = []
        for value, width, col in zip(values, widths, cols, strict=True):
            numeric = col.kind in ("money", "quantity", "int")
            parts.append(value.rjust(width) if numeric else value.ljust(width))
        return "  ".join(parts).rstrip()

    out = [title, "=" * len(title)] if title else []
    out += [line(header), line(["-" * w for w in widths])]
    rule_at = len(body) - 1 if totals else None
    for i, row in enumerate(body):
        if i == rule_at:
            out.append(line(["-" * w for w in widths]))
        out.append(line(row))
    if not rows:
        out.append(_("(nothing)"))
    return "\n".join(out)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):  # stored naive in UTC: said so
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def shift_report_dict(report: ShiftReport, hide_expected: bool = False) -> dict[str, Any]:
    """The report's raw figures; ``hide_expected`` (a blind count not entered yet) leaves
    the expected cash out."""
    hide = hide_expected and not report.is_closed
    data = asdict(report)
    data["by_method"] = [
        {
            "method": m.method,
            "sales": m.sales,
            "refunds": m.refunds,
            "expected": None if hide and m.method == "cash" else m.expected,
            "counted": m.counted,
            "difference": m.difference,
        }
        for m in report.by_method
    ]
    data["expected_cash"] = None if hide else report.expected_cash
    data["counted_cash"] = report.counted_cash
    data["average_sale"] = report.average_sale
    if hide:
        data["by_method"] = [m for m in data["by_method"] if m["method"] != "cash"]
    return data


def render_shift_report(report: ShiftReport, fmt: str = "text", hide_expected: bool = False) -> str:
    if fmt == "json":
        return json.dumps(
            shift_report_dict(report, hide_expected),
            ensure_ascii=False,
            indent=2,
            default=_json_default,
        )
    if fmt == "csv":
        out = io.StringIO()
        w = CsvWriter(out, lineterminator="\n")
        w.writerow(["section", "key", "value", "extra1", "extra2"])
        for key in (
            "sales_count",
            "refunds_count",
            "gross",
            "discounts",
            "sales_total",
            "refunds_total",
            "net_total",
            "float_cents",
            "cash_in",
            "cash_out",
        ):
            w.writerow(["summary", key, getattr(report, key), "", ""])
        hide = hide_expected and not report.is_closed
        for m in report.by_method:
            if not (hide and m.method == "cash"):
                w.writerow(["method", m.method, m.expected, m.counted, m.difference])
        for c in report.by_cooperative:
            w.writerow(["cooperative", c["code"], c["net"], c["commission"], c["payable"]])
        for v in report.by_vat:
            w.writerow(["vat", v["rate"], v["gross"], v["vat"], v["net"]])
        return out.getvalue().rstrip("\n")
    return document_text(build_document(report, hide_expected=hide_expected))


def _width(text: str) -> int:
    """Columns a text takes in a terminal: marks such as RLM take none."""
    return sum(1 for ch in text if unicodedata.category(ch) not in ("Cf", "Mn"))


def _pad(text: str, width: int, end: bool) -> str:
    room = " " * max(0, width - _width(text))
    return room + text if end else text + room


def document_text(doc: ShiftDocument) -> str:
    """The report for a terminal: each section as aligned columns."""
    lines = [doc.shop] if doc.shop else []
    lines += [doc.title, "=" * _width(doc.title), doc.banner]
    for section in doc.sections:
        lines += ["", section.title, "-" * _width(section.title)]
        rows = [row.cells for row in section.rows]
        table = rows if section.pairs else [section.headers, *rows]
        widths = [max(_width(r[i]) for r in table) for i in range(len(table[0]))]
        for cells in table:
            parts = [
                _pad(text, width, end)
                for text, width, end in zip(cells, widths, section.numeric, strict=True)
            ]
            lines.append("  ".join(parts).rstrip())
        if section.note:
            lines.append(section.note)
    lines += ["", doc.footer]
    return "\n".join(lines)


def shift_report_text(report: ShiftReport, hide_expected: bool = False) -> str:
    return document_text(build_document(report, hide_expected=hide_expected))
