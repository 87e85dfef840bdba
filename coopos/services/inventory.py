"""Stock ledger use cases: receive, transfer, count, adjust, and on-hand queries.

On-hand is always ``SUM(quantity_milli)`` of the movements; nothing stores a counter.
A sale is never refused for lack of stock: negative on-hand is flagged in reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from coopos.db.models import Cooperative, Location, Product, StockMovement, new_uuid
from coopos.db.uow import UnitOfWork
from coopos.domain import events
from coopos.domain.catalog import Unit
from coopos.domain.errors import ValidationError
from coopos.domain.quantity import ZERO, from_milli, quantity, to_milli
from coopos.domain.stock import MovementReason
from coopos.i18n import _
from coopos.protocol import text as text_rules
from coopos.protocol.events import EventKind, Movement, StockMovements
from coopos.services import lookups
from coopos.services.context import Context

Item = tuple[str, Decimal | str | int]  # (barcode or sku, quantity)
_INSERT_MOVEMENTS = insert(StockMovement.__table__)
_MOVEMENT_COLUMNS = frozenset(StockMovement.__table__.c.keys())


def movement_payload(row: dict[str, Any], sku: str) -> Movement:
    """What the server needs of a movement (ids are uuids, products by sku)."""
    return Movement(
        uuid=row["uuid"],
        sku=sku,
        location=row.get("location_code"),
        quantity=str(from_milli(row["quantity_milli"])),
        reason=row["reason"],
        reference=row.get("reference", ""),
        note=row.get("note", ""),
        created_utc=str(row["created_utc"]),
        created_local=row["created_local"],
    )


def movement_row(
    uow: UnitOfWork,
    product: Product,
    location: Location,
    qty: Decimal,
    reason: MovementReason,
    user_id: int | None,
    reference: str = "",
    note: str = "",
    sale_id: int | None = None,
) -> dict[str, Any]:
    # what the server would refuse is refused here, where it is typed
    text_rules.check_free_text(reference, _("The reference"))
    text_rules.check_free_text(note, _("The note"))
    return {
        "uuid": new_uuid(),
        "product_id": product.id,
        "location_id": location.id,
        "location_code": location.code,
        "quantity_milli": to_milli(qty),
        "reason": reason.value,
        "user_id": user_id,
        "created_utc": uow.stamp.utc,
        "created_local": uow.stamp.local,
        "reference": reference,
        "note": note,
        "sale_id": sale_id,
        "sku": product.sku,
    }


def write_movements(
    uow: UnitOfWork, rows: list[dict[str, Any]], emit: bool = True
) -> list[Movement]:
    """Insert movements; with ``emit`` also one ``stock.movements`` outbox event.
    Returns their payloads (a sale puts them inside its own event instead)."""
    if not rows:
        return []
    uow.session.flush()
    uow.connection.execute(
        _INSERT_MOVEMENTS, [{k: v for k, v in r.items() if k in _MOVEMENT_COLUMNS} for r in rows]
    )
    payloads = [movement_payload(r, r["sku"]) for r in rows]
    uow.publish(events.STOCK_CHANGED, locations=sorted({r["location_code"] for r in rows}))
    if emit:
        uow.outbox(EventKind.STOCK_MOVEMENTS, StockMovements(movements=payloads))
    return payloads


def resolve_items(session: Session, items: Iterable[Item]) -> list[tuple[Product, Decimal]]:
    """``(SKU or barcode, quantity)`` pairs as products and quantities; pieces are whole."""
    resolved = []
    for code, qty in items:
        product = lookups.product(session, code)
        q = quantity(qty) if not isinstance(qty, Decimal) else qty
        if not Unit(product.unit).weighed and q != q.to_integral_value():
            raise ValidationError(
                _("{sku} is sold by the piece: use a whole quantity.", sku=product.sku)
            )
        resolved.append((product, q))
    return resolved


def require_positive(items: list[tuple[Product, Decimal]]) -> None:
    for product, qty in items:
        if qty <= 0:
            raise ValidationError(
                _("The quantity of {sku} must be more than zero.", sku=product.sku)
            )


def receive(
    ctx: Context,
    items: Iterable[Item],
    user_id: int | None,
    location_code: str | None = None,
    reference: str = "",
    note: str = "",
) -> int:
    """Goods received from a cooperative into a location."""
    with ctx.write() as uow:
        s = uow.session
        loc = lookups.location(s, location_code)
        resolved = resolve_items(s, items)
        require_positive(resolved)
        rows = [
            movement_row(uow, p, loc, q, MovementReason.RECEIVED, user_id, reference, note)
            for p, q in resolved
        ]
        write_movements(uow, rows)
        return len(rows)


def transfer(
    ctx: Context,
    items: Iterable[Item],
    user_id: int | None,
    from_code: str,
    to_code: str,
    reference: str = "",
) -> int:
    """Move goods between locations: a 'transfer out' and a 'transfer in' per product."""
    with ctx.write() as uow:
        s = uow.session
        source, target = lookups.location(s, from_code), lookups.location(s, to_code)
        if source.id == target.id:
            raise ValidationError(_("A transfer needs two different locations."))
        resolved = resolve_items(s, items)
        require_positive(resolved)
        reference = reference or f"TR-{uow.next_value('transfer'):06d}"
        rows = []
        for p, q in resolved:
            rows.append(
                movement_row(uow, p, source, -q, MovementReason.TRANSFER_OUT, user_id, reference)
            )
            rows.append(
                movement_row(uow, p, target, q, MovementReason.TRANSFER_IN, user_id, reference)
            )
        write_movements(uow, rows)
        return len(resolved)


@dataclass(frozen=True)
class CountLine:
    sku: str
    expected: Decimal
    counted: Decimal

    @property
    def difference(self) -> Decimal:
        return self.counted - self.expected


def count(
    ctx: Context,
    counted: Iterable[Item],
    manager_id: int,
    location_code: str | None = None,
    full: bool = False,
    note: str = "",
) -> list[CountLine]:
    """Record a stock count: each counted product is adjusted to what was counted.

    With ``full`` the count covers the whole location: products with stock there that
    were not counted are set to zero.  Repeated scans of a product add up."""
    with ctx.write() as uow:
        s = uow.session
        loc = lookups.location(s, location_code)
        on_hand = on_hand_by_product(s, loc.id)
        totals = count_totals(s, counted, on_hand, full)
        reference = f"CNT-{uow.next_value('count'):06d}"
        lines, rows = [], []
        for pid, (product, qty) in sorted(totals.items(), key=lambda kv: kv[1][0].sku):
            expected = on_hand.get(pid, ZERO)
            lines.append(CountLine(product.sku, expected, qty))
            if qty != expected:
                rows.append(
                    movement_row(
                        uow,
                        product,
                        loc,
                        qty - expected,
                        MovementReason.COUNT,
                        manager_id,
                        reference,
                        note,
                    )
                )
        write_movements(uow, rows)
        uow.audit(
            "stock_count",
            manager_id,
            location=loc.code,
            reference=reference,
            full=full,
            differences={ln.sku: str(ln.difference) for ln in lines if ln.difference},
        )
        return lines


def count_totals(
    session: Session, counted: Iterable[Item], on_hand: dict[int, Decimal], full: bool
) -> dict[int, tuple[Product, Decimal]]:
    """What a count found per product: repeated scans add up; with ``full``, products
    with stock that were not scanned count as zero."""
    totals: dict[int, tuple[Product, Decimal]] = {}
    for product, qty in resolve_items(session, counted):
        if qty < 0:
            raise ValidationError(_("A counted quantity cannot be negative."))
        prev = totals.get(product.id, (product, ZERO))[1]
        totals[product.id] = (product, prev + qty)
    if full:
        for pid, qty in on_hand.items():
            if pid not in totals and qty != 0:
                totals[pid] = (session.get(Product, pid), ZERO)
    return totals


ADJUST_REASONS = (
    MovementReason.ADJUSTMENT,
    MovementReason.DAMAGED,
    MovementReason.RETURNED,
)


def adjust(
    ctx: Context,
    code: str,
    delta: Decimal | str,
    manager_id: int,
    reason: MovementReason = MovementReason.ADJUSTMENT,
    location_code: str | None = None,
    note: str = "",
) -> None:
    """A manager's correction (damaged or lost goods, returned to the cooperative...)."""
    reason = MovementReason(reason)
    if reason not in ADJUST_REASONS:
        raise ValidationError(_("Use adjustment, damaged or returned as the reason."))
    with ctx.write() as uow:
        s = uow.session
        loc = lookups.location(s, location_code)
        [(product, qty)] = resolve_items(s, [(code, delta)])
        if qty == 0:
            raise ValidationError(_("An adjustment of zero changes nothing."))
        if reason is not MovementReason.ADJUSTMENT and qty > 0:
            qty = -qty  # damaged and returned goods always leave the stock
        write_movements(uow, [movement_row(uow, product, loc, qty, reason, manager_id, "", note)])
        uow.audit(
            "stock_adjust",
            manager_id,
            location=loc.code,
            sku=product.sku,
            quantity=str(qty),
            reason=reason.value,
            note=note,
        )


