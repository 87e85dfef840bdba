"""Issue 14: one consignment engine for the till and the server.  Hypothesis makes up
fairs (goods dispatched from several cooperatives, sales on two tills with refunds,
payouts, an end-of-fair count), runs them on real till databases, syncs them to the
server (SQLite, and PostgreSQL when COOPOS_TEST_DATABASE_URL is set) and checks that the
engine over the server's facts says to the centime what it says over the tills' facts:
every cooperative's statement for the fair and for the day, and the reconciliations."""

from __future__ import annotations

import itertools
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from coopos.db.models import Sale as SaleRow
from coopos.domain import consignment as rules
from coopos.domain import consignment_engine as engine
from coopos.server import admin as server_admin
from coopos.server import consignment as server_consignment
from coopos.server.consignment_facts import ServerFacts
from coopos.services import consignment, lookups, refunds, setup, shifts, sync
from coopos.services.checkout import Approver, Checkout
from coopos.services.consignment_facts import TillFacts
from coopos.services.context import Context
from tests.integration.test_two_tills import SERVER, server, server_url  # noqa: F401

GOODS = {  # cooperative -> its products in the demo catalog (CSC-VRAC is weighed)
    "TIFAW": ("ARG-OIL-100", "AML-250"),
    "ASAFU": ("SAF-1G",),
    "BARAK": ("CSC-VRAC",),
}
SKUS = [sku for skus in GOODS.values() for sku in skus]
WEIGHED = {"CSC-VRAC"}
NUMBER = itertools.count(1)
# Every till made on one server, across examples: the server's statement of a day holds
# all of their sales.
TILLS: dict[str, list] = {}


def quantity(sku: str, low: int, high: int):
    if sku in WEIGHED:  # grams, as the scale gives them
        return st.integers(low * 250, high * 250).map(lambda g: Decimal(g) / 1000)
    return st.integers(low, high).map(Decimal)


@dataclass(frozen=True)
class Sale:
    till: int  # 0 or 1
    lines: tuple[tuple[str, Decimal], ...]
    refunded: bool  # the first line's whole quantity comes back


@st.composite
def fairs(draw):
    sent = {
        sku: draw(quantity(sku, 4, 12)) for sku in SKUS if draw(st.booleans()) or sku == "SAF-1G"
    }
    sellable = sorted(sent)
    sale = st.builds(
        Sale,
        st.integers(0, 1),
        st.lists(
            st.sampled_from(sellable).flatmap(
                lambda sku: quantity(sku, 1, 2).map(lambda q: (sku, q))
            ),
            min_size=1,
            max_size=2,
            unique_by=lambda line: line[0],
        ).map(tuple),
        st.booleans(),
    )
    sales = draw(st.lists(sale, min_size=1, max_size=5))
    payouts = draw(
        st.lists(
            st.tuples(st.integers(0, 1), st.sampled_from(sorted(GOODS)), st.integers(100, 50_000)),
            max_size=2,
        )
    )
    off_by = {sku: draw(st.sampled_from((-1, 0, 0, 1))) for sku in sellable}
    return sent, sales, payouts, off_by


def admin(ctx):
    with ctx.read() as s:
        return lookups.user_by_name(s, "Admin")


def local_day(tills) -> date:
    """The day the fair's sales were made (a till's local day, as statements use)."""
    for ctx in tills:
        with ctx.read() as s:
            first = s.execute(select(SaleRow.created_local).limit(1)).scalar()
        if first:
            return date.fromisoformat(first[:10])
    raise AssertionError("every example sells")


def new_till(path, db, client, stand) -> Context:
    ctx = Context.open(path)
    setup.init_database(ctx, admin_pin="730518", shop_name="Stand")
    code = server_admin.add_device(db, location=stand).code
    sync.enroll(ctx, SERVER, code, transport=client)
    sync.sync_once(ctx, client)  # the catalog, the fair and its stand
    shifts.open_shift(ctx, admin(ctx).id, 0)
    return ctx


def sell(ctx, lines):
    checkout = Checkout(ctx, admin(ctx))
    for sku, qty in lines:
        checkout.scan(sku, qty)
    checkout.start_payment()
    checkout.pay_exact()
    return checkout.complete()


class TillsFacts:
    """The facts of several tills of one fair read as one database: what the server
    should hold once they all synced.  Each till's own reader answers; lists are joined."""

    def __init__(self, readers: list[TillFacts]):
        self.readers = readers
        self.first = readers[0]
        self.language = self.first.language

    def __getattr__(self, name):  # items, cooperative, fair, location, parties: the same
        return getattr(self.first, name)

    def stands(self, fair):
        return set().union(*(r.stands(fair) for r in self.readers))

    def counts(self, fair, stands):
        return [c for r in self.readers for c in r.counts(fair, stands)]

    def movements(self, locations, phases):
        return [m for r in self.readers for m in r.movements(locations, phases)]

    def lines(self, cooperative, fair, start, end):
        return [line for r in self.readers for line in r.lines(cooperative, fair, start, end)]

    def payouts(self, cooperative, fair, start, end):
        return [p for r in self.readers for p in r.payouts(cooperative, fair, start, end)]


