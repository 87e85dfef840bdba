"""Applying a pulled catalog page on the till (docs/sync.md, "Pull").

A page holds full states of rows in commit order, and the same row may come several
times.  Applied one change after the other, a page goes through states that are not valid
on the till: a barcode given back to a product still held, mid-page, by the product it
was lent to; two products swapping barcodes; a SKU freed and taken in one change set.  So
a page is applied as its *final* state: the last state of each row, references first
(fairs, locations, cooperatives, categories, then products and users), and the codes that
must stay unique (barcodes, SKUs, user names) are released before they are assigned.  A
till that applies every page this way ends with the server's catalog, whatever head office
did between two pulls and however the changes were paged.

Rows are matched by their server identity (a product's or a user's ``uuid``), else by
their code (a till that had the demo catalog before it was enrolled).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session, selectinload

from coopos.db.models import (
    Category,
    Cooperative,
    Fair,
    Location,
    Product,
    ProductBarcode,
    User,
    new_uuid,
)
from coopos.protocol import catalog_page
from coopos.services.catalog import index_text, reindex_texts, search_text

log = logging.getLogger(__name__)

ENTITIES = catalog_page.ENTITIES
_CHUNK = 500  # values per IN (...): far below SQLite's limit on bound parameters


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    items = list(values)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def final_states(changes: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The last state of each row of a page, by entity, in the order of those states."""
    states, unknown = catalog_page.final_states(changes)
    for entity in unknown:
        log.warning("pulled an unknown catalog entity %r: ignored", entity)
    return states


def apply_changes(session: Session, changes: list[dict[str, Any]]) -> set[int]:
    """Apply one pulled page, search index included; returns the ids of the products
    whose search text may have changed."""
    states = final_states(changes)
    _apply_fairs(session, states["fair"])
    _apply_locations(session, states["location"])
    renamed = _apply_cooperatives(session, states["cooperative"])
    _apply_categories(session, states["category"])
    texts, others = _apply_products(session, states["product"])
    _apply_users(session, states["user"])
    session.flush()
    if renamed:  # a cooperative's names are in its products' search text
        others |= set(
            session.execute(select(Product.id).where(Product.cooperative_id.in_(renamed)))
            .scalars()
            .all()
        )
    products: list[Product] = []
    for chunk in _chunks(others - set(texts)):
        products += session.execute(
            select(Product)
            .where(Product.id.in_(chunk))
            .options(selectinload(Product.barcodes), selectinload(Product.cooperative))
        ).scalars()
    reindex_texts(session, {**texts, **{p.id: search_text(p) for p in products}})
    return set(texts) | others


# -- rows keyed by a code ------------------------------------------------------------------


