"""Shifts: open with a cash float, cash in/out, X report (mid-shift), close with a count
and Z report.  Expected cash = float + cash taken (net of change and refunds) + cash in
- cash out; the difference with the count is shown, never hidden."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from coopos.db.models import (
    CashMovement,
    Cooperative,
    Sale,
    SaleLine,
    SalePayment,
    SaleVat,
    Shift,
    ShiftCount,
    User,
)
from coopos.domain import events
from coopos.domain.cash import count_cash
from coopos.domain.errors import StateError, ValidationError
from coopos.domain.money import Cents
from coopos.domain.sale import PaymentMethod
from coopos.i18n import _
from coopos.protocol import text as text_rules
from coopos.services import lookups
from coopos.services.context import Context


def open_shift(
    ctx: Context, user_id: int, float_cents: Cents, location_code: str | None = None
) -> Shift:
    if float_cents < 0:
        raise ValidationError(_("The cash float cannot be negative."))
    with ctx.write() as uow:
        s = uow.session
        if lookups.open_shift(s) is not None:
            raise StateError(_("A shift is already open on this till."))
        loc = lookups.location(s, location_code)
        shift = Shift(
            location_id=loc.id,
            opened_by_id=user_id,
            opened_utc=uow.stamp.utc,
            opened_local=uow.stamp.local,
            float_cents=float_cents,
        )
        s.add(shift)
        s.flush()
        user = s.get(User, user_id)
        uow.outbox(
            "shift.opened",
            {
                "uuid": shift.uuid,
                "location": loc.code,
                "opened_by": user.uuid,
                "opened_utc": uow.stamp.utc.isoformat(),
                "opened_local": uow.stamp.local,
                "float": float_cents,
            },
        )
        uow.publish(events.SHIFT_OPENED, shift_id=shift.id)
        uow.audit("shift_open", user_id, shift=shift.id, location=loc.code, float=float_cents)
        return shift


def cash_movement(ctx: Context, user_id: int, amount: Cents, reason: str) -> CashMovement:
    """Cash put in (+) or taken out (-) of the drawer outside a sale, with a reason."""
    if amount == 0:
        raise ValidationError(_("The amount cannot be zero."))
    if not reason.strip():
        raise ValidationError(_("Say why cash goes in or out of the drawer."))
    text_rules.check_free_text(reason, _("The reason"))
    with ctx.write() as uow:
        s = uow.session
        shift = require_open(s)
        move = CashMovement(
            shift_id=shift.id,
            amount_cents=amount,
            reason=reason.strip(),
            user_id=user_id,
            created_utc=uow.stamp.utc,
            created_local=uow.stamp.local,
        )
        s.add(move)
        s.flush()
        uow.outbox(
            "shift.cash_movement",
            {
                "uuid": move.uuid,
                "shift": shift.uuid,
                "amount": amount,
                "reason": move.reason,
                "created_utc": uow.stamp.utc.isoformat(),
                "created_local": uow.stamp.local,
            },
        )
        uow.publish(events.CASH_MOVED, shift_id=shift.id, amount=amount)
        uow.audit("cash_movement", user_id, shift=shift.id, amount=amount, reason=move.reason)
        return move


def record_drawer_opened(ctx: Context, manager_id: int, reason: str) -> None:
    """The cash drawer opened without a sale (change for a neighbour, a count...): always
    a manager's decision, always audited with its reason."""
    if not reason.strip():
        raise ValidationError(_("Say why the drawer is opened."))
    text_rules.check_free_text(reason, _("The reason"))
    with ctx.write() as uow:
        shift = lookups.open_shift(uow.session)
        uow.audit(
            "drawer_opened", manager_id, reason=reason.strip(), shift=shift.id if shift else None
        )


def require_open(session: Session) -> Shift:
    shift = lookups.open_shift(session)
    if shift is None:
        raise StateError(_("No shift is open."))
    return shift


# -- reports ---------------------------------------------------------------------------------


@dataclass
class MethodLine:
    method: str
    expected: Cents
    counted: Cents | None = None

    @property
    def difference(self) -> Cents | None:
        return None if self.counted is None else self.counted - self.expected


