"""Consignment use cases on the till: commission rules, fairs (stand, dispatch, count,
returns, close), reconciliation, settlements and payouts.

The arithmetic is in :mod:`coopos.domain.consignment`; this module reads the till's facts
and writes its documents.  Every write goes through the outbox like any other, so the
central server sees dispatches, counts and payouts and computes the same statements from
every till's sales.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coopos.db.models import (
    Category,
    CommissionRule,
    ConsignmentNote,
    Fair,
    FairCount,
    Location,
    Payout,
    Product,
)
from coopos.domain import consignment as rules
from coopos.domain import consignment_engine as engine
from coopos.domain import events
from coopos.domain.errors import NotFoundError, StateError, ValidationError
from coopos.domain.money import Cents
from coopos.domain.quantity import to_milli
from coopos.domain.stock import MovementReason
from coopos.i18n import _
from coopos.protocol import text as text_rules
from coopos.protocol.payouts import PAYOUT_METHODS as PAYOUT_METHODS
from coopos.protocol.payouts import check_payout
from coopos.services import lookups
from coopos.services.consignment_facts import TillFacts
from coopos.services.consignment_facts import (  # what documents print, for screens and CLI
    cooperative_party as cooperative_party,
)
from coopos.services.consignment_facts import fair_row as fair
from coopos.services.consignment_facts import note_document as note_document
from coopos.services.consignment_facts import shop_party as shop_party
from coopos.services.consignment_facts import stand_rows as stands
from coopos.services.context import Context
from coopos.services.inventory import (
    Item,
    count_totals,
    movement_row,
    on_hand_by_product,
    require_positive,
    resolve_items,
    write_movements,
)

ZERO = Decimal("0.000")
_FAIR_CODE = re.compile(r"^[A-Z0-9_-]{1,26}$")  # its stand, STAND-CODE, fits 32
EXPLANATIONS = ("damaged", "gift", "sample")


# -- commission rules ---------------------------------------------------------------------------


def _domain_rule(rule: CommissionRule) -> rules.CommissionRule:
    tiers = tuple(rules.Tier(int(a), int(b)) for a, b in json.loads(rule.tiers or "[]"))
    return rules.CommissionRule(
        rule.cooperative.code,
        rule.category.code if rule.category else None,
        rule.rate_bp,
        tiers,
    )


def rules_for(session: Session, cooperative_id: int) -> list[rules.CommissionRule]:
    found = session.scalars(
        select(CommissionRule).where(CommissionRule.cooperative_id == cooperative_id)
    ).all()
    return [_domain_rule(r) for r in found]


def commission_for(session: Session, product: Product, unit_price_cents: Cents) -> int:
    """The commission rate (basis points) in force for a product sold at a price."""
    coop = product.cooperative
    return rules.commission_rate(
        rules_for(session, coop.id),
        coop.code,
        product.category.code if product.category else None,
        unit_price_cents,
        coop.commission_bp,
    )


def set_commission_rule(
    ctx: Context,
    cooperative: str,
    rate_bp: int,
    category: str | None = None,
    tiers: Iterable[tuple[Cents, int]] = (),
    user_id: int | None = None,
) -> None:
    """Set (or replace) the rule for a cooperative, or for one of its categories."""
    tiers = sorted((int(a), int(b)) for a, b in tiers)
    for bp in [rate_bp, *(b for _a, b in tiers)]:
        if not 0 <= bp <= 10000:
            raise ValidationError(_("A commission is 0 to 100 %."))
    if any(a < 0 for a, _b in tiers):
        raise ValidationError(_("A price tier starts at 0 MAD or more."))
    with ctx.write() as uow:
        s = uow.session
        coop = lookups.cooperative(s, cooperative)
        cat = None
        if category:
            cat = s.execute(select(Category).where(Category.code == category)).scalar()
            if cat is None:
                raise NotFoundError(_("Unknown category “{code}”.", code=category))
        rule = s.execute(
            select(CommissionRule).where(
                CommissionRule.cooperative_id == coop.id,
                CommissionRule.category_id == (cat.id if cat else None)
                if cat
                else CommissionRule.category_id.is_(None),
            )
        ).scalar()
        if rule is None:
            rule = CommissionRule(cooperative_id=coop.id, category_id=cat.id if cat else None)
            s.add(rule)
        rule.rate_bp, rule.tiers, rule.updated_utc = rate_bp, json.dumps(tiers), uow.stamp.utc
        uow.audit(
            "commission_rule",
            user_id,
            cooperative=coop.code,
            category=cat.code if cat else None,
            rate_bp=rate_bp,
            tiers=tiers,
        )


# -- fairs -------------------------------------------------------------------------------------


def create_fair(
    ctx: Context,
    code: str,
    name: str,
    city: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    stand: str | None = None,
    user_id: int | None = None,
) -> Fair:
    """A fair and its stand (a stock location of kind ``stand``, ``STAND-CODE`` unless
    named)."""
    code = code.strip().upper()
    if not code or not name.strip():
        raise ValidationError(_("A fair needs a code and a name."))
    if not _FAIR_CODE.match(code):
        raise ValidationError(
            _("A fair code is 1 to 26 letters, digits, - or _ (not “{code}”).", code=code)
        )
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError(_("A fair cannot end before it starts."))
    text_rules.check_name(name, _("The name"))
    text_rules.check_name(city, _("The city"))
    stand_code = text_rules.check_code((stand or f"STAND-{code}").strip().upper(), _("The stand"))
    with ctx.write() as uow:
        s = uow.session
        if s.execute(select(Fair.id).where(func.upper(Fair.code) == code)).first():
            raise ValidationError(_("A fair with the code {code} already exists.", code=code))
        row = Fair(code=code, name=name.strip(), city=city.strip(), starts_on=starts_on)
        row.ends_on, row.status = ends_on, "open"
        s.add(row)
        s.flush()
        loc = s.execute(select(Location).where(Location.code == stand_code)).scalar()
        if loc is None:
            loc = Location(code=stand_code, kind="stand", name=_("Stand {fair}", fair=row.name))
            s.add(loc)
        elif loc.kind != "stand":
            raise ValidationError(_("{code} is not a stand.", code=stand_code))
        loc.fair_id = row.id
        s.flush()
        uow.audit("fair_created", user_id, fair=code, stand=stand_code)
        uow.publish(events.LOCATIONS_CHANGED)
        return row


def _the_stand(session: Session, fair_row: Fair) -> Location:
    found = stands(session, fair_row)
    if not found:
        raise StateError(_("The fair {code} has no stand.", code=fair_row.code))
    return found[0]


def _require_open(fair_row: Fair) -> None:
    if fair_row.status == "closed":
        raise StateError(_("The fair {code} is closed.", code=fair_row.code))


@dataclass(frozen=True)
class NoteResult:
    number: str
    lines: int


def _note_number(uow, kind: str) -> str:
    from coopos.services import settings

    prefix = settings.get(uow.session, "device.prefix")
    letters = "BL" if kind == "dispatch" else "BR"  # bon de livraison / bon de retour
    return f"{letters}-{prefix}-{uow.next_value(f'note:{kind}'):05d}"


def _coop_source(text: str) -> str | None:
    return text[5:] if text.upper().startswith("COOP:") else None


def dispatch(
    ctx: Context,
    fair_code: str,
    items: Iterable[Item],
    source: str,
    user_id: int | None = None,
    note: str = "",
) -> NoteResult:
    """Goods to the fair's stand with a delivery note: from a location (a transfer) or
    straight from a cooperative (``COOP:CODE``: received at the stand)."""
    return _move(ctx, "dispatch", fair_code, items, source, user_id, note)


def return_goods(
    ctx: Context,
    fair_code: str,
    items: Iterable[Item],
    destination: str,
    user_id: int | None = None,
    note: str = "",
) -> NoteResult:
    """Goods back from the stand with a return note: to a location, or to their
    cooperative (``COOP:CODE``)."""
    return _move(ctx, "return", fair_code, items, destination, user_id, note)


def _move(ctx, kind, fair_code, items, other, user_id, note) -> NoteResult:
    text_rules.check_free_text(note, _("The note"))
    text_rules.check_code(other, _("The place"))
    with ctx.write() as uow:
        s = uow.session
        fair_row = fair(s, fair_code)
        if kind == "dispatch":
            _require_open(fair_row)
        stand = _the_stand(s, fair_row)
        resolved = resolve_items(s, items)
        if not resolved:
            raise ValidationError(_("The note has no goods on it."))
        require_positive(resolved)
        coop_code = _coop_source(other)
        coop = lookups.cooperative(s, coop_code) if coop_code else None
        if coop is not None:
            strangers = sorted(p.sku for p, _q in resolved if p.cooperative_id != coop.id)
            if strangers:
                raise ValidationError(
                    _(
                        "{skus} do not belong to {coop}: one note per cooperative.",
                        skus=", ".join(strangers),
                        coop=coop.code,
                    )
                )
            other_code = f"COOP:{coop.code}"
        else:
            place = lookups.location(s, other)
            if place.id == stand.id:
                raise ValidationError(_("A note needs two different places."))
            other_code = place.code
        number = _note_number(uow, kind)
        rows = []
        for product, qty in resolved:
            if kind == "dispatch":
                if coop is not None:
                    rows.append(
                        movement_row(
                            uow, product, stand, qty, MovementReason.RECEIVED, user_id, number
                        )
                    )
                else:
                    rows.append(
                        movement_row(
                            uow, product, place, -qty, MovementReason.TRANSFER_OUT, user_id, number
                        )
                    )
                    rows.append(
                        movement_row(
                            uow, product, stand, qty, MovementReason.TRANSFER_IN, user_id, number
                        )
                    )
            elif coop is not None:
                rows.append(
                    movement_row(
                        uow, product, stand, -qty, MovementReason.RETURNED, user_id, number
                    )
                )
            else:
                rows.append(
                    movement_row(
                        uow, product, stand, -qty, MovementReason.TRANSFER_OUT, user_id, number
                    )
                )
                rows.append(
                    movement_row(
                        uow, product, place, qty, MovementReason.TRANSFER_IN, user_id, number
                    )
                )
        doc = ConsignmentNote(
            number=number,
            kind=kind,
            fair_id=fair_row.id,
            from_code=other_code if kind == "dispatch" else stand.code,
            to_code=stand.code if kind == "dispatch" else other_code,
            cooperative_id=coop.id if coop else None,
            user_id=user_id,
            created_utc=uow.stamp.utc,
            created_local=uow.stamp.local,
            note=note.strip(),
        )
        s.add(doc)
        s.flush()
        # The movements travel inside the stock event, with the note they belong to.
        payloads = write_movements(uow, rows, emit=False)
        uow.outbox(
            "stock.movements",
            {
                "movements": payloads,
                "note": {
                    "uuid": doc.uuid,
                    "number": number,
                    "kind": kind,
                    "fair": fair_row.code,
                    "from": doc.from_code,
                    "to": doc.to_code,
                },
            },
        )
        uow.audit(f"fair_{kind}", user_id, fair=fair_row.code, note=number, lines=len(resolved))
        return NoteResult(number, len(resolved))


@dataclass(frozen=True)
class CountResult:
    sku: str
    expected: Decimal
    counted: Decimal

    @property
    def difference(self) -> Decimal:
        return self.counted - self.expected


def count_fair(
    ctx: Context, fair_code: str, counted: Iterable[Item], manager_id: int
) -> list[CountResult]:
    """The end-of-fair count by scanning: every product at the stand, counted or zero.
    Repeated scans add up; the stand's stock is set to what was found."""
    with ctx.write() as uow:
        s = uow.session
        fair_row = fair(s, fair_code)
        _require_open(fair_row)
        if fair_row.counted_utc is not None:
            raise StateError(_("The fair {code} was already counted.", code=fair_row.code))
        stand = _the_stand(s, fair_row)
        on_hand = on_hand_by_product(s, stand.id)
        totals = count_totals(s, counted, on_hand, full=True)
        results, rows = [], []
        reference = f"CNT-{fair_row.code}"
        for pid, (product, qty) in sorted(totals.items(), key=lambda kv: kv[1][0].sku):
            expected = on_hand.get(pid, ZERO)
            results.append(CountResult(product.sku, expected, qty))
            s.add(
                FairCount(
                    fair_id=fair_row.id,
                    location_id=stand.id,
                    product_id=pid,
                    counted_milli=to_milli(qty),
                    expected_milli=to_milli(expected),
                    counted_utc=uow.stamp.utc,
                    user_id=manager_id,
                )
            )
            if qty != expected:
                rows.append(
                    movement_row(
                        uow,
                        product,
                        stand,
                        qty - expected,
                        MovementReason.COUNT,
                        manager_id,
                        reference,
                    )
                )
        fair_row.counted_utc = uow.stamp.utc
        payloads = write_movements(uow, rows, emit=False)
        uow.outbox(
            "fair.counted",
            {
                "fair": fair_row.code,
                "location": stand.code,
                "counted_utc": uow.stamp.utc.isoformat(),
                "counts": {r.sku: str(r.counted) for r in results},
                "movements": payloads,
            },
        )
        uow.audit(
            "fair_counted",
            manager_id,
            fair=fair_row.code,
            differences={r.sku: str(r.difference) for r in results if r.difference},
        )
        return results