def same_statement(mine: rules.Statement, theirs: rules.Statement, scope) -> None:
    assert theirs == mine, scope
    assert theirs.balance_cents == mine.balance_cents
    assert engine.statement_code(theirs, scope) == engine.statement_code(mine, scope)


@contextmanager
def reopened_tills(paths):
    opened = [Context.open(path) for path in paths]
    try:
        yield opened
    finally:
        for ctx in opened:
            ctx.close()


def same_reconciliation(mine: rules.Reconciliation, theirs: rules.Reconciliation) -> None:
    """Equal to the milli-unit and the centime (the readers may sum movements in other
    groups: the rows, not how they were added, must agree)."""
    assert theirs.title == mine.title
    assert theirs.rows == mine.rows
    assert [r.variance_cents for r in theirs.rows] == [r.variance_cents for r in mine.rows]


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(fair=fairs())
def test_the_server_and_the_tills_agree_to_the_centime(server, tmp_path, fair):  # noqa: F811
    db, client = server
    sent, sales, payouts, off_by = fair
    n = next(NUMBER)
    code, stand = f"PROP{n}", f"STAND-PROP{n}"
    server_admin.add_fair(db, code, f"Foire {n}", "Agadir")
    server_admin.add_location(db, stand, "stand", f"Stand {n}", fair=code)
    tills = [new_till(tmp_path / f"{code}-{i}.db", db, client, stand) for i in (0, 1)]
    earlier = TILLS.setdefault(str(db.engine.url), [])
    try:
        for coop, skus in GOODS.items():
            items = [(sku, str(sent[sku])) for sku in skus if sku in sent]
            if items:
                consignment.dispatch(tills[0], code, items, f"COOP:{coop}")
        for sale in sales:
            ctx = tills[sale.till]
            done = sell(ctx, sale.lines)
            if sale.refunded:
                sku, qty = sale.lines[0]
                refunds.refund(ctx, done.receipt_no, Approver.of(admin(ctx)), [(sku, qty)])
        for till, coop, cents in payouts:
            consignment.add_payout(tills[till], coop, cents, "cash", fair_code=code)
        with tills[0].read() as s:
            books = {r.sku: r.counted for r in consignment.reconciliation(s, code).rows}
        counted = [(sku, str(max(books[sku] + off_by[sku], Decimal(0)))) for sku in books]
        consignment.count_fair(tills[0], code, counted, admin(tills[0]).id)
        for ctx in tills:
            assert sync.sync_once(ctx, client).waiting == 0
        earlier.extend(ctx.path for ctx in tills)

        today = local_day(tills)
        with db.read() as s:
            server_facts = ServerFacts(s, "fr")
            for ctx in tills:
                with ctx.read() as t:
                    # each till alone: its own lines are the server's lines from it
                    alone = TillFacts(t, "fr")
                    for coop in GOODS:
                        mine = alone.lines(coop, alone.fair(code), None, None)
                        numbers = {line.receipt_no for line in mine}
                        theirs = server_facts.lines(coop, server_facts.fair(code), None, None)
                        assert sorted(mine, key=repr) == sorted(
                            (x for x in theirs if x.receipt_no in numbers), key=repr
                        )
            with tills[0].read() as ta, tills[1].read() as tb:
                both = TillsFacts([TillFacts(ta, "fr"), TillFacts(tb, "fr")])
                for coop in GOODS:
                    scope = engine.Scope.of(code)
                    same_statement(
                        engine.settlement(both, coop, scope),
                        server_consignment.settlement(s, coop, scope, "fr"),
                        scope,
                    )
                # a day: every till's sales of the day, at this fair and the ones before
                with reopened_tills(earlier) as every_till, ExitStack() as stack:
                    every = TillsFacts(
                        [TillFacts(stack.enter_context(t.read()), "fr") for t in every_till]
                    )
                    for coop in GOODS:
                        scope = engine.Scope.of(None, today, today)
                        same_statement(
                            engine.settlement(every, coop, scope),
                            server_consignment.settlement(s, coop, scope, "fr"),
                            scope,
                        )
                same_reconciliation(
                    engine.reconciliation(both, code),
                    server_consignment.reconciliation(s, code, language="fr"),
                )
                same_reconciliation(
                    engine.reconciliation(both, None, stand, today, today),
                    server_consignment.reconciliation(s, None, None, "fr", stand, today, today),
                )
    finally:
        for ctx in tills:
            ctx.close()