@dataclass
class ShiftReport:
    kind: str  # "X" or "Z"
    shift_id: int
    z_number: int | None
    location: str
    opened_by: str
    opened_local: str
    closed_by: str | None
    closed_local: str | None
    sales_count: int = 0
    refunds_count: int = 0
    gross: Cents = 0  # sales before discounts
    discounts: Cents = 0  # on sales
    sales_total: Cents = 0  # sales after discounts
    refunds_total: Cents = 0  # negative
    net_total: Cents = 0  # sales + refunds
    float_cents: Cents = 0
    cash_in: Cents = 0
    cash_out: Cents = 0  # negative
    by_method: list[MethodLine] = field(default_factory=list)
    by_cooperative: list[dict] = field(default_factory=list)
    by_vat: list[dict] = field(default_factory=list)

    @property
    def expected_cash(self) -> Cents:
        return next((m.expected for m in self.by_method if m.method == "cash"), 0)

    @property
    def counted_cash(self) -> Cents | None:
        return next((m.counted for m in self.by_method if m.method == "cash"), None)


def shift_report(session: Session, shift: Shift) -> ShiftReport:
    """Totals of one shift from the stored documents (never from running counters)."""
    is_sale = Sale.kind == "sale"
    docs = session.execute(
        select(
            func.coalesce(func.sum(case((is_sale, 1), else_=0)), 0),
            func.coalesce(func.sum(case((is_sale, 0), else_=1)), 0),
            func.coalesce(func.sum(case((is_sale, Sale.gross_cents), else_=0)), 0),
            func.coalesce(func.sum(case((is_sale, Sale.discount_cents), else_=0)), 0),
            func.coalesce(func.sum(case((is_sale, Sale.total_cents), else_=0)), 0),
            func.coalesce(func.sum(case((is_sale, 0), else_=Sale.total_cents)), 0),
        ).where(Sale.shift_id == shift.id)
    ).one()
    report = ShiftReport(
        kind="Z" if shift.status == "closed" else "X",
        shift_id=shift.id,
        z_number=shift.z_number,
        location=shift.location.code,
        opened_by=shift.opened_by.name,
        opened_local=shift.opened_local,
        closed_by=shift.closed_by.name if shift.closed_by else None,
        closed_local=shift.closed_local,
        sales_count=docs[0],
        refunds_count=docs[1],
        gross=docs[2],
        discounts=docs[3],
        sales_total=docs[4],
        refunds_total=docs[5],
        net_total=docs[4] + docs[5],
        float_cents=shift.float_cents,
    )
    moves = session.execute(
        select(
            func.coalesce(
                func.sum(case((CashMovement.amount_cents > 0, CashMovement.amount_cents), else_=0)),
                0,
            ),
            func.coalesce(
                func.sum(case((CashMovement.amount_cents < 0, CashMovement.amount_cents), else_=0)),
                0,
            ),
        ).where(CashMovement.shift_id == shift.id)
    ).one()
    report.cash_in, report.cash_out = moves
    # Each query reads one shift's rows from a covering index (shift_id is copied onto
    # lines, payments and VAT rows when the document is written).
    paid = dict(
        session.execute(
            select(SalePayment.method, func.sum(SalePayment.amount_cents))
            .where(SalePayment.shift_id == shift.id)
            .group_by(SalePayment.method)
        ).all()
    )
    counts = {c.method: c.counted_cents for c in shift.counts}
    for method in PaymentMethod:
        expected = paid.get(method.value, 0)
        if method is PaymentMethod.CASH:
            expected += report.float_cents + report.cash_in + report.cash_out
        if expected or method.value in counts or method is PaymentMethod.CASH:
            report.by_method.append(MethodLine(method.value, expected, counts.get(method.value)))
    per_coop = (
        select(
            SaleLine.cooperative_id.label("cid"),
            func.sum(SaleLine.net_cents).label("net"),
            func.sum(SaleLine.commission_cents).label("commission"),
        )
        .where(SaleLine.shift_id == shift.id)
        .group_by(SaleLine.cooperative_id)
        .subquery()
    )
    report.by_cooperative = [
        {
            "code": code,
            "name": name_fr or name_ar or code,
            "net": net,
            "commission": com,
            "payable": net - com,
        }
        for code, name_fr, name_ar, net, com in session.execute(
            select(
                Cooperative.code,
                Cooperative.name_fr,
                Cooperative.name_ar,
                per_coop.c.net,
                per_coop.c.commission,
            )
            .join(per_coop, per_coop.c.cid == Cooperative.id)
            .order_by(Cooperative.code)
        )
    ]
    report.by_vat = [
        {"rate": rate, "gross": gross, "vat": vat, "net": gross - vat}
        for rate, gross, vat in session.execute(
            select(SaleVat.rate, func.sum(SaleVat.gross_cents), func.sum(SaleVat.vat_cents))
            .where(SaleVat.shift_id == shift.id)
            .group_by(SaleVat.rate)
            .order_by(SaleVat.rate)
        )
    ]
    return report


