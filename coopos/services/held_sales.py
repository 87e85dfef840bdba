"""Held sales (park and recall): a seller puts the sale in progress aside to serve the
next customer and brings it back later.

A held sale is the checkout's own snapshot (``Checkout.snapshot()``, the one that lets
the cart in progress survive a crash) in the till's ``held_sales`` table, so several are
kept across a restart.  It is not a business fact until sold: it reserves no stock,
writes no outbox event and its discounts are audited only with the sale.  Deleting one is
audited with its lines, as cancelling a sale is.

Holding saves the snapshot and clears the saved sale in progress in one transaction;
recalling puts the held snapshot back as the sale in progress in one transaction too, so
a crash at any moment leaves every sale either held or in progress, never lost or twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete as delete_rows
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coopos.db.models import HeldSale
from coopos.db.uow import UnitOfWork
from coopos.domain.errors import NotFoundError, StateError
from coopos.domain.money import Cents, format_amount
from coopos.i18n import _
from coopos.services import settings
from coopos.services.checkout import Checkout, CheckoutState
from coopos.services.context import Context

# The sale in progress, saved after every change (``ui.session``) and read back on start.
OPEN_CART_KEY = "cart.open"


@dataclass(frozen=True)
class Held:
    """One held sale as the list shows it."""

    uuid: str
    seller: str
    line_count: int
    total: Cents
    created_utc: datetime


@dataclass(frozen=True)
class Recalled:
    checkout: Checkout
    held_first: Held | None  # the sale that was in progress, held to make room


def hold(ctx: Context, checkout: Checkout) -> Held:
    """Put ``checkout`` aside; the caller starts a new sale.  Refused while it is being
    paid (its payments belong to the payment dialog) and when the cart is empty."""
    with ctx.write() as uow:
        held = _hold(uow, checkout)
        settings.put(uow.session, OPEN_CART_KEY, "")
    return held


def recall(ctx: Context, uuid: str, current: Checkout | None = None) -> Recalled:
    """Bring a held sale back as the sale in progress, in the cart.

    A sale already in progress is held first, in the same transaction, rather than
    refused: Odoo's point of sale keeps every open order when the seller switches to
    another, and Loyverse turns its "open tickets" button into "save" while a ticket has
    items, so in both the current sale is kept, never lost and never in the way.  Holding
    it here does the same in one key instead of two; it then shows in the list."""
    with ctx.write() as uow:
        row = uow.session.execute(select(HeldSale).where(HeldSale.uuid == uuid)).scalar()
        if row is None:
            raise _gone()
        held_first = None
        if current is not None and current.lines:
            held_first = _hold(uow, current)
        snapshot = row.cart
        uow.session.delete(row)
        settings.put(uow.session, OPEN_CART_KEY, snapshot)
    checkout = Checkout.restore(ctx, json.loads(snapshot))
    checkout.state = CheckoutState.CART
    return Recalled(checkout, held_first)


def list_held(ctx: Context) -> list[Held]:
    """Every held sale of this till, the oldest first (the customer who waited longest)."""
    with ctx.read() as s:
        rows = s.execute(
            select(HeldSale)
            .options(selectinload(HeldSale.seller))
            .order_by(HeldSale.created_utc, HeldSale.id)
        ).scalars()
        return [_held(row) for row in rows]


def delete(ctx: Context, uuid: str, user_id: int) -> None:
    """Throw a held sale away (the customer will not come back); audited with its lines."""
    with ctx.read() as s:
        row = s.execute(select(HeldSale).where(HeldSale.uuid == uuid)).scalar()
    if row is None:
        raise _gone()
    held = Checkout.restore(ctx, json.loads(row.cart))
    lines = [line.describe() for line in held.lines]
    with ctx.write() as uow:
        if not uow.session.execute(delete_rows(HeldSale).where(HeldSale.uuid == uuid)).rowcount:
            raise _gone()  # recalled at this very moment by another window
        uow.audit(
            "held_sale_deleted",
            user_id,
            held_by=row.seller_id,
            held_local=row.created_local,
            lines=lines,
            total=format_amount(row.total_cents),
            discounts=held.approvals,  # given (and approved) but never sold
        )


def _gone() -> NotFoundError:
    return NotFoundError(_("That held sale is no longer there: it was recalled or deleted."))


def _hold(uow: UnitOfWork, checkout: Checkout) -> Held:
    if checkout.state is not CheckoutState.CART:
        raise StateError(
            _("A sale that is being paid cannot be held: finish or cancel the payment first.")
        )
    if not checkout.lines:
        raise StateError(_("The cart is empty: there is no sale to hold."))
    row = HeldSale(
        cart=json.dumps(checkout.snapshot()),
        seller_id=checkout.seller_id,
        line_count=len(checkout.lines),
        total_cents=checkout.totals.total,
        created_utc=uow.stamp.utc,
        created_local=uow.stamp.local,
    )
    uow.session.add(row)
    uow.session.flush()
    return Held(row.uuid, checkout.seller_name, row.line_count, row.total_cents, row.created_utc)


def _held(row: HeldSale) -> Held:
    return Held(row.uuid, row.seller.name, row.line_count, row.total_cents, row.created_utc)