def explain_variance(
    ctx: Context,
    fair_code: str,
    sku: str,
    quantity: Decimal,
    why: str,
    manager_id: int,
    note: str = "",
) -> None:
    """A manager says why goods are missing (damaged, gift, sample): recorded as an
    audited movement at the stand, shown as "explained" in the reconciliation."""
    if why not in EXPLANATIONS:
        raise ValidationError(_("Explain a variance as damaged, gift or sample."))
    with ctx.write() as uow:
        s = uow.session
        fair_row = fair(s, fair_code)
        stand = _the_stand(s, fair_row)
        [(product, qty)] = resolve_items(s, [(sku, quantity)])
        if qty <= 0:
            raise ValidationError(_("The quantity must be more than zero."))
        reason = MovementReason.DAMAGED if why == "damaged" else MovementReason.ADJUSTMENT
        reference = f"EXPL-{fair_row.code}"
        rows = [movement_row(uow, product, stand, -qty, reason, manager_id, reference, note or why)]
        if fair_row.counted_utc is not None:
            # After the count the goods are already off the books (its adjustment took
            # them): re-label that much of the count instead of removing them twice.
            rows.append(
                movement_row(
                    uow, product, stand, qty, MovementReason.COUNT, manager_id, reference, why
                )
            )
            for row in rows:
                row["created_utc"] = fair_row.counted_utc  # part of the fair, before returns
        payloads = write_movements(uow, rows, emit=False)
        # with its fair: the server accepts goods at a fair's stand from any of its tills
        uow.outbox("stock.movements", {"movements": payloads, "fair": fair_row.code})
        uow.audit(
            "variance_explained",
            manager_id,
            fair=fair_row.code,
            sku=product.sku,
            qty=str(qty),
            why=why,
            note=note,
        )


