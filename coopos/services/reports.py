"""Sales reports over a period, as plain tables (rendered as text, CSV or JSON by the CLI
and as Qt models by the desktop app).  Days are the device's local days."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from coopos.db.models import Cooperative, Sale, SaleLine, SalePayment
from coopos.domain.errors import ValidationError
from coopos.domain.quantity import from_milli
from coopos.domain.sale import PaymentMethod
from coopos.domain.tables import Column, Table
from coopos.i18n import N_, _

GROUPINGS = ("product", "cooperative", "day", "hour", "payment")
TITLES = {
    "product": N_("Sales by product"),
    "cooperative": N_("Sales by cooperative"),
    "day": N_("Sales by day"),
    "hour": N_("Sales by hour"),
    "payment": N_("Sales by payment method"),
}


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(_("“{text}” is not a date (use YYYY-MM-DD).", text=text)) from None


def _period(stmt, start: date | None, end: date | None):
    if start:
        stmt = stmt.where(Sale.created_local >= start.isoformat())
    if end:
        stmt = stmt.where(Sale.created_local < (end + timedelta(days=1)).isoformat())
    return stmt


def sales_report(session: Session, start: date | None, end: date | None, by: str = "day") -> Table:
    if by not in GROUPINGS:
        raise ValidationError(_("Group by one of: {choices}.", choices=", ".join(GROUPINGS)))
    if start and end and end < start:
        raise ValidationError(_("The end date is before the start date."))
    title = _(TITLES[by])
    if by == "payment":
        return _by_payment(session, start, end, title)
    if by in ("day", "hour"):
        return _by_time(session, start, end, title, by)
    return _by_line_group(session, start, end, title, by)


def _by_payment(session, start, end, title) -> Table:
    stmt = _period(
        select(SalePayment.method, func.count(), func.sum(SalePayment.amount_cents))
        .join(Sale, Sale.id == SalePayment.sale_id)
        .group_by(SalePayment.method),
        start,
        end,
    )
    labels = {m.value: m.label for m in PaymentMethod}
    rows = [
        {"method": labels.get(m, m), "payments": n, "amount": amount}
        for m, n, amount in session.execute(stmt)
    ]
    return Table(
        title,
        [
            Column("method", N_("Method")),
            Column("payments", N_("Payments"), "int"),
            Column("amount", N_("Amount"), "money"),
        ],
        rows,
        {
            "method": _("Total"),
            "payments": sum(r["payments"] for r in rows),
            "amount": sum(r["amount"] for r in rows),
        },
    )


def _by_time(session, start, end, title, by) -> Table:
    key = (
        func.substr(Sale.created_local, 1, 10)
        if by == "day"
        else func.substr(Sale.created_local, 12, 2)
    )
    is_sale = Sale.kind == "sale"
    stmt = _period(
        select(
            key,
            func.sum(case((is_sale, 1), else_=0)),
            func.sum(case((is_sale, 0), else_=1)),
            func.sum(case((is_sale, Sale.total_cents), else_=0)),
            func.sum(case((is_sale, 0), else_=Sale.total_cents)),
            func.sum(Sale.total_cents),
        )
        .group_by(key)
        .order_by(key),
        start,
        end,
    )
    rows = [
        {
            by: k if by == "day" else f"{k}:00",
            "sales": n,
            "refunds": r,
            "sales_amount": sa,
            "refunds_amount": ra,
            "net": net,
        }
        for k, n, r, sa, ra, net in session.execute(stmt)
    ]
    cols = [
        Column(by, N_("Day") if by == "day" else N_("Hour")),
        Column("sales", N_("Sales"), "int"),
        Column("refunds", N_("Refunds"), "int"),
        Column("sales_amount", N_("Sold"), "money"),
        Column("refunds_amount", N_("Refunded"), "money"),
        Column("net", N_("Net"), "money"),
    ]
    totals = {c.key: sum(r[c.key] for r in rows) for c in cols[1:]}
    totals[by] = _("Total")
    return Table(title, cols, rows, totals)


def _by_line_group(session, start, end, title, by) -> Table:
    sums = (
        func.sum(SaleLine.quantity_milli),
        func.sum(SaleLine.net_cents),
        func.sum(SaleLine.commission_cents),
    )
    if by == "product":
        stmt = select(SaleLine.sku, func.max(SaleLine.name), *sums).join(
            Sale, Sale.id == SaleLine.sale_id
        )
        stmt = _period(stmt.group_by(SaleLine.sku).order_by(SaleLine.sku), start, end)
    else:
        # Sum per cooperative first, then join the few names (not every line's).
        grouped = select(
            SaleLine.cooperative_id.label("cid"),
            *(total.label(f"s{i}") for i, total in enumerate(sums)),
        ).group_by(SaleLine.cooperative_id)
        if start or end:  # lines carry no date: only a period needs their sales
            grouped = _period(grouped.join(Sale, Sale.id == SaleLine.sale_id), start, end)
        grouped = grouped.subquery()
        stmt = (
            select(
                Cooperative.code,
                func.coalesce(Cooperative.name_fr, Cooperative.name_ar),
                grouped.c.s0,
                grouped.c.s1,
                grouped.c.s2,
            )
            .join(grouped, grouped.c.cid == Cooperative.id)
            .order_by(Cooperative.code)
        )
    rows = [
        {
            "code": code,
            "name": name or "",
            "quantity": from_milli(q),
            "net": net,
            "commission": com,
            "payable": net - com,
        }
        for code, name, q, net, com in session.execute(stmt)
    ]
    cols = [
        Column("code", N_("SKU") if by == "product" else N_("Cooperative")),
        Column("name", N_("Name")),
        Column("quantity", N_("Quantity"), "quantity"),
        Column("net", N_("Net sales"), "money"),
        Column("commission", N_("Commission"), "money"),
        Column("payable", N_("Due to cooperative"), "money"),
    ]
    totals = {c.key: sum(r[c.key] for r in rows) for c in cols[3:]}
    totals["code"] = _("Total")
    return Table(title, cols, rows, totals)