def _by_code(session: Session, model: Any, codes: Iterable[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for chunk in _chunks(set(codes)):
        for row in session.execute(select(model).where(model.code.in_(chunk))).scalars():
            found[row.code] = row
    return found


def _rows(session: Session, model: Any, states: list[dict[str, Any]]) -> list[tuple[dict, Any]]:
    """Each state with its row (a new one, added to the session, if the till has none)."""
    existing = _by_code(session, model, (d["code"] for d in states))
    pairs = []
    for data in states:
        row = existing.get(data["code"])
        if row is None:
            row = model(code=data["code"])
            session.add(row)
        pairs.append((data, row))
    return pairs


def _names(target: Any, data: dict[str, Any]) -> None:
    for lang in ("ar", "fr", "en", "zgh"):
        key = f"name_{lang}"
        if key in data:
            setattr(target, key, data[key])


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _apply_fairs(session: Session, states: list[dict[str, Any]]) -> None:
    with session.no_autoflush:  # new rows are inserted filled, at the next flush
        for data, row in _rows(session, Fair, states):
            row.name, row.city = data.get("name") or data["code"], data.get("city") or ""
            row.starts_on, row.ends_on = _date(data.get("starts_on")), _date(data.get("ends_on"))
    session.flush()


def _apply_locations(session: Session, states: list[dict[str, Any]]) -> None:
    fairs = _by_code(session, Fair, (d["fair"] for d in states if d.get("fair")))
    with session.no_autoflush:
        for data, row in _rows(session, Location, states):
            row.kind, row.name = data["kind"], data.get("name") or data["code"]
            row.active = bool(data.get("active", True))
            fair = fairs.get(data.get("fair") or "")
            row.fair_id = fair.id if fair else None
    session.flush()


def _apply_cooperatives(session: Session, states: list[dict[str, Any]]) -> set[int]:
    """Returns the ids of the cooperatives whose names changed."""
    renamed = []
    with session.no_autoflush:
        for data, row in _rows(session, Cooperative, states):
            before = row.names
            _names(row, data)
            for key in ("odco_number", "ice", "phone", "city"):
                setattr(row, key, data.get(key) or "")
            row.commission_bp = int(data.get("commission_bp") or 0)
            row.active = bool(data.get("active", True))
            if row.id is not None and row.names != before:
                renamed.append(row)
    session.flush()
    return {row.id for row in renamed}


def _apply_categories(session: Session, states: list[dict[str, Any]]) -> None:
    with session.no_autoflush:
        for data, row in _rows(session, Category, states):
            _names(row, data)
    session.flush()


def _references(session: Session, model: Any, codes: set[str]) -> dict[str, Any]:
    """Rows a product names, with a placeholder for one an old server did not send first."""
    found = _by_code(session, model, codes)
    for code in codes - set(found):
        found[code] = model(code=code, name_fr=code)
        session.add(found[code])
    return found


# -- products: SKUs and barcodes are unique --------------------------------------------------


def _aside(row: Any, column: str) -> str:
    """A value no real code has, to park a unique code until its final value is set."""
    return f"~{row.id}~{getattr(row, column)}"[:64]


def _match(
    states: list[dict[str, Any]], key: str, by_uuid: dict[str, Any], by_key: dict[str, Any]
) -> list[tuple[dict[str, Any], Any]]:
    """Each state with the till row it updates (None: a new row): the row with its uuid,
    else the row with its code unless that row is another state's by uuid."""
    page_uuids = {d["uuid"] for d in states if d.get("uuid")}
    taken: set[int] = set()
    pairs = []
    for data in states:
        row = by_uuid.get(data.get("uuid") or "")
        if row is None:
            candidate = by_key.get(data[key])
            if (
                candidate is not None
                and candidate.uuid not in page_uuids
                and candidate.id not in taken
            ):
                row = candidate
        if row is not None:
            taken.add(row.id)
        pairs.append((data, row))
    return pairs


def _to_park(pairs: list[tuple[dict, Any]], key: str, holders: dict[str, Any]) -> list[Any]:
    """The rows whose code (``key``) must be parked before anyone takes one: the rows
    that get another one, and rows outside the page that hold one the page gives away (a
    till's own product whose SKU head office gave to another: it keeps the parked one)."""
    mine = {row.id for _data, row in pairs if row is not None}
    moving = [row for data, row in pairs if row is not None and getattr(row, key) != data[key]]
    for code, holder in holders.items():
        if holder.id not in mine:
            log.warning("the till's %s %s gives way to head office's", key, code)
            moving.append(holder)
    return moving


@dataclass
class _Row:
    """A till product as a page sees it (read and written with plain statements: a page
    of 1,000 products through the ORM's unit of work costs seconds)."""

    id: int
    uuid: str
    sku: str


def _product_rows(session: Session, states: list[dict[str, Any]]) -> tuple[dict, dict]:
    """The till's products with the page's uuids, and with its SKUs (one object per row)."""
    rows: dict[int, _Row] = {}
    found: dict[str, dict[str, _Row]] = {"uuid": {}, "sku": {}}
    for column in ("uuid", "sku"):
        for chunk in _chunks({d.get(column) for d in states} - {None, ""}):
            query = select(_TABLE.c.id, _TABLE.c.uuid, _TABLE.c.sku)
            for r in session.execute(query.where(_TABLE.c[column].in_(chunk))):
                row = rows.setdefault(r.id, _Row(r.id, r.uuid, r.sku))
                found[column][getattr(row, column)] = row
    return found["uuid"], found["sku"]


_NAMES = tuple(f"name_{lang}" for lang in ("ar", "fr", "en", "zgh"))
_TABLE = Product.__table__
_PARK = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("row_id"))
    .values(sku=bindparam("parked"), version=_TABLE.c.version + 1)
)


def _columns(data: dict[str, Any], row: _Row | None, coops: dict, categories: dict) -> dict:
    category = categories[data["category"]] if data.get("category") else None
    return {
        "uuid": data.get("uuid") or (row.uuid if row else new_uuid()),
        "sku": data["sku"],
        **{name: data.get(name) for name in _NAMES},
        "cooperative_id": coops[data["cooperative"]].id,
        "category_id": category.id if category else None,
        "unit": data.get("unit") or "piece",
        "sold_by_weight": bool(data.get("sold_by_weight")),
        "price_cents": int(data["price_cents"]),
        "vat_rate": int(data["vat_rate"]),
        "active": bool(data.get("active", True)),
    }