def close_fair(ctx: Context, fair_code: str, user_id: int | None = None) -> None:
    with ctx.write() as uow:
        fair_row = fair(uow.session, fair_code)
        _require_open(fair_row)
        if fair_row.counted_utc is None:
            raise StateError(
                _("Count the stand before closing the fair {code}.", code=fair_row.code)
            )
        fair_row.status, fair_row.closed_utc = "closed", uow.stamp.utc
        uow.outbox("fair.closed", {"fair": fair_row.code, "closed_utc": uow.stamp.utc.isoformat()})
        uow.audit("fair_closed", user_id, fair=fair_row.code)


# -- reports: the engine over the till's facts --------------------------------------------------


def reconciliation(
    session: Session,
    fair_code: str | None = None,
    start: date | None = None,
    end: date | None = None,
    location: str | None = None,
    cooperative: str | None = None,
    language: str | None = None,
) -> rules.Reconciliation:
    """Per cooperative and product: sent, sold, refunded, returned, counted, variance;
    for a fair (its stands) or a period (a location, default the till's)."""
    return engine.reconciliation(
        TillFacts(session, language), fair_code, location, start, end, cooperative
    )


def settlement(
    session: Session,
    cooperative: str,
    fair_code: str | None = None,
    start: date | None = None,
    end: date | None = None,
    language: str | None = None,
) -> rules.Statement:
    """A cooperative's statement for a fair or a period (local days, inclusive), products
    named in ``language``."""
    return engine.settlement(
        TillFacts(session, language), cooperative, engine.Scope.of(fair_code, start, end)
    )


