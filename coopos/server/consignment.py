"""Consignment on the central server: the facts of every till (sale lines, stock movements
at a fair's stands, end-of-fair counts, payouts) read from the server's tables and handed
to the same pure functions the till uses (:mod:`coopos.domain.consignment`), so a
statement computed here and on a till from the same facts agree to the centime.

Also head office's payouts, the shop printed on statements, the cooperatives' portal
access codes, the check of a statement's QR code, and the portal's queries (always for
one cooperative).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, or_, select, text
from sqlalchemy.orm import Session

from coopos.domain import consignment as rules
from coopos.domain import consignment_engine as engine
from coopos.domain.catalog import pick_name
from coopos.domain.consignment_engine import FairFacts
from coopos.domain.errors import NotFoundError, ValidationError
from coopos.domain.quantity import from_milli
from coopos.i18n import _, current_language
from coopos.protocol import text as text_rules
from coopos.protocol.payouts import PAYOUT_METHODS, check_payout
from coopos.server import sync
from coopos.server.consignment_facts import (
    SHOP_FIELDS,
    SHOP_KEY,
    ServerFacts,
    cooperative,
    domain_payout,
    fair,
    fair_sales,
    get_setting,
    payout_rows,
    shop_values,
    stands,
)
from coopos.server.db import Database
from coopos.server.models import (
    ConsignmentNote,
    Cooperative,
    Fair,
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

LOGIN_WINDOW = timedelta(minutes=1)
LOGIN_MAX_FAILURES = 5  # per client address and window, as for enrollment
_MONTH = re.compile(r"(20\d\d)-(0[1-9]|1[0-2])")


FairInfo = FairFacts  # the portal's name for it
Scope = engine.Scope


def lines(
    s: Session,
    coop: str,
    fair_code: str | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
) -> list[rules.Line]:
    """Every till's sale and refund lines of a cooperative, at a fair or over local days."""
    facts = ServerFacts(s)
    at = facts.fair(fair_code) if fair_code else None
    return facts.lines(coop, at, engine.as_day(start), engine.as_day(end))


def payouts(
    s: Session,
    coop: str,
    fair_code: str | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
) -> list[rules.Payout]:
    rows = payout_rows(s, coop, fair_code, engine.as_day(start), engine.as_day(end))
    return [domain_payout(p) for p in rows]


# -- reports: the engine over the server's facts ---------------------------------------------


def reconciliation(
    s: Session,
    fair_code: str | None,
    cooperative_code: str | None = None,
    language: str | None = None,
    location: str | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
) -> rules.Reconciliation:
    """Per cooperative and product, from every till's movements: at a fair's stands, or at
    a location over local days (see :func:`engine.reconciliation`)."""
    return engine.reconciliation(
        ServerFacts(s, language), fair_code, location, start, end, cooperative_code
    )


def settlement(
    s: Session, cooperative_code: str, scope: Scope, language: str | None = None
) -> rules.Statement:
    """A cooperative's statement from every till's lines and every payout."""
    return engine.settlement(ServerFacts(s, language), cooperative_code, scope)


statement_code = engine.statement_code


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
    reference, note = check_payout(amount_cents, method, reference, note)
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
        return domain_payout(row)


# -- server settings: the shop on statements ---------------------------------------------------


def put_setting(s: Session, key: str, value: Any) -> None:
    row = s.get(ServerSetting, key)
    if row is None:
        s.add(ServerSetting(key=key, value=json.dumps(value, ensure_ascii=False)))
    else:
        row.value = json.dumps(value, ensure_ascii=False)


def shop(db: Database) -> dict[str, str]:
    with db.read() as s:
        return shop_values(s)


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
        stmt = stmt.where(fair_sales(fair_code, stands(s, fair_code)))
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
    "PAYOUT_METHODS",
    "SHOP_FIELDS",
    "FairInfo",
    "PortalUser",
    "Scope",
    "TooManyAttempts",
    "Verification",
    "add_payout",
    "cooperative",
    "fair",
    "get_setting",
    "lines",
    "new_access_code",
    "payouts",
    "reconciliation",
    "settlement",
    "sign_in",
    "stands",
    "statement_code",
    "verify",
]