# -- queries ---------------------------------------------------------------------------------


def on_hand_by_product(session: Session, location_id: int) -> dict[int, Decimal]:
    rows = session.execute(
        select(StockMovement.product_id, func.sum(StockMovement.quantity_milli))
        .where(StockMovement.location_id == location_id)
        .group_by(StockMovement.product_id)
    )
    return {pid: from_milli(total) for pid, total in rows}


def on_hand(session: Session, product_id: int, location_id: int) -> Decimal:
    total = session.execute(
        select(func.sum(StockMovement.quantity_milli)).where(
            StockMovement.product_id == product_id, StockMovement.location_id == location_id
        )
    ).scalar()
    return from_milli(total)


@dataclass(frozen=True)
class StockRow:
    location: str
    sku: str
    name: str
    cooperative: str
    unit: str
    quantity: Decimal

    @property
    def negative(self) -> bool:
        return self.quantity < 0


def stock_report(
    session: Session,
    location_code: str | None = None,
    negative_only: bool = False,
    include_zero: bool = False,
    product_code: str | None = None,
) -> list[StockRow]:
    """On-hand per product and location (the till's location unless one is given with
    ``location_code``; ``*`` for all)."""
    total = func.coalesce(func.sum(StockMovement.quantity_milli), 0)
    stmt = (
        select(
            Location.code,
            Product.sku,
            Product.name_fr,
            Product.name_ar,
            Cooperative.code,
            Product.unit,
            total,
        )
        .select_from(StockMovement)
        .join(Product, Product.id == StockMovement.product_id)
        .join(Location, Location.id == StockMovement.location_id)
        .join(Cooperative, Cooperative.id == Product.cooperative_id)
        .group_by(Location.code, Product.id)
        .order_by(Location.code, Product.sku)
    )
    if location_code != "*":
        stmt = stmt.where(Location.id == lookups.location(session, location_code).id)
    if product_code:
        stmt = stmt.where(Product.id == lookups.product(session, product_code).id)
    if negative_only:
        stmt = stmt.having(total < 0)
    elif not include_zero:
        stmt = stmt.having(total != 0)
    return [
        StockRow(loc, sku, fr or ar or "", coop, unit, from_milli(q))
        for loc, sku, fr, ar, coop, unit, q in session.execute(stmt)
    ]
