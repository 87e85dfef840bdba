"""Pulled catalog pages converge (issue 13, item 1): whatever head office did between two
pulls (barcodes moved, given back, swapped; a product replaced by a new SKU; names,
prices, VAT, cooperatives and categories changed; products deactivated and brought back),
and whatever the page size, every till ends with exactly the server's catalog.

Head office edits through its real write paths (``admin.update_product``, the PUT of
the API, and ``admin.import_catalog``); tills are real ones (``coopos.services.sync``)
talking to the server in-process."""

from __future__ import annotations

import contextlib
import itertools
import shutil
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from coopos.db.models import Category as TillCategory
from coopos.db.models import Cooperative as TillCooperative
from coopos.db.models import Product as TillProduct
from coopos.domain.errors import ValidationError
from coopos.server import admin
from coopos.server import sync as server_sync
from coopos.server.app import create_app
from coopos.server.models import Category, Cooperative, Product
from coopos.services import lookups, setup, sync
from coopos.services.catalog import search_text
from coopos.services.context import Context

SERVER = "http://testserver"
HEADER = "sku,barcode,name_fr,name_ar,cooperative,category,unit,price,vat_rate\n"
START = [
    ("P1", "1001|1002", "Huile d'argan", "زيت أركان", "TIFAW", "oil", "piece", "60.00", "10"),
    ("P2", "2001", "Amlou", "أملو", "TIFAW", "food", "piece", "45.00", "20"),
    ("P3", "3001|3002", "Amandes", "لوز", "LOUZ", "food", "kg", "130.00", "0"),
    ("P4", "", "Safran 1 g", "زعفران", "LOUZ", "", "piece", "45.00", "20"),
]
BARCODES = ("1001", "1002", "2001", "3001", "3002", "4001", "5001", "6001")
COOPS = ("TIFAW", "LOUZ", "Coopérative Amal")
CATEGORIES = ("oil", "food", "Épices", "")
NAMES = ("name_ar", "name_fr", "name_en", "name_zgh")
COLUMNS = ("sku", "uuid", *NAMES, "unit", "sold_by_weight", "price_cents", "vat_rate", "active")


# -- head office -----------------------------------------------------------------------------


