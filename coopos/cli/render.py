"""Render report tables and shift reports as text, CSV or JSON."""

from __future__ import annotations

import io
import json
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from coopos.domain.money import format_amount
from coopos.domain.quantity import format_quantity
from coopos.domain.sale import PaymentMethod
from coopos.i18n import N_, _
from coopos.services.reports import Column, Table
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


def shift_report_dict(report: ShiftReport) -> dict[str, Any]:
    data = asdict(report)
    data["by_method"] = [
        {
            "method": m.method,
            "expected": m.expected,
            "counted": m.counted,
            "difference": m.difference,
        }
        for m in report.by_method
    ]
    data["expected_cash"] = report.expected_cash
    data["counted_cash"] = report.counted_cash
    return data


def render_shift_report(report: ShiftReport, fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps(shift_report_dict(report), ensure_ascii=False, indent=2)
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
        for m in report.by_method:
            w.writerow(["method", m.method, m.expected, m.counted, m.difference])
        for c in report.by_cooperative:
            w.writerow(["cooperative", c["code"], c["net"], c["commission"], c["payable"]])
        for v in report.by_vat:
            w.writerow(["vat", v["rate"], v["gross"], v["vat"], v["net"]])
        return out.getvalue().rstrip("\n")
    return shift_report_text(report)


def shift_report_text(r: ShiftReport) -> str:
    money = format_amount
    if r.kind == "Z":
        title = _("Z report no. {number}", number=r.z_number)
    else:
        title = _("X report (shift still open)")
    lines = [title, "=" * len(title)]
    lines.append(
        _(
            "Shift {id} at {location}, opened {opened} by {user}",
            id=r.shift_id,
            location=r.location,
            opened=r.opened_local,
            user=r.opened_by,
        )
    )
    if r.closed_local:
        lines.append(_("Closed {closed} by {user}", closed=r.closed_local, user=r.closed_by))
    lines.append("")
    pairs = [
        (_("Sales"), str(r.sales_count)),
        (_("Gross sales"), money(r.gross)),
        (_("Discounts"), money(-r.discounts)),
        (_("Sales after discounts"), money(r.sales_total)),
        (_("Refunds ({n})", n=r.refunds_count), money(r.refunds_total)),
        (_("Net total"), money(r.net_total)),
    ]
    lines += _pairs(pairs)
    lines += ["", _("By payment method")]
    cols = [
        Column("method", N_("Method")),
        Column("expected", N_("Expected"), "money"),
        Column("counted", N_("Counted"), "money"),
        Column("difference", N_("Difference"), "money"),
    ]
    labels = {m.value: m.label for m in PaymentMethod}
    rows = [
        {
            "method": labels.get(m.method, m.method),
            "expected": m.expected,
            "counted": m.counted,
            "difference": m.difference,
        }
        for m in r.by_method
    ]
    lines.append(text_table("", cols, rows))
    cash = [
        (_("Cash float"), money(r.float_cents)),
        (_("Cash in"), money(r.cash_in)),
        (_("Cash out"), money(r.cash_out)),
        (_("Expected cash"), money(r.expected_cash)),
    ]
    diff = None
    if r.counted_cash is not None:
        diff = r.counted_cash - r.expected_cash
        cash += [(_("Counted cash"), money(r.counted_cash)), (_("Cash difference"), money(diff))]
    lines += _pairs(cash)
    if diff:
        lines.append(_("The cash count differs from what was expected."))
    lines += ["", _("By cooperative")]
    cols = [
        Column("code", N_("Cooperative")),
        Column("net", N_("Net sales"), "money"),
        Column("commission", N_("Commission"), "money"),
        Column("payable", N_("Due to cooperative"), "money"),
    ]
    lines.append(text_table("", cols, r.by_cooperative))
    lines += ["", _("By VAT rate")]
    cols = [
        Column("rate", N_("VAT %")),
        Column("gross", N_("Incl. VAT"), "money"),
        Column("net", N_("Excl. VAT"), "money"),
        Column("vat", N_("VAT"), "money"),
    ]
    lines.append(text_table("", cols, r.by_vat))
    return "\n".join(lines)


def _pairs(pairs: list[tuple[str, str]]) -> list[str]:
    width = max(len(k) for k, _v in pairs)
    vwidth = max(len(v) for _k, v in pairs)
    return [f"{k.ljust(width)}  {v.rjust(vwidth)}" for k, v in pairs]
