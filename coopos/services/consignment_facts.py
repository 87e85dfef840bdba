"""The till's consignment facts: :class:`coopos.domain.consignment_engine.ConsignmentFacts`
over the till's database (its products, fairs and stands, stock movements, end-of-fair
counts, sale lines, payouts, the shop and the cooperatives as printed), and the delivery
and return notes as printed.  The engine computes; this module only reads."""

from __future__ import annotations

from datetime import date
from functools import cached_property

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from coopos.db.models import (
    ConsignmentNote,
    Cooperative,
    Fair,
    FairCount,
    Location,
    Payout,
    Product,
    Sale,
    SaleLine,
    StockMovement,
)
from coopos.domain import consignment as rules
from coopos.domain import consignment_engine as engine
from coopos.domain.catalog import pick_name
from coopos.domain.consignment_engine import FairFacts, NoteDocument, NoteLine, Party, Phases
from coopos.domain.errors import NotFoundError
from coopos.domain.quantity import from_milli
from coopos.i18n import _, current_language
from coopos.services import lookups, settings


def fair_row(session: Session, code: str) -> Fair:
    found = session.execute(select(Fair).where(func.upper(Fair.code) == code.upper())).scalar()
    if found is None:
        raise NotFoundError(_("Unknown fair “{code}”.", code=code))
    return found


def stand_rows(session: Session, fair: Fair) -> list[Location]:
    return list(session.scalars(select(Location).where(Location.fair_id == fair.id)))


def shop_party(session: Session) -> Party:
    """The shop as printed on statements and notes."""
    v = settings.get_all(session)
    return engine.shop_party({k: v.get(f"shop.{k}") for k in engine.SHOP_FIELDS})


def cooperative_party(session: Session, code: str, language: str | None = None) -> Party:
    coop = lookups.cooperative(session, code)
    return engine.cooperative_party(coop, language or current_language())