def _write_products(session: Session, rows: list[tuple[dict[str, Any], _Row | None]]) -> None:
    """Update the matched rows (their version moves on) and insert the new ones."""
    updates = [
        {"row_id": row.id, **{f"new_{k}": v for k, v in columns.items()}}
        for columns, row in rows
        if row is not None
    ]
    if updates:
        setting = {name: bindparam(f"new_{name}") for name in rows[0][0]}
        statement = update(_TABLE).where(_TABLE.c.id == bindparam("row_id"))
        session.execute(statement.values({**setting, "version": _TABLE.c.version + 1}), updates)
    new = [columns for columns, row in rows if row is None]
    if new:
        session.execute(insert(_TABLE), new)


def _apply_products(
    session: Session, states: list[dict[str, Any]]
) -> tuple[dict[int, str], set[int]]:
    """Returns the search text of the page's products by id, and the ids of other
    products that lost a barcode to them."""
    if not states:
        return {}, set()
    coops = _references(session, Cooperative, {d["cooperative"] for d in states})
    categories = _references(
        session, Category, {d["category"] for d in states if d.get("category")}
    )
    session.flush()
    by_uuid, by_sku = _product_rows(session, states)
    pairs = _match(states, "sku", by_uuid, by_sku)
    parked = _to_park(pairs, "sku", by_sku)
    if parked:
        session.execute(_PARK, [{"row_id": r.id, "parked": _aside(r, "sku")} for r in parked])
    rows = [(_columns(data, row, coops, categories), row) for data, row in pairs]
    _write_products(session, rows)
    ids = {sku: row.id for sku, row in _product_rows(session, states)[1].items()}
    barcodes = {d["sku"]: sorted(set(d.get("barcodes") or [])) for d in states}
    others = _assign_barcodes(session, {ids[sku]: codes for sku, codes in barcodes.items()})
    texts = {
        ids[c["sku"]]: index_text(
            c["sku"], (c[name] for name in _NAMES), barcodes[c["sku"]], coops[d["cooperative"]]
        )
        for (c, _row), d in zip(rows, states, strict=True)
    }
    return texts, others


def _assign_barcodes(session: Session, owners: dict[int, list[str]]) -> set[int]:
    """Give each product exactly its barcodes, taking them from whoever holds them (head
    office owns the catalog); returns the other products that lost one."""
    owner = {code: pid for pid, codes in owners.items() for code in codes}
    table = ProductBarcode.__table__
    losers: set[int] = set()
    for chunk in _chunks(owner):
        losers.update(
            session.execute(select(table.c.product_id).where(table.c.barcode.in_(chunk))).scalars()
        )
    for chunk in _chunks(owners):
        session.execute(delete(table).where(table.c.product_id.in_(chunk)))
    for chunk in _chunks(owner):
        session.execute(delete(table).where(table.c.barcode.in_(chunk)))
    if owner:
        session.execute(
            insert(table), [{"barcode": code, "product_id": pid} for code, pid in owner.items()]
        )
    for row in list(session.identity_map.values()):  # the ORM's barcodes are stale now
        if isinstance(row, Product):
            session.expire(row)
        elif isinstance(row, ProductBarcode):
            session.expunge(row)
    return losers - set(owners)


def _lookup(session: Session, model: Any, column: str, values: Iterable[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    attr = getattr(model, column)
    for chunk in _chunks({v for v in values if v}):
        for row in session.execute(select(model).where(attr.in_(chunk))).scalars():
            found[getattr(row, column)] = row
    return found


# -- users: names are unique ----------------------------------------------------------------


def _apply_users(session: Session, states: list[dict[str, Any]]) -> None:
    withdrawn = [d["uuid"] for d in states if d.get("withdrawn")]
    if withdrawn:  # a user of another location (or one moved away): no PIN hash stays here
        for row in _lookup(session, User, "uuid", withdrawn).values():
            row.active, row.pin_hash = False, "!"
    states = [d for d in states if not d.get("withdrawn")]
    if not states:
        session.flush()
        return
    by_uuid = _lookup(session, User, "uuid", (d.get("uuid") for d in states))
    by_name = _lookup(session, User, "name", (d["name"] for d in states))
    pairs = _match(states, "name", by_uuid, by_name)
    parked = _to_park(pairs, "name", by_name)
    for row in parked:
        row.name = _aside(row, "name")
    if parked:
        session.flush()
    with session.no_autoflush:
        for data, found in pairs:
            row = found if found is not None else User(uuid=data["uuid"])
            if found is None:
                session.add(row)
            elif row.uuid != data["uuid"]:
                row.uuid = data["uuid"]
            row.name, row.role, row.pin_hash = data["name"], data["role"], data["pin_hash"]
            row.language = data.get("language")
            row.active = bool(data.get("active", True))
    session.flush()
