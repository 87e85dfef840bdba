"""The server's consignment facts: :class:`coopos.domain.consignment_engine.ConsignmentFacts`
over the server's tables, which hold every till's events (sale lines, stock movements at a
fair's stands, end-of-fair counts, payouts) and head office's own (fairs, stands,
payouts, the shop printed on statements).  The engine computes; this module only reads.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from coopos.domain import consignment as rules
from coopos.domain import consignment_engine as engine
from coopos.domain.consignment_engine import FairFacts, Party, Phases
from coopos.domain.errors import NotFoundError, ValidationError
from coopos.domain.quantity import from_milli
from coopos.i18n import _, current_language
from coopos.server.models import (
    ConsignmentNote,
    Cooperative,
    Fair,
    FairCount,
    Location,
    Payout,
    Product,
    Sale,
    SaleLine,
    ServerSetting,
    StockMovement,
)

SHOP_KEY = "shop"
SHOP_FIELDS = engine.SHOP_FIELDS


def cooperative(s: Session, code: str) -> Cooperative:
    found = s.execute(
        select(Cooperative).where(func.upper(Cooperative.code) == code.strip().upper())
    ).scalar_one_or_none()
    if found is None:
        raise NotFoundError(_("Unknown cooperative {code}.", code=code))
    return found


def fair(s: Session, code: str) -> FairFacts:
    """A fair head office holds, or one only tills' events name (flagged ``unknown_fair``
    at push, still reported)."""
    code = code.strip().upper()
    row = s.execute(select(Fair).where(Fair.code == code)).scalar_one_or_none()
    if row is not None:
        return FairFacts(row.code, row.name, row.city)
    named = (
        s.execute(select(ConsignmentNote.id).where(ConsignmentNote.fair_code == code)).first()
        or s.execute(select(FairCount.id).where(FairCount.fair_code == code)).first()
        or s.execute(select(Sale.id).where(Sale.fair_code == code)).first()
    )
    if named is None:
        raise NotFoundError(_("Unknown fair {code}.", code=code))
    return FairFacts(code, code, known=False)


def stands(s: Session, fair_code: str) -> set[str]:
    """Where a fair's goods were: head office's stands of the fair, and the stand side of
    every note and count the tills sent for it (a till's own stand code still counts)."""
    fair_code = fair_code.upper()
    places = set(
        s.execute(
            select(Location.code)
            .join(Fair, Fair.id == Location.fair_id)
            .where(Fair.code == fair_code)
        ).scalars()
    )
    for kind, origin, destination in s.execute(
        select(ConsignmentNote.kind, ConsignmentNote.from_code, ConsignmentNote.to_code).where(
            ConsignmentNote.fair_code == fair_code
        )
    ):
        places.add(destination if kind == "dispatch" else origin)
    places |= set(
        s.execute(
            select(FairCount.location_code).where(FairCount.fair_code == fair_code).distinct()
        ).scalars()
    )
    return {p for p in places if not p.upper().startswith("COOP:")}


def fair_sales(fair_code: str, places: set[str]):
    """Sales of a fair: stamped with it when received, or made at one of its stands by a
    till whose location was not yet linked to the fair."""
    return or_(
        Sale.fair_code == fair_code,
        and_(Sale.fair_code.is_(None), Sale.location_code.in_(places or {""})),
    )


def get_setting(s: Session, key: str, default: Any = None) -> Any:
    raw = s.execute(select(ServerSetting.value).where(ServerSetting.key == key)).scalar()
    return json.loads(raw) if raw is not None else default


def shop_values(s: Session) -> dict[str, str]:
    stored = get_setting(s, SHOP_KEY, {}) or {}
    return {k: str(stored.get(k) or "") for k in SHOP_FIELDS}


def payout_rows(
    s: Session,
    coop: str,
    fair_code: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[Payout]:
    day = func.substr(Payout.paid_local, 1, 10)
    stmt = select(Payout).where(Payout.cooperative_code == coop)
    if fair_code is not None:
        stmt = stmt.where(Payout.fair_code == fair_code.upper())
    if start is not None:
        stmt = stmt.where(day >= start.isoformat())
    if end is not None:
        stmt = stmt.where(day <= end.isoformat())
    return list(s.execute(stmt.order_by(Payout.paid_utc, Payout.id)).scalars())


def domain_payout(p: Payout) -> rules.Payout:
    return engine.payout_of(p, p.cooperative_code, p.fair_code)


def summed(rows: list[tuple[str, str, str, int, datetime]], phases: Phases) -> list[rules.Movement]:
    """Movements summed per product, location, reason and phase, as the till's SQL sums
    them (the server's rows carry their times, which decide the phase)."""
    totals: dict[tuple[str, str, str, int], int] = {}
    for sku, loc, reason, milli, at in rows:
        key = (sku, loc, reason, phases.phase_of(at))
        totals[key] = totals.get(key, 0) + milli
    return [
        rules.Movement(sku, loc, reason, from_milli(milli), phases.time_of(phase))
        for (sku, loc, reason, phase), milli in sorted(totals.items())
        if milli
    ]


class ServerFacts:
    """The engine's read interface over one session of the server's database."""

    def __init__(self, session: Session, language: str | None = None):
        self.session = session
        self.language = language or current_language()
        self._stands: dict[str, set[str]] = {}

    @cached_property
    def _items(self) -> dict[str, rules.Item]:
        rows = self.session.execute(
            select(Product, Cooperative.code).join(
                Cooperative, Cooperative.id == Product.cooperative_id
            )
        ).all()
        return {p.sku: engine.item_of(p, code, self.language) for p, code in rows}

    def items(self) -> dict[str, rules.Item]:
        return self._items

    def cooperative(self, code: str) -> str:
        return cooperative(self.session, code).code

    def cooperative_party(self, code: str) -> Party:
        return engine.cooperative_party(cooperative(self.session, code), self.language)

    def shop_party(self) -> Party:
        """Head office as set with ``coopos server shop`` (its name at least, always)."""
        return engine.shop_party(shop_values(self.session), _("Head office"))

    def fair(self, code: str) -> FairFacts:
        return fair(self.session, code)

    def stands(self, fair: FairFacts) -> set[str]:
        if fair.code not in self._stands:
            self._stands[fair.code] = stands(self.session, fair.code)
        return self._stands[fair.code]

    def location(self, code: str | None) -> str:
        """The server has no location of its own: a period is always at a named one."""
        if not code or not code.strip():
            raise ValidationError(_("Give a fair, or a location with its first and last day."))
        return code.strip().upper()

    def counts(self, fair: FairFacts, stands: set[str]) -> list[rules.Count]:
        """The latest count of each of the fair's stands, added up per product."""
        latest: dict[str, tuple[datetime, int]] = {}
        for loc, at, event_id in self.session.execute(
            select(FairCount.location_code, FairCount.counted_utc, FairCount.event_id)
            .where(FairCount.fair_code == fair.code)
            .distinct()
        ):
            if loc in stands and (loc not in latest or (at, event_id) > latest[loc]):
                latest[loc] = (at, event_id)
        if not latest:
            return []
        totals: dict[str, Decimal] = {}
        at_max = max(at for at, _e in latest.values())
        place = sorted(latest)[0]
        for sku, milli in self.session.execute(
            select(FairCount.sku, FairCount.counted_milli).where(
                FairCount.event_id.in_([e for _at, e in latest.values()])
            )
        ):
            totals[sku] = totals.get(sku, Decimal("0.000")) + from_milli(milli)
        return [rules.Count(sku, place, qty, at_max) for sku, qty in sorted(totals.items())]

    def movements(self, locations: set[str], phases: Phases) -> list[rules.Movement]:
        if not locations:
            return []
        stmt = select(
            StockMovement.sku,
            StockMovement.location_code,
            StockMovement.reason,
            StockMovement.quantity_milli,
            StockMovement.created_utc,
        ).where(StockMovement.location_code.in_(locations))
        return summed([tuple(row) for row in self.session.execute(stmt)], phases)

    def lines(
        self, cooperative: str, fair: FairFacts | None, start: date | None, end: date | None
    ) -> list[rules.Line]:
        """Every till's sale and refund lines of a cooperative, at a fair or over days."""
        stmt = (
            select(
                Sale.receipt_no,
                Sale.kind,
                Sale.local_day,
                SaleLine.sku,
                SaleLine.name,
                SaleLine.cooperative_code,
                SaleLine.quantity_milli,
                SaleLine.net_cents,
                SaleLine.vat_rate,
                SaleLine.commission_cents,
                Sale.location_code,
            )
            .join(Sale, Sale.id == SaleLine.sale_id)
            .where(SaleLine.cooperative_code == cooperative)
        )
        if fair is not None:
            stmt = stmt.where(fair_sales(fair.code, self.stands(fair)))
        if start is not None:
            stmt = stmt.where(Sale.local_day >= start.isoformat())
        if end is not None:
            stmt = stmt.where(Sale.local_day <= end.isoformat())
        return [engine.line_of(*row) for row in self.session.execute(stmt)]

    def payouts(
        self, cooperative: str, fair: FairFacts | None, start: date | None, end: date | None
    ) -> list[rules.Payout]:
        rows = payout_rows(self.session, cooperative, fair.code if fair else None, start, end)
        return [domain_payout(p) for p in rows]
