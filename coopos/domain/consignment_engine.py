"""The one consignment engine of the till and the server: reconciliation, settlement
statements and the checks of a payout, computed by the same functions over a small read
interface, :class:`ConsignmentFacts`.

The till implements the interface over its database
(:mod:`coopos.services.consignment_facts`), the server over its own
(:mod:`coopos.server.consignment_facts`); the same facts give the same statement to the
centime.  Everything that decides what a statement or a reconciliation says lives here:
the period rules (local days, inclusive), the titles, the naming of products in the
statement's language, the scope written in a statement's QR code.  A reader only answers
questions about its tables.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from coopos.domain import consignment as rules
from coopos.domain.catalog import pick_name
from coopos.domain.errors import ValidationError
from coopos.domain.money import Cents
from coopos.domain.quantity import from_milli
from coopos.i18n import _


@dataclass(frozen=True)
class FairFacts:
    """A fair as a reader knows it (``known`` False: only tills' events name it)."""

    code: str
    name: str
    city: str = ""
    known: bool = True


@dataclass(frozen=True)
class Party:
    """One side of a statement or note: the shop or the cooperative, with the identifiers
    Moroccan documents carry."""

    name: str
    address: str = ""
    ice: str = ""
    if_: str = ""
    tp: str = ""
    odco: str = ""
    phone: str = ""

    def identifiers(self) -> str:
        parts = [
            (_("ICE"), self.ice),
            (_("IF"), self.if_),
            (_("TP"), self.tp),
            (_("ODCO no."), self.odco),
        ]
        return "   ".join(_("{label}: {value}", label=k, value=v) for k, v in parts if v)


@dataclass(frozen=True)
class NoteLine:
    sku: str
    name: str
    cooperative: str
    quantity: Decimal
    unit_price_cents: int


@dataclass(frozen=True)
class NoteDocument:
    """A delivery or return note as printed."""

    number: str
    kind: str  # dispatch, return
    fair: str  # its name
    origin: str
    destination: str
    created_local: str
    lines: list[NoteLine]
    note: str = ""

    @property
    def qr_text(self) -> str:
        return f"COOPOS:N:{self.number}"

    @property
    def value_cents(self) -> int:
        return sum(round(line.quantity * line.unit_price_cents) for line in self.lines)


_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Phases:
    """How a reconciliation looks at movements in time: before ``lo`` (the opening), the
    period, from ``hi`` (left out); or, for a counted fair, up to ``count_time`` and after
    it.  A reader may sum movements per product, reason and phase: each sum carries
    :meth:`time_of` its phase, which is all :func:`rules.reconcile` looks at."""

    lo: datetime | None = None
    hi: datetime | None = None
    count_time: datetime | None = None

    def time_of(self, phase: int) -> datetime:
        """A time inside phase 0 (before ``lo``), 1 (the period, or up to the count) or
        2 (from ``hi``, or after the count)."""
        if self.count_time is not None:
            return self.count_time if phase <= 1 else self.count_time + _TICK
        inside = self.lo or datetime(1970, 1, 1)
        return {0: inside - _TICK, 1: inside, 2: self.hi or inside}[phase]

    def phase_of(self, at: datetime) -> int:
        """The phase of one movement (what a reader's SQL computes for many)."""
        if self.count_time is not None:
            return 1 if at <= self.count_time else 2
        if self.lo is not None and at < self.lo:
            return 0
        if self.hi is not None and at >= self.hi:
            return 2
        return 1


class ConsignmentFacts(Protocol):
    """What the engine reads from a database.  Codes are compared without regard to case;
    readers raise :class:`coopos.domain.errors.NotFoundError` for unknown ones."""

    language: str  # products are named in it

    def items(self) -> dict[str, rules.Item]: ...

    def cooperative(self, code: str) -> str:
        """The cooperative's code as stored."""
        ...

    def cooperative_party(self, code: str) -> Party: ...

    def shop_party(self) -> Party: ...

    def fair(self, code: str) -> FairFacts: ...

    def stands(self, fair: FairFacts) -> set[str]:
        """The location codes where the fair's goods were."""
        ...

    def location(self, code: str | None) -> str:
        """A location's code; ``None``: the reader's own (a till's), if it has one."""
        ...

    def counts(self, fair: FairFacts, stands: set[str]) -> list[rules.Count]: ...

    def movements(self, locations: set[str], phases: Phases) -> list[rules.Movement]: ...

    def lines(
        self, cooperative: str, fair: FairFacts | None, start: date | None, end: date | None
    ) -> list[rules.Line]:
        """Sale and refund lines of a cooperative, at a fair or over local days."""
        ...

    def payouts(
        self, cooperative: str, fair: FairFacts | None, start: date | None, end: date | None
    ) -> list[rules.Payout]: ...


# -- what readers build from their rows (the same on both sides) -------------------------------


def item_of(product: Any, cooperative: str, language: str) -> rules.Item:
    """A product row (``sku``, ``names``, ``unit``, ``price_cents``) as a statement knows it."""
    name = pick_name(product.names, language) or product.sku
    return rules.Item(product.sku, cooperative, name, product.unit, product.price_cents)


def cooperative_party(coop: Any, language: str) -> Party:
    """A cooperative row (``code``, ``names``, ``city``, ``ice``, ``odco_number``,
    ``phone``) as printed on its statement."""
    name = pick_name(coop.names, language) or coop.code
    return Party(
        name=f"{name} ({coop.code})",
        address=coop.city,
        ice=coop.ice,
        odco=coop.odco_number,
        phone=coop.phone,
    )


SHOP_FIELDS = ("name", "address", "ice", "if", "tp", "odco", "phone")


def shop_party(values: dict[str, Any], name: str = "") -> Party:
    """The shop from its settings (the keys of :data:`SHOP_FIELDS`); ``name`` if it has
    none."""
    v = {k: str(values.get(k) or "") for k in SHOP_FIELDS}
    return Party(
        name=v["name"] or name,
        address=v["address"],
        ice=v["ice"],
        if_=v["if"],
        tp=v["tp"],
        odco=v["odco"],
        phone=v["phone"],
    )


def line_of(
    receipt_no: str,
    kind: str,
    day: str,
    sku: str,
    name: str,
    cooperative: str,
    quantity_milli: int,
    net_cents: Cents,
    vat_rate: int,
    commission_cents: Cents,
    location: str,
) -> rules.Line:
    """A sale line from the columns both databases keep, in this order."""
    return rules.Line(
        receipt_no,
        kind,
        day,
        sku,
        name,
        cooperative,
        from_milli(quantity_milli),
        net_cents,
        vat_rate,
        commission_cents,
        location,
    )


def payout_of(row: Any, cooperative: str, fair: str | None) -> rules.Payout:
    """A payout row (``uuid``, ``paid_local``, ``amount_cents``, ``method``,
    ``reference``)."""
    return rules.Payout(
        row.uuid,
        cooperative,
        row.paid_local[:10],
        row.amount_cents,
        row.method,
        row.reference,
        fair,
    )


# -- periods and scopes --------------------------------------------------------------------------


def as_day(value: str | date | None) -> date | None:
    """A local day from a ``date`` or ``YYYY-MM-DD`` text (blank: none)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(_("“{text}” is not a date (YYYY-MM-DD).", text=value)) from None


def check_period(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise ValidationError(_("The end date is before the start date."))


@dataclass(frozen=True)
class Scope:
    """What a statement covers: a fair, or local days (inclusive)."""

    fair: str | None = None
    start: date | None = None
    end: date | None = None

    @classmethod
    def of(
        cls,
        fair_code: str | None = None,
        start: str | date | None = None,
        end: str | date | None = None,
    ) -> Scope:
        if fair_code:
            return cls(fair=fair_code.strip().upper())
        first, last = as_day(start), as_day(end)
        if not (first and last):
            raise ValidationError(_("Give a fair, or a period with its first and last day."))
        check_period(first, last)
        return cls(start=first, end=last)

    @classmethod
    def month(cls, year_month: str) -> Scope:
        try:
            year, month = (int(part) for part in year_month.split("-"))
            last = calendar.monthrange(year, month)[1]
            return cls(start=date(year, month, 1), end=date(year, month, last))
        except (ValueError, TypeError):
            raise ValidationError(
                _("“{text}” is not a month (YYYY-MM).", text=year_month)
            ) from None

    @property
    def code(self) -> str:
        """The scope as the statement's QR code writes it."""
        return rules.scope_of(
            self.fair,
            self.start.isoformat() if self.start else None,
            self.end.isoformat() if self.end else None,
        )


def fair_title(fair: FairFacts) -> str:
    return _("Fair {name} ({code})", name=fair.name, code=fair.code)


def period_title(start: date | None, end: date | None) -> str:
    return _(
        "{start} to {end}",
        start=start.isoformat() if start else "…",
        end=end.isoformat() if end else "…",
    )


# -- reconciliation ------------------------------------------------------------------------------


def reconciliation(
    facts: ConsignmentFacts,
    fair: str | None = None,
    location: str | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    cooperative: str | None = None,
) -> rules.Reconciliation:
    """Per cooperative and product: sent, sold, refunded, returned, counted, variance; at
    a fair's stands (its closing count, if any, is what was counted), or at a location
    over local days (the stock before ``start`` is the opening, "counted" is the closing
    stock of the books)."""
    items = facts.items()
    if fair:
        info = facts.fair(fair)
        places = facts.stands(info)
        counts = facts.counts(info, places)
        count_time = max((c.at_utc for c in counts), default=None)
        moves = facts.movements(places, Phases(count_time=count_time))
        result = rules.reconcile(fair_title(info), items, places, moves, counts)
    else:
        code = facts.location(location)
        first, last = as_day(start), as_day(end)
        check_period(first, last)
        lo, hi = rules.period_bounds(first, last)
        title = _(
            "{location}, {start} to {end}",
            location=code,
            start=first.isoformat() if first else "…",
            end=last.isoformat() if last else "…",
        )
        moves = facts.movements({code}, Phases(lo, hi))
        result = rules.reconcile(title, items, {code}, moves, (), lo, hi)
    if cooperative:
        coop = facts.cooperative(cooperative)
        result = rules.Reconciliation(result.title, result.for_cooperative(coop))
    return result


# -- settlement ----------------------------------------------------------------------------------


def settlement(facts: ConsignmentFacts, cooperative: str, scope: Scope) -> rules.Statement:
    """A cooperative's statement for a fair or a period: its sale and refund lines (products
    named in the facts' language) and the payouts made for the same scope."""
    coop = facts.cooperative(cooperative)
    if scope.fair:
        info = facts.fair(scope.fair)
        title = fair_title(info)
        found = facts.lines(coop, info, None, None)
        paid = facts.payouts(coop, info, None, None)
    else:
        title = period_title(scope.start, scope.end)
        found = facts.lines(coop, None, scope.start, scope.end)
        paid = facts.payouts(coop, None, scope.start, scope.end)
    names = {sku: item.name for sku, item in facts.items().items()}
    found = [replace(line, name=names.get(line.sku, line.name)) for line in found]
    return rules.settle(coop, title, found, paid)


def statement_code(statement: rules.Statement, scope: Scope) -> str:
    return rules.statement_code(statement, scope.code)


def balance(lines: Iterable[rules.Line], payouts: Iterable[rules.Payout]) -> dict[str, Cents]:
    """Everything sold (net of refunds and commission) and paid: a cooperative's account."""
    lines, payouts = list(lines), list(payouts)
    net = sum(line.net_cents for line in lines)
    commission = sum(line.commission_cents for line in lines)
    paid = sum(p.amount_cents for p in payouts)
    return {
        "net_cents": net,
        "commission_cents": commission,
        "payable_cents": net - commission,
        "paid_cents": paid,
        "balance_cents": net - commission - paid,
    }
