"""Consignment on the central server: the facts of every till (sale lines, stock movements
at a fair's stands, end-of-fair counts, payouts) read from the server's tables and handed
to the same pure functions the till uses (:mod:`coopos.domain.consignment`), so a
statement computed here and on a till from the same facts agree to the centime.

Also head office's payouts, the shop printed on statements, the cooperatives' portal
access codes, the check of a statement's QR code, and the portal's queries (always for
one cooperative).
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, text
from sqlalchemy.orm import Session

from coopos.domain import consignment as rules
from coopos.domain.catalog import pick_name
from coopos.domain.errors import NotFoundError, ValidationError
from coopos.domain.quantity import from_milli
from coopos.i18n import _, current_language
from coopos.protocol import text as text_rules
from coopos.server import sync
from coopos.server.db import Database
from coopos.server.models import (
    ConsignmentNote,
    Cooperative,
    Fair,
    FairCount,
    Location,
    Payout,
    PortalAccess,
    PortalFailure,
    Product,
    Sale,
    SaleLine,
    ServerSetting,
    StockMovement,
    new_uuid,
)

PAYOUT_METHODS = rules.PAYOUT_METHODS
SHOP_KEY = "shop"
SHOP_FIELDS = ("name", "address", "ice", "if", "tp", "odco", "phone")
LOGIN_WINDOW = timedelta(minutes=1)
LOGIN_MAX_FAILURES = 5  # per client address and window, as for enrollment
_MONTH = re.compile(r"(20\d\d)-(0[1-9]|1[0-2])")


def _day(value: str | date | None) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValidationError(_("“{text}” is not a date (YYYY-MM-DD).", text=value)) from None


# -- lookups ------------------------------------------------------------------------------------


def cooperative(s: Session, code: str) -> Cooperative:
    found = s.execute(
        select(Cooperative).where(func.upper(Cooperative.code) == code.strip().upper())
    ).scalar_one_or_none()
    if found is None:
        raise NotFoundError(_("Unknown cooperative {code}.", code=code))
    return found


@dataclass(frozen=True)
class FairInfo:
    code: str
    name: str
    city: str = ""
    known: bool = True  # head office has it (else only tills' events name it)


def fair(s: Session, code: str) -> FairInfo:
    """A fair head office holds, or one only tills' events name (flagged ``unknown_fair``
    at push, still reported)."""
    code = code.strip().upper()
    row = s.execute(select(Fair).where(Fair.code == code)).scalar_one_or_none()
    if row is not None:
        return FairInfo(row.code, row.name, row.city)
    named = (
        s.execute(select(ConsignmentNote.id).where(ConsignmentNote.fair_code == code)).first()
        or s.execute(select(FairCount.id).where(FairCount.fair_code == code)).first()
        or s.execute(select(Sale.id).where(Sale.fair_code == code)).first()
    )
    if named is None:
        raise NotFoundError(_("Unknown fair {code}.", code=code))
    return FairInfo(code, code, known=False)


def fair_title(info: FairInfo) -> str:
    return _("Fair {name} ({code})", name=info.name, code=info.code)


def period_title(start: str, end: str) -> str:
    return _("{start} to {end}", start=start, end=end)


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


# -- facts ---------------------------------------------------------------------------------------


def items(s: Session, language: str | None = None) -> dict[str, rules.Item]:
    language = language or current_language()
    rows = s.execute(
        select(Product, Cooperative.code).join(
            Cooperative, Cooperative.id == Product.cooperative_id
        )
    ).all()
    return {
        p.sku: rules.Item(p.sku, code, pick_name(p.names, language) or p.sku, p.unit, p.price_cents)
        for p, code in rows
    }


def movements(s: Session, locations: Iterable[str]) -> list[rules.Movement]:
    locations = set(locations)
    if not locations:
        return []
    stmt = select(
        StockMovement.sku,
        StockMovement.location_code,
        StockMovement.reason,
        StockMovement.quantity_milli,
        StockMovement.created_utc,
        StockMovement.reference,
        StockMovement.note,
    ).where(StockMovement.location_code.in_(locations))
    return [
        rules.Movement(sku, loc, reason, from_milli(milli), at, ref or "", note or "")
        for sku, loc, reason, milli, at, ref, note in s.execute(stmt)
    ]


def counts(s: Session, fair_code: str, locations: set[str]) -> list[rules.Count]:
    """The latest count of each of the fair's stands, added up per product."""
    fair_code = fair_code.upper()
    latest: dict[str, tuple[datetime, int]] = {}
    for loc, at, event_id in s.execute(
        select(FairCount.location_code, FairCount.counted_utc, FairCount.event_id)
        .where(FairCount.fair_code == fair_code)
        .distinct()
    ):
        if loc in locations and (loc not in latest or (at, event_id) > latest[loc]):
            latest[loc] = (at, event_id)
    if not latest:
        return []
    totals: dict[str, Decimal] = {}
    at_max = max(at for at, _e in latest.values())
    place = sorted(latest)[0]
    for sku, milli in s.execute(
        select(FairCount.sku, FairCount.counted_milli).where(
            FairCount.event_id.in_([e for _at, e in latest.values()])
        )
    ):
        totals[sku] = totals.get(sku, Decimal("0.000")) + from_milli(milli)
    return [rules.Count(sku, place, qty, at_max) for sku, qty in sorted(totals.items())]