def _csv(path: Path, rows) -> Path:
    path.write_text(HEADER + "".join(",".join(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _row(db, sku: str, barcodes: list[str] | None = None) -> tuple[str, ...]:
    """A product as an import row, with other barcodes if given."""
    p = admin.get_product(db, sku)
    codes = p["barcodes"] if barcodes is None else barcodes
    return (
        sku,
        "|".join(codes),
        p["name_fr"] or sku,
        p["name_ar"] or "",
        p["cooperative"],
        p["category"] or "",
        p["unit"],
        f"{p['price_cents'] / 100:.2f}",
        str(p["vat_rate"]),
    )


def _skus(db) -> list[str]:
    with db.read() as s:
        return sorted(s.execute(select(Product.sku)).scalars())


def _owner(db, barcode: str) -> str | None:
    return next(
        (sku for sku in _skus(db) if barcode in admin.get_product(db, sku)["barcodes"]), None
    )


def _edit(db, sku: str, **changes) -> None:
    admin.update_product(db, sku, admin.get_product(db, sku)["version"], changes)


@dataclass
class World:
    db: object
    client: TestClient
    folder: Path
    tills: list[Context]
    imports: int = 0

    def import_rows(self, rows) -> None:
        self.imports += 1
        admin.import_catalog(self.db, _csv(self.folder / f"import{self.imports}.csv", rows))


def edit(world: World, pick: int, field: str, value) -> None:
    skus = _skus(world.db)
    sku = skus[pick % len(skus)]
    if field == "cooperative":
        with world.db.read() as s:
            codes = sorted(s.execute(select(Cooperative.code)).scalars())
        value = codes[value % len(codes)]
    elif field == "category":
        with world.db.read() as s:
            codes = ["", *sorted(s.execute(select(Category.code)).scalars())]
        value = codes[value % len(codes)]
    _edit(world.db, sku, **{field: value})


def move_barcode(world: World, barcode: str, pick: int, keep_first: bool) -> None:
    """Head office takes a barcode from its product (if any) and gives it to another,
    in two edits (the API refuses a barcode another product holds)."""
    skus = _skus(world.db)
    target = skus[pick % len(skus)]
    owner = _owner(world.db, barcode)
    if owner == target:
        return
    if owner is not None:
        left = [b for b in admin.get_product(world.db, owner)["barcodes"] if b != barcode]
        _edit(world.db, owner, barcodes=left)
    have = admin.get_product(world.db, target)["barcodes"]
    _edit(world.db, target, barcodes=([] if not keep_first else have) + [barcode])


def swap(world: World, a: int, b: int) -> None:
    """Two products swap their barcodes in one import (one change set)."""
    skus = _skus(world.db)
    first, second = skus[a % len(skus)], skus[b % len(skus)]
    if first == second:
        return
    mine = admin.get_product(world.db, first)["barcodes"]
    theirs = admin.get_product(world.db, second)["barcodes"]
    world.import_rows([_row(world.db, first, theirs), _row(world.db, second, mine)])


def replace_sku(world: World, pick: int) -> None:
    """A product is replaced by a new SKU: the new one takes its barcodes in one import,
    then the old one is deactivated."""
    skus = _skus(world.db)
    old = skus[pick % len(skus)]
    new = f"{old.split('-')[0]}-{len(skus) + 1}"
    if new in skus:
        return
    fresh = (new, *_row(world.db, old)[1:])
    world.import_rows([_row(world.db, old, []), fresh])
    _edit(world.db, old, active=False)


def import_product(world: World, barcode: str, coop: int, category: int, price: int) -> None:
    """A new product (or a known SKU imported again: reactivated) by a catalog import."""
    skus = _skus(world.db)
    sku = f"N{len(skus) + 1}" if price % 2 else skus[price % len(skus)]
    free = _owner(world.db, barcode) in (None, sku)
    row = (
        sku,
        barcode if free else "",
        f"Produit {price}",
        "",
        COOPS[coop % len(COOPS)],
        CATEGORIES[category % len(CATEGORIES)],
        "piece",
        f"{price / 100:.2f}",
        "20",
    )
    keep = [] if sku not in skus else admin.get_product(world.db, sku)["barcodes"]
    if keep and free:
        row = (sku, "|".join(sorted({*keep, barcode})), *row[2:])
    elif keep:
        row = (sku, "|".join(keep), *row[2:])
    world.import_rows([row])


def pull(world: World, till: int, page: int) -> None:
    ctx = world.tills[till % len(world.tills)]
    with mock.patch.object(sync, "PULL_PAGE", page):
        sync.sync_once(ctx, world.client)


names = st.text(alphabet="abcأبتⵜⵉ '-", min_size=1, max_size=12)
edits = st.one_of(
    st.tuples(st.just("name_fr"), names),
    st.tuples(st.just("name_ar"), names),
    st.tuples(st.just("price_cents"), st.integers(0, 100_000)),
    st.tuples(st.just("vat_rate"), st.sampled_from([0, 7, 10, 14, 20])),
    st.tuples(st.just("active"), st.booleans()),
    st.tuples(st.just("cooperative"), st.integers(0, 5)),
    st.tuples(st.just("category"), st.integers(0, 5)),
)
steps = st.one_of(
    st.builds(lambda p, e: ("edit", p, *e), st.integers(0, 20), edits),
    st.tuples(st.just("move"), st.sampled_from(BARCODES), st.integers(0, 20), st.booleans()),
    st.tuples(st.just("swap"), st.integers(0, 20), st.integers(0, 20)),
    st.tuples(st.just("replace"), st.integers(0, 20)),
    st.tuples(
        st.just("import"),
        st.sampled_from(BARCODES),
        st.integers(0, 5),
        st.integers(0, 5),
        st.integers(0, 100_000),
    ),
    st.tuples(st.just("pull"), st.integers(0, 2), st.sampled_from([2, 3, 5, 500])),
    st.just(("enroll",)),
)
ACTIONS = {
    "edit": edit,
    "move": move_barcode,
    "swap": swap,
    "replace": replace_sku,
    "import": import_product,
    "pull": pull,
}


# -- comparing catalogs ------------------------------------------------------------------------


def server_catalog(db) -> dict:
    with db.read() as s:
        products = s.execute(
            select(Product).options(
                selectinload(Product.barcodes),
                selectinload(Product.cooperative),
                selectinload(Product.category),
            )
        ).scalars()
        return {
            "products": {
                p.sku: {k: v for k, v in server_sync.product_data(p).items() if k != "version"}
                for p in products
            },
            "cooperatives": {
                c.code: (c.names, c.commission_bp, c.active)
                for c in s.execute(select(Cooperative)).scalars()
            },
            "categories": {c.code: c.names for c in s.execute(select(Category)).scalars()},
        }


def till_catalog(ctx: Context) -> dict:
    with ctx.read() as s:
        products = (
            s.execute(
                select(TillProduct).options(
                    selectinload(TillProduct.barcodes),
                    selectinload(TillProduct.cooperative),
                    selectinload(TillProduct.category),
                )
            )
            .scalars()
            .all()
        )
        for p in products:  # the search index follows every change, barcodes included
            indexed = s.execute(
                text("SELECT text FROM product_search WHERE rowid = :id"), {"id": p.id}
            ).scalar()
            assert indexed == search_text(p), p.sku
            for b in p.barcodes:
                assert lookups.product(s, b.barcode).sku == p.sku
        return {
            "products": {
                p.sku: {
                    **{column: getattr(p, column) for column in COLUMNS},
                    "cooperative": p.cooperative.code,
                    "category": p.category.code if p.category else None,
                    "barcodes": sorted(b.barcode for b in p.barcodes),
                }
                for p in products
            },
            "cooperatives": {
                c.code: (c.names, c.commission_bp, c.active)
                for c in s.execute(select(TillCooperative)).scalars()
            },
            "categories": {c.code: c.names for c in s.execute(select(TillCategory)).scalars()},
        }


# -- the tests -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def till_template(tmp_path_factory) -> Path:
    """A new till (set up, not enrolled, no products), copied for each till of a test."""
    path = tmp_path_factory.mktemp("till") / "till.db"
    ctx = Context.open(path)
    setup.init_database(ctx, admin_pin="730518")
    ctx.close()
    return path


@pytest.fixture
def world_factory(fresh_db, till_template, tmp_path):
    """A fresh server with the starting catalog and two enrolled tills."""
    client = TestClient(create_app(database=fresh_db()), base_url=SERVER).__enter__()
    made: list[World] = []
    numbers = itertools.count()

    def close() -> None:
        while made:
            for ctx in made.pop().tills:
                ctx.close()

    def make() -> World:
        close()
        folder = tmp_path / f"world{next(numbers)}"
        folder.mkdir()
        world = World(fresh_db(), client, folder, [])
        made.append(world)
        world.import_rows(START)
        for _ in range(2):
            enroll(world, till_template)
        return world

    yield make
    close()
    client.__exit__(None, None, None)


def enroll(world: World, template: Path) -> Context:
    path = world.folder / f"till{len(world.tills)}.db"
    shutil.copyfile(template, path)
    ctx = Context.open(path)
    sync.enroll(ctx, SERVER, admin.add_device(world.db).code, transport=world.client)
    world.tills.append(ctx)
    return ctx


def run(world: World, template: Path, plan, last_page: int) -> None:
    for step in plan:
        if step[0] == "enroll":
            if len(world.tills) < 3:  # the till enrolled late pulls everything at once
                enroll(world, template)
            continue
        with contextlib.suppress(ValidationError):  # head office's rules refused it: no change
            ACTIONS[step[0]](world, *step[1:])
    expected = server_catalog(world.db)
    for n, ctx in enumerate(world.tills):
        pull(world, n, last_page)
        assert till_catalog(ctx) == expected, f"till {n}"


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=st.lists(steps, min_size=1, max_size=14), last_page=st.sampled_from([2, 7, 500]))
def test_every_till_ends_with_the_servers_catalog(world_factory, till_template, plan, last_page):
    world = world_factory()
    run(world, till_template, [*plan, ("enroll",)], last_page)


# -- the faults found, one by one ----------------------------------------------------------------


def test_a_barcode_taken_away_and_given_back_before_a_pull(world_factory, till_template):
    """The till's pull crashed with "Instance <ProductBarcode> has been deleted" on every
    retry, and a newly enrolled till got no product at all."""
    world = world_factory()
    plan = [
        ("move", "1001", 1, True),  # P1's barcode to P2...
        ("move", "1001", 0, True),  # ... and back
        ("enroll",),
    ]
    run(world, till_template, plan, 500)


def test_two_products_swap_their_barcodes_in_one_import(world_factory, till_template):
    """Head office's import refused the swap (a unique barcode taken before it was freed);
    a till that pulls the swap in one page applies it whole."""
    world = world_factory()
    run(world, till_template, [("swap", 0, 2), ("enroll",)], 500)
    assert admin.get_product(world.db, "P1")["barcodes"] == ["3001", "3002"]


def test_a_product_replaced_by_a_new_sku(world_factory, till_template):
    world = world_factory()
    run(world, till_template, [("replace", 0), ("pull", 0, 1), ("replace", 4)], 2)
    assert not admin.get_product(world.db, "P1")["active"]
