"""Shifts: open with a cash float, cash in/out, close with a count and the Z report.
The figures of the X and Z reports are read by :mod:`coopos.services.shift_report`
(re-exported here); the difference between the count and the expected cash is shown,
never hidden.

Two settings rule the close: ``shift.blind_count`` (the seller enters the count before
seeing the expected cash; that first count is audited) and ``shift.sellers_may_close``
(otherwise a manager approves a seller's close: ``ApprovalRequired``)."""

from __future__ import annotations

import json

from coopos.db.models import CashMovement, Shift, ShiftCount, User
from coopos.domain import events
from coopos.domain.cash import count_cash
from coopos.domain.catalog import Role
from coopos.domain.errors import ApprovalRequired, PermissionDenied, StateError, ValidationError
from coopos.domain.money import Cents
from coopos.domain.sale import PaymentMethod
from coopos.i18n import _
from coopos.protocol import text as text_rules
from coopos.protocol.events import CashMovement as CashMovementPayload
from coopos.protocol.events import EventKind, ShiftClosed, ShiftOpened
from coopos.services import lookups, settings
from coopos.services.context import Context
from coopos.services.shift_report import (
    ClosedShift,
    MethodLine,
    ShiftReport,
    closed_shifts,
    last_closed,
    report_of,
    require_open,
    shift_report,
    x_report,
    z_report,
)

CLOSE_ACTION = "shift_close"  # what a manager approves (audit, ApprovalRequired.action)


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
            EventKind.SHIFT_OPENED,
            ShiftOpened(
                uuid=shift.uuid,
                location=loc.code,
                opened_by=user.uuid,
                opened_utc=uow.stamp.utc.isoformat(),
                opened_local=uow.stamp.local,
                float=float_cents,
            ),
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
            EventKind.SHIFT_CASH_MOVEMENT,
            CashMovementPayload(
                uuid=move.uuid,
                shift=shift.uuid,
                amount=amount,
                reason=move.reason,
                created_utc=uow.stamp.utc.isoformat(),
                created_local=uow.stamp.local,
            ),
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


def _binds(ctx: Context, user_id: int | None, key: str, when: bool) -> bool:
    """A shop rule for sellers only (a manager is never bound): it applies when the
    setting ``key`` is ``when``."""
    with ctx.read() as s:
        if bool(settings.get(s, key)) != when:
            return False
        user = s.get(User, user_id) if user_id is not None else None
        return user is None or not Role(user.role).is_manager


def close_needs_approval(ctx: Context, user_id: int) -> bool:
    """Whether this user's close needs a manager (sellers may not close alone)."""
    return _binds(ctx, user_id, "shift.sellers_may_close", False)


def hides_expected_cash(ctx: Context, user_id: int | None) -> bool:
    """With the blind count on, a seller does not see the expected cash of the open shift
    (on screen or on paper) before entering the count."""
    return _binds(ctx, user_id, "shift.blind_count", True)


def _counted(
    counted: dict[PaymentMethod, Cents] | None, cash_detail: dict[Cents, int] | None
) -> dict[str, Cents]:
    values = {PaymentMethod(m).value: v for m, v in (counted or {}).items()}
    if cash_detail is not None:
        values[PaymentMethod.CASH.value] = count_cash(cash_detail)
    if PaymentMethod.CASH.value not in values:
        raise ValidationError(_("Count the cash in the drawer to close the shift."))
    if any(v < 0 for v in values.values()):
        raise ValidationError(_("A count cannot be negative."))
    return values


def enter_blind_count(
    ctx: Context,
    user_id: int,
    counted: dict[PaymentMethod, Cents] | None = None,
    cash_detail: dict[Cents, int] | None = None,
) -> ShiftReport:
    """A blind count is entered: it is audited before the counter sees the expected cash
    (returned in the X report), so a recount after seeing it stays visible."""
    values = _counted(counted, cash_detail)
    as_of = ctx.clock.now().utc
    with ctx.write() as uow:
        shift = require_open(uow.session)
        report = shift_report(uow.session, shift, as_of)
        uow.audit(
            "cash_counted",
            user_id,
            shift=shift.id,
            counted=values,
            expected_cash=report.expected_cash,
        )
        return report