def x_report(ctx: Context) -> ShiftReport:
    with ctx.read() as s:
        return shift_report(s, require_open(s))


def close_shift(
    ctx: Context,
    user_id: int,
    counted: dict[PaymentMethod, Cents] | None = None,
    cash_detail: dict[Cents, int] | None = None,
) -> ShiftReport:
    """Close the open shift with what was counted; returns the Z report.

    Cash is counted (``cash_detail`` by denomination, or a total in ``counted``); other
    methods are taken as expected unless their terminal totals are given."""
    counted = dict(counted or {})
    if cash_detail is not None:
        counted[PaymentMethod.CASH] = count_cash(cash_detail)
    if PaymentMethod.CASH not in counted:
        raise ValidationError(_("Count the cash in the drawer to close the shift."))
    if any(v < 0 for v in counted.values()):
        raise ValidationError(_("A count cannot be negative."))
    with ctx.write() as uow:
        s = uow.session
        shift = require_open(s)
        before = shift_report(s, shift)
        for line in before.by_method:
            value = counted.get(PaymentMethod(line.method), line.expected)
            detail = json.dumps(
                {str(k): v for k, v in (cash_detail or {}).items()} if line.method == "cash" else {}
            )
            s.add(
                ShiftCount(
                    shift_id=shift.id, method=line.method, counted_cents=value, detail=detail
                )
            )
        for method, value in counted.items():
            if method.value not in {m.method for m in before.by_method}:
                s.add(ShiftCount(shift_id=shift.id, method=method.value, counted_cents=value))
        shift.status = "closed"
        shift.closed_by_id = user_id
        shift.closed_utc = uow.stamp.utc
        shift.closed_local = uow.stamp.local
        shift.z_number = uow.next_value("z_report")
        s.flush()
        s.refresh(shift)
        report = shift_report(s, shift)
        uow.outbox(
            "shift.closed",
            {
                "uuid": shift.uuid,
                "z_number": shift.z_number,
                "closed_by": shift.closed_by.uuid,
                "closed_utc": uow.stamp.utc.isoformat(),
                "closed_local": uow.stamp.local,
                "counts": {m.method: m.counted for m in report.by_method},
                "expected": {m.method: m.expected for m in report.by_method},
                "net_total": report.net_total,
            },
        )
        uow.publish(events.SHIFT_CLOSED, shift_id=shift.id, z_number=shift.z_number)
        uow.audit(
            "shift_close",
            user_id,
            shift=shift.id,
            z_number=shift.z_number,
            expected_cash=report.expected_cash,
            counted_cash=report.counted_cash,
        )
        return report


def last_closed(ctx: Context) -> ShiftReport:
    with ctx.read() as s:
        shift = s.execute(
            select(Shift).where(Shift.status == "closed").order_by(Shift.z_number.desc()).limit(1)
        ).scalar()
        if shift is None:
            raise StateError(_("No shift has been closed yet."))
        return shift_report(s, shift)


def z_report(ctx: Context, z_number: int | None = None) -> ShiftReport:
    if z_number is None:
        return last_closed(ctx)
    with ctx.read() as s:
        shift = s.execute(select(Shift).where(Shift.z_number == z_number)).scalar()
        if shift is None:
            raise StateError(_("No Z report number {number}.", number=z_number))
        return shift_report(s, shift)