def _fair_sales(fair_code: str, places: set[str]):
    """Sales of a fair: stamped with it when received, or made at one of its stands by a
    till whose location was not yet linked to the fair."""
    return or_(
        Sale.fair_code == fair_code,
        and_(Sale.fair_code.is_(None), Sale.location_code.in_(places or {""})),
    )


def lines(
    s: Session,
    coop: str,
    fair_code: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> list[rules.Line]:
    """Every till's sale and refund lines of a cooperative, for a fair or local days."""
    stmt = (
        select(
            Sale.receipt_no,
            Sale.kind,
            Sale.local_day,
            Sale.location_code,
            SaleLine.sku,
            SaleLine.name,
            SaleLine.cooperative_code,
            SaleLine.quantity_milli,
            SaleLine.net_cents,
            SaleLine.vat_rate,
            SaleLine.commission_cents,
        )
        .join(Sale, Sale.id == SaleLine.sale_id)
        .where(SaleLine.cooperative_code == coop)
    )
    if fair_code is not None:
        stmt = stmt.where(_fair_sales(fair_code.upper(), stands(s, fair_code)))
    if start is not None:
        stmt = stmt.where(Sale.local_day >= start)
    if end is not None:
        stmt = stmt.where(Sale.local_day <= end)
    return [
        rules.Line(
            receipt_no=receipt,
            kind=kind,
            day=day,
            sku=sku,
            name=name,
            cooperative=code,
            quantity=from_milli(milli),
            net_cents=net,
            vat_rate=rate,
            commission_cents=commission,
            location=loc,
        )
        for receipt, kind, day, loc, sku, name, code, milli, net, rate, commission in s.execute(
            stmt
        )
    ]


def _payout_rows(
    s: Session,
    coop: str,
    fair_code: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> list[Payout]:
    stmt = select(Payout).where(Payout.cooperative_code == coop)
    if fair_code is not None:
        stmt = stmt.where(Payout.fair_code == fair_code.upper())
    if start is not None:
        stmt = stmt.where(func.substr(Payout.paid_local, 1, 10) >= start)
    if end is not None:
        stmt = stmt.where(func.substr(Payout.paid_local, 1, 10) <= end)
    return list(s.execute(stmt.order_by(Payout.paid_utc, Payout.id)).scalars())


def _domain_payout(p: Payout) -> rules.Payout:
    return rules.Payout(
        p.uuid,
        p.cooperative_code,
        p.paid_local[:10],
        p.amount_cents,
        p.method,
        p.reference,
        p.fair_code,
    )


def payouts(
    s: Session,
    coop: str,
    fair_code: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> list[rules.Payout]:
    return [_domain_payout(p) for p in _payout_rows(s, coop, fair_code, start, end)]


# -- reconciliation and settlement ------------------------------------------------------------


def reconciliation(
    s: Session,
    fair_code: str | None,
    cooperative_code: str | None = None,
    language: str | None = None,
    location: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> rules.Reconciliation:
    """Per cooperative and product, from every till's movements: sent, sold, refunded,
    returned, counted, variance; at a fair's stands, or at a location over local days
    (as on a till: the opening stock is added to "sent", "counted" is the closing stock
    of the books)."""
    if fair_code:
        info = fair(s, fair_code)
        places = stands(s, info.code)
        result = rules.reconcile(
            fair_title(info),
            items(s, language),
            places,
            movements(s, places),
            counts(s, info.code, places),
        )
    else:
        if not (location and start and end):
            raise ValidationError(_("Give a fair, or a location with its first and last day."))
        code = location.strip().upper()
        lo, hi = rules.period_bounds(date.fromisoformat(start), date.fromisoformat(end))
        result = rules.reconcile(
            _("{location}, {start} to {end}", location=code, start=start, end=end),
            items(s, language),
            {code},
            movements(s, {code}),
            (),
            lo,
            hi,
        )
    if cooperative_code:
        coop = cooperative(s, cooperative_code)
        result = rules.Reconciliation(result.title, result.for_cooperative(coop.code))
    return result


@dataclass(frozen=True)
class Scope:
    """What a statement covers: a fair, or local days (inclusive)."""

    fair: str | None = None
    start: str | None = None
    end: str | None = None

    @classmethod
    def of(
        cls,
        fair_code: str | None = None,
        start: str | date | None = None,
        end: str | date | None = None,
    ) -> Scope:
        if fair_code:
            return cls(fair=fair_code.strip().upper())
        first, last = _day(start), _day(end)
        if not (first and last):
            raise ValidationError(_("Give a fair, or a period with its first and last day."))
        if last < first:
            raise ValidationError(_("The end date is before the start date."))
        return cls(start=first, end=last)

    @classmethod
    def month(cls, year_month: str) -> Scope:
        try:
            year, month = (int(part) for part in year_month.split("-"))
            last = calendar.monthrange(year, month)[1]
            return cls(
                start=date(year, month, 1).isoformat(), end=date(year, month, last).isoformat()
            )
        except (ValueError, TypeError):
            raise ValidationError(
                _("“{text}” is not a month (YYYY-MM).", text=year_month)
            ) from None

    @property
    def code(self) -> str:
        """The scope as the statement's QR code writes it."""
        return rules.scope_of(self.fair, self.start, self.end)


def settlement(
    s: Session, cooperative_code: str, scope: Scope, language: str | None = None
) -> rules.Statement:
    """A cooperative's statement from every till's lines and every payout."""
    coop = cooperative(s, cooperative_code).code
    if scope.fair:
        info = fair(s, scope.fair)
        title = fair_title(info)
        found = lines(s, coop, fair_code=info.code)
        paid = payouts(s, coop, fair_code=info.code)
    else:
        title = period_title(scope.start or "", scope.end or "")
        found = lines(s, coop, start=scope.start, end=scope.end)
        paid = payouts(s, coop, start=scope.start, end=scope.end)
    # products named in the statement's language, as the till does
    names = {sku: item.name for sku, item in items(s, language).items()}
    found = [replace(line, name=names.get(line.sku, line.name)) for line in found]
    return rules.settle(coop, title, found, paid)


def statement_code(statement: rules.Statement, scope: Scope) -> str:
    return rules.statement_code(statement, scope.code)


# -- payouts by head office ---------------------------------------------------------------------


def add_payout(
    db: Database,
    cooperative_code: str,
    amount_cents: int,
    method: str,
    reference: str = "",
    fair_code: str | None = None,
    note: str = "",
) -> rules.Payout:
    """Money head office paid a cooperative."""
    if amount_cents <= 0:
        raise ValidationError(_("A payout is more than 0 MAD."))
    if amount_cents > 10**12:
        raise ValidationError(_("This amount is too large."))
    if method not in PAYOUT_METHODS:
        raise ValidationError(_("A payout is paid in cash, by transfer or by cheque."))
    reference, note = reference.strip(), note.strip()
    if method in ("transfer", "cheque") and not reference:
        raise ValidationError(_("Give the transfer or cheque number."))
    if len(reference) > 100:
        raise ValidationError(_("A reference is at most 100 characters."))
    text_rules.check_free_text(reference, _("The reference"))
    text_rules.check_free_text(note, _("The note"))
    now = db.now()
    local = datetime.now().astimezone().isoformat(timespec="seconds")
    with db.write() as s:
        coop = cooperative(s, cooperative_code)
        info = fair(s, fair_code) if fair_code else None
        row = Payout(
            uuid=new_uuid(),
            event_id=None,
            device_id=None,
            cooperative_code=coop.code,
            amount_cents=amount_cents,
            method=method,
            reference=reference,
            fair_code=info.code if info else None,
            paid_utc=now,
            paid_local=local,
            note=note,
            received_utc=now,
        )
        s.add(row)
        s.flush()
        return _domain_payout(row)


# -- server settings: the shop on statements ---------------------------------------------------


def get_setting(s: Session, key: str, default: Any = None) -> Any:
    raw = s.execute(select(ServerSetting.value).where(ServerSetting.key == key)).scalar()
    return json.loads(raw) if raw is not None else default


def put_setting(s: Session, key: str, value: Any) -> None:
    row = s.get(ServerSetting, key)
    if row is None:
        s.add(ServerSetting(key=key, value=json.dumps(value, ensure_ascii=False)))
    else:
        row.value = json.dumps(value, ensure_ascii=False)


def shop(db: Database) -> dict[str, str]:
    with db.read() as s:
        stored = get_setting(s, SHOP_KEY, {}) or {}
    return {k: str(stored.get(k) or "") for k in SHOP_FIELDS}


def set_shop(db: Database, **values: str | None) -> dict[str, str]:
    """Head office as printed on statements: name, address, ICE, IF, TP, ODCO, phone."""
    changes = {k: v.strip() for k, v in values.items() if v is not None and k in SHOP_FIELDS}
    for value in changes.values():
        text_rules.check_free_text(value, _("A detail of the shop"))
    if any(len(v) > 200 for v in changes.values()):
        raise ValidationError(_("At most 200 characters per field."))
    with db.write() as s:
        current = get_setting(s, SHOP_KEY, {}) or {}
        current.update(changes)
        put_setting(s, SHOP_KEY, current)
    return shop(db)


# -- portal access codes ------------------------------------------------------------------------


def new_access_code(db: Database, cooperative_code: str) -> str:
    """A new portal access code for a cooperative (shown once; only its hash is kept).
    It replaces the previous one and ends the sessions opened with it."""
    code = sync.new_enrollment_code()
    digest = sync.hash_secret(sync.normalise_code(code))
    with db.write() as s:
        coop = cooperative(s, cooperative_code)
        row = s.execute(
            select(PortalAccess).where(PortalAccess.cooperative_id == coop.id).with_for_update()
        ).scalar_one_or_none()
        if row is None:
            s.add(
                PortalAccess(
                    cooperative_id=coop.id, code_hash=digest, generation=1, created_utc=db.now()
                )
            )
        else:
            row.code_hash, row.generation, row.created_utc = digest, row.generation + 1, db.now()
    return code


@dataclass(frozen=True)
class PortalUser:
    cooperative_id: int
    code: str
    generation: int


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int):
        super().__init__("too many failed sign-ins")
        self.retry_after = retry_after


def sign_in(db: Database, code: str, ip: str) -> PortalUser | None:
    """The cooperative whose access code this is, or None (a failure, counted per client
    address: past ``LOGIN_MAX_FAILURES`` a minute, ``TooManyAttempts``)."""
    now = db.now()
    ip = ip[:64]
    cleaned = sync.normalise_code(code or "")[:64]
    with db.write() as s:
        if db.dialect == "postgresql":
            key = int.from_bytes(hashlib.sha256(b"portal:" + ip.encode()).digest()[:8], "big")
            s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key - 2**63})
        recent = s.execute(
            select(func.count())
            .select_from(PortalFailure)
            .where(PortalFailure.ip == ip, PortalFailure.at_utc > now - LOGIN_WINDOW)
        ).scalar_one()
        if recent >= LOGIN_MAX_FAILURES:
            raise TooManyAttempts(int(LOGIN_WINDOW.total_seconds()))
        found = None
        if cleaned:
            found = s.execute(
                select(PortalAccess, Cooperative)
                .join(Cooperative, Cooperative.id == PortalAccess.cooperative_id)
                .where(PortalAccess.code_hash == sync.hash_secret(cleaned))
            ).first()
        if found is None or not found[1].active:
            s.add(PortalFailure(ip=ip, at_utc=now))
            s.execute(
                PortalFailure.__table__.delete().where(
                    PortalFailure.at_utc < now - timedelta(hours=1)
                )
            )
            return None
        access, coop = found
        access.last_login_utc = now
        return PortalUser(coop.id, coop.code, access.generation)


def portal_user(db: Database, cooperative_id: int, generation: int) -> PortalUser | None:
    """The signed-in cooperative, if its session is still valid (same access code, still
    active)."""
    with db.read() as s:
        found = s.execute(
            select(PortalAccess.generation, Cooperative.code, Cooperative.active)
            .join(Cooperative, Cooperative.id == PortalAccess.cooperative_id)
            .where(PortalAccess.cooperative_id == cooperative_id)
        ).first()
    if found is None or found[0] != generation or not found[2]:
        return None
    return PortalUser(cooperative_id, found[1], generation)


# -- checking a statement's QR code ---------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """What the server holds for a statement's QR code.

    ``status``: ``match`` (same amounts and details), ``later_payouts`` (the statement was
    right when printed; payouts were recorded since), ``differs``, ``unknown`` (no such
    cooperative or fair) or ``invalid`` (not a statement code)."""

    status: str
    cooperative: str = ""
    cooperative_name: str = ""
    scope_title: str = ""
    claimed_payable_cents: int = 0
    payable_matches: bool = False
    statement: rules.Statement | None = None
    paid_then_cents: int = 0  # match / later_payouts: the payouts the statement shows
    later_payouts_cents: int = 0


MAX_PAYOUT_SUBSETS = 4096


def _fewer_payouts(statement: rules.Statement) -> Iterable[rules.Statement]:
    """The statement as it was before some of its payouts were recorded: every subset of
    them (most first) while there are few, else the earlier ones by day."""
    from itertools import combinations

    paid = statement.payouts
    if 2 ** len(paid) <= MAX_PAYOUT_SUBSETS:
        for size in range(len(paid) - 1, -1, -1):
            for kept in combinations(paid, size):
                yield replace(statement, payouts=list(kept))
    else:
        for size in range(len(paid) - 1, -1, -1):
            yield replace(statement, payouts=paid[:size])


def verify(db: Database, text_: str, language: str | None = None) -> Verification:
    parsed = rules.parse_statement_code(text_ or "")
    if parsed is None:
        return Verification("invalid")
    try:
        scope = Scope.of(parsed.fair, parsed.start, parsed.end)
    except ValidationError:
        return Verification("invalid")
    language = language or current_language()
    with db.read() as s:
        try:
            coop = cooperative(s, parsed.cooperative)
            statement = settlement(s, coop.code, scope, language)
        except NotFoundError:
            return Verification("unknown", cooperative=parsed.cooperative)
        name = pick_name(coop.names, language) or coop.code
    base = {
        "cooperative": coop.code,
        "cooperative_name": name,
        "scope_title": statement.title,
        "claimed_payable_cents": parsed.payable_cents,
        "payable_matches": parsed.payable_cents == statement.payable_cents,
        "statement": statement,
    }
    if not base["payable_matches"]:  # the digest covers it, but the code states it too
        return Verification("differs", **base)
    if rules.statement_digest(statement) == parsed.digest:
        return Verification("match", paid_then_cents=statement.paid_cents, **base)
    # Printed before some payouts were recorded: the same statement with fewer of them.
    for earlier in _fewer_payouts(statement):
        if rules.statement_digest(earlier) == parsed.digest:
            return Verification(
                "later_payouts",
                paid_then_cents=earlier.paid_cents,
                later_payouts_cents=statement.paid_cents - earlier.paid_cents,
                **base,
            )
    return Verification("differs", **base)


# -- the portal's queries (one cooperative) ------------------------------------------------------


def coop_skus(s: Session, coop_code: str) -> set[str]:
    return set(
        s.execute(
            select(Product.sku)
            .join(Cooperative, Cooperative.id == Product.cooperative_id)
            .where(Cooperative.code == coop_code)
        ).scalars()
    )


def stock(s: Session, coop_code: str, language: str | None = None) -> list[dict[str, Any]]:
    """The cooperative's goods per location (every till's and head office's movements)."""
    language = language or current_language()
    products = {
        p.sku: p
        for p in s.execute(
            select(Product)
            .join(Cooperative, Cooperative.id == Product.cooperative_id)
            .where(Cooperative.code == coop_code)
        ).scalars()
    }
    if not products:
        return []
    levels = sync.on_hand(s, None, set(products))
    kinds = dict(s.execute(select(Location.code, Location.kind)).all())
    rows = []
    for (loc, sku), milli in sorted(levels.items()):
        if milli == 0:
            continue
        p = products[sku]
        rows.append(
            {
                "location": loc,
                "kind": kinds.get(loc, ""),
                "sku": sku,
                "name": pick_name(p.names, language) or sku,
                "unit": p.unit,
                "quantity": from_milli(milli),
                "value_cents": round(from_milli(milli) * p.price_cents),
            }
        )
    return rows


def fairs_of(s: Session, coop_code: str) -> list[FairInfo]:
    """The fairs where the cooperative sold, was paid, or had goods on a note."""
    codes = set(
        s.execute(
            select(Sale.fair_code)
            .join(SaleLine, SaleLine.sale_id == Sale.id)
            .where(SaleLine.cooperative_code == coop_code, Sale.fair_code.is_not(None))
            .distinct()
        ).scalars()
    )
    codes |= set(
        s.execute(
            select(Payout.fair_code)
            .where(Payout.cooperative_code == coop_code, Payout.fair_code.is_not(None))
            .distinct()
        ).scalars()
    )
    skus = coop_skus(s, coop_code)
    note_fairs = select(ConsignmentNote.fair_code).where(
        ConsignmentNote.fair_code.is_not(None),
        or_(
            ConsignmentNote.cooperative_code == coop_code,
            exists().where(
                StockMovement.event_id == ConsignmentNote.event_id,
                StockMovement.sku.in_(skus or {""}),
            ),
        ),
    )
    codes |= set(s.execute(note_fairs.distinct()).scalars())
    known = {f.code: f for f in s.execute(select(Fair).where(Fair.code.in_(codes))).scalars()}
    infos = [
        FairInfo(c, known[c].name, known[c].city) if c in known else FairInfo(c, c, known=False)
        for c in codes
    ]
    starts = {f.code: f.starts_on for f in known.values()}
    return sorted(infos, key=lambda f: (starts.get(f.code) or date.min, f.code), reverse=True)


def fair_of(s: Session, coop_code: str, fair_code: str) -> FairInfo | None:
    """The fair, if it concerns the cooperative (else None: the portal answers 404)."""
    wanted = fair_code.strip().upper()
    return next((f for f in fairs_of(s, coop_code) if f.code == wanted), None)


def sales_by_fair(s: Session, coop_code: str) -> list[dict[str, Any]]:
    rows = s.execute(
        select(
            Sale.fair_code,
            func.sum(SaleLine.quantity_milli),
            func.sum(SaleLine.net_cents),
            func.sum(SaleLine.commission_cents),
        )
        .join(Sale, Sale.id == SaleLine.sale_id)
        .where(SaleLine.cooperative_code == coop_code)
        .group_by(Sale.fair_code)
    ).all()
    return [
        {
            "fair": fair_code,
            "quantity": from_milli(int(qty or 0)),
            "net_cents": int(net or 0),
            "commission_cents": int(commission or 0),
            "payable_cents": int(net or 0) - int(commission or 0),
        }
        for fair_code, qty, net, commission in sorted(rows, key=lambda r: r[0] or "")
    ]


def sales_by_day(
    s: Session, coop_code: str, fair_code: str | None = None, limit: int = 366
) -> list[dict[str, Any]]:
    """Net sales per local day, oldest first (the last ``limit`` days with sales)."""
    stmt = (
        select(
            Sale.local_day,
            func.sum(SaleLine.quantity_milli),
            func.sum(SaleLine.net_cents),
            func.sum(SaleLine.commission_cents),
        )
        .join(Sale, Sale.id == SaleLine.sale_id)
        .where(SaleLine.cooperative_code == coop_code)
        .group_by(Sale.local_day)
        .order_by(Sale.local_day.desc())
        .limit(limit)
    )
    if fair_code is not None:
        stmt = stmt.where(_fair_sales(fair_code, stands(s, fair_code)))
    rows = list(reversed(s.execute(stmt).all()))
    return [
        {
            "day": day,
            "quantity": from_milli(int(qty or 0)),
            "net_cents": int(net or 0),
            "commission_cents": int(commission or 0),
            "payable_cents": int(net or 0) - int(commission or 0),
        }
        for day, qty, net, commission in rows
    ]


def months_of(s: Session, coop_code: str) -> list[str]:
    """Months (YYYY-MM) with sales or payouts of the cooperative, newest first."""
    found = set(
        s.execute(
            select(func.substr(Sale.local_day, 1, 7))
            .join(SaleLine, SaleLine.sale_id == Sale.id)
            .where(SaleLine.cooperative_code == coop_code)
            .distinct()
        ).scalars()
    )
    found |= set(
        s.execute(
            select(func.substr(Payout.paid_local, 1, 7))
            .where(Payout.cooperative_code == coop_code)
            .distinct()
        ).scalars()
    )
    # rows projected before the server checked dates (issue 13) may carry "9999-99"
    return sorted((m for m in found if _MONTH.fullmatch(m or "")), reverse=True)


def balance(s: Session, coop_code: str) -> dict[str, int]:
    """Everything sold (net of refunds and commission) and paid, all times."""
    net, commission = s.execute(
        select(func.sum(SaleLine.net_cents), func.sum(SaleLine.commission_cents)).where(
            SaleLine.cooperative_code == coop_code
        )
    ).one()
    paid = s.execute(
        select(func.sum(Payout.amount_cents)).where(Payout.cooperative_code == coop_code)
    ).scalar()
    payable = int(net or 0) - int(commission or 0)
    return {
        "net_cents": int(net or 0),
        "commission_cents": int(commission or 0),
        "payable_cents": payable,
        "paid_cents": int(paid or 0),
        "balance_cents": payable - int(paid or 0),
    }


def notes_of(s: Session, coop_code: str, fair_code: str) -> list[dict[str, Any]]:
    """The fair's delivery and return notes, with the cooperative's goods on each."""
    skus = coop_skus(s, coop_code)
    found = []
    for note in s.execute(
        select(ConsignmentNote)
        .where(ConsignmentNote.fair_code == fair_code.upper())
        .order_by(ConsignmentNote.created_utc, ConsignmentNote.id)
    ).scalars():
        stand = note.to_code if note.kind == "dispatch" else note.from_code
        qty = s.execute(
            select(func.sum(StockMovement.quantity_milli)).where(
                StockMovement.event_id == note.event_id,
                StockMovement.reference == note.number,
                StockMovement.location_code == stand,
                StockMovement.sku.in_(skus or {""}),
            )
        ).scalar()
        if not qty and note.cooperative_code != coop_code:
            continue
        found.append(
            {
                "number": note.number,
                "kind": note.kind,
                "from": note.from_code,
                "to": note.to_code,
                "day": note.created_local[:10],
                "quantity": abs(from_milli(int(qty or 0))),
            }
        )
    return found


__all__ = [
    "FairInfo",
    "PortalUser",
    "Scope",
    "TooManyAttempts",
    "Verification",
    "add_payout",
    "counts",
    "items",
    "lines",
    "movements",
    "new_access_code",
    "payouts",
    "reconciliation",
    "settlement",
    "sign_in",
    "stands",
    "verify",
]