def _check_closer(session, user_id: int, approver_id: int | None) -> User | None:
    """The manager approving the close, when one is needed (``ApprovalRequired``)."""
    user = session.get(User, user_id)
    if user is None:
        raise ValidationError(_("Unknown user."))
    if approver_id is None:
        if bool(settings.get(session, "shift.sellers_may_close")):
            return None
        if Role(user.role).is_manager:
            return None
        raise ApprovalRequired(_("Closing the shift needs a manager's approval."), CLOSE_ACTION)
    approver = session.get(User, approver_id)
    if approver is None or not approver.active or not Role(approver.role).is_manager:
        raise PermissionDenied(_("This needs a manager's PIN."))
    return approver


def close_shift(
    ctx: Context,
    user_id: int,
    counted: dict[PaymentMethod, Cents] | None = None,
    cash_detail: dict[Cents, int] | None = None,
    approver_id: int | None = None,
) -> ShiftReport:
    """Close the open shift with what was counted; returns the Z report.  Irreversible:
    the shift gets its Z number and no sale can join it afterwards.

    Cash is counted (``cash_detail`` by denomination, or a total in ``counted``); other
    methods are taken as expected unless their terminal totals are given.  When sellers
    may not close, a seller's close needs ``approver_id`` (a manager), else
    ``ApprovalRequired`` is raised and nothing is written."""
    values = _counted(counted, cash_detail)
    with ctx.write() as uow:
        s = uow.session
        shift = require_open(s)
        approver = _check_closer(s, user_id, approver_id)
        before = shift_report(s, shift)
        methods = [line.method for line in before.by_method]
        methods += [m for m in values if m not in methods]
        for method in methods:
            expected = next((m.expected for m in before.by_method if m.method == method), 0)
            detail = {}
            if method == PaymentMethod.CASH.value and cash_detail:
                detail = {str(k): v for k, v in cash_detail.items() if v}
            s.add(
                ShiftCount(
                    shift_id=shift.id,
                    method=method,
                    counted_cents=values.get(method, expected),
                    detail=json.dumps(detail),
                )
            )
        shift.status = "closed"
        shift.closed_by_id = user_id
        shift.closed_utc = uow.stamp.utc
        shift.closed_local = uow.stamp.local
        shift.z_number = uow.next_value("z_report")
        s.flush()
        s.refresh(shift)
        report = shift_report(s, shift)
        uow.outbox(
            EventKind.SHIFT_CLOSED,
            ShiftClosed(
                uuid=shift.uuid,
                z_number=shift.z_number,
                closed_by=shift.closed_by.uuid,
                closed_utc=uow.stamp.utc.isoformat(),
                closed_local=uow.stamp.local,
                counts={m.method: m.counted for m in report.by_method},
                expected={m.method: m.expected for m in report.by_method},
                net_total=report.net_total,
            ),
        )
        uow.publish(events.SHIFT_CLOSED, shift_id=shift.id, z_number=shift.z_number)
        uow.audit(
            "shift_close",
            user_id,
            shift=shift.id,
            z_number=shift.z_number,
            expected_cash=report.expected_cash,
            counted_cash=report.counted_cash,
            approved_by=approver.name if approver else None,
        )
        return report


__all__ = [
    "CLOSE_ACTION",
    "ClosedShift",
    "MethodLine",
    "ShiftReport",
    "cash_movement",
    "close_needs_approval",
    "close_shift",
    "closed_shifts",
    "enter_blind_count",
    "hides_expected_cash",
    "last_closed",
    "open_shift",
    "record_drawer_opened",
    "report_of",
    "require_open",
    "shift_report",
    "x_report",
    "z_report",
]
