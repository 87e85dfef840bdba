"""Queries over what tills pushed: stock, sales, their summary, shifts and flags."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, select

from coopos.domain.quantity import from_milli
from coopos.server import sync
from coopos.server.db import Database
from coopos.server.models import (
    CashMovement,
    Event,
    EventFlag,
    Sale,
    SaleLine,
    SalePayment,
    Shift,
)

# -- queries over what tills pushed ---------------------------------------------------------------


@dataclass(frozen=True)
class SalesFilter:
    location: str | None = None
    fair: str | None = None
    cooperative: str | None = None
    day: str | None = None  # the till's local day, YYYY-MM-DD
    from_day: str | None = None
    to_day: str | None = None
    kind: str | None = None  # sale | refund

    def where(self, by_line: bool = False) -> list[Any]:
        """The WHERE clauses on ``Sale``; ``by_line`` when the query already joins the
        lines (the cooperative then filters them, not the sales)."""
        clauses: list[Any] = []
        if self.location:
            clauses.append(Sale.location_code == self.location.upper())
        if self.fair:
            clauses.append(Sale.fair_code == self.fair.upper())
        if self.day:
            clauses.append(Sale.local_day == self.day)
        if self.from_day:
            clauses.append(Sale.local_day >= self.from_day)
        if self.to_day:
            clauses.append(Sale.local_day <= self.to_day)
        if self.kind:
            clauses.append(Sale.kind == self.kind)
        if self.cooperative and by_line:
            clauses.append(SaleLine.cooperative_code == self.cooperative.upper())
        elif self.cooperative:
            clauses.append(
                exists().where(
                    and_(
                        SaleLine.sale_id == Sale.id,
                        SaleLine.cooperative_code == self.cooperative.upper(),
                    )
                )
            )
        return clauses


def stock(
    db: Database, location: str | None = None, sku: str | None = None, negative: bool = False
) -> list[dict[str, Any]]:
    """On-hand per location and SKU: the sum of every till's and head office's movements."""
    with db.read() as s:
        levels = sync.on_hand(s, {location.upper()} if location else None, {sku} if sku else None)
    rows = [
        {
            "location": loc,
            "sku": code,
            "quantity": str(from_milli(milli)),
            "quantity_milli": milli,
            "negative": milli < 0,
        }
        for (loc, code), milli in sorted(levels.items())
        if not negative or milli < 0
    ]
    return rows


def sales(
    db: Database, filters: SalesFilter, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], bool]:
    limit = max(1, min(limit, 1000))
    with db.read() as s:
        found = (
            s.execute(
                select(Sale)
                .where(*filters.where())
                .order_by(Sale.created_utc, Sale.id)
                .offset(max(offset, 0))
                .limit(limit + 1)
            )
            .scalars()
            .all()
        )
        more = len(found) > limit
        found = found[:limit]
        ids = [sale.id for sale in found]
        lines: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        payments: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        if ids:
            for ln in s.execute(
                select(SaleLine).where(SaleLine.sale_id.in_(ids)).order_by(SaleLine.line_no)
            ).scalars():
                lines[ln.sale_id].append(
                    {
                        "line_no": ln.line_no,
                        "sku": ln.sku,
                        "name": ln.name,
                        "quantity": str(from_milli(ln.quantity_milli)),
                        "unit_price_cents": ln.unit_price_cents,
                        "vat_rate": ln.vat_rate,
                        "cooperative": ln.cooperative_code,
                        "net_cents": ln.net_cents,
                        "commission_cents": ln.commission_cents,
                        "refund_of_line_no": ln.refund_of_line_no,
                    }
                )
            for p in s.execute(
                select(SalePayment).where(SalePayment.sale_id.in_(ids)).order_by(SalePayment.id)
            ).scalars():
                payments[p.sale_id].append(
                    {
                        "method": p.method,
                        "amount_cents": p.amount_cents,
                        "tendered_cents": p.tendered_cents,
                    }
                )
    result = [
        {
            "uuid": sale.uuid,
            "receipt_no": sale.receipt_no,
            "kind": sale.kind,
            "refund_of": sale.refund_of_uuid,
            "refund_linked": sale.refund_of_id is not None,
            "device_id": sale.device_id,
            "location": sale.location_code,
            "fair": sale.fair_code,
            "day": sale.local_day,
            "created_utc": sync.iso_utc(sale.created_utc),
            "created_local": sale.created_local,
            "total_cents": sale.total_cents,
            "lines": lines[sale.id],
            "payments": payments[sale.id],
        }
        for sale in found
    ]
    return result, more


def sales_summary(db: Database, filters: SalesFilter) -> list[dict[str, Any]]:
    """Net sales and commission per local day, location, fair and cooperative."""
    clauses = filters.where(by_line=True)
    stmt = (
        select(
            Sale.local_day,
            Sale.location_code,
            Sale.fair_code,
            SaleLine.cooperative_code,
            func.count(func.distinct(Sale.id)),
            func.sum(SaleLine.quantity_milli),
            func.sum(SaleLine.net_cents),
            func.sum(SaleLine.commission_cents),
        )
        .join(SaleLine, SaleLine.sale_id == Sale.id)
        .where(*clauses)
        .group_by(Sale.local_day, Sale.location_code, Sale.fair_code, SaleLine.cooperative_code)
        .order_by(Sale.local_day, Sale.location_code, SaleLine.cooperative_code)
    )
    with db.read() as s:
        return [
            {
                "day": day,
                "location": loc,
                "fair": fair,
                "cooperative": coop,
                "documents": int(docs),
                "quantity_milli": int(qty or 0),
                "net_cents": int(net or 0),
                "commission_cents": int(commission or 0),
            }
            for day, loc, fair, coop, docs, qty, net, commission in s.execute(stmt)
        ]


def shifts(
    db: Database, location: str | None = None, day: str | None = None
) -> list[dict[str, Any]]:
    stmt = select(Shift).order_by(Shift.id)
    if location:
        stmt = stmt.where(Shift.location_code == location.upper())
    if day:
        stmt = stmt.where(func.substr(Shift.opened_local, 1, 10) == day)
    with db.read() as s:
        found = s.execute(stmt).scalars().all()
        cash: dict[str, int] = {}
        if found:
            cash = {
                shift: int(total or 0)
                for shift, total in s.execute(
                    select(CashMovement.shift_uuid, func.sum(CashMovement.amount_cents))
                    .where(CashMovement.shift_uuid.in_([sh.uuid for sh in found]))
                    .group_by(CashMovement.shift_uuid)
                )
            }
    return [
        {
            "uuid": sh.uuid,
            "device_id": sh.device_id,
            "location": sh.location_code,
            "status": sh.status,
            "opened_local": sh.opened_local,
            "closed_local": sh.closed_local,
            "float_cents": sh.float_cents,
            "z_number": sh.z_number,
            "counts": json.loads(sh.counts or "{}"),
            "expected": json.loads(sh.expected or "{}"),
            "net_total_cents": sh.net_total_cents,
            "cash_movements_cents": cash.get(sh.uuid, 0),
        }
        for sh in found
    ]


def flags(
    db: Database, code: str | None = None, device_id: int | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Flagged events, newest first: what head office should look at."""
    stmt = (
        select(EventFlag, Event.device_id, Event.seq, Event.uuid, Event.kind, Event.received_utc)
        .join(Event, Event.id == EventFlag.event_id)
        .order_by(EventFlag.id.desc())
        .limit(max(1, min(limit, 1000)))
    )
    if code:
        stmt = stmt.where(EventFlag.code == code)
    if device_id is not None:
        stmt = stmt.where(Event.device_id == device_id)
    with db.read() as s:
        return [
            {
                "device_id": device,
                "seq": seq,
                "uuid": uuid,
                "kind": kind,
                "code": flag.code,
                "detail": json.loads(flag.detail),
                "received_utc": sync.iso_utc(received),
            }
            for flag, device, seq, uuid, kind, received in s.execute(stmt)
        ]