def add_payout(
    ctx: Context,
    cooperative: str,
    amount_cents: Cents,
    method: str,
    reference: str = "",
    fair_code: str | None = None,
    user_id: int | None = None,
    note: str = "",
) -> str:
    """Record money paid to a cooperative; returns the payout's id (uuid)."""
    reference, note = check_payout(amount_cents, method, reference, note)
    with ctx.write() as uow:
        s = uow.session
        coop = lookups.cooperative(s, cooperative)
        fair_row = fair(s, fair_code) if fair_code else None
        row = Payout(
            cooperative_id=coop.id,
            amount_cents=amount_cents,
            method=method,
            reference=reference,
            fair_id=fair_row.id if fair_row else None,
            user_id=user_id,
            paid_utc=uow.stamp.utc,
            paid_local=uow.stamp.local,
            note=note,
        )
        s.add(row)
        s.flush()
        uow.outbox(
            "payout.recorded",
            {
                "uuid": row.uuid,
                "cooperative": coop.code,
                "amount": amount_cents,
                "method": method,
                "reference": row.reference,
                "fair": fair_row.code if fair_row else None,
                "paid_utc": uow.stamp.utc.isoformat(),
                "paid_local": uow.stamp.local,
                "note": row.note,
            },
        )
        uow.audit("payout", user_id, cooperative=coop.code, amount=amount_cents, method=method)
        return row.uuid


def scope_code(fair_code: str | None, start: date | None, end: date | None) -> str:
    return engine.Scope.of(fair_code, start, end).code