class TillFacts:
    """The engine's read interface over one session of the till's database."""

    def __init__(self, session: Session, language: str | None = None):
        self.session = session
        self.language = language or current_language()
        self._fairs: dict[str, Fair] = {}

    @cached_property
    def _items(self) -> dict[str, rules.Item]:
        rows = self.session.execute(
            select(Product, Cooperative.code).join(
                Cooperative, Product.cooperative_id == Cooperative.id
            )
        )
        return {p.sku: engine.item_of(p, code, self.language) for p, code in rows}

    def items(self) -> dict[str, rules.Item]:
        return self._items

    def cooperative(self, code: str) -> str:
        return lookups.cooperative(self.session, code).code

    def cooperative_party(self, code: str) -> Party:
        return cooperative_party(self.session, code, self.language)

    def shop_party(self) -> Party:
        return shop_party(self.session)

    def _fair(self, info: FairFacts) -> Fair:
        if info.code not in self._fairs:
            self._fairs[info.code] = fair_row(self.session, info.code)
        return self._fairs[info.code]

    def fair(self, code: str) -> FairFacts:
        row = fair_row(self.session, code)
        self._fairs[row.code] = row
        return FairFacts(row.code, row.name, row.city)

    def stands(self, fair: FairFacts) -> set[str]:
        return {loc.code for loc in stand_rows(self.session, self._fair(fair))}

    def location(self, code: str | None) -> str:
        return lookups.location(self.session, code).code

    def counts(self, fair: FairFacts, stands: set[str]) -> list[rules.Count]:
        return [
            rules.Count(sku, loc, from_milli(milli), at)
            for sku, loc, milli, at in self.session.execute(
                select(Product.sku, Location.code, FairCount.counted_milli, FairCount.counted_utc)
                .join(Product, Product.id == FairCount.product_id)
                .join(Location, Location.id == FairCount.location_id)
                .where(FairCount.fair_id == self._fair(fair).id)
            )
        ]

    def movements(self, locations: set[str], phases: Phases) -> list[rules.Movement]:
        """Summed in SQL per product, reason and phase: a year of a shop is a few thousand
        sums, not 200,000 rows."""
        at = StockMovement.created_utc
        if phases.count_time is not None:
            phase = case((at <= phases.count_time, 1), else_=2)
        else:
            whens = []
            if phases.lo is not None:
                whens.append((at < phases.lo, 0))
            if phases.hi is not None:
                whens.append((at >= phases.hi, 2))
            phase = case(*whens, else_=1) if whens else literal(1)
        stmt = (
            select(
                Product.sku,
                Location.code,
                StockMovement.reason,
                phase.label("phase"),
                func.sum(StockMovement.quantity_milli),
            )
            .join(Product, Product.id == StockMovement.product_id)
            .join(Location, Location.id == StockMovement.location_id)
            .where(Location.code.in_(locations or {""}))
            .group_by(Product.sku, Location.code, StockMovement.reason, "phase")
        )
        return [
            rules.Movement(sku, loc, reason, from_milli(milli), phases.time_of(int(ph)))
            for sku, loc, reason, ph, milli in self.session.execute(stmt)
            if milli
        ]

    def _coop_id(self, code: str) -> int:
        return lookups.cooperative(self.session, code).id

    def lines(
        self, cooperative: str, fair: FairFacts | None, start: date | None, end: date | None
    ) -> list[rules.Line]:
        day = func.substr(Sale.created_local, 1, 10)
        stmt = (
            select(
                Sale.receipt_no,
                Sale.kind,
                day,
                SaleLine.sku,
                SaleLine.name,
                SaleLine.cooperative_code,
                SaleLine.quantity_milli,
                SaleLine.net_cents,
                SaleLine.vat_rate,
                SaleLine.commission_cents,
                Location.code,
            )
            .join(Sale, Sale.id == SaleLine.sale_id)
            .join(Location, Location.id == Sale.location_id)
            .where(SaleLine.cooperative_id == self._coop_id(cooperative))
        )
        if fair is not None:
            stmt = stmt.where(Location.fair_id == self._fair(fair).id)
        if start is not None:
            stmt = stmt.where(day >= start.isoformat())
        if end is not None:
            stmt = stmt.where(day <= end.isoformat())
        return [engine.line_of(*row) for row in self.session.execute(stmt)]

    def payouts(
        self, cooperative: str, fair: FairFacts | None, start: date | None, end: date | None
    ) -> list[rules.Payout]:
        day = func.substr(Payout.paid_local, 1, 10)
        stmt = (
            select(Payout, Fair.code)
            .outerjoin(Fair, Fair.id == Payout.fair_id)
            .where(Payout.cooperative_id == self._coop_id(cooperative))
        )
        if fair is not None:
            stmt = stmt.where(Payout.fair_id == self._fair(fair).id)
        if start is not None:
            stmt = stmt.where(day >= start.isoformat())
        if end is not None:
            stmt = stmt.where(day <= end.isoformat())
        return [engine.payout_of(p, cooperative, at) for p, at in self.session.execute(stmt)]


def note_document(session: Session, number: str, language: str | None = None) -> NoteDocument:
    """A delivery or return note as printed, from its number."""
    language = language or current_language()
    note = session.execute(
        select(ConsignmentNote).where(func.upper(ConsignmentNote.number) == number.upper())
    ).scalar()
    if note is None:
        raise NotFoundError(_("No note numbered {number}.", number=number))
    stand_side = note.to_code if note.kind == "dispatch" else note.from_code
    rows = session.execute(
        select(Product, Cooperative.code, StockMovement.quantity_milli)
        .join(Product, Product.id == StockMovement.product_id)
        .join(Cooperative, Cooperative.id == Product.cooperative_id)
        .join(Location, Location.id == StockMovement.location_id)
        .where(StockMovement.reference == note.number, Location.code == stand_side)
        .order_by(Product.sku)
    ).all()
    lines = [
        NoteLine(
            p.sku,
            pick_name(p.names, language) or p.sku,
            coop,
            abs(from_milli(milli)),
            p.price_cents,
        )
        for p, coop, milli in rows
    ]
    return NoteDocument(
        number=note.number,
        kind=note.kind,
        fair=f"{note.fair.name} ({note.fair.code})" if note.fair else "",
        origin=note.from_code,
        destination=note.to_code,
        created_local=note.created_local,
        lines=lines,
        note=note.note,
    )
