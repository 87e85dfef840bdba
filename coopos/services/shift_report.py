"""The X and Z reports' figures: one shift read from its stored documents (never from
running counters).  Reading a report never writes anything: an X report can be looked at
as often as wanted and closes nothing; only ``shifts.close_shift`` seals a shift.

Expected cash = float + cash taken on sales + cash paid back on refunds (negative) + cash
in - cash out.  Times are kept in UTC here; they are shown in the shop's time zone by
:mod:`coopos.services.shift_document`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from coopos.db.models import (
    CashMovement,
    Cooperative,
    Location,
    Sale,
    SaleLine,
    SalePayment,
    SaleVat,
    Shift,
    User,
)
from coopos.domain.errors import StateError
from coopos.domain.money import Cents
from coopos.domain.sale import PaymentMethod
from coopos.i18n import _
from coopos.i18n.formats import DEFAULT_TIME_ZONE
from coopos.services import lookups, settings
from coopos.services.context import Context


@dataclass
class MethodLine:
    method: str
    expected: Cents  # for cash: what the drawer should hold
    counted: Cents | None = None
    sales: Cents = 0  # taken on sales
    refunds: Cents = 0  # paid back on refunds (negative)

    @property
    def difference(self) -> Cents | None:
        return None if self.counted is None else self.counted - self.expected

    @property
    def net(self) -> Cents:
        return self.sales + self.refunds


@dataclass(frozen=True)
class SellerLine:
    name: str
    sales_count: int
    refunds_count: int
    net: Cents  # sales less refunds


@dataclass(frozen=True)
class RefundLine:
    receipt_no: str
    created_utc: datetime
    refund_of: str | None  # the receipt refunded
    seller: str
    total: Cents  # negative


@dataclass(frozen=True)
class CashMove:
    created_utc: datetime
    amount: Cents  # + in, - out
    reason: str
    user: str


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
    # who, where and when
    location_name: str = ""
    till: str = ""  # the device's receipt prefix (T01)
    shop_name: str = ""
    opened_utc: datetime | None = None
    closed_utc: datetime | None = None
    as_of_utc: datetime | None = None  # when these figures were read (the close for a Z)
    time_zone: str = DEFAULT_TIME_ZONE
    blind_count: bool = False  # the setting when the report was read
    # details
    line_discounts: Cents = 0
    order_discounts: Cents = 0
    discounted_sales: int = 0
    by_seller: list[SellerLine] = field(default_factory=list)
    refunds: list[RefundLine] = field(default_factory=list)
    cash_moves: list[CashMove] = field(default_factory=list)
    cash_detail: dict[Cents, int] = field(default_factory=dict)  # counted notes and coins

    @property
    def is_closed(self) -> bool:
        return self.kind == "Z"

    @property
    def cash(self) -> MethodLine:
        return next(m for m in self.by_method if m.method == PaymentMethod.CASH.value)

    @property
    def expected_cash(self) -> Cents:
        return next((m.expected for m in self.by_method if m.method == "cash"), 0)

    @property
    def counted_cash(self) -> Cents | None:
        return next((m.counted for m in self.by_method if m.method == "cash"), None)

    @property
    def average_sale(self) -> Cents:
        """Sales after discounts per sale, rounded half up to the centime."""
        if not self.sales_count:
            return 0
        return (2 * self.sales_total + self.sales_count) // (2 * self.sales_count)


def _sum(expr):
    return func.coalesce(func.sum(expr), 0)


def shift_report(session: Session, shift: Shift, as_of: datetime | None = None) -> ShiftReport:
    """Totals of one shift from the stored documents.  ``as_of``: when an open shift's
    figures are read (default: now is unknown here, so the opening time)."""
    is_sale = Sale.kind == "sale"
    docs = session.execute(
        select(
            _sum(case((is_sale, 1), else_=0)),
            _sum(case((is_sale, 0), else_=1)),
            _sum(case((is_sale, Sale.gross_cents), else_=0)),
            _sum(case((is_sale, Sale.discount_cents), else_=0)),
            _sum(case((is_sale, Sale.total_cents), else_=0)),
            _sum(case((is_sale, 0), else_=Sale.total_cents)),
            _sum(case((is_sale, Sale.order_discount_cents), else_=0)),
            _sum(case(((Sale.discount_cents > 0) & is_sale, 1), else_=0)),
        ).where(Sale.shift_id == shift.id)
    ).one()
    values = settings.get_all(session)
    closed = shift.status == "closed"
    report = ShiftReport(
        kind="Z" if closed else "X",
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
        location_name=shift.location.name,
        till=str(values.get("device.prefix") or ""),
        shop_name=str(values.get("shop.name") or ""),
        opened_utc=shift.opened_utc,
        closed_utc=shift.closed_utc,
        as_of_utc=shift.closed_utc if closed else (as_of or shift.opened_utc),
        time_zone=str(values.get("shop.time_zone") or DEFAULT_TIME_ZONE),
        blind_count=bool(values.get("shift.blind_count")),
        order_discounts=docs[6],
        line_discounts=docs[3] - docs[6],
        discounted_sales=docs[7],
    )
    _cash_moves(session, shift, report)
    _methods(session, shift, report)
    _sellers_and_refunds(session, shift, report)
    report.by_cooperative = _cooperatives(session, shift)
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


def _cash_moves(session: Session, shift: Shift, report: ShiftReport) -> None:
    rows = session.execute(
        select(CashMovement.created_utc, CashMovement.amount_cents, CashMovement.reason, User.name)
        .join(User, User.id == CashMovement.user_id)
        .where(CashMovement.shift_id == shift.id)
        .order_by(CashMovement.created_utc, CashMovement.id)
    ).all()
    report.cash_moves = [CashMove(*row) for row in rows]
    report.cash_in = sum(m.amount for m in report.cash_moves if m.amount > 0)
    report.cash_out = sum(m.amount for m in report.cash_moves if m.amount < 0)


def _methods(session: Session, shift: Shift, report: ShiftReport) -> None:
    # Each query reads one shift's rows from a covering index (shift_id is copied onto
    # lines, payments and VAT rows when the document is written).
    paid: dict[tuple[str, str], Cents] = {
        (method, kind): amount
        for method, kind, amount in session.execute(
            select(SalePayment.method, Sale.kind, func.sum(SalePayment.amount_cents))
            .join(Sale, Sale.id == SalePayment.sale_id)
            .where(SalePayment.shift_id == shift.id)
            .group_by(SalePayment.method, Sale.kind)
        )
    }
    counts = {c.method: c for c in shift.counts}
    known = {m.value for m in PaymentMethod}
    methods = [m.value for m in PaymentMethod]
    methods += sorted({m for m, _k in paid} - known)  # a method of a newer till: shown as is
    for method in methods:
        sales, refunds = paid.get((method, "sale"), 0), paid.get((method, "refund"), 0)
        expected = sales + refunds
        if method == PaymentMethod.CASH:
            expected += report.float_cents + report.cash_in + report.cash_out
        count = counts.get(method)
        if sales or refunds or count is not None or method == PaymentMethod.CASH:
            report.by_method.append(
                MethodLine(method, expected, count.counted_cents if count else None, sales, refunds)
            )
    cash = counts.get(PaymentMethod.CASH.value)
    if cash is not None and cash.detail:
        report.cash_detail = {int(k): int(v) for k, v in json.loads(cash.detail).items() if v}


def _sellers_and_refunds(session: Session, shift: Shift, report: ShiftReport) -> None:
    is_sale = Sale.kind == "sale"
    report.by_seller = [
        SellerLine(name, sales, refunds, net)
        for name, sales, refunds, net in session.execute(
            select(
                User.name,
                _sum(case((is_sale, 1), else_=0)),
                _sum(case((is_sale, 0), else_=1)),
                _sum(Sale.total_cents),
            )
            .join(User, User.id == Sale.seller_id)
            .where(Sale.shift_id == shift.id)
            .group_by(User.id, User.name)
            .order_by(User.name)
        )
    ]
    original = aliased(Sale)
    report.refunds = [
        RefundLine(receipt, created, of, seller, total)
        for receipt, created, of, seller, total in session.execute(
            select(
                Sale.receipt_no, Sale.created_utc, original.receipt_no, User.name, Sale.total_cents
            )
            .join(User, User.id == Sale.seller_id)
            .outerjoin(original, original.id == Sale.refund_of_id)
            .where(Sale.shift_id == shift.id, Sale.kind == "refund")
            .order_by(Sale.created_utc, Sale.id)
        )
    ]


def _cooperatives(session: Session, shift: Shift) -> list[dict]:
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
    rows = session.execute(
        select(Cooperative, per_coop.c.net, per_coop.c.commission)
        .join(per_coop, per_coop.c.cid == Cooperative.id)
        .order_by(Cooperative.code)
    )
    return [
        {
            "code": coop.code,
            "name": coop.name_fr or coop.name_ar or coop.code,
            "names": coop.names,
            "net": net,
            "commission": commission,
            "payable": net - commission,
        }
        for coop, net, commission in rows
    ]


def require_open(session: Session) -> Shift:
    shift = lookups.open_shift(session)
    if shift is None:
        raise StateError(_("No shift is open."))
    return shift


def x_report(ctx: Context) -> ShiftReport:
    """The open shift's figures now.  Reads only: it never closes or numbers anything."""
    as_of = ctx.clock.now().utc
    with ctx.read() as s:
        return shift_report(s, require_open(s), as_of)


def report_of(ctx: Context, shift_id: int) -> ShiftReport:
    """One shift's report by its id: the Z when it is closed, else the X now."""
    as_of = ctx.clock.now().utc
    with ctx.read() as s:
        shift = s.get(Shift, shift_id)
        if shift is None:
            raise StateError(_("No shift number {number}.", number=shift_id))
        return shift_report(s, shift, as_of)


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


@dataclass(frozen=True)
class ClosedShift:
    z_number: int
    closed_utc: datetime | None
    location: str
    closed_by: str


def closed_shifts(ctx: Context) -> list[ClosedShift]:
    """Closed shifts, the last Z first (the list the Z reports are picked from)."""
    closer = aliased(User)
    with ctx.read() as s:
        rows = s.execute(
            select(Shift.z_number, Shift.closed_utc, Location.code, closer.name)
            .join(Location, Location.id == Shift.location_id)
            .outerjoin(closer, closer.id == Shift.closed_by_id)
            .where(Shift.z_number.is_not(None))
            .order_by(Shift.z_number.desc())
        ).all()
    return [ClosedShift(z, closed, location, user or "") for z, closed, location, user in rows]
